/** `damon-ts adjust`: re-aggregate a record into longer windows (damo-report-math.md §6). */
import type { Command } from 'commander';
import { readRecords } from '../../../records/reader.js';
import { writeRecordsFile } from '../../../records/write-file.js';
import { fillAccessUnits } from '../../../reports/access-filter.js';
import { adjustRecords } from '../../../reports/adjust.js';
import { UsageError } from '../../../config/errors.js';
import { inputFile, intArg, numArg } from '../shared/args.js';
import { outputOptions } from '../shared/args.js';
import { inputOption } from '../shared/options.js';

export function register(program: Command): void {
  program
    .command('adjust')
    .description('re-aggregate the snapshots of a record into windows of --aggregate_interval µs')
    .addOption(inputOption())
    .option('-o, --output <file>', 'output file', 'damon.adjusted.data')
    .option('--aggregate_interval <us>', 'new aggregation interval in µs')
    .option('--skip <n>', 'snapshots to drop at the start of each record', '20')
    .option('--output_type <type>', 'json_compressed, json or perf_script', 'json_compressed')
    .option('--output_permission <mode>', 'file mode of the output', '600')
    .addHelpText(
      'after',
      '\nExamples:\n  damon-ts adjust --aggregate_interval 1000000\n  damon-ts adjust --aggregate_interval 1000000 --skip 30 -o adjusted.data',
    )
    .action(
      async (o: {
        input: string;
        output: string;
        aggregate_interval?: string;
        skip: string;
        output_type: string;
        output_permission: string;
      }) => {
        const { format, mode } = outputOptions(o);
        const skip = intArg(o.skip, '--skip');
        const aggr =
          o.aggregate_interval === undefined
            ? undefined
            : numArg(o.aggregate_interval, '--aggregate_interval');
        if (aggr !== undefined && aggr <= 0) throw new UsageError('--aggregate_interval must be positive');
        let records = await readRecords(inputFile(o.input));
        fillAccessUnits(records);
        if (aggr !== undefined) records = adjustRecords(records, aggr, skip);
        writeRecordsFile(o.output, records, format, mode);
      },
    );
}
