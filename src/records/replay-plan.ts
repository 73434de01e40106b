/**
 * What replaying a record means (damo's `replay`): each snapshot is cut into aggr/sample time slices
 * of equal length, and in slice i every region whose nr_accesses (in samples) is above i is
 * accessed, page by page. DAMON's sampling then finds each region accessed in as many samples of
 * the aggregation as the record says. The plan is shared by the real-process replayer and the
 * simulated machine's replay workload.
 */
import type { DamonRecord } from './types.js';

export const REPLAY_PAGE_SIZE = 4096;

export interface ReplayRegion {
  start: number;
  end: number;
  /** nr_accesses in samples: the region is accessed in slices 0..samples-1. */
  samples: number;
}

export interface ReplaySnapshot {
  /** Start, µs after the first snapshot's start. */
  startUs: number;
  /** Length of one slice, µs (fractional). */
  sliceUs: number;
  nrSlices: number;
  /** The regions accessed at least once, in address order. */
  regions: ReplayRegion[];
}

export interface ReplayPlan {
  snapshots: ReplaySnapshot[];
  /** µs from the first snapshot's start to the last one's end. */
  durationUs: number;
  /** Every region of the record (accessed or not), page-aligned and merged: the address space. */
  ranges: { start: number; end: number }[];
}

/** Sorted ranges merged where they touch or overlap. */
function merge(ranges: { start: number; end: number }[]): { start: number; end: number }[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: { start: number; end: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

const pageDown = (a: number) => Math.floor(a / REPLAY_PAGE_SIZE) * REPLAY_PAGE_SIZE;
const pageUp = (a: number) => Math.ceil(a / REPLAY_PAGE_SIZE) * REPLAY_PAGE_SIZE;

/**
 * The replay plan of one record. `source` names the file in errors. A record without monitoring
 * intervals (a trace record) cannot say how long a sample is, so it is refused.
 */
export function replayPlan(record: DamonRecord, source: string): ReplayPlan {
  const iv = record.intervals;
  if (!iv || !(iv.sample_us > 0) || !(iv.aggr_us > 0))
    throw new Error(`${source}: the record has no monitoring intervals (sample, aggregation) to replay with`);
  if (record.snapshots.length === 0) throw new Error(`${source}: the record has no snapshots`);
  const nrSlices = Math.max(1, Math.floor(iv.aggr_us / iv.sample_us));
  const startNs = (i: number) => {
    const s = record.snapshots[i]!;
    return s.start_time ?? s.end_time - iv.aggr_us * 1000;
  };
  const t0 = startNs(0);
  const all: { start: number; end: number }[] = [];
  let lastEndNs = t0;
  let lastStartNs = t0;
  const snapshots = record.snapshots.map((s, i) => {
    const start = startNs(i);
    if (!(s.end_time >= start) || start < lastStartNs)
      throw new Error(`${source}: snapshot ${i} ends before it starts or starts before the previous one`);
    lastStartNs = start;
    lastEndNs = Math.max(lastEndNs, s.end_time);
    const regions: ReplayRegion[] = [];
    for (const r of s.regions) {
      const range = { start: pageDown(r.start), end: pageUp(r.end) };
      all.push(range);
      if (r.nr_accesses.samples > 0) {
        regions.push({ ...range, samples: r.nr_accesses.samples });
      }
    }
    regions.sort((a, b) => a.start - b.start);
    return {
      startUs: (start - t0) / 1000,
      sliceUs: (s.end_time - start) / 1000 / nrSlices,
      nrSlices,
      regions,
    };
  });
  return { snapshots, durationUs: (lastEndNs - t0) / 1000, ranges: merge(all) };
}
