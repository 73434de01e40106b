/**
 * `damon-ts replay [FILE]` (damo's): this process generates real accesses following the record's
 * snapshots, at the recorded times, so that monitoring it (e.g. `damon-ts record PID` or the
 * kernel's DAMON) sees the recorded pattern. The simulated machine's form is `record --replay FILE`,
 * which records the replay as it runs.
 */
import type { Command } from 'commander';
import { replayerThroughput, replayInProcess } from '../../../backends/live/replay-driver.js';
import { fmtSz } from '../../../records/pyformat.js';
import { textToNs } from '../../../records/textnum.js';
import { loadReplayRecord } from '../../../workloads/record-replay.js';
import { textToBytes } from '../../../config/units.js';
import { UsageError } from '../../../config/errors.js';

interface ReplayCliOptions {
  progress_notice_interval?: string;
  test_perf?: boolean;
  test_perf_sz_mem: string;
  test_perf_runtime: string;
}

/** Seconds as damo's text_to_sec reads them: a plain number is seconds, else a time with its unit. */
function secondsOf(option: string, text: string): number {
  let s: number;
  try {
    s = /^\s*[\d.]+\s*$/.test(text) ? Number(text) : Number(textToNs(text)) / 1e9;
  } catch {
    s = NaN;
  }
  if (!(s > 0) || !Number.isFinite(s))
    throw new UsageError(`${option}: expected a positive time (seconds, or e.g. "1 m"), got "${text}"`);
  return s;
}

export function register(program: Command): void {
  program
    .command('replay')
    .description('Replay monitored access pattern')
    .argument('[file]', 'record file to replay', 'damon.data')
    .option('--progress_notice_interval <seconds>', 'time interval between replay progress notice')
    .option('--test_perf', 'measure performance of replayer')
    .option('--test_perf_sz_mem <bytes>', 'size of memory to use for --test_perf', '1 GiB')
    .option('--test_perf_runtime <seconds>', 'runtime of --test_perf', '1 m')
    .addHelpText(
      'after',
      `
This process reads its memory as the record says: in each snapshot, a region with nr_accesses N (in
samples) is read page by page in the first N of the snapshot's aggregation/sample time slices.
Monitor it by its pid to see the pattern again; on the simulated machine, replay and record at once
with "damon-ts record --replay FILE".

Examples:
  damon-ts replay damon.data
  damon-ts record -o replayed.data -- damon-ts replay damon.data   # monitor the replay (kernel DAMON)
  damon-ts record --replay damon.data -o replayed.data             # on the simulated machine
  damon-ts replay --test_perf --test_perf_sz_mem 256M --test_perf_runtime 5`,
    )
    .action(async (file: string, o: ReplayCliOptions) => {
      if (o.test_perf) {
        let bytes: number;
        try {
          bytes = textToBytes(o.test_perf_sz_mem);
        } catch (e) {
          throw new UsageError(`--test_perf_sz_mem: ${(e as Error).message}`);
        }
        if (!(bytes >= 4096))
          throw new UsageError(`--test_perf_sz_mem: expected at least 4 KiB, got "${o.test_perf_sz_mem}"`);
        const runtime = secondsOf('--test_perf_runtime', o.test_perf_runtime);
        replayerThroughput(bytes, runtime * 1000, (rate) =>
          process.stdout.write(`replayer can access ${fmtSz(rate, false)} memory per second\n`),
        );
        return;
      }
      const every =
        o.progress_notice_interval === undefined
          ? 3
          : secondsOf('--progress_notice_interval', o.progress_notice_interval);
      const { plan, nrRecords } = await loadReplayRecord(file);
      if (nrRecords > 1) process.stdout.write('supporting only single record for now\n');
      replayInProcess(plan, {
        progressIntervalMs: every * 1000,
        onProgress: (n, total, ms) =>
          process.stdout.write(`${n}/${total} snapshots replayed in ${(ms / 1000).toFixed(3)} seconds\n`),
      });
      process.stdout.write('all snapshots are replayed\n');
    });
}
