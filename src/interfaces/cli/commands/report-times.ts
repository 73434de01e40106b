/** `damon-ts report times` (damo's): when the record has regions of the given access pattern. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { readRecords } from '../../../records/reader.js';
import { filterRecords } from '../../../reports/record-filter.js';
import { formatSpans, snapshotSpans } from '../../../reports/times.js';
import { UsageError } from '../../../config/errors.js';
import { addRecordFilterOptions, type FilterCliOptions, recordFilterOf } from '../shared/record-filter.js';

export function registerTimes(report: Command): void {
  const cmd = report
    .command('times')
    .description('show the times at which the record has regions of the given access pattern')
    .option('--inputs <files...>', 'access pattern and profile record files', [
      'damon.data',
      'damon.data.profile',
    ]);
  addRecordFilterOptions(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n  damon-ts report times --access_rate 50 100\n  damon-ts report times --inputs hc.data hc.data.profile --sz_region 4K 2M',
    )
    .action(async (o: FilterCliOptions & { inputs: string[] }) => {
      if (o.inputs.length !== 2) throw new UsageError(`--inputs takes 2 files, got ${o.inputs.length}`);
      const filter = recordFilterOf(o);
      const path = o.inputs[0]!;
      if (!existsSync(path)) throw new Error(`${path} not found`);
      const records = await readRecords(path);
      filterRecords(records, filter);
      process.stdout.write(formatSpans(snapshotSpans(records)));
    });
}
