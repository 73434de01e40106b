/**
 * Thread and CPU locality of a record: per slice (thread or CPU) the working set of every
 * aggregation window, a slice × slice sharing matrix (bytes both slices accessed in the same
 * window), and co-scheduling groups suggested from it.
 *
 * Where the slices come from:
 * - slice records: one context per thread or CPU, each with its own "allow threads TID" or
 *   "allow cpumask CPU" sample filter (`record --slices`), named by the data source's last words
 *   (`…, thread 101` / `…, cpu 0`). Re-armed faults keep each slice exact under sharing.
 * - breakdowns: one report-fed context whose regions carry the damon_ts per-thread/CPU hits (the
 *   live write-only source). A region counts for a thread in a window when that thread hit it; the
 *   first access of a sample takes the sample, so this sees sharing only where the threads' order
 *   varies, as it does between threads that really run in parallel.
 */
import type { DamonRecord } from '../records/types.js';

export type SliceKind = 'thread' | 'cpu';
export const SLICE_KINDS: readonly SliceKind[] = ['thread', 'cpu'];

const SLICE_SOURCE = /, (thread|cpu) (\d+)$/;

/** The data source of a slice context recorded with `record --slices`. */
export function sliceDataSource(base: string, kind: SliceKind, id: number): string {
  return `${base}, ${kind} ${id}`;
}

export interface SharingOptions {
  by?: SliceKind;
  /** A region counts as accessed by a slice in a window with at least this many samples. */
  minSamples: number;
  /**
   * Two slices are linked when they share at least this fraction of the smaller working set, and at
   * least PARTNER of what each shares with its closest partner; groups are the linked components.
   */
  minShare: number;
}

/** A link must be at least this fraction of what each slice shares with its closest partner. */
export const PARTNER = 0.5;

export const SHARING_DEFAULTS: SharingOptions = { minSamples: 1, minShare: 0.25 };

export interface SharingResult {
  by: SliceKind;
  source: 'slices' | 'breakdown';
  slices: number[];
  /** Window end times, ns from the first window's end. */
  timesNs: number[];
  /** Bytes each slice accessed in each window ([slice][window]). */
  wss: number[][];
  /** Median over the windows of the bytes both slices accessed in the window (diagonal: median WSS). */
  shared: number[][];
  /** Slices linked by sharing (connected components), largest shared memory first; then the idle ones. */
  groups: { slices: number[]; sharedBytes: number; unionBytes: number }[];
  idle: number[];
}

/** Sorted, merged [start, end) ranges, tagged by address space. */
type Ranges = Map<string, number[]>;

function addRange(r: Ranges, tag: string, start: number, end: number): void {
  let l = r.get(tag);
  if (!l) r.set(tag, (l = []));
  l.push(start, end);
}

function normalize(l: number[]): number[] {
  const idx = [...Array(l.length / 2).keys()].sort((a, b) => l[2 * a]! - l[2 * b]!);
  const out: number[] = [];
  for (const i of idx) {
    const s = l[2 * i]!;
    const e = l[2 * i + 1]!;
    if (out.length && s <= out[out.length - 1]!) out[out.length - 1] = Math.max(out[out.length - 1]!, e);
    else out.push(s, e);
  }
  return out;
}

function bytesOf(r: Ranges | undefined): number {
  let sum = 0;
  for (const l of r?.values() ?? []) for (let i = 0; i < l.length; i += 2) sum += l[i + 1]! - l[i]!;
  return sum;
}

function intersect(a: Ranges | undefined, b: Ranges | undefined): number {
  if (!a || !b) return 0;
  let sum = 0;
  for (const [tag, x] of a) {
    const y = b.get(tag);
    if (!y) continue;
    let i = 0;
    let j = 0;
    while (i < x.length && j < y.length) {
      const lo = Math.max(x[i]!, y[j]!);
      const hi = Math.min(x[i + 1]!, y[j + 1]!);
      if (hi > lo) sum += hi - lo;
      if (x[i + 1]! < y[j + 1]!) i += 2;
      else j += 2;
    }
  }
  return sum;
}

function union(list: (Ranges | undefined)[]): Ranges {
  const out: Ranges = new Map();
  for (const r of list)
    for (const [tag, l] of r ?? [])
      for (let i = 0; i < l.length; i += 2) addRange(out, tag, l[i]!, l[i + 1]!);
  for (const [tag, l] of out) out.set(tag, normalize(l));
  return out;
}

export function median(v: number[]): number {
  if (v.length === 0) return 0;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Per slice id, per window end time, the ranges it accessed. */
function collect(
  records: DamonRecord[],
  o: SharingOptions,
): { by: SliceKind; source: 'slices' | 'breakdown'; per: Map<number, Map<number, Ranges>> } {
  const per = new Map<number, Map<number, Ranges>>();
  const at = (id: number, t: number): Ranges => {
    let m = per.get(id);
    if (!m) per.set(id, (m = new Map()));
    let r = m.get(t);
    if (!r) m.set(t, (r = new Map()));
    return r;
  };
  const sliced = records.filter((r) => SLICE_SOURCE.test(r.data_source));
  if (sliced.length > 0) {
    const kinds = new Set(sliced.map((r) => SLICE_SOURCE.exec(r.data_source)![1] as SliceKind));
    const by = o.by ?? (kinds.has('thread') ? 'thread' : 'cpu');
    if (!kinds.has(by))
      throw new Error(
        `the record has ${[...kinds].join(' and ')} slices, not ${by} slices (--by ${[...kinds][0]})`,
      );
    for (const rec of sliced) {
      const m = SLICE_SOURCE.exec(rec.data_source)!;
      if (m[1] !== by) continue;
      const id = Number(m[2]);
      for (const s of rec.snapshots) {
        const r = at(id, s.end_time);
        for (const g of s.regions)
          if (g.nr_accesses.samples >= o.minSamples) addRange(r, String(rec.target_id), g.start, g.end);
      }
    }
    return { by, source: 'slices', per };
  }
  const by = o.by ?? 'thread';
  let any = false;
  records.forEach((rec, ri) => {
    for (const s of rec.snapshots)
      for (const g of s.regions) {
        const b = g.damon_ts;
        if (!b) continue;
        any = true;
        for (const [k, n] of Object.entries(by === 'thread' ? b.tids : b.cpus))
          if (n >= o.minSamples) addRange(at(Number(k), s.end_time), String(ri), g.start, g.end);
      }
  });
  if (!any)
    throw new Error(
      'the record has neither per-thread/CPU slices (record --slices) nor per-thread/CPU breakdowns (report-fed monitoring)',
    );
  return { by, source: 'breakdown', per };
}

export function computeSharing(records: DamonRecord[], o: SharingOptions = SHARING_DEFAULTS): SharingResult {
  const { by, source, per } = collect(records, o);
  const slices = [...per.keys()].sort((a, b) => a - b);
  const times = [...new Set([...per.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  for (const m of per.values())
    for (const r of m.values()) for (const [tag, l] of r) r.set(tag, normalize(l));
  const rangesOf = (id: number, t: number) => per.get(id)!.get(t);
  const wss = slices.map((id) => times.map((t) => bytesOf(rangesOf(id, t))));
  const shared = slices.map((a, i) =>
    slices.map((b, j) =>
      i === j ? median(wss[i]!) : median(times.map((t) => intersect(rangesOf(a, t), rangesOf(b, t)))),
    ),
  );
  const active = slices.map((_, i) => median(wss[i]!) > 0);
  const parent = slices.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  // Each slice's closest partner: what it shares most with another slice.
  const closest = slices.map((_, i) => Math.max(0, ...shared[i]!.filter((_, j) => j !== i)));
  for (let i = 0; i < slices.length; i++)
    for (let j = i + 1; j < slices.length; j++) {
      if (!active[i] || !active[j]) continue;
      const s = shared[i]![j]!;
      const smaller = Math.min(shared[i]![i]!, shared[j]![j]!);
      // Region edges blur: a little apparent sharing with everyone, much with the true partners.
      if (s > 0 && s >= o.minShare * smaller && s >= PARTNER * closest[i]! && s >= PARTNER * closest[j]!)
        parent[find(j)] = find(i);
    }
  const comps = new Map<number, number[]>();
  slices.forEach((_, i) => {
    if (!active[i]) return;
    const r = find(i);
    comps.set(r, [...(comps.get(r) ?? []), i]);
  });
  const groups = [...comps.values()]
    .map((members) => {
      let sharedBytes = 0;
      for (let x = 0; x < members.length; x++)
        for (let y = x + 1; y < members.length; y++) sharedBytes += shared[members[x]!]![members[y]!]!;
      const unionBytes = median(
        times.map((t) => bytesOf(union(members.map((i) => rangesOf(slices[i]!, t))))),
      );
      return { slices: members.map((i) => slices[i]!), sharedBytes, unionBytes };
    })
    .sort((a, b) => b.sharedBytes - a.sharedBytes || a.slices[0]! - b.slices[0]!);
  return {
    by,
    source,
    slices,
    timesNs: times.map((t) => t - (times[0] ?? 0)),
    wss,
    shared,
    groups,
    idle: slices.filter((_, i) => !active[i]),
  };
}
