/**
 * Snapshots from damon:damon_aggregated events. The kernel emits one event per region of a target at
 * each aggregation, in address order, each carrying the target's nr_regions: a target's snapshot is
 * complete when nr_regions events arrived. A new burst that starts before the previous one completed
 * (an event was lost) drops the partial snapshot and counts it, rather than merging two aggregations.
 */
import type { RecordRegion, Snapshot } from '../../records/types.js';
import { type EventField, type EventFormat, eventField, readField } from '../tracefs/format.js';

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
    if (p.lastEndTime !== null && endTime <= p.lastEndTime) {
      // Out of time order (the reader merges CPUs by timestamp, so only a clock step does this):
      // a record's snapshots follow each other, so this one is dropped and counted.
      this.incomplete++;
      p.regions = [];
      return;
    }
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

/** A kdamond whose events are decoded: its thread pid and starting intervals. */
export interface TracedKdamond {
  index: number;
  pid: number;
  sample_us: number;
  aggr_us: number;
}

/**
 * Decodes raw damon_aggregated / damon_monitor_intervals_tune records (tracefs binary layout, fields
 * by name from the event formats) of the given kdamonds, mapped by the record's common_pid, into an
 * AggregatedAssembler. Records of other kdamonds and other events are ignored.
 */
export class DamonEventDecoder {
  readonly assembler: AggregatedAssembler;
  private readonly agg: {
    id: number;
    pid: EventField;
    target: EventField;
    nr: EventField;
    start: EventField;
    end: EventField;
    acc: EventField;
    age: EventField;
  };
  private readonly tune: { id: number; pid: EventField; sample: EventField } | null;
  private readonly byPid: Map<number, TracedKdamond>;
  private readonly current = new Map<number, AssemblerIntervals>();

  constructor(
    aggregated: EventFormat,
    intervalsTune: EventFormat | null,
    kdamonds: readonly TracedKdamond[],
    emit: (kdamond: number, targetId: number, snapshot: Snapshot) => void,
  ) {
    const f = (name: string) => eventField(aggregated, name);
    this.agg = {
      id: aggregated.id,
      pid: f('common_pid'),
      target: f('target_id'),
      nr: f('nr_regions'),
      start: f('start'),
      end: f('end'),
      acc: f('nr_accesses'),
      age: f('age'),
    };
    this.tune = intervalsTune
      ? {
          id: intervalsTune.id,
          pid: eventField(intervalsTune, 'common_pid'),
          sample: eventField(intervalsTune, 'sample_us'),
        }
      : null;
    this.byPid = new Map(kdamonds.map((k) => [k.pid, k]));
    for (const k of kdamonds) this.current.set(k.index, { sample_us: k.sample_us, aggr_us: k.aggr_us });
    this.assembler = new AggregatedAssembler((k) => this.current.get(k)!, emit);
  }

  /** One raw record at buf[off...] (its u16 common_type first), timed timeNs. */
  onRecord(buf: Buffer, off: number, timeNs: number): void {
    const type = buf.readUInt16LE(off);
    const a = this.agg;
    if (type === a.id) {
      const k = this.byPid.get(readField(buf, off, a.pid));
      if (!k) return;
      this.assembler.push({
        kdamond: k.index,
        targetId: readField(buf, off, a.target),
        nrRegions: readField(buf, off, a.nr),
        start: readField(buf, off, a.start),
        end: readField(buf, off, a.end),
        nrAccesses: readField(buf, off, a.acc),
        age: readField(buf, off, a.age),
        timeNs,
      });
    } else if (this.tune && type === this.tune.id) {
      const k = this.byPid.get(readField(buf, off, this.tune.pid));
      if (!k) return;
      // Auto-tuning keeps the aggr/sample ratio (spec §2.8).
      const sample = readField(buf, off, this.tune.sample);
      this.current.set(k.index, {
        sample_us: sample,
        aggr_us: Math.round((sample * k.aggr_us) / k.sample_us),
      });
    }
  }
}
