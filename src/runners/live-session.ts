/**
 * Live monitoring of a process through report sources (src/backends/live), on the wall clock: a
 * report-fed context (the report-only ops set, three regions from /proc/PID/maps) takes the
 * source's batches; snapshots go to the sink.
 *
 * The source follows from what the sample filters let through, never by silent fallback:
 * - no read can pass (write-only, alone or narrowed to CPUs/threads): the uffd-wp source for a
 *   launched command (sampling mode: the context arms its sampling pages at each prepare point and
 *   checks them right before each check), or the soft-dirty source for a running pid; where the
 *   kernel cannot do that, an error naming what is missing;
 * - reads pass: the page-fault tracepoint source (natural faults: first touches only).
 * The record's data_source and the run's summary say which source ran, what it cannot see and, in
 * the end, what it counted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { wallClockUs, runWallClock } from '../core/drivers.js';
import {
  recordLivePageFaults,
  recordLiveSoftDirty,
  recordLiveWriteOnly,
  type LiveRun,
} from '../backends/live/live-record.js';
import { processRunning, readMaps } from '../backends/live/proc-maps.js';
import { monotonicUs, type ReportSink } from '../backends/live/source.js';
import { isWriteOnlyView } from '../ops/sim-binding.js';
import { makeReportOps } from '../ops/report-only.js';
import type { KdamondsConfig } from '../config/schema.js';
import { contextFromConfig, sampleFilterOf } from './contexts.js';
import { recordContext, type SnapshotSink } from './snapshot-recorder.js';
import type { DamonContext } from '../core/context.js';
import type { TargetView } from '../core/types.js';

export type LiveSourceKind = 'write_only' | 'write_only_exact' | 'soft_dirty' | 'page_fault';

/** What each live source is, and what it cannot see: in the record's data_source and the summary. */
export const LIVE_SOURCES: Record<LiveSourceKind, { how: string; blind: string }> = {
  write_only: {
    how: "uffd-wp on each region's sampling page, re-armed every sample (page_fault primitive, writes); with CPU or thread filters, a page written by a CPU or thread they drop is write-protected again, once per writer per sample",
    blind:
      'reads; shared and file-backed mappings; child processes; a mapping libc creates until the next rescan; of several writers of a sampling page in one sample, all but the first (with CPU or thread filters: the first they keep, unless it wrote before the monitor re-protected the page)',
  },
  write_only_exact: {
    how: 'uffd-wp on every page, PAGEMAP_SCAN every sample (one write fault per written page per sample)',
    blind:
      'reads; shared and file-backed mappings; child processes; a mapping libc creates until the next rescan; of several writers of a page in one sample, all but the first',
  },
  soft_dirty: {
    how: "soft-dirty bits (clear_refs 4) of each region's sampling page every sample; every page write-protected each sample",
    blind:
      'reads; shared and file-backed mappings; child processes; of several writers of a page in one sample, all but the first',
  },
  page_fault: {
    how: 'the page-fault tracepoint (natural faults)',
    blind: 'accesses to pages already mapped (only first touches and faults the kernel causes)',
  },
};

export function liveDataSource(kind: LiveSourceKind): string {
  const s = LIVE_SOURCES[kind];
  return `damon-ts live ${kind}: ${s.how}; cannot see: ${s.blind}`;
}

/** What a run delivered and cost, from its source's and its context's counters. */
export function liveRunCounts(stats: Record<string, number>, reportsApplied: number): string {
  const written =
    stats.pagesWritten !== undefined
      ? `, ${stats.pagesWritten} written pages seen (${stats.unattributed ?? 0} without CPU/thread)`
      : '';
  const rearmed =
    stats.rearmed !== undefined
      ? `, ${stats.rearmed} pages re-armed after writes by CPUs/threads filtered out`
      : '';
  const cost =
    stats.monitorUs !== undefined
      ? `, monitor ${(stats.monitorUs / 1000).toFixed(0)} ms in ${stats.samples ?? 0} samples`
      : '';
  return `${reportsApplied} reports applied, ${stats.lost ?? 0} events lost${written}${rearmed}${cost}`;
}

/** A finished run's summary: the source, what it cannot see, what it delivered and what it cost. */
export function liveRunSummary(r: LiveSessionResult): string {
  const s = LIVE_SOURCES[r.source];
  const exit = r.exit !== undefined ? `; the program exited with ${r.exit}` : '';
  return (
    `damon-ts: live ${r.source} of pid ${r.pid}: ${liveRunCounts(r.stats, r.reports.reportsApplied)}${exit}\n` +
    `damon-ts: source: ${s.how}; cannot see: ${s.blind}\n`
  );
}

export interface LiveSessionOptions {
  /** One kdamond with one vaddr context; its target pid is filled in with the monitored process. */
  config: KdamondsConfig;
  /** A running process, or a command to launch. */
  pid?: number;
  cmd?: string[];
  /** Write-only of a launched command: every written page instead of DAMON's sampling (costly). */
  exact?: boolean;
  sink: SnapshotSink;
  signal?: AbortSignal;
  timeoutMs?: number;
  seed?: number;
}

export interface LiveSessionResult {
  pid: number;
  source: LiveSourceKind;
  stats: Record<string, number>;
  reports: DamonContext['stats'];
  /** The program's exit code or signal name, when it ended during the session. */
  exit?: number | string;
  /** The timeout ended the session (and a launched program still running was told to stop). */
  timedOut: boolean;
}

/** ESRCH (also from a zombie's pagemap), or no process at all: the program has exited. */
function programGone(e: unknown, pid: number): boolean {
  return (e as { errno?: number }).errno === 3 || !processRunning(pid);
}

/** A sampled source, driven by the context: arm at the prepare point, check before the check. */
interface Sampled {
  arm?(addrs: Float64Array, n: number): void;
  sample(nowUs: number): void;
}

export async function runLiveSession(o: LiveSessionOptions): Promise<LiveSessionResult> {
  if (o.config.kdamonds.length !== 1)
    throw new Error('live monitoring: exactly one context (kdamond) is supported');
  const c = o.config.kdamonds[0]!.contexts[0]!;
  if (!c.sample.primitives.page_fault)
    throw new Error(
      'live monitoring: needs --sample_primitives page_fault (page_table of a process is the kernel backend)',
    );
  const filters = c.sample.filters.map(sampleFilterOf);
  const writeOnly = isWriteOnlyView(filters);
  if (o.exact && !(writeOnly && o.cmd))
    throw new Error(
      'live monitoring: exact write monitoring is for write-only monitoring of a launched command (--exp_ops_write_only y -- CMD)',
    );
  const kind: LiveSourceKind = !writeOnly
    ? 'page_fault'
    : o.cmd
      ? o.exact
        ? 'write_only_exact'
        : 'write_only'
      : 'soft_dirty';
  const sampling = kind === 'write_only' || kind === 'soft_dirty';
  let ctx: DamonContext | null = null;
  let sampled: Sampled | null = null;
  let pid = -1;
  const abort = new AbortController();
  /** Runs a step of the source; a program that has just exited ends the session. */
  const step = (f: () => void): void => {
    try {
      f();
    } catch (e) {
      if (!programGone(e, pid)) throw e;
      abort.abort();
    }
  };
  const ops = makeReportOps({
    // [vsyscall] is the gate area, not a VMA of the mm (the kernel's three regions never see it).
    vmas: (pid) =>
      readMaps(pid)
        .filter((m) => m.path !== '[vsyscall]')
        .map((m) => ({ start: m.start, end: m.end })),
    sampling,
    arm: (t: TargetView) => step(() => sampled?.arm?.(t.regions.samplingAddr, t.regions.length)),
    alive: processRunning,
  });
  // Reports that arrive before the context exists precede its first sample window: stale anyway.
  const sink: ReportSink = (batch) => void ctx?.reportAccesses(batch);
  const timeBaseUs = monotonicUs() - wallClockUs();
  const [cmd, ...args] = o.cmd ?? [];
  let run: LiveRun;
  if (kind === 'write_only' || kind === 'write_only_exact') {
    // Only a context that filters by CPU or thread can reject a write: its rejected writers re-arm.
    const eligible = filters.some((f) => f.type !== 'write')
      ? (cpu: number, tid: number): boolean =>
          ctx === null ||
          ctx.reportEligible({ vaddr: 0, paddr: -1, size: 1, cpu, tid, tgid: pid, isWrite: true, time: 0 })
      : undefined;
    const wo = await recordLiveWriteOnly({ cmd: cmd!, args, exact: o.exact, eligible, timeBaseUs }, sink);
    sampled = wo.source;
    run = wo;
  } else if (kind === 'soft_dirty') {
    const sd = await recordLiveSoftDirty({ pid: o.pid!, timeBaseUs }, sink).catch((e: Error) => {
      throw new Error(
        `${e.message}; what works on this kernel: launch the program under damon-ts (record --exp_ops_write_only y -- CMD), which write-protects through userfaultfd`,
      );
    });
    sampled = sd.source;
    run = sd;
  } else {
    run = await recordLivePageFaults(
      o.cmd ? { cmd: cmd!, args, timeBaseUs } : { pid: o.pid, timeBaseUs },
      sink,
    );
  }
  pid = run.pid;
  const config = { ...c, targets: [{ pid: run.pid, obsolete: false, regions: c.targets[0]?.regions ?? [] }] };
  let stopRecording = (): void => undefined;
  let timedOut = false;
  let timer: NodeJS.Timeout | null = null;
  try {
    const live = contextFromConfig(config, { ops: ops as never, seed: o.seed });
    ctx = live;
    const origin = wallClockUs();
    live.now = origin;
    stopRecording = recordContext(live, o.sink, {
      kdamondIdx: 0,
      dataSource: liveDataSource(kind),
      clockOriginUs: origin,
    });
    o.signal?.addEventListener('abort', () => abort.abort(), { once: true });
    if (o.signal?.aborted) abort.abort();
    timer =
      o.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = !abort.signal.aborted;
            abort.abort();
          }, o.timeoutMs)
        : null;
    void run.exited.then(() => abort.abort());
    const src = sampled;
    // The check step of the sample that ends now.
    if (src) live.onBeforeCheck = (_c, nowUs) => step(() => src.sample(nowUs));
    await runWallClock(live, { signal: abort.signal });
  } finally {
    if (timer) clearTimeout(timer);
    stopRecording();
  }
  let stats: Record<string, number>;
  try {
    stats = await run.stop(true);
  } catch (e) {
    // The final release of a program that is exiting can fail; what was recorded stands.
    if (!programGone(e, run.pid)) throw e;
    stats = {};
  }
  // The program has ended (or was just told to): its exit status, unless it lingers.
  const linger = new AbortController();
  const exit = await Promise.race([
    run.exited,
    sleep(2000, undefined, { signal: linger.signal }).catch(() => undefined),
  ]);
  linger.abort();
  // The record keeps what the run counted, with the source that counted it.
  o.sink.setDataSource?.(
    `${liveDataSource(kind)}; this run: ${liveRunCounts(stats, ctx!.stats.reportsApplied)}`,
    (h) => h.kdamond_idx === 0,
  );
  return {
    pid: run.pid,
    source: kind,
    stats: { ...stats },
    reports: { ...ctx!.stats },
    exit,
    timedOut,
  };
}
