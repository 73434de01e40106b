/**
 * `report wss` (damo-report-math.md §4): working set size per (adjusted) snapshot, as percentiles
 * with a bar. Streams the record file: memory holds one window of snapshots plus one number per window.
 */
import type { ColumnarSnapshot, RegionColumns } from '../records/columns.js';
import { streamColumnar, type ColumnarStreamOptions } from '../records/reader.js';
import { fmtSz } from '../records/pyformat.js';
import type { RecordHeader, Snapshot } from '../records/types.js';
import { mergeColumnar, Windower } from './adjust.js';
import type { TextSink } from './output.js';
import { percentileIndex, pyRange } from './percentile.js';

export interface WssOptions {
  /** Percentiles (damo's -r S E STEP = range(S, E, STEP)). Default 0, 25, 50, 75, 100. */
  percentiles: number[];
  excludeSamples: number;
  workTimeUs: number;
  accThres: number;
  szThres: number;
  /** 'time' keeps chronological order; anything else sorts ascending. */
  sortBy: string;
  rawNumber: boolean;
  allWss: boolean;
  collapseTargets: boolean;
  nrColsBar: number;
}

export const WSS_DEFAULTS: WssOptions = {
  percentiles: pyRange(0, 101, 25),
  excludeSamples: 20,
  workTimeUs: 1,
  accThres: 1,
  szThres: 1,
  sortBy: 'size',
  rawNumber: false,
  allWss: false,
  collapseTargets: true,
  nrColsBar: 59,
};

export function snapshotWss(s: Snapshot, accThres: number, szThres: number): number {
  let wss = 0;
  for (const r of s.regions) {
    const sz = r.end - r.start;
    if (r.nr_accesses.samples >= accThres && sz >= szThres) wss += sz;
  }
  return wss;
}

/** snapshotWss on columns. */
export function columnsWss(c: RegionColumns, accThres: number, szThres: number): number {
  let wss = 0;
  const { start, end, samples } = c;
  for (let i = 0; i < c.n; i++) {
    const sz = end[i]! - start[i]!;
    if (samples[i]! >= accThres && sz >= szThres) wss += sz;
  }
  return wss;
}

/** The wss lists keyed by target id (a later record with the same id replaces an earlier one). */
export async function computeWss(
  path: string,
  o: WssOptions,
  read: ColumnarStreamOptions = {},
): Promise<Map<string, number[]>> {
  const lists = new Map<string, number[]>();
  let current: number[] = [];
  let windower: Windower<ColumnarSnapshot> | null = null;
  await streamColumnar(
    path,
    {
      recordStart() {
        current = [];
        windower = new Windower(o.workTimeUs, o.excludeSamples, mergeColumnar);
      },
      snapshot(s) {
        const m = windower!.push(s);
        if (m) current.push(columnsWss(m.regions, o.accThres, o.szThres));
      },
      recordEnd(h: RecordHeader) {
        if (o.sortBy !== 'time') current.sort((a, b) => a - b);
        lists.set(h.target_id === null ? 'None' : h.target_id.toString(), current);
      },
    },
    read,
  );
  if (!o.collapseTargets) return lists;
  const sum: number[] = [];
  for (const l of lists.values()) l.forEach((v, i) => (sum[i] = (sum[i] ?? 0) + v));
  return new Map([['0', sum]]);
}

export function formatWss(lists: Map<string, number[]>, o: WssOptions, out: TextSink): void {
  const lines: string[] = [];
  for (const [key, list] of lists) {
    lines.push(`# target_id\t${key}`);
    lines.push('# <percentile> <wss>');
    if (list.length === 0) {
      lines.push('# no snapshot');
      continue;
    }
    let sum = 0n;
    for (const v of list) sum += BigInt(v);
    lines.push(`# avr:\t${fmtSz(Number(sum) / list.length, o.rawNumber)}`);
    if (o.allWss) {
      list.forEach((v, i) => lines.push(`${i} ${fmtSz(v, o.rawNumber)}`));
      continue;
    }
    const values = o.percentiles.map((p) => list[percentileIndex(p, list.length)]!);
    const max = Math.max(...values);
    const vpc = max === 0 ? 1 : max / o.nrColsBar;
    o.percentiles.forEach((p, k) => {
      const v = values[k]!;
      const cols = Math.trunc(v / vpc);
      lines.push(
        `${String(p).padStart(3)} ${fmtSz(v, o.rawNumber).padStart(15)} |${'*'.repeat(cols)}${' '.repeat(Math.max(0, o.nrColsBar - cols))}|`,
      );
    });
  }
  out.write(lines.join('\n') + '\n');
}
