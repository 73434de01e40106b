/**
 * adjust_records (damo-report-math.md §3), shared by `report wss` and `adjust`: skip the first snapshots
 * of each record, then merge them into windows of at least `aggr_us`; a leftover window is dropped.
 * Windower works one snapshot at a time so that streaming reports keep flat memory.
 */
import {
  columnsSortedDisjoint,
  columnsToSnapshot,
  snapshotToColumns,
  type ColumnarSnapshot,
} from '../records/columns.js';
import type { DamonRecord, RecordRegion, Snapshot } from '../records/types.js';

function cloneRegion(r: RecordRegion): RecordRegion {
  const c: RecordRegion = {
    start: r.start,
    end: r.end,
    nr_accesses: { ...r.nr_accesses },
    age: { ...r.age },
    sz_filter_passed: r.sz_filter_passed,
  };
  const b = r.damon_ts;
  if (b) {
    c.damon_ts = { writes: b.writes, cpus: { ...b.cpus }, tids: { ...b.tids } };
    if (b.numa)
      c.damon_ts.numa = {
        cpu_nodes: { ...b.numa.cpu_nodes },
        page_nodes: { ...b.numa.page_nodes },
        remote: b.numa.remote,
      };
  }
  return c;
}

/**
 * The merged regions, kept disjoint (a region is appended only where nothing intersects it), with an
 * index sorted by address so that "the first region in list order intersecting g" is a binary search.
 */
class MergedRegions {
  readonly list: RecordRegion[] = [];
  private readonly order: number[] = [];

  /** List index of the first (in list order) region intersecting [start, end), or -1. */
  firstIntersecting(start: number, end: number): number {
    const o = this.order;
    let lo = 0;
    let hi = o.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.list[o[mid]!]!.end > start) hi = mid;
      else lo = mid + 1;
    }
    let best = -1;
    for (let k = lo; k < o.length && this.list[o[k]!]!.start < end; k++) {
      if (best < 0 || o[k]! < best) best = o[k]!;
    }
    return best;
  }

  append(r: RecordRegion): void {
    const idx = this.list.length;
    this.list.push(r);
    const o = this.order;
    let lo = 0;
    let hi = o.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.list[o[mid]!]!.start < r.start) lo = mid + 1;
      else hi = mid;
    }
    o.splice(lo, 0, idx);
  }
}

function piece(g: RecordRegion, start: number, end: number): RecordRegion {
  const size = g.end - g.start;
  return {
    start,
    end,
    nr_accesses: { samples: g.nr_accesses.samples, percent: null },
    age: { usec: null, aggr_intervals: g.age.aggr_intervals },
    sz_filter_passed: Math.trunc((g.sz_filter_passed / size) * (end - start)),
  };
}

/** Regions sorted and pairwise disjoint: damo's merge of such a single snapshot keeps them as they are. */
function sortedDisjoint(s: Snapshot): boolean {
  const rs = s.regions;
  for (let i = 1; i < rs.length; i++) if (rs[i]!.start < rs[i - 1]!.end) return false;
  return true;
}

/** damo's merge of a window of snapshots. */
export function mergeSnapshots(snaps: Snapshot[]): Snapshot {
  if (snaps.length === 1 && sortedDisjoint(snaps[0]!)) {
    const s = snaps[0]!;
    let total = 0;
    for (const r of s.regions) total += r.end - r.start;
    // nothing is added to a lone snapshot's regions, so they are shared, not copied
    return {
      start_time: s.start_time,
      end_time: s.end_time,
      regions: s.regions,
      total_bytes: total,
      sample_interval_us: null,
    };
  }
  const out = new MergedRegions();
  for (const snap of snaps) {
    const add = new Map<RecordRegion, number>();
    const insert = (g: RecordRegion): void => {
      const oi = out.firstIntersecting(g.start, g.end);
      if (oi < 0) {
        out.append(g);
        return;
      }
      const o = out.list[oi]!;
      add.set(o, Math.max(add.get(o) ?? 0, g.nr_accesses.samples));
      if (g.start < o.start) insert(piece(g, g.start, o.start));
      if (o.end < g.end) insert(piece(g, o.end, g.end));
    };
    for (const g of snap.regions) insert(cloneRegion(g));
    for (const [o, v] of add) o.nr_accesses.samples += v;
  }
  let total = 0;
  for (const r of out.list) total += r.end - r.start;
  return {
    start_time: snaps[0]!.start_time,
    end_time: snaps[snaps.length - 1]!.end_time,
    regions: out.list,
    total_bytes: total,
    sample_interval_us: null,
  };
}

/** mergeSnapshots on columns: a lone sorted snapshot as it is, anything else through region objects. */
export function mergeColumnar(snaps: ColumnarSnapshot[]): ColumnarSnapshot {
  if (snaps.length === 1 && columnsSortedDisjoint(snaps[0]!.regions)) {
    const s = snaps[0]!;
    const c = s.regions;
    let total = 0;
    for (let i = 0; i < c.n; i++) total += c.end[i]! - c.start[i]!;
    return {
      start_time: s.start_time,
      end_time: s.end_time,
      regions: c,
      total_bytes: total,
      sample_interval_us: null,
    };
  }
  return snapshotToColumns(mergeSnapshots(snaps.map(columnsToSnapshot)));
}

type Timed = { start_time: number | null; end_time: number };

/**
 * Streaming windows of one record: push snapshots in order, get merged windows back. Snapshot objects
 * by default; `new Windower(aggrUs, skip, mergeColumnar)` windows columnar snapshots.
 */
export class Windower<S extends Timed = Snapshot> {
  private pending: S[] = [];
  private seen = 0;

  constructor(
    private readonly aggrUs: number,
    private readonly skip: number,
    private readonly merge: (snaps: S[]) => S = mergeSnapshots as unknown as (snaps: S[]) => S,
  ) {}

  push(s: S): S | null {
    if (this.seen++ < this.skip) return null;
    this.pending.push(s);
    const first = this.pending[0]!;
    if (first.start_time === null) throw new Error('a snapshot without start time cannot be adjusted');
    if (s.end_time - first.start_time >= this.aggrUs * 1000) {
      const merged = this.merge(this.pending);
      this.pending = [];
      return merged;
    }
    return null;
  }
}

/** adjust_records on in-memory records (returns new records; `intervals.aggr_us` set when known). */
export function adjustRecords(records: DamonRecord[], aggrUs: number, skip: number): DamonRecord[] {
  return records.map((rec) => {
    const w = new Windower(aggrUs, skip);
    const snapshots: Snapshot[] = [];
    for (const s of rec.snapshots) {
      const m = w.push(s);
      if (m) snapshots.push(m);
    }
    return { ...rec, intervals: rec.intervals ? { ...rec.intervals, aggr_us: aggrUs } : null, snapshots };
  });
}
