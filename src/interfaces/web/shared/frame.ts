/**
 * What the dashboard keeps of one aggregation snapshot (a "frame"), shared by the server (node) and
 * the browser bundle: plain data, no node or DOM API.
 *
 * Regions are packed REGION_FIELDS numbers each in a Float64Array: start, end, nr_accesses (samples;
 * fractional once frames are merged), age (aggregation intervals), writes (samples with a write hit;
 * -1 when the record has no damon_ts breakdown).
 */

export const REGION_FIELDS = 5;
export const F_START = 0;
export const F_END = 1;
export const F_NR = 2;
export const F_AGE = 3;
export const F_WRITES = 4;

/** Per-snapshot DAMOS stats of one scheme (cumulative counters, as the kernel's stats files). */
export interface SchemeStatsRow {
  action: string;
  nrTried: number;
  szTried: number;
  nrApplied: number;
  szApplied: number;
  qtExceeds: number;
}

export interface FrameMeta {
  /** Stream (record key) id. */
  s: number;
  /** Snapshot start and end, ns relative to the record's time base. */
  t0: number;
  t1: number;
  /** Sampling interval of the snapshot (tuned when intervals autotuning is on), µs. */
  si: number;
  /** Aggregation interval, µs. */
  ai: number;
  /** nr_accesses of a region accessed at every sample (aggr / sample), the heat scale. */
  maxNr: number;
  /** Working set size: bytes of regions with nr_accesses >= 1 (src/reports/wss.ts). */
  wss: number;
  /** Number of regions of the snapshot (averaged over merged snapshots). */
  nr: number;
  /** Number of packed regions in the frame's region array. */
  n: number;
  /** Snapshots merged into this frame (1 = as recorded). */
  m: number;
  /** Access-weighted bytes (samples × bytes / maxNr) per breakdown label ('write', 'read', 'cpu 0', 'thread 12'). */
  bd?: Record<string, number>;
  /** DAMOS stats per scheme, when the session runs schemes. */
  ds?: SchemeStatsRow[];
  /**
   * NUMA: Σ size × samples of the remote hits, and of the hits whose page node is known
   * (src/reports/numa.ts), when the regions carry the per-node breakdown; remote fraction = [0] / [1].
   */
  rm?: [number, number];
}

export interface Frame {
  meta: FrameMeta;
  regions: Float64Array;
}

/** Index of the region holding `addr` (binary search on the sorted starts), or -1. */
export function regionAt(regions: Float64Array, addr: number): number {
  let lo = 0;
  let hi = regions.length / REGION_FIELDS - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const o = mid * REGION_FIELDS;
    if (addr < regions[o + F_START]!) hi = mid - 1;
    else if (addr >= regions[o + F_END]!) lo = mid + 1;
    else return mid;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Binary batches: [u32 json length][json {frames: FrameMeta[]}][zero pad to 8][f64 regions...].
// JSON keeps the small metadata readable; the region numbers, which are most of the bytes, travel
// as raw little-endian doubles (both ends are little-endian x86/ARM; DataView is not needed).

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeFrames(frames: readonly Frame[]): Uint8Array {
  const json = enc.encode(JSON.stringify({ frames: frames.map((f) => f.meta) }));
  const head = 4 + json.length;
  const pad = (8 - (head % 8)) % 8;
  let nums = 0;
  for (const f of frames) nums += f.regions.length;
  const out = new Uint8Array(head + pad + nums * 8);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  const f64 = new Float64Array(out.buffer, head + pad, nums);
  let off = 0;
  for (const f of frames) {
    f64.set(f.regions, off);
    off += f.regions.length;
  }
  return out;
}

export function decodeFrames(buf: ArrayBuffer | Uint8Array): Frame[] {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  const metas = (JSON.parse(dec.decode(bytes.subarray(4, 4 + len))) as { frames: FrameMeta[] }).frames;
  const head = 4 + len;
  const start = head + ((8 - (head % 8)) % 8);
  // Copy into an aligned buffer: the message's byteOffset need not be a multiple of 8.
  const f64 = new Float64Array(bytes.slice(start).buffer);
  let off = 0;
  return metas.map((meta) => {
    const n = meta.n * REGION_FIELDS;
    if (off + n > f64.length)
      throw new Error(`frame batch: region data too short for stream ${meta.s} frame at ${meta.t0}`);
    const regions = f64.slice(off, off + n);
    off += n;
    return { meta, regions };
  });
}

// ---------------------------------------------------------------------------------------------
// Downsampling. Two consecutive frames become one covering both spans: each piece of the union of
// their region boundaries gets the time-weighted mean of nr_accesses and writes (a span not covered
// by a frame counts as not accessed there), the later frame's age. The piece count is then brought
// back to at most the larger input's count by removing the boundaries between the most similar
// neighbours (size-weighted means), so merging never grows memory.

function weightedMerge(a: number, wa: number, b: number, wb: number): number {
  return wa + wb === 0 ? 0 : (a * wa + b * wb) / (wa + wb);
}

function mergeRecord(
  a: Record<string, number> | undefined,
  wa: number,
  b: Record<string, number> | undefined,
  wb: number,
): Record<string, number> | undefined {
  if (!a && !b) return undefined;
  const out: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]))
    out[k] = weightedMerge(a?.[k] ?? 0, wa, b?.[k] ?? 0, wb);
  return out;
}

/** The sorted, distinct region boundaries of two frames (each frame's own are already sorted). */
function mergedBounds(a: Float64Array, b: Float64Array): number[] {
  const pts: number[] = [];
  let i = 0;
  let j = 0;
  const na = (a.length / REGION_FIELDS) * 2;
  const nb = (b.length / REGION_FIELDS) * 2;
  // Boundary k of a frame: start (even k) or end (odd k) of region k >> 1.
  const at = (r: Float64Array, k: number): number => r[(k >> 1) * REGION_FIELDS + (k & 1 ? F_END : F_START)]!;
  while (i < na || j < nb) {
    const x = j >= nb || (i < na && at(a, i) <= at(b, j)) ? at(a, i++) : at(b, j++);
    if (pts.length === 0 || pts[pts.length - 1] !== x) pts.push(x);
  }
  return pts;
}

/** Offset of the region of `r` holding `lo` (a piece never straddles a boundary), or -1; cur advances. */
function regionOffset(r: Float64Array, cur: { i: number }, lo: number): number {
  while (cur.i * REGION_FIELDS < r.length && r[cur.i * REGION_FIELDS + F_END]! <= lo) cur.i++;
  const o = cur.i * REGION_FIELDS;
  return o < r.length && r[o + F_START]! <= lo ? o : -1;
}

export function mergeFrames(a: Frame, b: Frame): Frame {
  const wa = Math.max(0, a.meta.t1 - a.meta.t0);
  const wb = Math.max(0, b.meta.t1 - b.meta.t0);
  const pts = mergedBounds(a.regions, b.regions);
  const pieces: number[] = [];
  const ca = { i: 0 };
  const cb = { i: 0 };
  const ra = a.regions;
  const rb = b.regions;
  for (let k = 0; k + 1 < pts.length; k++) {
    const lo = pts[k]!;
    const oa = regionOffset(ra, ca, lo);
    const ob = regionOffset(rb, cb, lo);
    if (oa < 0 && ob < 0) continue; // a gap in both frames stays a gap
    const wrA = oa < 0 ? -1 : ra[oa + F_WRITES]!;
    const wrB = ob < 0 ? -1 : rb[ob + F_WRITES]!;
    pieces.push(
      lo,
      pts[k + 1]!,
      weightedMerge(oa < 0 ? 0 : ra[oa + F_NR]!, wa, ob < 0 ? 0 : rb[ob + F_NR]!, wb),
      ob >= 0 ? rb[ob + F_AGE]! : ra[oa + F_AGE]!,
      wrA >= 0 || wrB >= 0 ? weightedMerge(Math.max(0, wrA), wa, Math.max(0, wrB), wb) : -1,
    );
  }
  const limit = Math.max(a.meta.n, b.meta.n, 1);
  const regions = coarsen(Float64Array.from(pieces), limit);
  const ma = a.meta;
  const mb = b.meta;
  const meta: FrameMeta = {
    s: mb.s,
    t0: Math.min(ma.t0, mb.t0),
    t1: Math.max(ma.t1, mb.t1),
    si: weightedMerge(ma.si, wa, mb.si, wb),
    ai: mb.ai,
    maxNr: weightedMerge(ma.maxNr, wa, mb.maxNr, wb),
    wss: weightedMerge(ma.wss, wa, mb.wss, wb),
    nr: weightedMerge(ma.nr, wa, mb.nr, wb),
    n: regions.length / REGION_FIELDS,
    m: ma.m + mb.m,
  };
  const bd = mergeRecord(ma.bd, wa, mb.bd, wb);
  if (bd) meta.bd = bd;
  if (ma.rm || mb.rm) {
    const [ra, ka] = ma.rm ?? [0, 0];
    const [rb, kb] = mb.rm ?? [0, 0];
    meta.rm = [weightedMerge(ra, wa, rb, wb), weightedMerge(ka, wa, kb, wb)];
  }
  // DAMOS stats are cumulative counters: the later frame's values are the merged frame's.
  if (mb.ds ?? ma.ds) meta.ds = mb.ds ?? ma.ds;
  return { meta, regions };
}

/** Removes the boundaries between the most similar neighbours until at most `limit` regions remain. */
export function coarsen(r: Float64Array, limit: number): Float64Array {
  const n = r.length / REGION_FIELDS;
  if (n <= limit) return r;
  // Candidate boundaries: between touching neighbours; the (n - limit) with the smallest
  // nr_accesses difference are removed (ties: lower addresses first).
  const diff = new Float64Array(n - 1).fill(Infinity);
  for (let i = 0; i + 1 < n; i++)
    if (r[i * REGION_FIELDS + F_END] === r[(i + 1) * REGION_FIELDS + F_START])
      diff[i] = Math.abs(r[i * REGION_FIELDS + F_NR]! - r[(i + 1) * REGION_FIELDS + F_NR]!);
  const want = n - limit;
  const sorted = diff.slice().sort();
  const threshold = sorted[want - 1]!;
  let below = 0;
  for (let i = 0; i < want; i++) if (sorted[i]! < threshold) below++;
  let ties = want - below;
  const join = new Uint8Array(n);
  for (let i = 0; i + 1 < n; i++) {
    if (diff[i] === Infinity) continue;
    if (diff[i]! < threshold) join[i] = 1;
    else if (diff[i] === threshold && ties > 0) {
      join[i] = 1;
      ties--;
    }
  }
  const out: number[] = [];
  let i = 0;
  while (i < n) {
    let j = i;
    while (join[j]) j++;
    let sz = 0;
    let nr = 0;
    let wr = 0;
    let hasWr = false;
    let age = 0;
    for (let k = i; k <= j; k++) {
      const o = k * REGION_FIELDS;
      const s = r[o + F_END]! - r[o + F_START]!;
      sz += s;
      nr += r[o + F_NR]! * s;
      age += r[o + F_AGE]! * s;
      if (r[o + F_WRITES]! >= 0) {
        hasWr = true;
        wr += r[o + F_WRITES]! * s;
      }
    }
    const d = sz || 1;
    out.push(
      r[i * REGION_FIELDS + F_START]!,
      r[j * REGION_FIELDS + F_END]!,
      nr / d,
      age / d,
      hasWr ? wr / d : -1,
    );
    i = j + 1;
  }
  return Float64Array.from(out);
}

/**
 * Bounds of a stream's store, the same in the server and the browser: the history a client gets is
 * then already within its bounds (no merging while a page loads), and both merge identically later.
 * 600,000 regions × 5 doubles ≈ 24 MB per stream.
 */
export const STORE_MAX_FRAMES = 8000;
export const STORE_MAX_REGIONS = 600_000;

/**
 * Frames of one stream in time order, bounded in memory: when the frames exceed `maxFrames` or their
 * regions exceed `maxRegions`, the older half is merged pairwise (mergeFrames), so resolution falls
 * geometrically with age while the recent half stays as recorded.
 */
export class FrameStore {
  readonly frames: Frame[] = [];
  private regions = 0;

  constructor(
    readonly maxFrames: number,
    readonly maxRegions: number,
  ) {
    if (maxFrames < 4) throw new Error(`FrameStore: maxFrames must be at least 4, got ${maxFrames}`);
  }

  get regionCount(): number {
    return this.regions;
  }

  push(f: Frame): void {
    this.frames.push(f);
    this.regions += f.meta.n;
    while ((this.frames.length > this.maxFrames || this.regions > this.maxRegions) && this.frames.length >= 4)
      this.halveOlder();
  }

  private halveOlder(): void {
    const half = this.frames.length >> 1;
    const merged: Frame[] = [];
    let k = 0;
    for (; k + 1 < half; k += 2) merged.push(mergeFrames(this.frames[k]!, this.frames[k + 1]!));
    const rest = this.frames.slice(k);
    this.frames.length = 0;
    this.frames.push(...merged, ...rest);
    this.regions = 0;
    for (const f of this.frames) this.regions += f.meta.n;
  }
}
