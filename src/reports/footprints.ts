/**
 * damo's `report footprints`: the distribution over a record's footprint snapshots of the monitored
 * processes' virtual size (vsz) and resident set (rss), summed, and of the system's used memory
 * (sys_used = MemTotal - MemFree). Pages count 4 KiB, as damo counts them.
 */
import type { FootprintSnapshot } from '../records/mem-footprint.js';

export const FOOTPRINT_METRICS = ['vsz', 'rss', 'sys_used'] as const;
export type FootprintMetric = (typeof FOOTPRINT_METRICS)[number];

const PAGE = 4096;

/** One value (bytes) per snapshot, in time order or sorted. */
export function footprintValues(
  snapshots: readonly FootprintSnapshot[],
  metric: FootprintMetric,
  sort: boolean,
): number[] {
  const out = snapshots.map((s) => {
    let bytes = 0;
    for (const f of s.footprints) {
      if (f.pid === null) {
        if (metric === 'sys_used') bytes = (f.footprint.total - f.footprint.free) * 1024;
      } else if (metric === 'vsz') bytes += f.footprint.size * PAGE;
      else if (metric === 'rss') bytes += f.footprint.resident * PAGE;
    }
    return bytes;
  });
  return sort ? out.sort((a, b) => a - b) : out;
}
