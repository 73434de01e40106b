/**
 * Columnar snapshots: a snapshot's regions as typed arrays (one per field) instead of one object per
 * region. The big streaming reports (wss, heatmap, raw form) read these: a 1,000-region snapshot is
 * seven arrays, not 3,000 objects. Null fields (percent, age.usec, age.aggr_intervals) are NaN: JSON
 * numbers are always finite, so NaN never stands for a real value.
 */
import type { RecordRegion, RegionBreakdown, Snapshot } from './types.js';

export interface RegionColumns {
  n: number;
  start: Float64Array;
  end: Float64Array;
  samples: Float64Array;
  /** NaN = null. */
  percent: Float64Array;
  /** NaN = null. */
  usec: Float64Array;
  /** NaN = null. */
  aggr: Float64Array;
  szFilter: Float64Array;
  /** The damon_ts breakdowns, only when some region has one. */
  breakdown: (RegionBreakdown | undefined)[] | null;
}

export interface ColumnarSnapshot {
  start_time: number | null;
  end_time: number;
  regions: RegionColumns;
  total_bytes?: number;
  sample_interval_us?: number | null;
  start_is_float?: boolean;
}

const FIELDS = 7;

/** Float64 values the columns of n regions take. */
export const columnsLength = (n: number): number => n * FIELDS;

/** Columns for n regions, backed by one allocation (`all`, of columnsLength(n) values, when given). */
export function allocColumns(n: number, all = new Float64Array(n * FIELDS)): RegionColumns {
  const col = (k: number): Float64Array => all.subarray(k * n, (k + 1) * n);
  return {
    n,
    start: col(0),
    end: col(1),
    samples: col(2),
    percent: col(3),
    usec: col(4),
    aggr: col(5),
    szFilter: col(6),
    breakdown: null,
  };
}

const orNaN = (v: number | null): number => (v === null ? NaN : v);
const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

export function regionsToColumns(regions: readonly RecordRegion[]): RegionColumns {
  const c = allocColumns(regions.length);
  regions.forEach((r, i) => {
    c.start[i] = r.start;
    c.end[i] = r.end;
    c.samples[i] = r.nr_accesses.samples;
    c.percent[i] = orNaN(r.nr_accesses.percent);
    c.usec[i] = orNaN(r.age.usec);
    c.aggr[i] = orNaN(r.age.aggr_intervals);
    c.szFilter[i] = r.sz_filter_passed;
    if (r.damon_ts) (c.breakdown ??= new Array<RegionBreakdown | undefined>(regions.length))[i] = r.damon_ts;
  });
  return c;
}

/** One region of the columns as a RecordRegion object. */
export function columnRegion(c: RegionColumns, i: number): RecordRegion {
  const r: RecordRegion = {
    start: c.start[i]!,
    end: c.end[i]!,
    nr_accesses: { samples: c.samples[i]!, percent: orNull(c.percent[i]!) },
    age: { usec: orNull(c.usec[i]!), aggr_intervals: orNull(c.aggr[i]!) },
    sz_filter_passed: c.szFilter[i]!,
  };
  const b = c.breakdown?.[i];
  if (b) r.damon_ts = b;
  return r;
}

/** The snapshot fields other than the regions, copied as they are present. */
function copyMeta<T extends object>(s: Snapshot | ColumnarSnapshot, to: T): T {
  const o = to as Partial<Snapshot>;
  if (s.total_bytes !== undefined) o.total_bytes = s.total_bytes;
  if (s.sample_interval_us !== undefined) o.sample_interval_us = s.sample_interval_us;
  if (s.start_is_float !== undefined) o.start_is_float = s.start_is_float;
  return to;
}

export function snapshotToColumns(s: Snapshot): ColumnarSnapshot {
  return copyMeta(s, {
    start_time: s.start_time,
    end_time: s.end_time,
    regions: regionsToColumns(s.regions),
  });
}

export function columnsToSnapshot(s: ColumnarSnapshot): Snapshot {
  const c = s.regions;
  const regions: RecordRegion[] = new Array<RecordRegion>(c.n);
  for (let i = 0; i < c.n; i++) regions[i] = columnRegion(c, i);
  return copyMeta(s, { start_time: s.start_time, end_time: s.end_time, regions });
}

/** Regions sorted by address and pairwise disjoint. */
export function columnsSortedDisjoint(c: RegionColumns): boolean {
  for (let i = 1; i < c.n; i++) if (c.start[i]! < c.end[i - 1]!) return false;
  return true;
}
