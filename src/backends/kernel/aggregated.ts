/**
 * Snapshots from damon:damon_aggregated events. The kernel emits one event per region of a target at
 * each aggregation, in address order, each carrying the target's nr_regions: a target's snapshot is
 * complete when nr_regions events arrived. A new burst that starts before the previous one completed
 * (an event was lost) drops the partial snapshot and counts it, rather than merging two aggregations.
 */
import type { RecordRegion, Snapshot } from '../../records/types.js';

export interface AggregatedEvent {
  /** kdamond index (mapped from the event's common_pid). */
  kdamond: number;
  targetId: number;
  nrRegions: number;
  start: number;
  end: number;
  nrAccesses: number;
  age: number;
  timeNs: number;
}

export interface AssemblerIntervals {
  sample_us: number;
  aggr_us: number;
}

interface Pending {
  regions: RecordRegion[];
  nrRegions: number;
  lastEnd: number;
  lastEndTime: number | null;
}

export class AggregatedAssembler {
  /** Partial snapshots dropped because events of them were missing. */
  incomplete = 0;
  private readonly pending = new Map<string, Pending>();

  constructor(
    /** Current intervals of a kdamond (sample_us changes under auto-tuning). */
    private readonly intervalsOf: (kdamond: number) => AssemblerIntervals,
    private readonly emit: (kdamond: number, targetId: number, snapshot: Snapshot) => void,
  ) {}

  push(e: AggregatedEvent): void {
    const key = `${e.kdamond}/${e.targetId}`;
    let p = this.pending.get(key);
    if (!p) {
      p = { regions: [], nrRegions: e.nrRegions, lastEnd: -1, lastEndTime: null };
      this.pending.set(key, p);
    }
    if (p.regions.length > 0 && (e.nrRegions !== p.nrRegions || e.start < p.lastEnd)) {
      this.incomplete++;
      p.regions = [];
    }
    if (p.regions.length === 0) p.nrRegions = e.nrRegions;
    const iv = this.intervalsOf(e.kdamond);
    // max nr_accesses per aggregation is aggr/sample; percent as damo computes it (trunc).
    const maxNr = Math.max(1, Math.floor(iv.aggr_us / iv.sample_us));
    p.regions.push({
      start: e.start,
      end: e.end,
      nr_accesses: { samples: e.nrAccesses, percent: Math.trunc((e.nrAccesses * 100) / maxNr) },
      age: { usec: e.age * iv.aggr_us, aggr_intervals: e.age },
      sz_filter_passed: 0,
    });
    p.lastEnd = e.end;
    if (p.regions.length < p.nrRegions) return;
    const endTime = e.timeNs;
    const snapshot: Snapshot = {
      start_time: p.lastEndTime ?? endTime - iv.aggr_us * 1000,
      end_time: endTime,
      regions: p.regions,
      total_bytes: p.regions.reduce((a, r) => a + (r.end - r.start), 0),
      sample_interval_us: iv.sample_us,
    };
    p.regions = [];
    p.lastEndTime = endTime;
    this.emit(e.kdamond, e.targetId, snapshot);
  }
}
