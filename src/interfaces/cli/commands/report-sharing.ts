/**
 * `damon-ts report sharing`: per-thread or per-CPU working sets against the LLC, the sharing
 * matrix and co-scheduling groups of a record (src/reports/sharing.ts).
 */
import type { Command } from 'commander';
import { readRecords } from '../../../records/reader.js';
import { CPU_SYSFS, readLlc } from '../../../reports/llc.js';
import { fdSink } from '../../../reports/output.js';
import { computeSharing, SHARING_DEFAULTS, SLICE_KINDS, type SliceKind } from '../../../reports/sharing.js';
import { textToBytes, UnitError } from '../../../config/units.js';
import { UsageError } from '../../../config/errors.js';
import { inputFile, intArg, numArg } from '../shared/args.js';
import { formatSharing, llcView, sharingJson } from '../../../reports/sharing-format.js';
import { sharingSvg } from '../../../reports/sharing-plot.js';
import { imageOutput, writeOutputImage } from '../shared/image-output.js';
import { inputOption, jsonOption } from '../shared/options.js';

interface SharingCliOptions {
  input: string;
  by?: string;
  json?: boolean;
  llc?: string;
  cpu_sysfs: string;
  min_samples: string;
  min_share: string;
  timeline?: boolean;
  raw_number?: boolean;
  output?: string;
}

export function registerReportSharing(report: Command): void {
  report
    .command('sharing')
    .description(
      'per-thread or per-CPU working sets against the LLC, who shares memory with whom, and co-scheduling groups',
    )
    .addOption(inputOption())
    .option('--by <kind>', 'slices: thread or cpu (default: thread when the record has them)')
    .addOption(jsonOption())
    .option('--llc <size>', 'LLC size to compare against (default: read from the CPU cache sysfs)')
    .option('--cpu_sysfs <dir>', 'where to read the CPU cache info', CPU_SYSFS)
    .option('--min_samples <n>', 'samples a region needs in a window to count as accessed by a slice', '1')
    .option(
      '--min_share <percent>',
      'link two slices sharing at least this % of the smaller working set',
      '25',
    )
    .option('--timeline', "also print each window's working set per slice")
    .option('--raw_number', 'print sizes in bytes')
    .option(
      '--output <file>',
      'draw the sharing matrix as a heat map with a colour bar in bytes (.png or .svg) instead of the text',
    )
    .addHelpText(
      'after',
      `
Examples:
  damon-ts record --workload thread-pairs --sample_primitives page_fault --slices thread -o pairs.data
  damon-ts report sharing -i pairs.data
  damon-ts report sharing -i pairs.data --output sharing.png
  damon-ts record --sample_primitives page_fault --exp_ops_write_only y -- ./prog
  damon-ts report sharing --by thread --json --llc 32M`,
    )
    .action(async (o: SharingCliOptions) => {
      const path = inputFile(o.input);
      const image = imageOutput(o);
      const by = o.by === undefined ? undefined : (o.by as SliceKind);
      if (by !== undefined && !SLICE_KINDS.includes(by))
        throw new UsageError(`--by: '${o.by}' is not one of ${SLICE_KINDS.join(', ')}`);
      let llcOverride: number | undefined;
      if (o.llc !== undefined) {
        try {
          llcOverride = textToBytes(o.llc);
        } catch (e) {
          if (e instanceof UnitError) throw new UsageError(`--llc: ${e.message}`);
          throw e;
        }
        if (!(llcOverride > 0)) throw new UsageError('--llc: the size must be positive');
      }
      const minSamples = intArg(o.min_samples, '--min_samples');
      if (minSamples < 1) throw new UsageError('--min_samples: must be at least 1');
      const minShare = numArg(o.min_share, '--min_share');
      if (!(minShare > 0 && minShare <= 100)) throw new UsageError('--min_share: must be in (0, 100]');
      const records = await readRecords(path);
      let r;
      try {
        r = computeSharing(records, {
          ...SHARING_DEFAULTS,
          minSamples,
          minShare: minShare / 100,
          ...(by ? { by } : {}),
        });
      } catch (e) {
        throw new Error(`${path}: ${(e as Error).message}`);
      }
      if (image) return writeOutputImage(image, sharingSvg(r, o.raw_number === true));
      const llc = llcView(readLlc(o.cpu_sysfs), llcOverride);
      const sink = fdSink();
      sink.write(
        o.json
          ? sharingJson(r, llc)
          : formatSharing(r, llc, {
              raw: o.raw_number === true,
              timeline: o.timeline === true,
              minShare: minShare / 100,
            }),
      );
      sink.flush();
    });
}
