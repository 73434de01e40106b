/**
 * The heatmap guide, also printed by `report record_info` (damo-report-math.md §7.1): per record key,
 * the time span, the contiguous address ranges (gaps only ever shrink) and their heat per byte.
 * Built by streaming passes over the record file: one for spans and gaps, one more for the heats.
 */
import type { ColumnarSnapshot } from '../records/columns.js';
import { ColumnarPasses } from '../records/passes.js';
import type { ColumnarStreamOptions } from '../records/reader.js';
import { absTime } from '../records/serialize.js';
import { fmtSz, fmtSzAccurate, fmtTimeNs, pyS } from '../records/pyformat.js';
import type { RecordHeader } from '../records/types.js';

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

function snapshotGaps(s: ColumnarSnapshot): [number, number][] {
  const gaps: [number, number][] = [];
  const { n, start, end } = s.regions;
  let last = 0;
  for (let i = 0; i < n; i++) {
    if (!last) {
      last = end[i]!;
      continue;
    }
    if (last !== start[i]) gaps.push([last, start[i]!]);
    last = end[i]!;
  }
  return gaps;
}

function updateGuide(g: Guide, s: ColumnarSnapshot): void {
  g.end = s.end_time;
  const { n, start, end } = s.regions;
  for (let i = 0; i < n; i++) {
    if (!g.lowest || start[i]! < g.lowest) g.lowest = start[i]!;
    if (!g.highest || end[i]! > g.highest) g.highest = end[i]!;
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

/** Adds a snapshot's heats (size × samples) to every contiguous region of the guide its regions touch. */
export function addGuideHeats(g: Guide, s: ColumnarSnapshot): void {
  const { n, start, end, samples } = s.regions;
  const cs = g.regions;
  for (let i = 0; i < n; i++) {
    const sm = samples[i]!;
    if (sm === 0) continue;
    const rs = start[i]!;
    const re = end[i]!;
    const heat = (re - rs) * sm;
    for (const c of cs) if (!(re < c.start || c.end < rs)) c.heats += heat;
  }
}

/** Sets each contiguous region's heat per byte once all heats are added. */
export function finishGuideHeats(g: Guide): void {
  for (const c of g.regions) c.heatPerByte = c.heats ? c.heats / (c.end - c.start) : 0;
}

/**
 * Guides of a record file, sorted by total span (descending, stable); `withHeats` adds the heat pass.
 * `passes` reads the file (callers that pass over it again afterwards share it).
 */
export async function computeGuides(
  path: string,
  withHeats: boolean,
  read: ColumnarStreamOptions = {},
  passes = new ColumnarPasses(path, read),
): Promise<Guide[]> {
  const guides = new Map<string, Guide>();
  await passes.stream({
    snapshot(s, h, ri, si) {
      const key = guideKey(h);
      let g = guides.get(key);
      if (!g) {
        if (s.start_time === null) throw new Error(`${path}: record ${ri} snapshot ${si} has no start time`);
        let start = s.start_time;
        if (h.intervals) {
          let maxAge = 0;
          const aggr = s.regions.aggr;
          for (let i = 0; i < aggr.length; i++)
            maxAge = Math.max(maxAge, Number.isNaN(aggr[i]) ? 0 : aggr[i]!);
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
    await passes.stream({ snapshot: (s, h) => addGuideHeats(guides.get(guideKey(h))!, s) });
    for (const g of guides.values()) finishGuideHeats(g);
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
