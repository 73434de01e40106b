/**
 * `damon-ts report profile` (damo's): perf's report of the CPU profile recorded beside an access
 * record, limited to the times at which the record has regions of the given access pattern.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { pyFloatRepr } from '../../../records/pyformat.js';
import { readRecords } from '../../../records/reader.js';
import { filterRecords } from '../../../reports/record-filter.js';
import { nsToSeconds, snapshotSpans } from '../../../reports/times.js';
import { UsageError } from '../../../config/errors.js';
import { commandAvailable } from '../shared/perf.js';
import { addRecordFilterOptions, type FilterCliOptions, recordFilterOf } from '../shared/record-filter.js';

export function registerProfile(report: Command): void {
  const cmd = report
    .command('profile')
    .description('show the hotspot functions (perf report) of the times having the given access pattern')
    .option('--inputs <files...>', 'access pattern and profile record files', [
      'damon.data',
      'damon.data.profile',
    ])
    .option('--perf_path <path>', 'path of perf', 'perf');
  addRecordFilterOptions(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n  damon-ts report profile --access_rate 50 100 --inputs damon.data prog.perf.data',
    )
    .action(async (o: FilterCliOptions & { inputs: string[]; perf_path: string }) => {
      if (o.inputs.length !== 2) throw new UsageError(`--inputs takes 2 files, got ${o.inputs.length}`);
      const filter = recordFilterOf(o);
      const [path, profile] = o.inputs as [string, string];
      if (!existsSync(path)) throw new Error(`${path} not found`);
      if (!commandAvailable(o.perf_path))
        throw new Error(
          `perf not found at "${o.perf_path}": report profile shows ${profile} through perf report`,
        );
      const records = await readRecords(path);
      filterRecords(records, filter);
      const spans = snapshotSpans(records);
      if (spans.length === 0) throw new Error('no snapshot of the condition found');
      const times = spans.flatMap(([s, e]) => [
        '--time',
        `${pyFloatRepr(nsToSeconds(s))},${pyFloatRepr(nsToSeconds(e))}`,
      ]);
      const r = spawnSync(o.perf_path, ['report', '-i', profile, ...times], { stdio: 'inherit' });
      if (r.error) throw new Error(`${o.perf_path}: ${r.error.message}`);
      if (r.status !== 0) process.exitCode = 1;
    });
}
