/** `damon-ts convert_record_format`: rewrite a record as json_compressed, json or perf_script. */
import type { Command } from 'commander';
import { readRecords } from '../../../records/reader.js';
import { writeRecordsFile } from '../../../records/write-file.js';
import { outputOptions } from './adjust.js';
import { inputFile } from './report.js';

export function register(program: Command): void {
  program
    .command('convert_record_format')
    .description("convert a record file between damo's formats")
    .option('-i, --input <file>', 'record file', 'damon.data')
    .requiredOption('-o, --output <file>', 'output file')
    .option('--output_type <type>', 'json_compressed, json or perf_script', 'json_compressed')
    .option('--output_permission <mode>', 'file mode of the output', '600')
    .addHelpText(
      'after',
      '\nExamples:\n  damon-ts convert_record_format -i damon.data -o damon.json --output_type json\n  damon-ts convert_record_format -i perf.data.script -o damon.data',
    )
    .action(async (o: { input: string; output: string; output_type: string; output_permission: string }) => {
      const { format, mode } = outputOptions(o);
      writeRecordsFile(o.output, await readRecords(inputFile(o.input)), format, mode);
    });
}
