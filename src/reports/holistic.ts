/**
 * damo's `report holistic`: one report of a record's heatmaps, working set and memory footprint
 * distributions, and (with a CPU profile) its hotspot functions. As in damo, the heatmaps take the
 * records of kdamond, context and scheme None: records that name them (every record damon-ts and
 * damo 3.3 write) get the axes of their maps without pixels.
 */
import { fmtSz, fmtSzAccurate, fmtTimeNs, pyS } from '../records/pyformat.js';
import { absTime } from '../records/serialize.js';
import type { FootprintSnapshot } from '../records/mem-footprint.js';
import type { DamonRecord } from '../records/types.js';
import { adjustRecords } from './adjust.js';
import { formatDist } from './dist.js';
import { footprintValues } from './footprints.js';
import type { Guide } from './guide.js';
import { computeHeatmaps, formatHeatmapAscii } from './heatmap.js';
import { percentileIndex, pyRange } from './percentile.js';
import { snapshotWss } from './wss.js';

const QUARTILES = pyRange(0, 101, 25);

/** The axis lines of a map with no pixel (damo's heatmap of no record). */
function emptyMapComments(
  t0: number,
  t1: number,
  timeBase: bigint | undefined,
  a0: number,
  a1: number,
  T: number,
  A: number,
): string {
  const au = Math.floor((a1 - a0) / A);
  const tu = Math.floor((t1 - t0) / T);
  const spanA = au * A;
  const spanT = tu * T;
  return [
    `# x-axis: space [${fmtSzAccurate(a0, false)}, ${fmtSzAccurate(a0 + spanA, false)}) (${fmtSz(spanA, false)})`,
    `# y-axis: time [${fmtTimeNs(absTime(t0, timeBase), false)}, ${fmtTimeNs(absTime(t0 + spanT, timeBase), false)}) (${fmtTimeNs(spanT, false)})`,
    `# resolution: ${A}x${T} (${fmtSz(spanA / A, false)} and ${fmtTimeNs(spanT / T, false)} for each character)`,
  ].join('\n');
}

/** The gray, legend-less terminal heatmap of each contiguous range of a guide, in time [t0, t1). */
async function guideHeatmaps(
  path: string,
  g: Guide,
  t0: number,
  t1: number,
  rows: number,
): Promise<string[]> {
  const unnamed = g.kdamond_idx === null && g.context_idx === null && g.scheme_idx === null;
  if (!unnamed) return g.regions.map((r) => emptyMapComments(t0, t1, g.timeBase, r.start, r.end, rows, 80));
  const maps = await computeHeatmaps(path, {
    resol: [rows, 80],
    drawRange: 'all',
    timeRange: [String(absTime(t0, g.timeBase)), String(absTime(t1, g.timeBase))],
    addressRanges: g.regions.map((r): [string, string] => [String(r.start), String(r.end)]),
    kdamondIdx: null,
    contextIdx: null,
    schemeIdx: null,
    tid: pyS(g.target_id),
  });
  return maps.map((m) => formatHeatmapAscii(m, 'gray', true).replace(/\n$/, ''));
}

/** damo's working set sizes, one list per target id, summed over the targets. */
function collapsedWss(records: readonly DamonRecord[], sort: boolean): number[] {
  const byTarget = new Map<string, number[]>();
  for (const rec of records) {
    const l = rec.snapshots.map((s) => snapshotWss(s, 1, 1));
    if (sort) l.sort((a, b) => a - b);
    byTarget.set(pyS(rec.target_id), l);
  }
  const sum: number[] = [];
  for (const l of byTarget.values()) l.forEach((v, i) => (sum[i] = (sum[i] ?? 0) + v));
  return sum;
}

/** Long records are thinned for the distributions as damo thins them: the first 20 snapshots skipped. */
function distRecords(records: DamonRecord[]): DamonRecord[] {
  const n = records.reduce((a, r) => a + r.snapshots.length, 0);
  return n > 200 ? adjustRecords(records, 1, 20) : records;
}

/** damo's get_percentile: the value, or -1 for an empty list. */
function percentileOf(values: readonly number[], p: number): number {
  return values.length === 0 ? -1 : values[percentileIndex(p, values.length)]!;
}

export interface HolisticInput {
  path: string;
  records: DamonRecord[];
  guides: Guide[];
  footprints: FootprintSnapshot[];
  /** The hotspot lines (perf report's), or null without perf. */
  hotspots: string[] | null;
  /** Only the last this many ns of each record in the heatmaps (monitor's use). */
  lastNs?: number;
}

/** The short report. */
export async function holisticShort(o: HolisticInput): Promise<string> {
  const lines = ['# Heatmap'];
  for (const g of o.guides) {
    const t0 = o.lastNs === undefined ? g.start : g.end - o.lastNs;
    const maps = await guideHeatmaps(o.path, g, t0, g.end, 5);
    g.regions.forEach((r, i) => {
      lines.push(`# target ${pyS(g.target_id)}, address range ${r.start}-${r.end}`);
      lines.push(maps[i]!);
    });
  }
  lines.push('', '# Memory Footprints Distribution');
  lines.push(`${'percentile'.padStart(10)} ${QUARTILES.map((p) => String(p).padStart(15)).join(' ')}`);
  const row = (name: string, values: number[]): string =>
    `${name.padStart(10)} ` +
    QUARTILES.map((p) => fmtSz(percentileOf(values, p), false).padStart(15) + ' ').join('');
  lines.push(row('wss', collapsedWss(distRecords(o.records), true)));
  for (const m of ['rss', 'vsz', 'sys_used'] as const)
    lines.push(row(m, footprintValues(o.footprints, m, true)));
  if (o.hotspots) lines.push('', '# Hotspot functions', ...o.hotspots);
  return lines.join('\n') + '\n';
}

/** The long report (`--long`). */
export async function holisticLong(o: HolisticInput, guideText: (g: Guide) => string): Promise<string> {
  const lines = ['Overall recorded access pattern', '===============================', ''];
  for (const g of o.guides) lines.push(guideText(g));
  lines.push(
    '',
    '# regions above are regions that access pattern recorded',
    "# you can get this via 'damo record_info', too",
  );
  lines.push('', 'Heatmap', '=======', '');
  for (const g of o.guides) {
    lines.push(`# target ${pyS(g.target_id)}`);
    const maps = await guideHeatmaps(o.path, g, g.start, g.end, 10);
    g.regions.forEach((r, i) => {
      lines.push(`# address range ${r.start}-${r.end}`);
      lines.push(maps[i]!);
    });
  }
  lines.push("# you can get above via 'damo report heatmap'");
  lines.push(
    '',
    'Working Set Size and Memory Footprints Distribution',
    '===================================================',
    '',
  );
  const records = distRecords(o.records);
  const dist = { percentiles: QUARTILES, all: false, raw: false, nrColsBar: 59 };
  for (const key of ['size', 'time'] as const) {
    lines.push(`Sorted by ${key}`, '--------------', '');
    lines.push(formatDist('wss', collapsedWss(records, key === 'size'), dist));
    for (const m of ['rss', 'vsz', 'sys_used'] as const)
      lines.push(formatDist(m, footprintValues(o.footprints, m, key === 'size'), dist));
    lines.push('');
  }
  lines.push("# you can get above via 'damo report wss' and 'damo report footprints'");
  lines.push('', 'Hotspot functions', '=================', '');
  lines.push(...(o.hotspots ?? []));
  lines.push("# you can get above via 'damo report profile'");
  return lines.join('\n') + '\n';
}
