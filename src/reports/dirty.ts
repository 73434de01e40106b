/**
 * `report dirty`: per target of a write-only record, the written working set over time, the dirty
 * rate (distinct bytes dirtied per window, per second, as QEMU's calc-dirty-rate defines it) and a
 * pre-copy live-migration forecast. Pure: snapshots in, numbers out.
 *
 * From write samples to dirtied bytes. A write-only sample of a region asks "was the region's sampled
 * page written during this sample interval?". Over a window, an address counts as dirtied when a
 * region holding it had at least one write sample in the window (regions move between snapshots,
 * so this is a sweep over their boundaries). Why this is right on average: if a region's pages are
 * each written with probability p per sample interval, the window's k samples hit at least once with
 * probability 1 − (1 − p)^k, which is exactly the probability that one of its pages was dirtied in
 * the window; so the expected estimate is the expected dirtied bytes. A region rewritten all the
 * time (p = 1) is counted exactly; a pass that writes each page once is counted as long as it
 * crosses the region slowly enough to be sampled. The spread is that of the hits: large regions with
 * rare writes weigh a lot when they are hit, so more regions (-n) mean a steadier estimate.
 *
 * The forecast needs dirtied bytes for any round length t: with p pooled per address over the newest
 * half of the windows, D(t) = Σ bytes × (1 − (1 − p)^(t / sample)), the same probability. Pre-copy
 * sends all memory, then what the previous round dirtied, until what is left fits the downtime
 * limit at the link's speed.
 */
import type { DamonRecord, RecordHeader, Snapshot } from '../records/types.js';
import { percentileIndex } from './percentile.js';

/** QEMU's default downtime limit (migrate_set_parameter downtime-limit), seconds. */
export const DEFAULT_DOWNTIME_LIMIT_S = 0.3;
/** Pre-copy rounds after which a migration still above the limit counts as not converging. */
export const MAX_PRECOPY_ROUNDS = 100;

/** One aggregation window of a target: its regions and their write samples. */
export interface WriteSnapshot {
  startUs: number;
  endUs: number;
  /** Sample intervals the window spans. */
  samples: number;
  start: ArrayLike<number>;
  end: ArrayLike<number>;
  writes: ArrayLike<number>;
}

/** A target's record: what `report dirty` reads. */
export interface WriteSeries {
  header: RecordHeader;
  snapshots: WriteSnapshot[];
}

/** Bytes with the same pooled write samples: `writes` of `samples`, over `exposureUs` of sampling. */
interface Piece {
  bytes: number;
  writes: number;
  samples: number;
  exposureUs: number;
}

/** Snapshots of a record as write series; an Error names the record when it carries no write samples. */
export function writeSeriesOf(rec: DamonRecord, source: string): WriteSeries {
  const iv = rec.intervals;
  const where = `${source}: target ${String(rec.target_id)} (kdamond ${rec.kdamond_idx}, context ${rec.context_idx})`;
  if (!iv || !(iv.sample_us > 0))
    throw new Error(`${where}: the record has no sampling interval, so write samples cannot be scaled`);
  const snapshots: WriteSnapshot[] = [];
  for (const s of rec.snapshots) {
    if (s.regions.length > 0 && s.regions.every((r) => r.damon_ts === undefined))
      throw new Error(
        `${where}: the record has no write samples (damon_ts breakdown); record with write-only monitoring: --sample_primitives page_fault --exp_ops_write_only y`,
      );
    snapshots.push(writeSnapshotOf(s, iv.sample_us, iv.aggr_us));
  }
  return { header: rec, snapshots };
}

function writeSnapshotOf(s: Snapshot, sampleUs: number, aggrUs: number): WriteSnapshot {
  const endUs = s.end_time / 1000;
  const startUs = s.start_time === null ? endUs - aggrUs : s.start_time / 1000;
  const si = s.sample_interval_us ?? sampleUs;
  const n = s.regions.length;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const writes = new Float64Array(n);
  s.regions.forEach((r, i) => {
    start[i] = r.start;
    end[i] = r.end;
    writes[i] = r.damon_ts?.writes ?? 0;
  });
  return { startUs, endUs, samples: Math.max(1, Math.round((endUs - startUs) / si)), start, end, writes };
}

/** Pools the write samples of snapshots per address: a sweep over every region boundary. */
function pool(snaps: readonly WriteSnapshot[]): Piece[] {
  const ev: { addr: number; w: number; n: number; e: number }[] = [];
  for (const s of snaps) {
    const sampleUs = (s.endUs - s.startUs) / s.samples;
    for (let i = 0; i < s.start.length; i++) {
      const w = Math.min(s.writes[i]!, s.samples);
      ev.push({ addr: s.start[i]!, w, n: s.samples, e: s.samples * sampleUs });
      ev.push({ addr: s.end[i]!, w: -w, n: -s.samples, e: -s.samples * sampleUs });
    }
  }
  ev.sort((a, b) => a.addr - b.addr);
  const out: Piece[] = [];
  let w = 0;
  let n = 0;
  let e = 0;
  for (let k = 0; k < ev.length; k++) {
    const x = ev[k]!;
    w += x.w;
    n += x.n;
    e += x.e;
    const next = ev[k + 1];
    if (next && next.addr > x.addr && n > 0.5)
      out.push({ bytes: next.addr - x.addr, writes: Math.max(0, w), samples: n, exposureUs: e });
  }
  return out;
}

/** Bytes of the pieces that had a write sample. */
function hitBytes(pieces: readonly Piece[]): number {
  let sum = 0;
  for (const p of pieces) if (p.writes > 0) sum += p.bytes;
  return sum;
}

/** Estimated distinct bytes written over the span of `snaps`: the window estimate of dirtyWindows. */
export function windowDirtyBytes(snaps: readonly WriteSnapshot[]): number {
  return hitBytes(pool(snaps));
}

/** Distinct bytes dirtied in `durationUs` by pieces whose write probability holds over that time. */
function dirtiedBytes(pieces: readonly Piece[], durationUs: number): number {
  let sum = 0;
  for (const p of pieces) {
    if (p.writes <= 0) continue;
    const prob = Math.min(1, p.writes / p.samples);
    const k = (durationUs * p.samples) / p.exposureUs;
    sum += p.bytes * (prob >= 1 ? 1 : 1 - Math.pow(1 - prob, k));
  }
  return sum;
}

/** The dirty-bytes curve D(t) (t in µs) of a set of snapshots; nondecreasing in t. */
export function dirtyCurve(snaps: readonly WriteSnapshot[]): (durationUs: number) => number {
  const pieces = pool(snaps);
  return (t) => (t <= 0 ? 0 : dirtiedBytes(pieces, t));
}

export interface DirtyWindow {
  startUs: number;
  endUs: number;
  /** Estimated distinct bytes written in the window. */
  dirtyBytes: number;
  /** dirtyBytes per second of the window. */
  rate: number;
}

/**
 * Consecutive windows of `windowUs` from the first snapshot's start, each estimated from the
 * snapshots that end inside it. A trailing window covering less than 90 % of windowUs is dropped.
 */
export function dirtyWindows(snaps: readonly WriteSnapshot[], windowUs: number): DirtyWindow[] {
  if (!(windowUs > 0)) throw new Error(`dirty rate window must be positive, got ${windowUs} µs`);
  const out: DirtyWindow[] = [];
  if (snaps.length === 0) return out;
  const t0 = snaps[0]!.startUs;
  let group: WriteSnapshot[] = [];
  let k = 0;
  const flush = (): void => {
    if (group.length === 0) return;
    const startUs = group[0]!.startUs;
    const endUs = group[group.length - 1]!.endUs;
    if (endUs - startUs >= 0.9 * windowUs) {
      const dirtyBytes = windowDirtyBytes(group);
      out.push({ startUs, endUs, dirtyBytes, rate: dirtyBytes / ((endUs - startUs) / 1e6) });
    }
    group = [];
  };
  for (const s of snaps) {
    // Snapshots ending at most a microsecond past the boundary (clock rounding) still belong to it.
    while (s.endUs > t0 + (k + 1) * windowUs + 1) {
      flush();
      k++;
    }
    group.push(s);
  }
  flush();
  return out;
}

export interface PrecopyForecast {
  /** Link speed, bytes per second. */
  bandwidth: number;
  downtimeLimitS: number;
  converges: boolean;
  /** Rounds sent, the last one being the stop-and-copy (when converging); MAX_PRECOPY_ROUNDS otherwise. */
  rounds: number;
  /** Bytes left for the stop-and-copy round (when converging), or still dirty when giving up. */
  finalRoundBytes: number;
  /** finalRoundBytes / bandwidth, seconds; null when not converging. */
  downtimeS: number | null;
  /** Bytes sent over all rounds. */
  totalBytes: number;
  /** Time of the whole migration, seconds (the final round included). */
  totalTimeS: number;
}

/**
 * Pre-copy live migration of `memoryBytes` over a link of `bandwidth` bytes/s, with `dirty(t)` the
 * distinct bytes dirtied in t µs (nondecreasing). Round 1 sends everything; each next round sends
 * what the previous one dirtied; once what is left can be sent within the downtime limit, the
 * guest stops and it is sent (the final round). When a round leaves at least as much dirty as it
 * sent, every later round does too: the migration does not converge.
 */
export function forecastPrecopy(
  memoryBytes: number,
  bandwidth: number,
  dirty: (durationUs: number) => number,
  downtimeLimitS = DEFAULT_DOWNTIME_LIMIT_S,
): PrecopyForecast {
  if (!(bandwidth > 0)) throw new Error(`bandwidth must be positive, got ${bandwidth} bytes/s`);
  if (!(memoryBytes >= 0)) throw new Error(`memory size must not be negative, got ${memoryBytes}`);
  let pending = memoryBytes;
  let rounds = 0;
  let totalBytes = 0;
  let totalTimeS = 0;
  const base = { bandwidth, downtimeLimitS };
  for (;;) {
    if (pending <= bandwidth * downtimeLimitS) {
      const downtimeS = pending / bandwidth;
      return {
        ...base,
        converges: true,
        rounds: rounds + 1,
        finalRoundBytes: pending,
        downtimeS,
        totalBytes: totalBytes + pending,
        totalTimeS: totalTimeS + downtimeS,
      };
    }
    if (rounds === MAX_PRECOPY_ROUNDS) break;
    rounds++;
    const t = pending / bandwidth;
    totalBytes += pending;
    totalTimeS += t;
    const next = Math.min(memoryBytes, dirty(t * 1e6));
    if (next >= pending) {
      pending = next;
      break;
    }
    pending = next;
  }
  return {
    ...base,
    converges: false,
    rounds,
    finalRoundBytes: pending,
    downtimeS: null,
    totalBytes,
    totalTimeS,
  };
}

export interface DirtyOptions {
  windowUs: number;
  /** Link speed, bytes per second. */
  bandwidth: number;
  downtimeLimitS: number;
  percentiles: number[];
}

export const DIRTY_DEFAULTS: DirtyOptions = {
  windowUs: 1_000_000,
  bandwidth: 10e9 / 8,
  downtimeLimitS: DEFAULT_DOWNTIME_LIMIT_S,
  percentiles: [0, 25, 50, 75, 100],
};

export interface TargetDirtyReport {
  target_id: string;
  kdamond_idx: number | null;
  context_idx: number | null;
  /** The record's data_source: which monitoring produced it. */
  setup: string;
  /** What a migration sends in its first round: given, or the bytes monitored in the newest snapshot. */
  memory_bytes: number;
  window_s: number;
  windows: DirtyWindow[];
  /** Mean over windows of the distinct bytes dirtied per window, per second. */
  dirty_rate: number;
  /** Per-window rates at the requested percentiles (keys are the percentiles). */
  dirty_rate_percentiles: Record<string, number>;
  written_wss: { avg: number; percentiles: Record<string, number>; snapshots: number };
  forecast: PrecopyForecast;
}

function wssOf(s: WriteSnapshot): number {
  let sum = 0;
  for (let i = 0; i < s.start.length; i++) if (s.writes[i]! >= 1) sum += s.end[i]! - s.start[i]!;
  return sum;
}

function percentilesOf(values: readonly number[], ps: readonly number[]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const out: Record<string, number> = {};
  if (sorted.length === 0) return out;
  for (const p of ps) out[String(p)] = sorted[percentileIndex(p, sorted.length)]!;
  return out;
}

/**
 * The snapshots of the newest half of the windows (all snapshots when there is no window): a
 * migration starting now meets the current behaviour, not the start-up of the record.
 */
function recentSnapshots(snaps: readonly WriteSnapshot[], windows: readonly DirtyWindow[]): WriteSnapshot[] {
  if (windows.length === 0) return [...snaps];
  const from = windows[Math.floor(windows.length / 2)]!;
  return snaps.filter(
    (s) => s.startUs >= from.startUs - 1 && s.endUs <= windows[windows.length - 1]!.endUs + 1,
  );
}

/** The report of one target. */
export function dirtyReportOf(series: WriteSeries, o: DirtyOptions, memoryBytes?: number): TargetDirtyReport {
  const snaps = series.snapshots;
  const windows = dirtyWindows(snaps, o.windowUs);
  const rates = windows.map((w) => w.rate);
  const wss = snaps.map(wssOf);
  const last = snaps[snaps.length - 1];
  let memory = 0;
  if (memoryBytes !== undefined) memory = memoryBytes;
  else if (last) for (let i = 0; i < last.start.length; i++) memory += last.end[i]! - last.start[i]!;
  const h = series.header;
  return {
    target_id: h.target_id === null ? 'None' : h.target_id.toString(),
    kdamond_idx: h.kdamond_idx,
    context_idx: h.context_idx,
    setup: h.data_source,
    memory_bytes: memory,
    window_s: o.windowUs / 1e6,
    windows,
    dirty_rate: rates.length ? rates.reduce((s, x) => s + x, 0) / rates.length : 0,
    dirty_rate_percentiles: percentilesOf(rates, o.percentiles),
    written_wss: {
      avg: wss.length ? wss.reduce((s, x) => s + x, 0) / wss.length : 0,
      percentiles: percentilesOf(wss, o.percentiles),
      snapshots: wss.length,
    },
    forecast: forecastPrecopy(
      memory,
      o.bandwidth,
      dirtyCurve(recentSnapshots(snaps, windows)),
      o.downtimeLimitS,
    ),
  };
}

/** Every target's report, least dirty first (ties in record order). */
export function rankDirty(
  series: readonly WriteSeries[],
  o: DirtyOptions,
  memoryBytes?: number,
): TargetDirtyReport[] {
  return series
    .map((s, i) => ({ r: dirtyReportOf(s, o, memoryBytes), i }))
    .sort((a, b) => a.r.dirty_rate - b.r.dirty_rate || a.i - b.i)
    .map((x) => x.r);
}
