/** The per-CPU / per-thread / read-write views of report-fed records (the `damon_ts` region field). */
import type { RecordRegion } from '../records/types.js';

export type BreakdownBy = 'cpu' | 'thread' | 'write';
export const BREAKDOWN_KINDS: readonly BreakdownBy[] = ['cpu', 'thread', 'write'];

/**
 * The (label, samples) pairs of a region: `write` and `read` (samples without a write hit), or one
 * per CPU (`cpu 0`) / thread (`thread 1234`). Empty for regions without a breakdown.
 */
export function breakdownSamples(r: RecordRegion, by: BreakdownBy): [string, number][] {
  const b = r.damon_ts;
  if (!b) return [];
  if (by === 'write')
    return [
      ['write', b.writes],
      ['read', Math.max(0, r.nr_accesses.samples - b.writes)],
    ];
  return Object.entries(by === 'cpu' ? b.cpus : b.tids).map(([k, v]) => [`${by} ${k}`, v]);
}

/** Orders labels as `cpu 2` < `cpu 10`. */
export function compareLabels(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
