/**
 * The in-memory record model: damo's record layout (damo-report-math.md §1.2) with JS types.
 *
 * Times are ns (snapshots) and µs (intervals), addresses bytes, all JS numbers. Two in-memory-only
 * extras keep damo's numbers exact without BigInt arithmetic everywhere:
 * - `time_base_ns`: records read from files whose ns times exceed 2^53 (damo's snapshot files hold
 *   epoch times of ~1.7e18) store times relative to this base; writers add it back.
 * - `start_is_float` on a snapshot: the start came from a Python float (trace input, §1.3), which
 *   changes how `report heatmap --output raw` prints relative times.
 * One on-disk extra, ignored by damo: `damon_ts` on regions of report-fed contexts (see RegionBreakdown).
 */

/** target_id as damo keeps it: a Python int (BigInt above 2^53), or None. */
export type TargetId = number | bigint | null;

export interface IntervalsGoal {
  access_bp: number;
  aggrs: number;
  min_sample_us: number;
  max_sample_us: number;
}

/** Monitoring intervals in µs; null in records whose intervals are unknown (trace input). */
export interface RecordIntervals {
  sample_us: number;
  aggr_us: number;
  ops_update_us: number;
  intervals_goal?: IntervalsGoal | null;
}

/**
 * damon-ts extension: per-region breakdown of the samples of a report-fed context (access reports carry
 * cpu, tid and write). `writes` = samples that had a write hit; `cpus`/`tids` map a CPU / thread id to
 * the samples it hit. A sample hit by several CPUs counts once for each, so the sums may exceed
 * `nr_accesses.samples`. damo ignores the field.
 */
export interface RegionBreakdown {
  writes: number;
  cpus: Record<string, number>;
  tids: Record<string, number>;
  /** On a machine with several NUMA nodes whose reports carry the page's physical address. */
  numa?: RegionNuma;
}

/**
 * damon-ts extension: where the region's hits came from and where the hit pages lived, on a NUMA
 * machine. `cpu_nodes`: node of the hitting CPU → samples; `page_nodes`: node holding the hit page →
 * samples (hits whose page node is unknown are left out); `remote`: samples whose CPU's node is not
 * the page's node. Same scale as `cpus`.
 */
export interface RegionNuma {
  cpu_nodes: Record<string, number>;
  page_nodes: Record<string, number>;
  remote: number;
}

export interface RecordRegion {
  start: number;
  end: number;
  nr_accesses: { samples: number; percent: number | null };
  age: { usec: number | null; aggr_intervals: number | null };
  sz_filter_passed: number;
  damon_ts?: RegionBreakdown;
}

export interface Snapshot {
  /** ns; null only for the first snapshot of a trace record that has fewer than two snapshots. */
  start_time: number | null;
  end_time: number;
  regions: RecordRegion[];
  /** Sum of region sizes when absent. */
  total_bytes?: number;
  sample_interval_us?: number | null;
  start_is_float?: boolean;
}

/** Everything of a record but its snapshots. Also the key RecordWriter.addSnapshot groups by. */
export interface RecordHeader {
  kdamond_idx: number | null;
  context_idx: number | null;
  intervals: RecordIntervals | null;
  scheme_idx: number | null;
  target_id: TargetId;
  scheme_filters: unknown[];
  data_source: string;
  time_base_ns?: bigint;
}

export interface DamonRecord extends RecordHeader {
  snapshots: Snapshot[];
}

export type RecordFormat = 'json' | 'json_compressed' | 'perf_script';
export const RECORD_FORMATS: readonly RecordFormat[] = ['json_compressed', 'json', 'perf_script'];

/** 2^64-1, damo's `max`. */
export const U64_MAX = 18446744073709551615n;

export function regionSize(r: RecordRegion): number {
  return r.end - r.start;
}

export function snapshotTotalBytes(s: Snapshot): number {
  if (s.total_bytes !== undefined) return s.total_bytes;
  let sum = 0;
  for (const r of s.regions) sum += r.end - r.start;
  return sum;
}

/** A header with damo's defaults for whatever the caller leaves out. */
export function recordHeader(h: Partial<RecordHeader> & { target_id: TargetId }): RecordHeader {
  return {
    kdamond_idx: h.kdamond_idx ?? null,
    context_idx: h.context_idx ?? null,
    intervals: h.intervals ?? null,
    scheme_idx: h.scheme_idx ?? null,
    target_id: h.target_id,
    scheme_filters: h.scheme_filters ?? [],
    data_source: h.data_source ?? 'unknown',
    ...(h.time_base_ns !== undefined ? { time_base_ns: h.time_base_ns } : {}),
  };
}

/** Records are identified by (kdamond, context, scheme, target), as damo's guides are. */
export function recordKeyString(h: RecordHeader): string {
  return `${h.kdamond_idx} ${h.context_idx} ${h.scheme_idx} ${h.target_id}`;
}
