/**
 * Live monitoring of a process through report sources (src/backends/live), on the wall clock: a
 * report-fed context (the report-only ops set, three regions from /proc/PID/maps) takes the
 * source's batches; snapshots go to the sink.
 * - write-only (page_fault primitive + the write filter) of a launched command: the uffd-wp source
 *   in sampling mode, asking the context for its sampling addresses;
 * - page_fault otherwise: the page-fault tracepoint source (natural faults) of a pid or a command.
 */
import { wallClockUs, runWallClock } from '../../core/drivers.js';
import { recordLivePageFaults, recordLiveWriteOnly, type LiveRun } from '../../backends/live/live-record.js';
import { processRunning, readMaps } from '../../backends/live/proc-maps.js';
import { monotonicUs, type ReportSink } from '../../backends/live/source.js';
import { isWriteOnlyView } from '../../ops/sim-binding.js';
import { makeReportOps } from '../../ops/report-only.js';
import type { KdamondsConfig } from '../config/schema.js';
import { contextFromConfig, sampleFilterOf } from './contexts.js';
import { recordContext, type SnapshotSink } from './snapshot-recorder.js';
import type { DamonContext } from '../../core/context.js';

export interface LiveSessionOptions {
  /** One kdamond with one vaddr context; its target pid is filled in with the monitored process. */
  config: KdamondsConfig;
  /** A running process, or a command to launch. */
  pid?: number;
  cmd?: string[];
  sink: SnapshotSink;
  signal?: AbortSignal;
  timeoutMs?: number;
  seed?: number;
}

export interface LiveSessionResult {
  pid: number;
  source: 'write_only' | 'page_fault';
  stats: Record<string, number>;
  reports: DamonContext['stats'];
}

/** ESRCH (also from a zombie's pagemap), or no process at all: the program has exited. */
function programGone(e: unknown, pid: number): boolean {
  return (e as { errno?: number }).errno === 3 || !processRunning(pid);
}

/** The context's current sampling addresses of its target (none before it exists). */
function samplingAddrs(ctx: DamonContext | null): ArrayLike<number> {
  const r = ctx?.targets[0]?.regions;
  return r ? r.samplingAddr.subarray(0, r.length) : [];
}

export async function runLiveSession(o: LiveSessionOptions): Promise<LiveSessionResult> {
  if (o.config.kdamonds.length !== 1)
    throw new Error('live monitoring: exactly one context (kdamond) is supported');
  const c = o.config.kdamonds[0]!.contexts[0]!;
  if (!c.sample.primitives.page_fault)
    throw new Error(
      'live monitoring: needs --sample_primitives page_fault (page_table of a process is the kernel backend)',
    );
  const writeOnly = isWriteOnlyView(c.sample.filters.map(sampleFilterOf));
  if (writeOnly && o.cmd === undefined)
    throw new Error(
      'live write-only monitoring needs a command to launch (-- CMD): the program must start with the uffd-wp helper',
    );
  const ops = makeReportOps({
    // [vsyscall] is the gate area, not a VMA of the mm (the kernel's three regions never see it).
    vmas: (pid) =>
      readMaps(pid)
        .filter((m) => m.path !== '[vsyscall]')
        .map((m) => ({ start: m.start, end: m.end })),
    sampling: writeOnly,
    alive: processRunning,
  });
  let ctx: DamonContext | null = null;
  // Reports that arrive before the context exists precede its first sample window: stale anyway.
  const sink: ReportSink = (batch) => void ctx?.reportAccesses(batch);
  const timeBaseUs = monotonicUs() - wallClockUs();
  const [cmd, ...args] = o.cmd ?? [];
  let run: LiveRun;
  let scan: (() => void) | null = null;
  if (writeOnly) {
    // Scans are driven by the context (right before each check), not by the source's own timer:
    // the scan belongs to the sample it ends, and a scan failing because the program has just
    // exited ends the session instead of throwing from a timer.
    const wo = await recordLiveWriteOnly(
      {
        cmd: cmd!,
        args,
        sampleUs: c.intervals.sample_us,
        timeBaseUs,
        samplingAddresses: () => samplingAddrs(ctx),
        selfTimed: false,
      },
      sink,
    );
    scan = () => wo.source.sample();
    run = wo;
  } else {
    run = await recordLivePageFaults(
      o.cmd ? { cmd: cmd!, args, timeBaseUs } : { pid: o.pid, timeBaseUs },
      sink,
    );
  }
  const config = { ...c, targets: [{ pid: run.pid, obsolete: false, regions: c.targets[0]?.regions ?? [] }] };
  const live = contextFromConfig(config, { ops: ops as never, seed: o.seed });
  ctx = live;
  const origin = wallClockUs();
  live.now = origin;
  const stopRecording = recordContext(live, o.sink, {
    kdamondIdx: 0,
    dataSource: `damon-ts live ${writeOnly ? 'write_only' : 'page_fault'}`,
    clockOriginUs: origin,
  });
  const abort = new AbortController();
  o.signal?.addEventListener('abort', () => abort.abort(), { once: true });
  const timer = o.timeoutMs !== undefined ? setTimeout(() => abort.abort(), o.timeoutMs) : null;
  void run.exited.then(() => abort.abort());
  if (scan) {
    const sampleNow = scan;
    live.onBeforeCheck = () => {
      try {
        sampleNow();
      } catch (e) {
        if (!programGone(e, run.pid)) throw e;
        abort.abort();
      }
    };
  }
  try {
    await runWallClock(live, { signal: abort.signal });
  } finally {
    if (timer) clearTimeout(timer);
    stopRecording();
  }
  let stats: Record<string, number>;
  try {
    stats = await run.stop(true);
  } catch (e) {
    // The final scan of a program that is exiting can fail; what was recorded stands.
    if (!programGone(e, run.pid)) throw e;
    stats = {};
  }
  return {
    pid: run.pid,
    source: writeOnly ? 'write_only' : 'page_fault',
    stats: { ...stats },
    reports: { ...live.stats },
  };
}
