/**
 * `report heatmap --sort_temperature` (damo's): within each drawn address range, a snapshot's regions
 * are cut to the range, ordered coldest to hottest by temperature (access rate · w_freq + age · w_age,
 * negated for unaccessed regions) and laid end to end from the range's start, so the map's space axis
 * shows how much memory is how hot instead of where it is.
 */
import { allocColumns, type RegionColumns } from '../records/columns.js';
import type { RecordIntervals } from '../records/types.js';

export function sortRegionsByTemperature(
  c: RegionColumns,
  [start, end]: [number, number],
  [wFreq, wAge]: [number, number],
  iv: RecordIntervals,
): RegionColumns {
  const maxSamples = iv.aggr_us / iv.sample_us;
  const picked: { i: number; s: number; e: number; t: number }[] = [];
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
  picked.sort((a, b) => a.t - b.t);
  const out = allocColumns(picked.length);
  let at = start;
  picked.forEach((p, k) => {
    out.start[k] = at;
    out.end[k] = at + (p.e - p.s);
    at = out.end[k]!;
    out.samples[k] = c.samples[p.i]!;
    out.percent[k] = c.percent[p.i]!;
    out.usec[k] = c.usec[p.i]!;
    out.aggr[k] = c.aggr[p.i]!;
    out.szFilter[k] = c.szFilter[p.i]!;
    if (c.breakdown) (out.breakdown ??= [])[k] = c.breakdown[p.i];
  });
  return out;
}
