/**
 * The data behind the dashboard and /metrics: one stream per record key (kdamond, context, scheme,
 * target), each a bounded FrameStore of the snapshots seen so far, plus live counters. Anything
 * with addSnapshot (a record reader, a simulated or kernel session) feeds it.
 */
import {
  recordKeyString,
  type RecordHeader,
  type RecordRegion,
  type Snapshot,
} from '../../../records/types.js';
import { breakdownSamples } from '../../../reports/breakdown.js';
import { snapshotWss } from '../../../reports/wss.js';
import {
  FrameStore,
  REGION_FIELDS,
  STORE_MAX_FRAMES,
  STORE_MAX_REGIONS,
  type Frame,
  type FrameMeta,
  type SchemeStatsRow,
} from '../shared/frame.js';
import type { StreamInfo } from '../shared/protocol.js';

/** Counters of a live context that a record does not hold (reports, faults). */
export interface LiveCounters {
  reportsReceived: number;
  reportsDropped: number;
}

export interface StreamSources {
  /** Report intake counters of the stream's context. */
  counters?: () => LiveCounters;
  /** DAMOS stats of the stream's context, one row per scheme. */
  schemes?: () => SchemeStatsRow[];
  /** The monitored process, when the source knows it (labels of the dirty-rate gauges). */
  target?: () => { pid?: number; comm?: string };
}

export interface FeedOptions {
  /** Bounds of each stream's FrameStore; keep the defaults (the client's) for the dashboard. */
  maxFrames?: number;
  maxRegions?: number;
}

export interface Stream {
  info: StreamInfo;
  store: FrameStore;
  header: RecordHeader;
  /** The newest snapshot as recorded (not merged): /metrics reads it. */
  last: Snapshot | null;
  /** Snapshots received (including those merged away). */
  received: number;
  sources: StreamSources;
}

export type FeedListener = (
  e: { type: 'frame'; frame: Frame } | { type: 'stream'; info: StreamInfo } | { type: 'end' },
) => void;

function headerLabel(h: RecordHeader): string {
  const parts = [`kdamond ${h.kdamond_idx ?? '-'}`, `context ${h.context_idx ?? '-'}`];
  if (h.scheme_idx !== null) parts.push(`scheme ${h.scheme_idx}`);
  parts.push(`target ${h.target_id ?? '-'}`);
  return `${parts.join(' / ')} (${h.data_source})`;
}

function addWeighted(acc: Map<string, number>, m: Record<string, number>, w: number): void {
  const keys = Object.keys(m);
  for (let i = 0; i < keys.length; i++) acc.set(keys[i]!, (acc.get(keys[i]!) ?? 0) + m[keys[i]!]! * w);
}

/**
 * Access-weighted bytes per breakdown label: Σ samples × size / maxNr, the bytes "fully accessed".
 * Labels and the read/write split are breakdownSamples' (src/reports/breakdown.ts); its per-region
 * label strings are built once per key here instead of once per region (this runs per live snapshot).
 */
function breakdownOf(regions: readonly RecordRegion[], maxNr: number): Record<string, number> | undefined {
  let any = false;
  let writes = 0;
  let reads = 0;
  const cpus = new Map<string, number>();
  const tids = new Map<string, number>();
  for (const r of regions) {
    const b = r.damon_ts;
    if (!b) continue;
    any = true;
    const w = (r.end - r.start) / maxNr;
    const [[, wr], [, rd]] = breakdownSamples(r, 'write') as [[string, number], [string, number]];
    writes += wr * w;
    reads += rd * w;
    addWeighted(cpus, b.cpus, w);
    addWeighted(tids, b.tids, w);
  }
  if (!any) return undefined;
  const out: Record<string, number> = { write: writes, read: reads };
  for (const [k, v] of cpus) out[`cpu ${k}`] = v;
  for (const [k, v] of tids) out[`thread ${k}`] = v;
  return out;
}

/** Remote and known-node hit weights of a snapshot (src/reports/numa.ts's weighting), if any region has them. */
function remoteOf(regions: readonly RecordRegion[]): [number, number] | undefined {
  let any = false;
  let remote = 0;
  let known = 0;
  for (const r of regions) {
    const n = r.damon_ts?.numa;
    if (!n) continue;
    any = true;
    const size = r.end - r.start;
    remote += size * n.remote;
    for (const v of Object.values(n.page_nodes)) known += size * v;
  }
  return any ? [remote, known] : undefined;
}

/** The dashboard frame of a recorded snapshot. */
export function frameOf(streamId: number, h: RecordHeader, s: Snapshot, schemes?: SchemeStatsRow[]): Frame {
  const si = s.sample_interval_us ?? h.intervals?.sample_us ?? 0;
  const ai = h.intervals?.aggr_us ?? 0;
  // The tuned sample interval scales aggr too (intervals goal keeps their ratio): maxNr is the ratio.
  const maxNr =
    si > 0 && ai > 0
      ? Math.max(1, Math.floor(ai / (h.intervals?.sample_us ?? si)))
      : Math.max(1, ...s.regions.map((r) => r.nr_accesses.samples));
  const regions = new Float64Array(s.regions.length * REGION_FIELDS);
  s.regions.forEach((r, i) => {
    const o = i * REGION_FIELDS;
    regions[o] = r.start;
    regions[o + 1] = r.end;
    regions[o + 2] = r.nr_accesses.samples;
    regions[o + 3] = r.age.aggr_intervals ?? 0;
    regions[o + 4] = r.damon_ts ? r.damon_ts.writes : -1;
  });
  const end = s.end_time;
  const meta: FrameMeta = {
    s: streamId,
    t0: s.start_time ?? end - ai * 1000,
    t1: end,
    si,
    ai,
    maxNr,
    wss: snapshotWss(s, 1, 1),
    nr: s.regions.length,
    n: s.regions.length,
    m: 1,
  };
  const bd = breakdownOf(s.regions, maxNr);
  if (bd) meta.bd = bd;
  const rm = remoteOf(s.regions);
  if (rm) meta.rm = rm;
  if (schemes?.length) meta.ds = schemes;
  return { meta, regions };
}

export class Feed {
  readonly streams: Stream[] = [];
  private readonly byKey = new Map<string, Stream>();
  private readonly listeners = new Set<FeedListener>();
  private sourcesOf: (h: RecordHeader) => StreamSources = () => ({});
  ended = false;
  /** DAMON protection faults the monitoring induced (simulated machine), when known. */
  faultsInduced: (() => number) | null = null;

  constructor(
    readonly mode: 'record' | 'live',
    readonly title: string,
    private readonly o: FeedOptions = {},
  ) {}

  /** Where a new stream's counters and scheme stats come from (live sessions). */
  setSources(fn: (h: RecordHeader) => StreamSources): void {
    this.sourcesOf = fn;
  }

  subscribe(fn: FeedListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: Parameters<FeedListener>[0]): void {
    for (const l of this.listeners) l(e);
  }

  /** The SnapshotSink interface the sessions and the kernel recorder write to. */
  addSnapshot(h: RecordHeader, s: Snapshot): void {
    const key = recordKeyString(h);
    let st = this.byKey.get(key);
    if (!st) {
      st = {
        info: {
          id: this.streams.length,
          key,
          label: headerLabel(h),
          dataSource: h.data_source,
          kdamond: h.kdamond_idx,
          context: h.context_idx,
          scheme: h.scheme_idx,
          target: h.target_id === null ? null : String(h.target_id),
        },
        store: new FrameStore(this.o.maxFrames ?? STORE_MAX_FRAMES, this.o.maxRegions ?? STORE_MAX_REGIONS),
        header: h,
        last: null,
        received: 0,
        sources: this.sourcesOf(h),
      };
      this.streams.push(st);
      this.byKey.set(key, st);
      this.emit({ type: 'stream', info: st.info });
    }
    const frame = frameOf(st.info.id, h, s, st.sources.schemes?.());
    st.store.push(frame);
    st.last = s;
    st.received++;
    this.emit({ type: 'frame', frame });
  }

  /** A record's header is complete only at its end (damo writes data_source last). */
  updateHeader(h: RecordHeader): void {
    const st = this.byKey.get(recordKeyString(h));
    if (!st) return;
    st.header = h;
    st.info.label = headerLabel(h);
    st.info.dataSource = h.data_source;
  }

  end(): void {
    this.ended = true;
    this.emit({ type: 'end' });
  }
}
