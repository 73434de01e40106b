/**
 * `report heatmap` (damo-report-math.md §7): the grid, the heat accumulation with damo's exact order
 * of floating-point operations, and the raw and terminal renderings. Images are in heatmap-image.ts.
 * The snapshots are passed over twice: once for the guide (time span, address ranges), once for the
 * pixels. Two passes are needed because the grid (first/last time, final gaps) is known only at the end
 * of the file and damo's pixel accumulation is an order-dependent float sum that cannot be rescaled.
 * The guide's pass keeps the snapshots' columns for the later passes when they fit in a budget
 * (ColumnarPasses), so such a file is inflated and decoded once, and the hottest range is found by a
 * heat pass over the kept snapshots. A file read again at each pass has its second pass sum the
 * ranges' heats and fill a map for every candidate range, keeping the hottest one (a third pass only
 * past MAX_CANDIDATE_MAPS ranges).
 */
import { columnRegion, type ColumnarSnapshot } from '../records/columns.js';
import { ColumnarPasses } from '../records/passes.js';
import type { ColumnarStreamOptions } from '../records/reader.js';
import { absTime } from '../records/serialize.js';
import { fmtSz, fmtSzAccurate, fmtTimeNs, pyD, pyF, pyFloatRepr } from '../records/pyformat.js';
import { textToBytes, textToNs } from '../records/textnum.js';
import type { RecordHeader } from '../records/types.js';
import { breakdownSamples, compareLabels, type BreakdownBy } from './breakdown.js';
import {
  addGuideHeats,
  computeGuides,
  finishGuideHeats,
  guideKey,
  hottestRegion,
  type Guide,
} from './guide.js';
import { sortRegionsByTemperature } from './heatmap-sort.js';
import type { TextSink } from './output.js';

export interface HeatmapOptions {
  /** [time rows, address columns]; default [40, 80] for the terminal, [500, 500] otherwise. */
  resol: [number, number];
  /** text_to_ns values and an optional base: 'guided', 'guided_end' or a number. */
  timeRange?: [string | number, string | number, string?];
  /** text_to_bytes values and an optional base: 'guided' or a number. */
  addressRanges?: [string | number, string | number, string?][];
  drawRange: 'hottest' | 'all';
  kdamondIdx?: number | null;
  contextIdx?: number | null;
  schemeIdx?: number | null;
  tid?: string;
  dfPassed?: boolean;
  by?: BreakdownBy;
  /** Lay each range's regions out coldest to hottest (heatmap-sort.ts), with these weights. */
  sortTemperature?: [number, number];
  /** The ranges whose regions are sorted (default: the drawn ones); later drawings keep the first layout. */
  sortRanges?: [number, number][];
  /** The ranges are Python floats (zoomed or scrolled ranges): raw output prints float offsets. */
  floatRanges?: boolean;
}

/** The axes of a map: T time rows from t0 in steps of tu, A address columns from a0 in steps of au. */
export interface GridAxes {
  T: number;
  A: number;
  t0: number;
  /** t0 is a Python float (trace input, float ranges): relative times print as floats. */
  t0IsFloat: boolean;
  tu: number;
  au: number;
  a0: number;
}

export interface Heatmap extends GridAxes {
  /** Label of a breakdown map ('cpu 0', 'write', ...), empty otherwise. */
  label: string;
  timeBase: bigint | undefined;
  /** Row-major [T][A]; NaN = no data (damo's None). */
  heats: Float64Array;
  unit: 'hz' | 'samples';
  /** The ends of the time and address ranges drawn (the grid may stop short of them). */
  t1?: number;
  a1?: number;
  a0IsFloat?: boolean;
}

interface Grid extends GridAxes {
  t1: number;
  a1: number;
  pts: number;
  exactTime: boolean;
  times: Float64Array;
  addrs: Float64Array;
}

/** Python floor division of (b - a) by n, int or float. */
function floorDiv(x: number, n: number): number {
  return Math.floor(x / n);
}

function makeGrid(
  t0: number,
  t1: number,
  t0IsFloat: boolean,
  a0: number,
  a1: number,
  T: number,
  A: number,
): Grid {
  const tu = floorDiv(t1 - t0, T);
  const au = floorDiv(a1 - a0, A);
  const exactTime = Number.isInteger(t0) && Number.isInteger(t1) && !t0IsFloat;
  const pts = exactTime ? Number(BigInt(tu) * BigInt(au)) : tu * au;
  const times = new Float64Array(T);
  for (let i = 0; i < T; i++) times[i] = Math.trunc(t0 + i * tu);
  const addrs = new Float64Array(A);
  for (let j = 0; j < A; j++) addrs[j] = Math.trunc(a0 + j * au);
  return { T, A, t0, t1, t0IsFloat, tu, au, a0, a1, pts, exactTime, times, addrs };
}

const TWO53 = 2 ** 53;

class Accumulator {
  readonly heats: Float64Array;
  constructor(readonly g: Grid) {
    this.heats = new Float64Array(g.T * g.A).fill(NaN);
  }

  add(
    endTime: number,
    os: number,
    rowFrom: number,
    rowTo: number,
    rStart: number,
    rEnd: number,
    hv: number,
    hvIsInt: boolean,
  ): void {
    const g = this.g;
    if (rEnd < g.a0 || g.a0 + g.au * g.A < rStart) return;
    const colFrom = Math.max(0, Math.trunc((rStart - g.a0) / g.au));
    const colTo = Math.min(g.A - 1, Math.trunc((rEnd - g.a0) / g.au));
    const exact = hvIsInt && g.exactTime && Number.isInteger(os) && Number.isInteger(endTime);
    for (let i = rowFrom; i <= rowTo; i++) {
      const pt = g.times[i]!;
      const at = Math.min(endTime, pt + g.tu) - Math.max(os, pt);
      const rowOff = i * g.A;
      for (let j = colFrom; j <= colTo; j++) {
        const pa = g.addrs[j]!;
        const az = Math.min(rEnd, pa + g.au) - Math.max(rStart, pa);
        let c = hv * at * az;
        if (exact && Math.abs(c) >= TWO53) c = Number(BigInt(hv) * BigInt(at) * BigInt(az));
        const old = this.heats[rowOff + j]!;
        this.heats[rowOff + j] = (c + (Number.isNaN(old) ? 0 : old) * g.pts) / g.pts;
      }
    }
  }
}

function parseIdOpt(v: number | null | undefined, fallback: number | null): number | null {
  return v === undefined ? fallback : v;
}

function addBase(v: number | bigint, base: number | bigint): number | bigint {
  if (typeof v === 'bigint' || typeof base === 'bigint') {
    if (Number.isInteger(Number(v)) && Number.isInteger(Number(base)))
      return (
        BigInt(typeof v === 'bigint' ? v : Math.trunc(v)) +
        BigInt(typeof base === 'bigint' ? base : Math.trunc(base))
      );
    return Number(v) + Number(base);
  }
  return v + base;
}

/** An absolute time from the user into the file's relative time. */
function toRel(v: number | bigint, timeBase: bigint | undefined): number {
  if (timeBase === undefined) return Number(v);
  if (typeof v === 'bigint') return Number(v - timeBase);
  return Number.isInteger(v) ? Number(BigInt(v) - timeBase) : v - Number(timeBase);
}

/** A region's heat value: samples (as Hz with intervals), times sz_filter_passed/size unless szf is NaN. */
function heatValue(samples: number, hz: boolean, aggr: number, szf: number, size: number): number {
  const hv = hz ? samples / (aggr / 1e6) : samples;
  return Number.isNaN(szf) ? hv : (hv * szf) / size;
}

/** Above this many candidate ranges, the hottest is found by a separate pass instead of one map each. */
const MAX_CANDIDATE_MAPS = 8;

/** Computes the heatmaps of a record file: one per address range (and per breakdown key with `by`). */
export async function computeHeatmaps(
  path: string,
  o: HeatmapOptions,
  read: ColumnarStreamOptions = {},
): Promise<Heatmap[]> {
  const needHeats = o.drawRange === 'hottest' && !o.addressRanges?.length;
  // the guide's pass keeps the snapshots (within a budget) for the pixel pass
  const passes = new ColumnarPasses(path, read);
  const guides = await computeGuides(path, false, read, passes);
  const first = guides[0];
  if (!first) throw new Error(`${path}: no snapshot to draw`);
  const kd = parseIdOpt(o.kdamondIdx, first.kdamond_idx);
  const cx = parseIdOpt(o.contextIdx, first.context_idx);
  const sc = parseIdOpt(o.schemeIdx, first.scheme_idx);
  const tid = o.tid ?? (first.target_id === null ? 'None' : first.target_id.toString());
  const key = `${kd === null ? 'None' : kd} ${cx === null ? 'None' : cx} ${sc === null ? 'None' : sc} ${tid}`;
  const guide: Guide | undefined = guides.find((g) => g.key === key);
  if (!guide)
    throw new Error(`${path}: no record with kdamond ${kd}, context ${cx}, scheme ${sc}, target ${tid}`);
  const base = guide.timeBase;

  let t0 = guide.start;
  let t1 = guide.end;
  let t0IsFloat = guide.startIsFloat;
  if (o.timeRange) {
    const [a, b, baseText] = o.timeRange;
    let va = textToNs(a);
    let vb = textToNs(b);
    let relBase = false;
    if (baseText !== undefined) {
      if (baseText === 'guided' || baseText === 'guided_end') {
        const gb = baseText === 'guided' ? guide.start : guide.end;
        va = Number(va) + gb;
        vb = Number(vb) + gb;
        relBase = true;
      } else {
        const bb = textToNs(baseText);
        va = addBase(va, bb);
        vb = addBase(vb, bb);
      }
    }
    t0 = relBase ? Number(va) : toRel(va, base);
    t1 = relBase ? Number(vb) : toRel(vb, base);
    t0IsFloat =
      !Number.isInteger(t0) ||
      (relBase && guide.startIsFloat) ||
      (typeof va === 'number' && !Number.isInteger(va));
  }
  const [T, A] = o.resol;
  if (!(T >= 1 && A >= 1)) throw new Error(`invalid resolution ${T} ${A}`);
  const ranges: [number, number][] = [];
  // the hottest range is known after a heat pass: when passes read the file again, the pixel pass sums
  // the heats and draws every candidate range (unless there are too many), saving a read
  const heatsInPixelPass = needHeats && !passes.replays && guide.regions.length <= MAX_CANDIDATE_MAPS;
  if (needHeats && !heatsInPixelPass) {
    await passes.stream({ snapshot: (s, h) => guideKey(h) === key && addGuideHeats(guide, s) });
    finishGuideHeats(guide);
  }
  const guidedRanges = needHeats && !heatsInPixelPass ? [hottestRegion(guide)] : guide.regions;
  if (o.addressRanges?.length) {
    o.addressRanges.forEach(([a, b, baseText], i) => {
      let off = 0;
      if (baseText === 'guided') off = guide.regions[i]?.start ?? 0;
      else if (baseText !== undefined) off = textToBytes(baseText);
      ranges.push([textToBytes(a) + off, textToBytes(b) + off]);
    });
  } else for (const c of guidedRanges) ranges.push([c.start, c.end]);

  if (o.floatRanges) t0IsFloat = true;
  const grids = ranges.map(([a0, a1]) => makeGrid(t0, t1, t0IsFloat, a0, a1, T, A));
  // maps per range index and label ('' without a breakdown)
  const accs: { range: number; label: string; acc: Accumulator }[] = [];
  const byLabel = grids.map(() => new Map<string, Accumulator>());
  const accFor = (ri: number, label: string): Accumulator => {
    let acc = byLabel[ri]!.get(label);
    if (!acc) {
      acc = new Accumulator(grids[ri]!);
      byLabel[ri]!.set(label, acc);
      accs.push({ range: ri, label, acc });
    }
    return acc;
  };
  if (!o.by) grids.forEach((_, ri) => accFor(ri, ''));
  let anyIntervals = false;
  let last: ColumnarSnapshot | null = null;

  await passes.stream({
    snapshot(S: ColumnarSnapshot, h: RecordHeader, ri, si) {
      if (guideKey(h) !== key) return;
      if (heatsInPixelPass) addGuideHeats(guide, S);
      if (S.start_time === null) throw new Error(`${path}: record ${ri} snapshot ${si} has no start time`);
      const iv = h.intervals;
      if (iv) anyIntervals = true;
      let aggr = iv ? iv.aggr_us : 0;
      if (iv && iv.intervals_goal && iv.intervals_goal.aggrs !== 0) {
        if (S.sample_interval_us != null) aggr = (S.sample_interval_us * iv.aggr_us) / iv.sample_us;
        else {
          const d = (S.end_time - S.start_time) / 1000;
          if (Math.abs(d - iv.aggr_us) > iv.aggr_us * 0.1) aggr = d;
        }
      }
      const lastEnd = last ? last.end_time : -Infinity;
      const start = S.start_time;
      const weights = o.sortTemperature;
      if (weights && !iv)
        throw new Error(`${path}: --sort_temperature needs records with monitoring intervals`);
      const c = weights
        ? sortRegionsByTemperature(S.regions, o.sortRanges ?? ranges, weights, iv!)
        : S.regions;
      for (let gi = 0; gi < grids.length; gi++) {
        const g = grids[gi]!;
        const whole = o.by ? null : accFor(gi, '');
        const rowTo = Math.min(g.T - 1, Math.trunc((S.end_time - g.t0) / g.tu));
        for (let i = 0; i < c.n; i++) {
          const rs = c.start[i]!;
          const re = c.end[i]!;
          // regions outside the map add nothing (Accumulator.add's own test, made before any work); with
          // a breakdown the test stays in add(), since reaching it creates the labels' maps
          if (whole && (re < g.a0 || g.a0 + g.au * g.A < rs)) continue;
          const age = c.aggr[i]!;
          const os = iv ? start - (Number.isNaN(age) ? 0 : age) * iv.aggr_us * 1000 : start;
          const ts = os < lastEnd ? lastEnd : os;
          const rowFrom = Math.max(0, Math.trunc((ts - g.t0) / g.tu));
          if (rowFrom > rowTo) continue;
          const szf = o.dfPassed ? c.szFilter[i]! : NaN;
          const hvIsInt = !iv && !o.dfPassed;
          if (whole) {
            const hv = heatValue(c.samples[i]!, iv !== null, aggr, szf, re - rs);
            whole.add(S.end_time, os, rowFrom, rowTo, rs, re, hv, hvIsInt);
          } else
            for (const [label, samples] of breakdownSamples(columnRegion(c, i), o.by!)) {
              const hv = heatValue(samples, iv !== null, aggr, szf, re - rs);
              accFor(gi, label).add(S.end_time, os, rowFrom, rowTo, rs, re, hv, hvIsInt);
            }
        }
      }
      last = S;
    },
  });
  if (heatsInPixelPass) finishGuideHeats(guide);
  // the maps of the hottest range only, when every range was drawn to find it
  const hottest = heatsInPixelPass ? guide.regions.indexOf(hottestRegion(guide)) : -1;
  const unit = anyIntervals ? 'hz' : 'samples';
  return accs
    .filter((a) => hottest < 0 || a.range === hottest)
    .sort((a, b) => a.range - b.range || compareLabels(a.label, b.label))
    .map(({ label, acc }) => {
      const g = acc.g;
      return {
        label,
        T: g.T,
        A: g.A,
        t0: g.t0,
        t1: g.t1,
        a1: g.a1,
        t0IsFloat: g.t0IsFloat,
        a0IsFloat: o.floatRanges === true,
        tu: g.tu,
        au: g.au,
        a0: g.a0,
        timeBase: base,
        heats: acc.heats,
        unit,
      };
    });
}

/** Bytes of raw heatmap lines gathered before they are written (one reused buffer). */
const RAW_BUF_BYTES = 1 << 16;
/** Room for a line past its time: a ≤ 20-digit address, a float heat, the tabs and the newline. */
const RAW_LINE_MAX = 64;

/**
 * `--output raw`: one `time\taddr\theat` line per pixel, as damo prints it. The lines are ASCII and go
 * as bytes through one reused buffer: 250,000 lines without 250,000 strings to join.
 */
export function formatHeatmapRaw(m: Heatmap, absTimeOut: boolean, absAddr: boolean, out: TextSink): void {
  // the address column of every row, with the tabs around it
  const addrs: string[] = [];
  for (let j = 0; j < m.A; j++) {
    const pa = Math.trunc(m.a0 + j * m.au);
    addrs.push(`\t${absAddr ? pyD(pa) : m.a0IsFloat ? pyFloatRepr(pa - m.a0) : pyD(pa - m.a0)}\t`);
  }
  const buf = Buffer.allocUnsafe(RAW_BUF_BYTES);
  let n = 0;
  for (let i = 0; i < m.T; i++) {
    const pt = Math.trunc(m.t0 + i * m.tu);
    let ts: string;
    if (absTimeOut) ts = pyD(absTime(pt, m.timeBase));
    else ts = m.t0IsFloat ? pyFloatRepr(pt - m.t0) : pyD(pt - m.t0);
    for (let j = 0; j < m.A; j++) {
      if (n + RAW_LINE_MAX + ts.length > RAW_BUF_BYTES) {
        out.writeBytes(buf.subarray(0, n));
        n = 0;
      }
      const h = m.heats[i * m.A + j]!;
      n += buf.write(ts, n, 'latin1');
      n += buf.write(addrs[j]!, n, 'latin1');
      n += buf.write(Number.isNaN(h) ? 'NaN' : pyFloatRepr(h), n, 'latin1');
      buf[n++] = 0x0a;
    }
  }
  if (n) out.writeBytes(buf.subarray(0, n));
}

export const COLORSETS = {
  gray: { bg: Array(10).fill(232) as number[], fg: [237, 239, 241, 243, 245, 247, 249, 251, 253, 255] },
  flame: { bg: [232, 1, 1, 2, 3, 3, 20, 21, 26, 27], fg: [239, 235, 237, 239, 243, 245, 247, 249, 251, 255] },
  emotion: {
    bg: [232, 234, 20, 21, 26, 2, 3, 1, 1, 1],
    fg: [239, 235, 237, 239, 243, 245, 247, 249, 251, 255],
  },
} as const;
export type Colorset = keyof typeof COLORSETS;
export const COLORSET_NAMES = Object.keys(COLORSETS) as Colorset[];

/** damo's colour codes, background then foreground, with no separator (damo's `colored()`). */
function colored(text: string, cs: Colorset | null, level: number): string {
  if (cs === null) return text;
  return `\x1b[48;5;${COLORSETS[cs].bg[level]}m\x1b[38;5;${COLORSETS[cs].fg[level]}m${text}`;
}

/**
 * The terminal map of digits with colours, and damo's footer. A null colorset gives the digits
 * alone (no escapes), for output that is not a terminal.
 */
export function formatHeatmapAscii(m: Heatmap, cs: Colorset | null, skipColorsetExample: boolean): string {
  const reset = cs === null ? '' : '\x1b[0m';
  let hi = -Infinity;
  let lo = Infinity;
  for (const h of m.heats) {
    if (Number.isNaN(h)) continue;
    if (h > hi) hi = h;
    if (h < lo) lo = h;
  }
  if (hi === -Infinity)
    throw new Error('the heatmap has no pixel with data (try another --time_range/--address_range)');
  const unit = (hi + 1 - lo) / 9;
  const lines: string[] = [];
  for (let i = 0; i < m.T; i++) {
    let row = '';
    for (let j = 0; j < m.A; j++) {
      const h = m.heats[i * m.A + j]!;
      if (Number.isNaN(h)) row += colored(' ', cs, 4);
      else {
        const lvl = Math.min(Math.trunc((h - lo) / unit), 9);
        row += colored(String(lvl), cs, lvl);
      }
    }
    lines.push(row + reset);
  }
  if (!skipColorsetExample) {
    let ex = '';
    for (let l = 0; l < 10; l++) ex += colored(String(l), cs, l);
    lines.push(`# access_frequency: ${ex}${reset} (${pyF(lo, 3)}-${pyF(hi, 3)} ${m.unit})`);
  }
  const spanA = m.au * m.A;
  const spanT = m.tu * m.T;
  lines.push(
    `# x-axis: space [${fmtSzAccurate(m.a0, false)}, ${fmtSzAccurate(m.a0 + spanA, false)}) (${fmtSz(spanA, false)})`,
  );
  lines.push(
    `# y-axis: time [${fmtTimeNs(absTime(m.t0, m.timeBase), false)}, ${fmtTimeNs(absTime(m.t0 + spanT, m.timeBase), false)}) ` +
      `(${fmtTimeNs(spanT, false)})`,
  );
  lines.push(
    `# resolution: ${m.A}x${m.T} (${fmtSz(spanA / m.A, false)} and ${fmtTimeNs(spanT / m.T, false)} for each character)`,
  );
  return lines.join('\n') + '\n';
}
