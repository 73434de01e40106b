/**
 * `damon-ts report numa`: per-node access breakdown and remote-access fraction of a record made on a
 * NUMA machine (src/reports/numa.ts).
 */
import type { Command } from 'commander';
import { readRecords } from '../../../records/reader.js';
import { computeNuma, formatNuma, numaToJson } from '../../../reports/numa.js';
import { numaPlotSvg } from '../../../reports/numa-plot.js';
import { fdSink } from '../../../reports/output.js';
import { UsageError } from '../../../config/errors.js';
import { inputFile, intArg } from '../shared/args.js';
import { imageOutput, writeOutputImage } from '../shared/image-output.js';
import { inputOption, jsonOption } from '../shared/options.js';

interface NumaCliOptions {
  input: string;
  snapshot: string;
  raw_number?: boolean;
  json?: boolean;
  output?: string;
}

export function registerReportNuma(report: Command): void {
  report
    .command('numa')
    .description(
      "which nodes' CPUs access each region and where its pages live: the remote-access fraction over time",
    )
    .addOption(inputOption())
    .option('--snapshot <index>', 'list the regions of this snapshot (negative: from the end)', '-1')
    .option('--raw_number', 'print numbers without units')
    .addOption(jsonOption())
    .option('--output <file>', 'draw the remote-access fraction over time (.png or .svg) instead of the text')
    .addHelpText(
      'after',
      `
Needs a record of a report-fed context (page_fault sampling) on a machine with several NUMA nodes:
  damon-ts record --workload numa --nodes 2 --sample_primitives page_fault -o numa.data
  damon-ts report numa -i numa.data
  damon-ts report numa -i numa.data --snapshot 10 --json
  damon-ts report numa -i numa.data --output remote.svg`,
    )
    .action(async (o: NumaCliOptions) => {
      const image = imageOutput(o);
      const snapshot = intArg(o.snapshot, '--snapshot');
      const records = await readRecords(inputFile(o.input));
      let views;
      try {
        views = computeNuma(records, snapshot);
      } catch (e) {
        if (e instanceof RangeError) throw new UsageError(e.message);
        throw new Error(`${o.input}: ${(e as Error).message}`);
      }
      if (image) return writeOutputImage(image, numaPlotSvg(views));
      const sink = fdSink();
      sink.write((o.json ? numaToJson(views) : formatNuma(views, o.raw_number === true)) + '\n');
      sink.flush();
    });
}
