/**
 * Region storage of one target: struct-of-arrays typed arrays, sorted by address, with capacity
 * doubling. Bulk rewrites (split passes, apply_min_nr_regions) append into a scratch list that is
 * then swapped in; merges compact in place. Nothing per page lives here.
 */
import type { RegionArrays } from './types.js';

/** A region as a plain object (conformance surface, tests, debugging). */
export interface RegionRecord {
  start: number;
  end: number;
  nrAccesses: number;
  lastNrAccesses: number;
  age: number;
}

export class RegionList implements RegionArrays {
  private n = 0;
  /**
   * Bumped by every structural change made through this class (length, insert, remove, adopt,
   * moves); caches keyed on it (the report lookup table) rebuild when it changes.
   */
  version = 0;
  start: Float64Array;
  end: Float64Array;
  samplingAddr: Float64Array;
  nrAccesses: Uint32Array;
  lastNrAccesses: Uint32Array;
  age: Uint32Array;
  /** Samples of the current window in which a write report hit the region (report-fed contexts). */
  nrWriteSamples: Uint32Array;
  /** Sample number of the last counted report hit: at most one hit per region per sample. */
  hitStamp: Uint32Array;
  /** Sample number of the last counted write hit. */
  writeStamp: Uint32Array;
  private spare: RegionList | null = null;

  constructor(capacity = 16) {
    const c = Math.max(1, capacity);
    this.start = new Float64Array(c);
    this.end = new Float64Array(c);
    this.samplingAddr = new Float64Array(c);
    this.nrAccesses = new Uint32Array(c);
    this.lastNrAccesses = new Uint32Array(c);
    this.age = new Uint32Array(c);
    this.nrWriteSamples = new Uint32Array(c);
    this.hitStamp = new Uint32Array(c);
    this.writeStamp = new Uint32Array(c);
  }

  static fromRecords(records: readonly RegionRecord[]): RegionList {
    const l = new RegionList(records.length);
    for (const r of records) {
      const i = l.push(r.start, r.end);
      l.nrAccesses[i] = r.nrAccesses;
      l.lastNrAccesses[i] = r.lastNrAccesses;
      l.age[i] = r.age;
    }
    return l;
  }

  get length(): number {
    return this.n;
  }

  set length(v: number) {
    this.n = v;
    this.version++;
  }

  get capacity(): number {
    return this.start.length;
  }

  record(i: number): RegionRecord {
    return {
      start: this.start[i]!,
      end: this.end[i]!,
      nrAccesses: this.nrAccesses[i]!,
      lastNrAccesses: this.lastNrAccesses[i]!,
      age: this.age[i]!,
    };
  }

  toRecords(): RegionRecord[] {
    const out: RegionRecord[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.record(i));
    return out;
  }

  /** Sum of region sizes. */
  totalSize(): number {
    let s = 0;
    for (let i = 0; i < this.length; i++) s += this.end[i]! - this.start[i]!;
    return s;
  }

  /** Grows the arrays (doubling) to hold at least n regions. */
  reserve(n: number): void {
    if (n <= this.capacity) return;
    let c = this.capacity;
    while (c < n) c *= 2;
    const grow = <T extends Float64Array | Uint32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(c);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.start = grow(this.start);
    this.end = grow(this.end);
    this.samplingAddr = grow(this.samplingAddr);
    this.nrAccesses = grow(this.nrAccesses);
    this.lastNrAccesses = grow(this.lastNrAccesses);
    this.age = grow(this.age);
    this.nrWriteSamples = grow(this.nrWriteSamples);
    this.hitStamp = grow(this.hitStamp);
    this.writeStamp = grow(this.writeStamp);
  }

  /** Appends a new region [start, end) with all counters 0; returns its index. */
  push(start: number, end: number): number {
    if (this.n === this.capacity) this.reserve(this.n + 1);
    const i = this.n++;
    this.version++;
    this.init(i, start, end);
    return i;
  }

  private init(i: number, start: number, end: number): void {
    this.start[i] = start;
    this.end[i] = end;
    this.samplingAddr[i] = start;
    this.nrAccesses[i] = 0;
    this.lastNrAccesses[i] = 0;
    this.age[i] = 0;
    this.nrWriteSamples[i] = 0;
    this.hitStamp[i] = 0;
    this.writeStamp[i] = 0;
  }

  /** Appends [start, end) carrying the counters of region i of `src` (a split piece). */
  pushPiece(src: RegionList, i: number, start: number, end: number): void {
    if (this.n === this.capacity) this.reserve(this.n + 1);
    const j = this.n++;
    this.version++;
    this.start[j] = start;
    this.end[j] = end;
    this.samplingAddr[j] =
      src.samplingAddr[i]! >= start && src.samplingAddr[i]! < end ? src.samplingAddr[i]! : start;
    this.nrAccesses[j] = src.nrAccesses[i]!;
    this.lastNrAccesses[j] = src.lastNrAccesses[i]!;
    this.age[j] = src.age[i]!;
    this.nrWriteSamples[j] = src.nrWriteSamples[i]!;
    this.hitStamp[j] = src.hitStamp[i]!;
    this.writeStamp[j] = src.writeStamp[i]!;
  }

  /** Copies region i into slot j (j <= i; used by in-place compaction). */
  moveTo(i: number, j: number): void {
    this.version++;
    this.start[j] = this.start[i]!;
    this.end[j] = this.end[i]!;
    this.samplingAddr[j] = this.samplingAddr[i]!;
    this.nrAccesses[j] = this.nrAccesses[i]!;
    this.lastNrAccesses[j] = this.lastNrAccesses[i]!;
    this.age[j] = this.age[i]!;
    this.nrWriteSamples[j] = this.nrWriteSamples[i]!;
    this.hitStamp[j] = this.hitStamp[i]!;
    this.writeStamp[j] = this.writeStamp[i]!;
  }

  /** Inserts a new, zeroed region [start, end) right after region i (i = -1: first). O(n). */
  insertAfter(i: number, start: number, end: number): void {
    this.reserve(this.n + 1);
    this.length = this.n + 1;
    for (let k = this.n - 1; k > i + 1; k--) this.moveTo(k - 1, k);
    this.init(i + 1, start, end);
  }

  /** Removes region i (shifting the rest left). O(n): not for hot paths. */
  removeAt(i: number): void {
    for (let k = i + 1; k < this.n; k++) this.moveTo(k, k - 1);
    this.length = this.n - 1;
  }

  /** An empty list with this one's capacity, reused across bulk rewrites. */
  scratch(): RegionList {
    const s = (this.spare ??= new RegionList(this.capacity));
    s.length = 0;
    return s;
  }

  /** Takes over the storage of `other` (a filled scratch list); `other` gets ours as its spare. */
  adopt(other: RegionList): void {
    [this.start, other.start] = [other.start, this.start];
    [this.end, other.end] = [other.end, this.end];
    [this.samplingAddr, other.samplingAddr] = [other.samplingAddr, this.samplingAddr];
    [this.nrAccesses, other.nrAccesses] = [other.nrAccesses, this.nrAccesses];
    [this.lastNrAccesses, other.lastNrAccesses] = [other.lastNrAccesses, this.lastNrAccesses];
    [this.age, other.age] = [other.age, this.age];
    [this.nrWriteSamples, other.nrWriteSamples] = [other.nrWriteSamples, this.nrWriteSamples];
    [this.hitStamp, other.hitStamp] = [other.hitStamp, this.hitStamp];
    [this.writeStamp, other.writeStamp] = [other.writeStamp, this.writeStamp];
    const n = this.n;
    this.length = other.n;
    other.length = n;
  }
}
