/**
 * Prometheus exposition of a dashboard feed (src/interfaces/web/server/feed.ts), with prom-client's
 * Registry doing the text format (escaping, HELP/TYPE, content type). Every value is read from the
 * feed when scraped: gauges from the newest snapshot of each stream as recorded, counters from the
 * live session. The two byte histograms describe the newest snapshot: `_bucket{le}` and `_count`
 * count monitored bytes (not regions) whose access frequency / age is at most `le`, `_sum` is
 * Σ bytes × value; they go up and down between scrapes, so take them with rate-free queries
 * (histogram_quantile over the gauge values), not rate().
 */
import { Registry, type Metric } from 'prom-client';
import type { RecordRegion } from '../../../records/types.js';
import { windowDirtyBytes, type WriteSnapshot } from '../../../reports/dirty.js';
import type { Feed, LiveCounters, Stream } from './feed.js';
import { REGION_FIELDS, type Frame, type SchemeStatsRow } from '../shared/frame.js';

type Labels = Record<string, string>;
interface Sample {
  labels: Labels;
  value: number;
  metricName?: string;
}
type MetricType = 'gauge' | 'counter' | 'histogram';

/** Access frequency buckets: nr_accesses / (aggr / sample), 0 = not accessed in the window. */
export const ACCESS_FREQUENCY_BUCKETS = [0, 0.05, 0.1, 0.25, 0.5, 0.75, 1];
/** Age buckets, seconds. */
export const AGE_BUCKETS_SECONDS = [0.1, 1, 10, 60, 600, 3600];

/** A metric whose samples are computed at scrape time, registered like prom-client's own. */
function collected(
  reg: Registry,
  name: string,
  help: string,
  type: MetricType,
  samples: () => Sample[],
): void {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: samples() }),
    reset: () => undefined,
  };
  reg.registerMetric(metric as unknown as Metric);
}

function streamLabels(st: Stream): Labels {
  const l: Labels = {
    kdamond: String(st.info.kdamond ?? ''),
    context: String(st.info.context ?? ''),
    target: st.info.target ?? '',
  };
  if (st.info.scheme !== null) l.scheme = String(st.info.scheme);
  return l;
}

function histogram(
  name: string,
  labels: Labels,
  buckets: number[],
  observations: [value: number, weight: number][],
): Sample[] {
  const out: Sample[] = [];
  let sum = 0;
  let count = 0;
  for (const [v, w] of observations) {
    sum += v * w;
    count += w;
  }
  for (const le of buckets) {
    let c = 0;
    for (const [v, w] of observations) if (v <= le) c += w;
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: String(le) }, value: c });
  }
  out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count });
  out.push({ metricName: `${name}_sum`, labels, value: sum });
  out.push({ metricName: `${name}_count`, labels, value: count });
  return out;
}

function maxNrOf(st: Stream): number {
  const iv = st.header.intervals;
  if (iv && iv.sample_us > 0) return Math.max(1, Math.floor(iv.aggr_us / iv.sample_us));
  return Math.max(1, ...(st.last?.regions ?? []).map((r) => r.nr_accesses.samples));
}

function sizeOf(r: RecordRegion): number {
  return r.end - r.start;
}

/** Window of the dirty-rate gauge (QEMU calc-dirty-rate's default calc-time). */
export const DIRTY_RATE_WINDOW_US = 1_000_000;

/** A frame's write samples (-1 in the write column: the record has none). */
function frameWrites(f: Frame): WriteSnapshot | null {
  const n = f.meta.n;
  const r = f.regions;
  if (n > 0 && r[4]! < 0) return null;
  const start = new Float64Array(n);
  const end = new Float64Array(n);
  const writes = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    start[i] = r[i * REGION_FIELDS]!;
    end[i] = r[i * REGION_FIELDS + 1]!;
    writes[i] = r[i * REGION_FIELDS + 4]!;
  }
  return {
    startUs: f.meta.t0 / 1000,
    endUs: f.meta.t1 / 1000,
    samples: f.meta.maxNr * f.meta.m,
    start,
    end,
    writes,
  };
}

/**
 * Dirty rate (bytes/s) of a stream's newest snapshots spanning DIRTY_RATE_WINDOW_US (fewer when the
 * stream is younger), and its newest written working set; null without write samples.
 */
function dirtyOf(st: Stream): { rate: number; writtenWss: number } | null {
  const frames = st.store.frames;
  const snaps: WriteSnapshot[] = [];
  for (let k = frames.length - 1; k >= 0; k--) {
    const w = frameWrites(frames[k]!);
    if (!w) return null;
    snaps.unshift(w);
    if (snaps[snaps.length - 1]!.endUs - w.startUs >= DIRTY_RATE_WINDOW_US) break;
  }
  if (snaps.length === 0) return null;
  const newest = snaps[snaps.length - 1]!;
  const spanUs = newest.endUs - snaps[0]!.startUs;
  let writtenWss = 0;
  for (let i = 0; i < newest.start.length; i++)
    if (newest.writes[i]! >= 1) writtenWss += newest.end[i]! - newest.start[i]!;
  return { rate: spanUs > 0 ? windowDirtyBytes(snaps) / (spanUs / 1e6) : 0, writtenWss };
}

/** The registry of a feed; `await reg.metrics()` gives the exposition text, `reg.contentType` its type. */
export function feedRegistry(feed: Feed): Registry {
  const reg = new Registry();
  const withLast = (): Stream[] => feed.streams.filter((s) => s.last !== null);
  const perStream =
    (value: (st: Stream) => number | null): (() => Sample[]) =>
    () =>
      withLast().flatMap((st) => {
        const v = value(st);
        return v === null ? [] : [{ labels: streamLabels(st), value: v }];
      });
  // One context has several targets (streams); its counters are reported once per context.
  const perContext = (): Stream[] => {
    const seen = new Set<string>();
    return feed.streams.filter((st) => {
      const k = `${st.info.kdamond} ${st.info.context}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  };
  const ctxLabels = (st: Stream): Labels => ({
    kdamond: String(st.info.kdamond ?? ''),
    context: String(st.info.context ?? ''),
  });

  collected(
    reg,
    'damon_wss_bytes',
    'Working set size: bytes of regions accessed at least once in the newest aggregation window.',
    'gauge',
    perStream((st) => st.store.frames.at(-1)?.meta.wss ?? null),
  );
  collected(
    reg,
    'damon_nr_regions',
    'Number of monitoring regions in the newest snapshot.',
    'gauge',
    perStream((st) => st.last!.regions.length),
  );
  collected(
    reg,
    'damon_sample_interval_seconds',
    'Sampling interval of the newest snapshot (tuned when intervals autotuning is on).',
    'gauge',
    perStream((st) => {
      const us = st.last!.sample_interval_us ?? st.header.intervals?.sample_us;
      return us == null ? null : us / 1e6;
    }),
  );
  collected(
    reg,
    'damon_aggregation_interval_seconds',
    'Aggregation interval of the newest snapshot.',
    'gauge',
    perStream((st) => {
      const iv = st.header.intervals;
      if (!iv) return null;
      // The intervals goal tunes sample and aggregation intervals together, keeping their ratio.
      const si = st.last!.sample_interval_us;
      return (si != null && iv.sample_us > 0 ? (si * iv.aggr_us) / iv.sample_us : iv.aggr_us) / 1e6;
    }),
  );
  collected(
    reg,
    'damon_snapshots_total',
    'Aggregation snapshots received.',
    'counter',
    perStream((st) => st.received),
  );
  collected(
    reg,
    'damon_region_access_frequency_ratio',
    'Monitored bytes of the newest snapshot by access frequency (nr_accesses / max); buckets and count are bytes.',
    'histogram',
    () =>
      withLast().flatMap((st) => {
        const max = maxNrOf(st);
        return histogram(
          'damon_region_access_frequency_ratio',
          streamLabels(st),
          ACCESS_FREQUENCY_BUCKETS,
          st.last!.regions.map((r) => [Math.min(1, r.nr_accesses.samples / max), sizeOf(r)]),
        );
      }),
  );
  collected(
    reg,
    'damon_region_age_seconds',
    'Monitored bytes of the newest snapshot by region age; buckets and count are bytes.',
    'histogram',
    () =>
      withLast().flatMap((st) => {
        const aggrUs = st.header.intervals?.aggr_us;
        if (!aggrUs) return [];
        return histogram(
          'damon_region_age_seconds',
          streamLabels(st),
          AGE_BUCKETS_SECONDS,
          st.last!.regions.map((r) => [
            r.age.usec != null ? r.age.usec / 1e6 : ((r.age.aggr_intervals ?? 0) * aggrUs) / 1e6,
            sizeOf(r),
          ]),
        );
      }),
  );
  // Migration candidates: per target, with the target's pid/comm where the source knows them and the
  // monitoring setup (the record's data_source), so one query ranks them across hosts.
  const dirtyLabels = (st: Stream): Labels => {
    const l: Labels = { ...streamLabels(st), setup: st.header.data_source };
    const t = st.sources.target?.();
    if (t?.pid !== undefined) l.pid = String(t.pid);
    if (t?.comm !== undefined) l.comm = t.comm;
    return l;
  };
  const dirty = (
    name: string,
    help: string,
    pick: (d: { rate: number; writtenWss: number }) => number,
  ): void =>
    collected(reg, name, help, 'gauge', () =>
      withLast().flatMap((st) => {
        const d = dirtyOf(st);
        return d ? [{ labels: dirtyLabels(st), value: pick(d) }] : [];
      }),
    );
  dirty(
    'damon_dirty_rate_bytes_per_second',
    "Distinct bytes written per second over the newest second of write samples (QEMU calc-dirty-rate's measure), from write-only monitoring.",
    (d) => d.rate,
  );
  dirty(
    'damon_written_wss_bytes',
    'Written working set: bytes of regions written at least once in the newest aggregation window.',
    (d) => d.writtenWss,
  );
  const intake = (name: string, help: string, pick: (c: LiveCounters) => number): void =>
    collected(reg, name, help, 'counter', () =>
      perContext().flatMap((st) =>
        st.sources.counters ? [{ labels: ctxLabels(st), value: pick(st.sources.counters()) }] : [],
      ),
    );
  intake('damon_reports_received_total', 'Access reports the context received.', (c) => c.reportsReceived);
  intake(
    'damon_reports_dropped_total',
    'Access reports dropped because the intake buffer was full.',
    (c) => c.reportsDropped,
  );
  collected(
    reg,
    'damon_faults_induced_total',
    'Protection faults induced by page_fault monitoring on the simulated machine (all contexts).',
    'counter',
    () => (feed.faultsInduced ? [{ labels: {}, value: feed.faultsInduced() }] : []),
  );
  const damos = (name: string, help: string, pick: (r: SchemeStatsRow) => number): void =>
    collected(reg, name, help, 'counter', () =>
      perContext().flatMap((st) =>
        (st.sources.schemes?.() ?? []).map((row, i) => ({
          labels: { ...ctxLabels(st), scheme: String(i), action: row.action },
          value: pick(row),
        })),
      ),
    );
  damos('damos_tried_regions_total', 'Regions a DAMOS scheme was tried on.', (r) => r.nrTried);
  damos('damos_tried_bytes_total', 'Bytes of regions a DAMOS scheme was tried on.', (r) => r.szTried);
  damos('damos_applied_regions_total', 'Regions a DAMOS scheme action was applied to.', (r) => r.nrApplied);
  damos('damos_applied_bytes_total', 'Bytes a DAMOS scheme action was applied to.', (r) => r.szApplied);
  damos('damos_quota_exceeds_total', 'Times a DAMOS scheme exceeded its quota.', (r) => r.qtExceeds);
  return reg;
}
