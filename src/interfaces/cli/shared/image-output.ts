/**
 * `--output FILE.png|svg` of the damon-ts reports (dirty, sharing, numa): the picture instead of the
 * text. The name is checked before any work; --json asks for the text form, so both is an error.
 */
import { UsageError } from '../../../config/errors.js';
import { writeImage } from '../../../reports/plot.js';
import { checkImageName } from './args.js';

export function imageOutput(o: { output?: string; json?: boolean }): string | undefined {
  if (o.output === undefined) return undefined;
  if (o.json) throw new UsageError('--output draws a picture and --json prints text: give one of them');
  checkImageName(o.output, '--output');
  return o.output;
}

/** Writes the picture of `--output` and says where (stderr: stdout stays for text). */
export function writeOutputImage(path: string, svg: string): void {
  writeImage(path, svg);
  process.stderr.write(`wrote ${path}\n`);
}
