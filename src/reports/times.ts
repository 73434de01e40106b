/**
 * damo's `report times`: the time spans in which the (filtered) records have regions, consecutive
 * snapshots joined, in seconds.
 */
import { pyF } from '../records/pyformat.js';
import { absTime } from '../records/serialize.js';
import type { DamonRecord } from '../records/types.js';

export type Span = [number | bigint, number | bigint];

/** The spans, in ns, of the snapshots that kept a region; a snapshot starting where the last ended extends it. */
export function snapshotSpans(records: readonly DamonRecord[]): Span[] {
  const spans: Span[] = [];
  for (const rec of records) {
    for (const s of rec.snapshots) {
      if (s.regions.length === 0) continue;
      if (s.start_time === null)
        throw new Error('a snapshot without a start time (a one-snapshot trace record)');
      const start = absTime(s.start_time, rec.time_base_ns);
      const end = absTime(s.end_time, rec.time_base_ns);
      const last = spans[spans.length - 1];
      if (last && last[1] == start) last[1] = end;
      else spans.push([start, end]);
    }
  }
  return spans;
}

/** ns as seconds: Python's `t / 1000000000` (integer part exact for BigInt times). */
export function nsToSeconds(t: number | bigint): number {
  if (typeof t === 'number') return t / 1e9;
  return Number(t / 1_000_000_000n) + Number(t % 1_000_000_000n) / 1e9;
}

/** damo's lines: `start-end` in `%f` seconds, then `# (seconds)`, for each span. */
export function formatSpans(spans: readonly Span[]): string {
  return spans.map(([s, e]) => `${pyF(nsToSeconds(s))}-${pyF(nsToSeconds(e))}\n# (seconds)\n`).join('');
}
