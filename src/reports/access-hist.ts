/**
 * damo's per-snapshot distributions: temperature and idle-time (recency) histograms of the bytes
 * (or of the DAMOS-filter-passed bytes), in linear or log ranges, cumulative or not, and per-byte
 * percentiles of the same metrics, with damo's bars.
 */
import { fmtNr, fmtSz, fmtTimeUs, pyD } from '../records/pyformat.js';
import { textToNr, textToUs } from '../records/textnum.js';
import type { RecordRegion, Snapshot } from '../records/types.js';
import type { AccessFormat } from './access-options.js';
import { temperature } from './temperature.js';

type Metric = (r: RecordRegion, f: AccessFormat, aggrUs: number) => number;

/** Temperature with the size weight zeroed, as damo's distributions use it. */
const temperatureMetric: Metric = (r, f) =>
  temperature(r, [0, f.temperatureWeights[1], f.temperatureWeights[2]]);

/** How long the region has been idle: 0 if accessed, else its age plus one aggregation interval. */
const idleTimeMetric: Metric = (r, _f, aggrUs) => (r.nr_accesses.percent! > 0 ? 0 : r.age.usec! + aggrUs);

const bytesOf = (r: RecordRegion, dfPassed: boolean): number =>
  dfPassed ? r.sz_filter_passed : r.end - r.start;

function linearRanges(minv: number, maxv: number, n: number, cumulate: boolean): [number, number][] {
  const interval = Math.max(Math.ceil((maxv + 1 - minv) / n), 1);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) out.push([cumulate ? minv : minv + interval * i, minv + interval * (i + 1)]);
  return out;
}

function logRanges(minv: number, maxv: number, n: number, cumulate: boolean): [number, number][] {
  const initial = Math.max(Math.trunc((maxv - minv) / 2 ** n), 1);
  const out: [number, number][] = [[minv, minv + initial]];
  while (out[out.length - 1]![1] < maxv) {
    const [s, e] = out[out.length - 1]!;
    out.push([cumulate ? minv : e, e + (e - s) * 2]);
  }
  return out;
}

/** damo's histogram lines: padded range and value texts, then a bar of up to 20 stars. */
function histogramLines(hist: [string, string, number][]): string {
  const ys = hist.map((h) => h[2]);
  const minY = Math.min(...ys);
  const maxY = Math.max(...ys);
  const xw = Math.max(...hist.map((h) => h[0].length));
  const yw = Math.max(...hist.map((h) => h[1].length));
  const maxDots = 20;
  const perDot = Math.max(Math.trunc((maxY - minY) / maxDots), 1);
  return hist
    .map(([x, y, v]) => {
      const dots = Math.min(Math.ceil((v - minY) / perDot), maxDots);
      return `${x.padEnd(xw)} ${y.padEnd(yw)} |${'*'.repeat(dots)}${' '.repeat(maxDots - dots)}|`;
    })
    .join('\n');
}

function szHistText(
  s: Snapshot,
  aggrUs: number,
  f: AccessFormat,
  dfPassed: boolean,
  metric: Metric,
  fmtX: (v: number, raw: boolean) => string,
  parseX: (t: string) => number,
): string {
  if (s.regions.length === 0) return 'no region in snapshot';
  const dist = new Map<number, number>();
  for (const r of s.regions) {
    const m = metric(r, f, aggrUs);
    dist.set(m, (dist.get(m) ?? 0) + bytesOf(r, dfPassed));
  }
  const metrics = [...dist.keys()].sort((a, b) => a - b);
  let ranges: [number, number][];
  if (f.histRanges !== null) {
    ranges = [];
    for (let i = 0; i + 1 < f.histRanges.length; i += 2)
      ranges.push([parseX(f.histRanges[i]!), parseX(f.histRanges[i + 1]!)]);
  } else {
    const lo = metrics[0]!;
    const hi = metrics[metrics.length - 1]!;
    ranges = f.histLogscale
      ? logRanges(lo, hi, 10, f.histCumulate)
      : linearRanges(lo, hi, 10, f.histCumulate);
  }
  const raw = f.rawNumber;
  const hist = ranges.map(([lo, hi]): [string, string, number] => {
    let y = 0;
    for (const x of metrics) if (x >= lo && x < hi) y += dist.get(x)!;
    return [`[${fmtX(lo, raw)}, ${fmtX(hi, raw)})`, fmtSz(y, raw), y];
  });
  return histogramLines(hist);
}

export function temperatureHistText(s: Snapshot, aggrUs: number, f: AccessFormat, dfPassed: boolean): string {
  return szHistText(s, aggrUs, f, dfPassed, temperatureMetric, fmtNr, (t) => Number(textToNr(t)));
}

export function recencyHistText(s: Snapshot, aggrUs: number, f: AccessFormat, dfPassed: boolean): string {
  return szHistText(s, aggrUs, f, dfPassed, idleTimeMetric, fmtTimeUs, textToUs);
}

/** damo's percentiles to show: [0, 1, 25, 50, 75, 99, 100], Python range() of up to three, or the list. */
export function percentilesToShow(range: number[] | null): number[] {
  if (range === null) return [0, 1, 25, 50, 75, 99, 100];
  if (range.length > 3) return [...range].sort((a, b) => a - b);
  const [a, b, c] = range.length === 1 ? [0, range[0]!, 1] : [range[0]!, range[1]!, range[2] ?? 1];
  const out: number[] = [];
  if (c > 0) for (let v = a; v < b; v += c) out.push(v);
  else for (let v = a; v > b; v += c) out.push(v);
  return out;
}

function percentileValues(
  s: Snapshot,
  aggrUs: number,
  f: AccessFormat,
  dfPassed: boolean,
  metric: Metric,
): [number, number][] {
  let want = percentilesToShow(f.percentilesRange);
  const regions = [...s.regions].sort((a, b) => metric(a, f, aggrUs) - metric(b, f, aggrUs));
  let total = 0;
  for (const r of regions) total += bytesOf(r, dfPassed);
  const out: [number, number][] = [];
  let p = 0;
  let last: RecordRegion | undefined;
  for (const r of regions) {
    last = r;
    p += (bytesOf(r, dfPassed) * 100) / total;
    while (want.length > 0 && p >= want[0]!) {
      out.push([want[0]!, metric(r, f, aggrUs)]);
      want = want.slice(1);
    }
    if (p >= 100.0) break;
  }
  if (want.includes(100) && last) out.push([100, metric(last, f, aggrUs)]);
  return out;
}

export function percentilesText(
  s: Snapshot,
  aggrUs: number,
  f: AccessFormat,
  dfPassed: boolean,
  kind: 'recency' | 'temperature',
): string {
  if (s.regions.length === 0) return 'no region in snapshot';
  const recency = kind === 'recency';
  const values = percentileValues(s, aggrUs, f, dfPassed, recency ? idleTimeMetric : temperatureMetric);
  const legend = recency
    ? f.rawNumber
      ? '<idle time (us)>'
      : '<idle time>'
    : `<temperature (weights: [${f.temperatureWeights.join(', ')}])>`;
  const lines = [`<${dfPassed ? 'df-passed percentile' : 'percentile'}> ${legend}`];
  if (values.length === 0) throw new Error('no percentile to show (check --percentiles_range)');
  const fmt = recency ? fmtTimeUs : fmtNr;
  const pTexts = values.map(([p]) => pyD(p));
  const vTexts = values.map(([, v]) => fmt(v, f.rawNumber));
  const pw = Math.max(...pTexts.map((t) => t.length));
  const vw = Math.max(...vTexts.map((t) => t.length));
  const minV = values[0]![1];
  const maxV = values[values.length - 1]![1];
  const maxDots = 20;
  const perDot = maxV !== minV ? (maxV - minV) / maxDots : 1;
  values.forEach(([, v], i) => {
    const n = Math.trunc((v - minV) / perDot);
    lines.push(
      `${pTexts[i]!.padStart(pw)}  ${vTexts[i]!.padStart(vw)}  |${'*'.repeat(n)}${' '.repeat(Math.max(0, maxDots - n))}|`,
    );
  });
  return lines.join('\n');
}
