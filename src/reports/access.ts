/**
 * `report access` styles other than --raw_form (damo-report-math.md §2 "Detailed style", damo-interop.md
 * §1.2). The detailed style follows damo's templates; the 80-column temperature line, the percentile
 * and histogram styles and simple-boxes are our renderings of damo's descriptions (the spec gives no
 * byte-level reference for them). `by` adds per-CPU/thread/write sections from the damon_ts breakdown.
 */
import { absTime } from '../records/serialize.js';
import { fmtNr, fmtSz, fmtTimeNs, pyF } from '../records/pyformat.js';
import type { DamonRecord, RecordRegion, Snapshot } from '../records/types.js';
import { breakdownSamples, compareLabels, type BreakdownBy } from './breakdown.js';

export const ACCESS_STYLES = [
  'detailed',
  'simple-boxes',
  'temperature-sz-hist',
  'recency-sz-hist',
  'cold-memory-tail',
  'recency-percentiles',
  'idle-time-percentiles',
  'temperature-percentiles',
  'cold',
  'hot',
] as const;
export type AccessStyle = (typeof ACCESS_STYLES)[number];

export interface AccessOptions {
  style: AccessStyle;
  rawNumber: boolean;
  /** Temperature weights [size, access rate, age]; damo's default [0, 100, 100]. */
  weights: [number, number, number];
  percentiles: number[];
  histBins: number;
  by?: BreakdownBy;
}

export const ACCESS_DEFAULTS: AccessOptions = {
  style: 'detailed',
  rawNumber: false,
  weights: [0, 100, 100],
  percentiles: [0, 25, 50, 75, 100],
  histBins: 10,
};

export class MissingIntervalsError extends Error {
  constructor() {
    super('some records lack the intervals information');
  }
}

/** damo's temperature: size·w0 + percent·w1 + age_us·w2, negated when the access rate is 0. */
export function temperature(r: RecordRegion, w: [number, number, number]): number {
  const percent = r.nr_accesses.percent ?? 0;
  const t = (r.end - r.start) * w[0] + percent * w[1] + (r.age.usec ?? 0) * w[2];
  return percent <= 0 ? -t : t;
}

function hzText(samples: number, aggrUs: number, raw: boolean): string {
  const hz = samples / (aggrUs / 1e6);
  return hz > 0 && hz < 10 ? `${pyF(hz, 3)} hz` : `${fmtNr(hz, raw)} hz`;
}

function regionLine(i: number, r: RecordRegion, samples: number, aggrUs: number, raw: boolean): string {
  return (
    `${String(i).padEnd(3)} addr ${fmtSz(r.start, raw).padEnd(12)} size ${fmtSz(r.end - r.start, raw).padEnd(11)} ` +
    `access ${hzText(samples, aggrUs, raw).padEnd(6)} age ${fmtTimeNs((r.age.usec ?? 0) * 1000, raw).padEnd(13)}`
  ).trimEnd();
}

/** The one-line map of the snapshot's address range: 80 columns, the hottest region's level per column. */
function temperatureLine(s: Snapshot, w: [number, number, number], raw: boolean): string[] {
  const cols = 80;
  if (s.regions.length === 0) return ['heatmap: ', '# min/max temperatures: 0, 0, column size: 0 B'];
  const lo = s.regions[0]!.start;
  const hi = s.regions[s.regions.length - 1]!.end;
  const colSz = Math.max(1, Math.ceil((hi - lo) / cols));
  const temps = s.regions.map((r) => temperature(r, w));
  const tmin = Math.min(...temps);
  const tmax = Math.max(...temps);
  let line = '';
  for (let c = 0; c < cols; c++) {
    const a = lo + c * colSz;
    const b = a + colSz;
    let best: number | null = null;
    s.regions.forEach((r, i) => {
      if (r.start < b && a < r.end) best = best === null ? temps[i]! : Math.max(best, temps[i]!);
    });
    if (best === null) line += ' ';
    else line += String(tmax === tmin ? 9 : Math.min(9, Math.trunc(((best - tmin) / (tmax - tmin)) * 10)));
  }
  return [
    `heatmap: ${line}`,
    `# min/max temperatures: ${fmtNr(tmin, raw)}, ${fmtNr(tmax, raw)}, column size: ${fmtSz(colSz, raw)}`,
  ];
}

function sizeWeightedPercentiles(values: number[], sizes: number[], ps: number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const total = sizes.reduce((a, b) => a + b, 0);
  return ps.map((p) => {
    const want = (total * p) / 100;
    let acc = 0;
    for (const i of order) {
      acc += sizes[i]!;
      if (acc >= want) return values[i]!;
    }
    return values[order[order.length - 1]!] ?? 0;
  });
}

function histogram(
  values: number[],
  sizes: number[],
  bins: number,
  fmt: (v: number) => string,
  raw: boolean,
): string[] {
  if (values.length === 0) return [];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const width = (hi - lo) / bins || 1;
  const sums = new Array<number>(bins).fill(0);
  values.forEach((v, i) => (sums[Math.min(bins - 1, Math.floor((v - lo) / width))]! += sizes[i]!));
  const max = Math.max(...sums);
  return sums.map((s, k) => {
    const stars = max ? Math.round((s / max) * 50) : 0;
    return `<${fmt(lo + k * width)}, ${fmt(lo + (k + 1) * width)}> ${fmtSz(s, raw).padStart(12)} |${'*'.repeat(stars)}${' '.repeat(50 - stars)}|`;
  });
}

function snapshotBody(rec: DamonRecord, s: Snapshot, o: AccessOptions): string[] {
  const iv = rec.intervals!;
  const raw = o.rawNumber;
  const temps = s.regions.map((r) => temperature(r, o.weights));
  const sizes = s.regions.map((r) => r.end - r.start);
  switch (o.style) {
    case 'temperature-percentiles':
    case 'recency-percentiles':
    case 'idle-time-percentiles': {
      const byAge = o.style !== 'temperature-percentiles';
      const vals = byAge ? s.regions.map((r) => (r.age.usec ?? 0) * 1000) : temps;
      const ps = sizeWeightedPercentiles(vals, sizes, o.percentiles);
      return [
        `# <percentile> <${byAge ? 'idle time' : 'temperature'}>`,
        ...o.percentiles.map(
          (p, i) => `${String(p).padStart(3)} ${byAge ? fmtTimeNs(ps[i]!, raw) : fmtNr(ps[i]!, raw)}`,
        ),
      ];
    }
    case 'temperature-sz-hist':
      return [
        '# <temperature> <total size>',
        ...histogram(temps, sizes, o.histBins, (v) => fmtNr(v, raw), raw),
      ];
    case 'recency-sz-hist':
    case 'cold-memory-tail': {
      const ages = s.regions.map((r) => (r.age.usec ?? 0) * 1000);
      return [
        '# <last accessed time> <total size>',
        ...histogram(ages, sizes, o.histBins, (v) => fmtTimeNs(v, raw), raw),
      ];
    }
    default:
      break;
  }
  const lines: string[] = [...temperatureLine(s, o.weights, raw)];
  const maxHz = Math.trunc(iv.aggr_us / iv.sample_us / (iv.aggr_us / 1e6));
  lines.push(
    `intervals: sample ${fmtTimeNs(iv.sample_us * 1000, raw)} aggr ${fmtTimeNs(iv.aggr_us * 1000, raw)} (max access hz ${fmtNr(maxHz, raw)})`,
  );
  let idx = s.regions.map((_, i) => i);
  if (o.style === 'hot') idx = idx.sort((a, b) => temps[b]! - temps[a]!);
  if (o.style === 'cold') idx = idx.sort((a, b) => temps[a]! - temps[b]!);
  const maxSamples = Math.max(1, ...s.regions.map((r) => r.nr_accesses.samples));
  for (const i of idx) {
    const r = s.regions[i]!;
    if (o.style === 'simple-boxes') {
      const w = Math.round((r.nr_accesses.samples / maxSamples) * 40);
      lines.push(
        `|${'#'.repeat(w).padEnd(40)}| ${fmtSz(r.start, raw)} ${fmtSz(r.end - r.start, raw)} ${hzText(r.nr_accesses.samples, iv.aggr_us, raw)}`,
      );
    } else lines.push(regionLine(i, r, r.nr_accesses.samples, iv.aggr_us, raw));
  }
  if (o.by) {
    // Per label, its regions and its working set: each region's size times the label's share of
    // the region's samples (a region several threads or CPUs hit is theirs in that proportion).
    const groups = new Map<string, { lines: string[]; bytes: number }>();
    s.regions.forEach((r, i) => {
      const parts = breakdownSamples(r, o.by!).filter(([, n]) => n > 0);
      const total = parts.reduce((a, [, n]) => a + n, 0);
      for (const [label, n] of parts) {
        let g = groups.get(label);
        if (!g) groups.set(label, (g = { lines: [], bytes: 0 }));
        g.lines.push(regionLine(i, r, n, iv.aggr_us, raw));
        g.bytes += ((r.end - r.start) * n) / total;
      }
    });
    const labels = [...groups.keys()].sort(compareLabels);
    if (labels.length === 0)
      lines.push(
        s.regions.some((r) => r.damon_ts)
          ? `# by ${o.by}: no access in this snapshot`
          : `# by ${o.by}: no breakdown in this record (not a report-fed context)`,
      );
    for (const l of labels) {
      const g = groups.get(l)!;
      lines.push(`# by ${l}: working set ${fmtSz(Math.round(g.bytes), raw)}`, ...g.lines);
    }
  }
  let bw = 0;
  for (const r of s.regions) bw += (r.end - r.start) * r.nr_accesses.samples;
  lines.push(`memory bw estimate: ${fmtSz(bw / (iv.aggr_us / 1e6), raw)} per second`);
  lines.push(
    `total size: ${fmtSz(
      sizes.reduce((a, b) => a + b, 0),
      raw,
    )}`,
  );
  return lines;
}

/** The text of `report access` for in-memory records whose access units were filled (access-filter.ts). */
export function formatAccess(records: DamonRecord[], o: AccessOptions): string {
  if (records.some((r) => r.intervals === null)) throw new MissingIntervalsError();
  const multiSnapshots = records.some((r) => r.snapshots.length > 1);
  const out: string[] = [];
  for (const rec of records) {
    const snaps = rec.snapshots;
    if (records.length > 1 && snaps.length > 0) {
      const st = snaps[0]!.start_time ?? snaps[0]!.end_time;
      const dur = snaps[snaps.length - 1]!.end_time - st;
      out.push(
        `kdamond ${rec.kdamond_idx} / context ${rec.context_idx} / scheme ${rec.scheme_idx} / target id ${rec.target_id} / ` +
          `recorded for ${fmtTimeNs(dur, o.rawNumber)} from ${fmtTimeNs(absTime(st, rec.time_base_ns), o.rawNumber)}`,
      );
    }
    snaps.forEach((s, si) => {
      if (si > 0) out.push('');
      if (multiSnapshots) {
        const st = s.start_time ?? s.end_time;
        out.push(
          `snapshot time: [${fmtTimeNs(absTime(st, rec.time_base_ns), o.rawNumber)}, ${fmtTimeNs(absTime(s.end_time, rec.time_base_ns), o.rawNumber)}] ` +
            `(${fmtTimeNs(s.end_time - st, o.rawNumber)})`,
        );
      }
      out.push(...snapshotBody(rec, s, o));
    });
    const iv = rec.intervals!;
    out.push(
      `record DAMON intervals: sample ${fmtTimeNs(iv.sample_us * 1000, o.rawNumber)}, aggr ${fmtTimeNs(iv.aggr_us * 1000, o.rawNumber)}`,
    );
  }
  return out.join('\n');
}
