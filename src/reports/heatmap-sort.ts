/**
 * `report heatmap --sort_temperature` (damo's): within each drawn address range, a snapshot's regions
 * are cut to the range, ordered coldest to hottest by temperature (access rate · w_freq + age · w_age,
 * negated for unaccessed regions) and laid end to end from the range's start, so the map's space axis
 * shows how much memory is how hot instead of where it is.
 */
import { allocColumns, type RegionColumns } from '../records/columns.js';
import type { RecordIntervals } from '../records/types.js';

interface Picked {
  i: number;
  s: number;
  e: number;
  t: number;
}

/** The snapshot's regions as they are laid out in each range, the ranges' layouts one after another. */
export function sortRegionsByTemperature(
  c: RegionColumns,
  ranges: [number, number][],
  weights: [number, number],
  iv: RecordIntervals,
): RegionColumns {
  const laid: { p: Picked; s: number; e: number }[] = [];
  for (const range of ranges) {
    let at = range[0];
    for (const p of pickSorted(c, range, weights, iv)) {
      laid.push({ p, s: at, e: at + (p.e - p.s) });
      at += p.e - p.s;
    }
  }
  const out = allocColumns(laid.length);
  laid.forEach(({ p, s, e }, k) => {
    out.start[k] = s;
    out.end[k] = e;
    out.samples[k] = c.samples[p.i]!;
    out.percent[k] = c.percent[p.i]!;
    out.usec[k] = c.usec[p.i]!;
    out.aggr[k] = c.aggr[p.i]!;
    out.szFilter[k] = c.szFilter[p.i]!;
    if (c.breakdown) (out.breakdown ??= [])[k] = c.breakdown[p.i];
  });
  return out;
}

function pickSorted(
  c: RegionColumns,
  [start, end]: [number, number],
  [wFreq, wAge]: [number, number],
  iv: RecordIntervals,
): Picked[] {
  const maxSamples = iv.aggr_us / iv.sample_us;
  const picked: Picked[] = [];
  for (let i = 0; i < c.n; i++) {
    // damo keeps regions that only touch the range (as empty ones)
    if (end < c.start[i]! || c.end[i]! < start) continue;
    const percent = Number.isNaN(c.percent[i]!)
      ? Math.trunc((c.samples[i]! * 100.0) / maxSamples)
      : c.percent[i]!;
    const usec = Number.isNaN(c.usec[i]!) ? c.aggr[i]! * iv.aggr_us : c.usec[i]!;
    const score = percent * wFreq + usec * wAge;
    picked.push({
      i,
      s: Math.max(start, c.start[i]!),
      e: Math.min(end, c.end[i]!),
      t: percent > 0 ? score : -1 * score,
    });
  }
  return picked.sort((a, b) => a.t - b.t);
}
