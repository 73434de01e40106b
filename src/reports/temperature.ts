/** damo's access temperature of a region, which `report access`, its filters and histograms order by. */
import type { RecordRegion } from '../records/types.js';

/** size·w0 + percent·w1 + age_us·w2, negated when the access rate is 0. */
export function temperature(r: RecordRegion, w: [number, number, number]): number {
  const percent = r.nr_accesses.percent ?? 0;
  const t = (r.end - r.start) * w[0] + percent * w[1] + (r.age.usec ?? 0) * w[2];
  return percent <= 0 ? -t : t;
}
