/**
 * The load-time access-pattern filter of `report access` and `adjust` (damo-report-math.md §1.5): it
 * passes every region but fills in the units a region lacks when its record has intervals.
 */
import type { DamonRecord } from '../records/types.js';

export function fillAccessUnits(records: DamonRecord[]): void {
  for (const rec of records) {
    const iv = rec.intervals;
    if (!iv) continue;
    const max = iv.aggr_us / iv.sample_us;
    for (const s of rec.snapshots) {
      for (const r of s.regions) {
        if (r.nr_accesses.percent === null)
          r.nr_accesses.percent = Math.trunc((r.nr_accesses.samples * 100.0) / max);
        if (r.age.usec === null && r.age.aggr_intervals !== null)
          r.age.usec = r.age.aggr_intervals * iv.aggr_us;
      }
    }
  }
}
