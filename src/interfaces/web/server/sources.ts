/**
 * What `serve` and `exporter` show: a finished record (--record FILE), a live simulated run
 * (--live --workload NAME with damo's monitoring options), or the kdamonds running in the kernel
 * (--kernel: damo's `record ongoing` with tracepoints, which reads damon_aggregated events from a
 * private tracefs instance and changes nothing in DAMON). Shared by both commands.
 */
import { type Command, Option } from 'commander';
import { UsageError } from '../../../config/errors.js';
import { addMonitoringOptions, optionsToKdamonds, type MonitoringOptions } from '../../../config/damo-options.js';
import { simPaddrRegions } from '../../../backends/sim/node-ranges.js';
import { textToUs } from '../../../config/units.js';
import { loadSimWorkload, machineWithWorkload, SimSession } from '../../../runners/sim-session.js';
import { inputFile, intArg, numArg } from '../../cli/commands/report.js';
import { recordOngoing } from '../../../backends/kernel/recorder.js';
import type { Feed } from './feed.js';
import { liveFeed, runSimLive, type LiveRun } from './live-feed.js';
import { recordFeed } from './record-feed.js';

export interface SourceOptions extends MonitoringOptions {
  record?: string;
  live?: boolean;
  kernel?: boolean;
  workload?: string;
  trace?: string;
  speed: string;
  duration?: string;
  seed: string;
}

export function addSourceOptions(cmd: Command): Command {
  cmd
    .addOption(
      new Option(
        '--record <file>',
        'show a record file (damo json / json_compressed / perf_script)',
      ).conflicts('live'),
    )
    .addOption(
      new Option('--live', 'run a simulated monitoring session and show it as it runs').conflicts('kernel'),
    )
    .option(
      '--kernel',
      "show the kdamonds running in this host's kernel (read-only: damon_aggregated tracepoints)",
    )
    .option('--workload <name>', 'built-in workload name or masim .cfg file of the live run (default stairs)')
    .addOption(
      new Option(
        '--trace <file>',
        "replay a trace (valgrind lackey or binary) as the live run's workload",
      ).conflicts('workload'),
    )
    .option('--speed <factor>', 'virtual seconds per wall-clock second of the live run', '1')
    .option(
      '--duration <time>',
      'stop the live run at this virtual time (e.g. "30 s"); default: when the workload ends',
    )
    .option('--seed <n>', 'seed of the simulated machine and contexts', '42');
  return addMonitoringOptions(cmd);
}

export interface OpenedSource {
  feed: Feed;
  /** The live run, if any. */
  run: Pick<LiveRun, 'done' | 'stop'> | null;
}

export async function openSource(o: SourceOptions): Promise<OpenedSource> {
  if (o.record !== undefined) return { feed: await recordFeed(inputFile(o.record)), run: null };
  if (o.kernel) return kernelSource();
  if (!o.live) throw new UsageError('give --record FILE, --live [--workload NAME] or --kernel');
  const speed = numArg(o.speed, '--speed');
  if (!(speed > 0)) throw new UsageError(`--speed: must be positive, got ${o.speed}`);
  const seed = intArg(o.seed, '--seed');
  const w = loadSimWorkload({
    workload: o.workload,
    trace: o.trace === undefined ? undefined : inputFile(o.trace),
  });
  const machine = machineWithWorkload(w, { seed });
  const pid = w.mainPid;
  if (pid === undefined) throw new Error(`workload ${w.name}: no main process to monitor`);
  const extras = { paddrRegions: simPaddrRegions(machine) };
  let config = optionsToKdamonds(o, { kind: 'pid', pid }, extras);
  // Several contexts (e.g. --sample_primitives page_table --sample_primitives page_fault, shown side
  // by side) each monitor the workload's process: one --target_pid per extra context.
  if (config.kdamonds.length > 1 && !o.target_pid)
    config = optionsToKdamonds(
      { ...o, target_pid: Array(config.kdamonds.length - 1).fill(String(pid)) },
      { kind: 'pid', pid },
      extras,
    );
  const feed = liveFeed(`live ${w.name}`);
  const session = new SimSession({ config, machine, sink: feed, seed });
  let untilUs: number | undefined;
  if (o.duration !== undefined) {
    try {
      untilUs = machine.now + textToUs(o.duration);
    } catch (e) {
      throw new UsageError(`--duration: ${(e as Error).message}`);
    }
  }
  return { feed, run: runSimLive(feed, session, { speed, untilUs }) };
}

/** The host's running kdamonds, recorded with tracepoints into a live feed until stop(). */
async function kernelSource(): Promise<OpenedSource> {
  const feed = liveFeed('kernel kdamonds');
  const abort = new AbortController();
  const recording = recordOngoing(feed, { signal: abort.signal });
  // Fail now (no DAMON, nothing running, no tracefs) rather than serving an empty feed.
  const early = await Promise.race([
    recording.then(() => 'ended' as const),
    new Promise<'running'>((r) => setTimeout(() => r('running'), 300)),
  ]);
  if (early === 'ended') throw new Error('--kernel: the kdamonds stopped before anything was recorded');
  const done = recording.then(
    () => feed.end(),
    (e: unknown) => {
      process.stderr.write(
        `damon-ts: kernel recording stopped: ${e instanceof Error ? e.message : String(e)}\n`,
      );
      feed.end();
    },
  );
  return { feed, run: { done, stop: () => abort.abort() } };
}
