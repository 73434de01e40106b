/**
 * Recording the kernel's DAMON without perf, into the records layer:
 * - trace mode: damon:damon_aggregated (and damon_monitor_intervals_tune) read from the binary
 *   per-CPU ring buffers of a private tracefs instance, polled every 50 ms;
 * - snapshot mode: tried regions of a `stat` scheme that matches everything, applied every sample
 *   interval, read every `delayMs` (damo's `record --snapshot DELAY COUNT`, damo-interop §1.5).
 * `recordKernel` starts kdamonds for a configuration and stops them (restoring the tree) at the end,
 * also on error, SIGINT and SIGTERM; `recordOngoing` attaches to kdamonds that already run.
 */
import { parseSchemes } from '../../config/load.js';
import type { IntervalsConfig, KdamondsConfig } from '../../config/schema.js';
import { U32_MAX } from '../../config/units.js';
import { type RecordHeader, type Snapshot, recordHeader } from '../../records/types.js';
import { DamonEventDecoder } from './aggregated.js';
import { writeScheme } from './config-writer.js';
import { KernelDamon, type KernelDamonOptions, NotOwnerError } from './control.js';
import { readTriedRegions, sysfsInt } from './status.js';
import type { SysfsFiles } from './sysfs.js';
import { registerExitCleanup } from '../tracefs/exit-cleanup.js';
import type { EventFormat } from '../tracefs/format.js';
import { type LostEvents, RawTraceReader } from '../tracefs/raw-reader.js';
import { TraceInstance } from '../tracefs/instance.js';
import { readTree, restoreTree, runningKdamonds } from './tree.js';

/** Where snapshots go: a RecordWriter (src/records/writer.ts) or anything with addSnapshot. */
export interface SnapshotSink {
  addSnapshot(header: RecordHeader, snapshot: Snapshot): void;
}

export interface RecordKernelOptions extends KernelDamonOptions {
  /** Ends the recording (e.g. on SIGINT); kernel state is restored before the promise resolves. */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Snapshot mode instead of tracepoints: one snapshot every delayMs, count times (0: until stopped). */
  snapshot?: { delayMs: number; count: number };
  /** Take over running kdamonds damon-ts did not start (restored at the end). */
  force?: boolean;
}

export interface RecordStats {
  mode: 'trace' | 'snapshot';
  snapshots: number;
  /**
   * Trace mode: events lost in the ring buffers, and aggregations dropped because of them (or
   * because they came out of time order).
   */
  lost: LostEvents | null;
  incompleteAggregations: number;
}

interface Attached {
  index: number;
  pid: number;
  intervals: IntervalsConfig;
  /** Scheme index of the stat scheme in snapshot mode. */
  statScheme: number;
}

/** The stat scheme damo installs for snapshots: matches every region, applied every sample. */
function statScheme(sampleUs: number) {
  return parseSchemes(
    [
      {
        action: 'stat',
        apply_interval_us: sampleUs,
        access_pattern: { nr_accesses: { min: 0, max: U32_MAX }, nr_accesses_unit: 'sample_intervals' },
      },
    ],
    'snapshot stat scheme',
  )[0]!;
}

function withStatSchemes(config: KdamondsConfig): KdamondsConfig {
  return {
    kdamonds: config.kdamonds.map((k) => ({
      ...k,
      contexts: k.contexts.map((c) => ({ ...c, schemes: [...c.schemes, statScheme(c.intervals.sample_us)] })),
    })),
  };
}

function readIntervals(fs: SysfsFiles, k: number): IntervalsConfig {
  const iv = `kdamonds/${k}/contexts/0/monitoring_attrs/intervals`;
  const n = (f: string) => sysfsInt(fs.read(`${iv}/${f}`));
  const goal = fs.exists(`${iv}/intervals_goal`)
    ? {
        access_bp: n('intervals_goal/access_bp'),
        aggrs: n('intervals_goal/aggrs'),
        min_sample_us: n('intervals_goal/min_sample_us'),
        max_sample_us: n('intervals_goal/max_sample_us'),
      }
    : { access_bp: 0, aggrs: 0, min_sample_us: 0, max_sample_us: 0 };
  return {
    sample_us: n('sample_us'),
    aggr_us: n('aggr_us'),
    ops_update_us: n('update_us'),
    intervals_goal: goal,
  };
}

function headerOf(a: Attached, targetId: number, source: string): RecordHeader {
  return recordHeader({
    kdamond_idx: a.index,
    context_idx: 0,
    scheme_idx: null,
    target_id: targetId,
    intervals: a.intervals,
    data_source: source,
  });
}

function waitFor(ms: number | undefined, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = ms === undefined ? null : setTimeout(done, ms);
    function done() {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function recordTrace(
  attached: Attached[],
  sink: SnapshotSink,
  opts: RecordKernelOptions,
): Promise<RecordStats> {
  const inst = TraceInstance.open();
  let snapshots = 0;
  try {
    const aggregated = inst.eventFormat('damon', 'damon_aggregated');
    let tune: EventFormat | null = null;
    try {
      tune = inst.eventFormat('damon', 'damon_monitor_intervals_tune');
      inst.enableEvent('damon', 'damon_monitor_intervals_tune');
    } catch {
      // Kernels before intervals auto-tuning have no such event; intervals then never change.
    }
    const byIndex = new Map(attached.map((a) => [a.index, a]));
    const decoder = new DamonEventDecoder(
      aggregated,
      tune,
      attached.map((a) => ({
        index: a.index,
        pid: a.pid,
        sample_us: a.intervals.sample_us,
        aggr_us: a.intervals.aggr_us,
      })),
      (k, targetId, snap) => {
        sink.addSnapshot(headerOf(byIndex.get(k)!, targetId, 'kernel damon_aggregated (tracefs)'), snap);
        snapshots++;
      },
    );
    inst.setClock('mono');
    inst.enableEvent('damon', 'damon_aggregated');
    let failure: Error | null = null;
    const abort = new AbortController();
    const reader = new RawTraceReader(
      inst,
      (_cpu, buf, off, _len, timeNs) => decoder.onRecord(buf, off, timeNs),
      {
        // damon_aggregated comes in one burst per aggregation (at most nr_regions events, ~48 bytes
        // each): a 50 ms poll keeps far below the per-CPU buffer and costs a tenth of the 5 ms default.
        pollMs: 50,
        // A kdamond moves between CPUs: its aggregations must come out in the order they happened.
        ordered: true,
        onError: (e) => {
          failure = e;
          abort.abort();
        },
      },
    );
    reader.start();
    const stop = AbortSignal.any([abort.signal, ...(opts.signal ? [opts.signal] : [])]);
    await waitFor(opts.timeoutMs, stop);
    const lost = reader.stop();
    if (failure) throw failure;
    return { mode: 'trace', snapshots, lost, incompleteAggregations: decoder.assembler.incomplete };
  } finally {
    inst.close();
  }
}

async function recordSnapshots(
  fs: SysfsFiles,
  attached: Attached[],
  sink: SnapshotSink,
  opts: RecordKernelOptions,
): Promise<RecordStats> {
  const { delayMs, count } = opts.snapshot!;
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  const lastEnd = new Map<string, number>();
  let snapshots = 0;
  for (let i = 0; count === 0 || i < count; i++) {
    await waitFor(Math.max(0, Math.min(delayMs, deadline - Date.now())), opts.signal);
    if (opts.signal?.aborted || Date.now() > deadline) break;
    for (const a of attached) {
      const { regions } = readTriedRegions(fs, a.index, a.statScheme);
      const endTime = Number(process.hrtime.bigint());
      // The kernel lists tried regions of all targets in order; a paddr context has one target.
      const key = `${a.index}`;
      const maxNr = Math.max(1, Math.floor(a.intervals.aggr_us / a.intervals.sample_us));
      sink.addSnapshot(headerOf(a, 0, 'kernel tried_regions snapshot'), {
        start_time: lastEnd.get(key) ?? endTime - a.intervals.aggr_us * 1000,
        end_time: endTime,
        regions: regions.map((r) => ({
          start: r.start,
          end: r.end,
          nr_accesses: { samples: r.nr_accesses, percent: Math.trunc((r.nr_accesses * 100) / maxNr) },
          age: { usec: r.age * a.intervals.aggr_us, aggr_intervals: r.age },
          sz_filter_passed: r.sz_filter_passed,
        })),
        sample_interval_us: a.intervals.sample_us,
      });
      lastEnd.set(key, endTime);
      snapshots++;
    }
  }
  return { mode: 'snapshot', snapshots, lost: null, incompleteAggregations: 0 };
}

/**
 * Starts kdamonds for `config`, records them until `signal`, `timeoutMs` or the snapshot count, and
 * stops them, restoring the DAMON tree as found (also on error and on SIGINT/SIGTERM).
 */
export async function recordKernel(
  config: KdamondsConfig,
  sink: SnapshotSink,
  opts: RecordKernelOptions = {},
): Promise<RecordStats> {
  const damon = new KernelDamon(opts);
  const cfg = opts.snapshot ? withStatSchemes(config) : config;
  const rec = damon.start(cfg, { force: opts.force });
  const cleanup = registerExitCleanup(() => damon.stop({ force: true }));
  try {
    const attached: Attached[] = cfg.kdamonds.map((k, i) => ({
      index: i,
      pid: rec.kdamonds[i]!.pid,
      intervals: k.contexts[0]!.intervals,
      statScheme: k.contexts[0]!.schemes.length - 1,
    }));
    return opts.snapshot
      ? await recordSnapshots(damon.fs, attached, sink, opts)
      : await recordTrace(attached, sink, opts);
  } finally {
    cleanup();
  }
}

/**
 * Records kdamonds that already run (damo's `record ongoing`). Trace mode only reads events and
 * works with any kdamond. Snapshot mode adds a stat scheme to each kdamond and commits it, so it
 * needs kdamonds damon-ts started (or `force`); their schemes are restored and committed at the end.
 */
export async function recordOngoing(
  sink: SnapshotSink,
  opts: RecordKernelOptions & { kdamonds?: number[] } = {},
): Promise<RecordStats> {
  const damon = new KernelDamon(opts);
  damon.features();
  const fs = damon.fs;
  const running = runningKdamonds(fs).filter((r) => !opts.kdamonds || opts.kdamonds.includes(r.index));
  if (running.length === 0)
    throw new Error(
      `no running kdamond to record${opts.kdamonds ? ` among ${opts.kdamonds.join(', ')}` : ''} (${fs.root})`,
    );
  const attached: Attached[] = running.map((r) => ({
    index: r.index,
    pid: r.pid,
    intervals: readIntervals(fs, r.index),
    statScheme: sysfsInt(fs.read(`kdamonds/${r.index}/contexts/0/schemes/nr_schemes`)),
  }));
  if (!opts.snapshot) return recordTrace(attached, sink, opts);

  const owned = damon.owned();
  const foreign = attached.filter(
    (a) => !owned?.kdamonds.some((k) => k.index === a.index && k.pid === a.pid),
  );
  if (foreign.length && !opts.force) {
    throw new NotOwnerError(
      `snapshots of ${foreign.map((a) => `kdamond ${a.index} (pid ${a.pid})`).join(', ')} need a stat scheme committed into it, and damon-ts did not start it; pass --force, or record with tracepoints (no --snapshot)`,
    );
  }
  const saved = attached.map((a) => readTree(fs, `kdamonds/${a.index}/contexts/0/schemes`));
  const restore = () =>
    attached.forEach((a, i) => {
      restoreTree(fs, saved[i]!);
      fs.write(`kdamonds/${a.index}/state`, 'commit');
    });
  const cleanup = registerExitCleanup(restore);
  try {
    attached.forEach((a, i) => {
      const withStat = saved[i]!.map((f) =>
        f.path.endsWith('/schemes/nr_schemes') ? { ...f, value: String(a.statScheme + 1) } : f,
      );
      restoreTree(fs, withStat);
      writeScheme(
        fs,
        `kdamonds/${a.index}/contexts/0/schemes/${a.statScheme}`,
        statScheme(a.intervals.sample_us),
        a.intervals,
      );
      fs.write(`kdamonds/${a.index}/state`, 'commit');
    });
    return await recordSnapshots(fs, attached, sink, opts);
  } finally {
    cleanup();
  }
}
