/**
 * The heatmap guide, also printed by `report record_info` (damo-report-math.md §7.1): per record key,
 * the time span, the contiguous address ranges (gaps only ever shrink) and their heat per byte.
 * Built by streaming passes over the record file: one for spans and gaps, one more for the heats.
 */
import { streamRecords } from '../records/reader.js';
import { absTime } from '../records/serialize.js';
import { fmtSz, fmtSzAccurate, fmtTimeNs, pyS } from '../records/pyformat.js';
import type { RecordHeader, Snapshot } from '../records/types.js';

export interface ContiguousRegion {
  start: number;
  end: number;
  heats: number;
  heatPerByte: number;
}

export interface Guide {
  key: string;
  kdamond_idx: number | null;
  context_idx: number | null;
  scheme_idx: number | null;
  target_id: RecordHeader['target_id'];
  start: number;
  startIsFloat: boolean;
  end: number;
  timeBase: bigint | undefined;
  lowest: number;
  highest: number;
  gaps: [number, number][];
  regions: ContiguousRegion[];
}

export function guideKey(h: RecordHeader): string {
  return `${pyS(h.kdamond_idx)} ${pyS(h.context_idx)} ${pyS(h.scheme_idx)} ${pyS(h.target_id)}`;
}

function snapshotGaps(s: Snapshot): [number, number][] {
  const gaps: [number, number][] = [];
  let last = 0;
  for (const r of s.regions) {
    if (!last) {
      last = r.end;
      continue;
    }
    if (last !== r.start) gaps.push([last, r.start]);
    last = r.end;
  }
  return gaps;
}

function updateGuide(g: Guide, s: Snapshot): void {
  g.end = s.end_time;
  for (const r of s.regions) {
    if (!g.lowest || r.start < g.lowest) g.lowest = r.start;
    if (!g.highest || r.end > g.highest) g.highest = r.end;
  }
  const gaps = snapshotGaps(s);
  if (g.gaps.length === 0) {
    g.gaps = gaps;
    return;
  }
  for (const g1 of g.gaps) {
    for (const g2 of gaps) {
      if (g1[0] <= g2[1] && g2[0] <= g1[1]) {
        g1[0] = Math.max(g1[0], g2[0]);
        g1[1] = Math.min(g1[1], g2[1]);
      }
    }
  }
}

function contiguous(g: Guide): ContiguousRegion[] {
  const out: ContiguousRegion[] = [];
  let from = g.lowest;
  for (const [a, b] of g.gaps) {
    out.push({ start: from, end: a, heats: 0, heatPerByte: 0 });
    from = b;
  }
  out.push({ start: from, end: g.highest, heats: 0, heatPerByte: 0 });
  return out;
}

function span(g: Guide): number {
  return g.regions.reduce((a, c) => a + (c.end - c.start), 0);
}

/** Guides of a record file, sorted by total span (descending, stable); `withHeats` adds the heat pass. */
export async function computeGuides(path: string, withHeats: boolean): Promise<Guide[]> {
  const guides = new Map<string, Guide>();
  await streamRecords(path, {
    snapshot(s, h, ri, si) {
      const key = guideKey(h);
      let g = guides.get(key);
      if (!g) {
        if (s.start_time === null) throw new Error(`${path}: record ${ri} snapshot ${si} has no start time`);
        let start = s.start_time;
        if (h.intervals) {
          let maxAge = 0;
          for (const r of s.regions) maxAge = Math.max(maxAge, r.age.aggr_intervals ?? 0);
          start -= maxAge * h.intervals.aggr_us * 1000;
        }
        g = {
          key,
          kdamond_idx: h.kdamond_idx,
          context_idx: h.context_idx,
          scheme_idx: h.scheme_idx,
          target_id: h.target_id,
          start,
          startIsFloat: s.start_is_float === true,
          end: s.end_time,
          timeBase: h.time_base_ns,
          lowest: 0,
          highest: 0,
          gaps: [],
          regions: [],
        };
        guides.set(key, g);
      }
      updateGuide(g, s);
    },
  });
  for (const g of guides.values()) g.regions = contiguous(g);
  if (withHeats) {
    await streamRecords(path, {
      snapshot(s, h) {
        const g = guides.get(guideKey(h))!;
        for (const r of s.regions) {
          const samples = r.nr_accesses.samples;
          if (samples === 0) continue;
          const heat = (r.end - r.start) * samples;
          for (const c of g.regions) if (!(r.end < c.start || c.end < r.start)) c.heats += heat;
        }
      },
    });
    for (const g of guides.values())
      for (const c of g.regions) c.heatPerByte = c.heats ? c.heats / (c.end - c.start) : 0;
  }
  return [...guides.values()]
    .map((g) => ({ g, s: span(g) }))
    .sort((a, b) => b.s - a.s)
    .map((x) => x.g);
}

/** The first contiguous region with the highest heat per byte. */
export function hottestRegion(g: Guide): ContiguousRegion {
  let best = g.regions[0]!;
  for (const c of g.regions) if (c.heatPerByte > best.heatPerByte) best = c;
  return best;
}

/** A guide as damo prints it (raw for `heatmap --guide`, human for record_info and --guide_human). */
export function formatGuide(g: Guide, raw: boolean): string {
  const lines: string[] = [];
  if (g.kdamond_idx !== null) lines.push(`kdamond_idx: ${g.kdamond_idx}`);
  if (g.context_idx !== null) lines.push(`context_idx: ${g.context_idx}`);
  if (g.scheme_idx !== null) lines.push(`scheme_idx: ${g.scheme_idx}`);
  if (g.target_id !== null) lines.push(`target_id: ${pyS(g.target_id)}`);
  lines.push(
    `time: [${fmtTimeNs(absTime(g.start, g.timeBase), raw)}, ${fmtTimeNs(absTime(g.end, g.timeBase), raw)}) ` +
      `(${fmtTimeNs(g.end - g.start, raw)})`,
  );
  g.regions.forEach((c, i) =>
    lines.push(
      `region\t${String(i).padStart(2)}: [${fmtSzAccurate(c.start, raw)}, ${fmtSzAccurate(c.end, raw)}) (${fmtSz(c.end - c.start, raw)})`,
    ),
  );
  return lines.join('\n') + '\n';
}
