/**
 * What `serve` and `exporter` show: a finished record (--record FILE), a live simulated run
 * (--live --workload NAME with damo's monitoring options), or the kdamonds running in the kernel
 * (--kernel: damo's `record ongoing` with tracepoints, which reads damon_aggregated events from a
 * private tracefs instance and changes nothing in DAMON). Shared by both commands.
 */
import type { MonitoringOptions } from '../../../config/damo-options.js';
import { UsageError } from '../../../config/errors.js';
import { recordOngoing } from '../../../backends/kernel/recorder.js';
import { setupSimRun } from '../../../runners/sim-run.js';
import { loadSimWorkload } from '../../../runners/sim-session.js';
import type { Feed } from './feed.js';
import { liveFeed, runSimLive, type LiveRun } from './live-feed.js';
import { recordFeed } from './record-feed.js';

/** What to show, already parsed (the CLI's source options give it). */
export interface SourceSpec {
  /** A record file to show. */
  record?: string;
  /** A live simulated run. */
  live?: boolean;
  /** The host's running kdamonds. */
  kernel?: boolean;
  /** The live run's workload: built-in name or masim .cfg file, or a trace replayed. */
  workload?: string;
  trace?: string;
  /** Virtual seconds per wall-clock second of the live run. */
  speed: number;
  /** Virtual run time after which the live run stops (default: when the workload ends). */
  durationUs?: number;
  seed: number;
  /** damo's monitoring options of the live run. */
  monitoring?: MonitoringOptions;
}

export interface OpenedSource {
  feed: Feed;
  /** The live run, if any. */
  run: Pick<LiveRun, 'done' | 'stop'> | null;
}

export async function openSource(o: SourceSpec): Promise<OpenedSource> {
  if (o.record !== undefined) return { feed: await recordFeed(o.record), run: null };
  if (o.kernel) return kernelSource();
  if (!o.live) throw new UsageError('give --record FILE, --live [--workload NAME] or --kernel');
  if (!(o.speed > 0)) throw new UsageError(`--speed: must be positive, got ${o.speed}`);
  const load = loadSimWorkload({ workload: o.workload, trace: o.trace });
  const feed = liveFeed(`live ${load.name}`);
  // Several contexts (e.g. --sample_primitives page_table --sample_primitives page_fault, shown side
  // by side) each monitor the workload's process.
  const { session, machine } = setupSimRun({
    load,
    seed: o.seed,
    options: o.monitoring ?? {},
    mainPidEveryContext: true,
    sink: feed,
  });
  const untilUs = o.durationUs === undefined ? undefined : machine.now + o.durationUs;
  return { feed, run: runSimLive(feed, session, { speed: o.speed, untilUs }) };
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
