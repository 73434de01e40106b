/**
 * Physical memory: 4 KiB frames split evenly over NUMA nodes, per-node free lists (4 KiB frames and
 * free 2 MiB blocks), the reverse map frame → mappings, and per-node active/inactive LRU state.
 *
 * Storage is typed arrays indexed by pfn, 15 bytes per frame, allocated up front (0.4% of the
 * simulated RAM). The first mapping of a frame lives in those arrays; further mappings (shared
 * frames) in a side Map, since sharing is rare.
 */
import { PTES_PER_TABLE } from './layout.js';

export const FRAME_ALLOCATED = 1;
/** Part of a 2 MiB folio (512 aligned frames). */
export const FRAME_HUGE = 2;
/** Accessed since the last LRU scan. */
export const FRAME_REFERENCED = 4;
/** On the active LRU list (else inactive when allocated). */
export const FRAME_ACTIVE = 8;
/** Backs a shared mapping (page cache of a `shared` key); stays allocated while unmapped. */
export const FRAME_SHARED = 16;

export interface Mapping {
  tgid: number;
  vpn: number;
}

export interface NodeStats {
  node: number;
  totalFrames: number;
  freeFrames: number;
  usedFrames: number;
  activeFrames: number;
  inactiveFrames: number;
}

export class PhysicalMemory {
  readonly nrFrames: number;
  readonly framesPerNode: number;
  /** tgid of the first mapping, -1 if the frame has no mapping. */
  readonly mapTgid: Int32Array;
  /** vpn of the first mapping. */
  readonly mapVpn: Float64Array;
  readonly mapCount: Uint16Array;
  readonly flags: Uint8Array;
  private readonly extra = new Map<number, Mapping[]>();
  private readonly bump: number[];
  private readonly singles: number[][];
  private readonly hugeBlocks: number[][];
  private readonly used: number[];

  constructor(
    memoryBytes: number,
    readonly nodes: number,
  ) {
    this.nrFrames = memoryBytes / 4096;
    this.framesPerNode = this.nrFrames / nodes;
    this.mapTgid = new Int32Array(this.nrFrames).fill(-1);
    this.mapVpn = new Float64Array(this.nrFrames);
    this.mapCount = new Uint16Array(this.nrFrames);
    this.flags = new Uint8Array(this.nrFrames);
    this.bump = Array.from({ length: nodes }, (_, n) => n * this.framesPerNode);
    this.singles = Array.from({ length: nodes }, () => []);
    this.hugeBlocks = Array.from({ length: nodes }, () => []);
    this.used = new Array<number>(nodes).fill(0);
  }

  /** Marks an access for LRU aging (called per page touch). */
  reference(pfn: number): void {
    this.flags[pfn]! |= FRAME_REFERENCED;
  }

  nodeOf(pfn: number): number {
    return Math.floor(pfn / this.framesPerNode);
  }

  /**
   * Allocates a 4 KiB frame (huge=false) or an aligned 2 MiB block (huge=true, returns its first
   * pfn) on `node`, falling back to the next nodes in order; -1 when no node has one.
   */
  alloc(node: number, huge: boolean): number {
    for (let i = 0; i < this.nodes; i++) {
      const pfn = this.allocOn((node + i) % this.nodes, huge);
      if (pfn >= 0) return pfn;
    }
    return -1;
  }

  /** Allocates on exactly `node` (for migration); -1 if it has no free frame/block. */
  allocOn(node: number, huge: boolean): number {
    const pfn = huge ? this.allocHugeOn(node) : this.allocSingleOn(node);
    if (pfn < 0) return -1;
    const len = huge ? PTES_PER_TABLE : 1;
    this.flags.fill(FRAME_ALLOCATED | (huge ? FRAME_HUGE : 0), pfn, pfn + len);
    this.used[node]! += len;
    return pfn;
  }

  private allocSingleOn(n: number): number {
    const s = this.singles[n]!;
    if (s.length > 0) return s.pop()!;
    if (this.bump[n]! < (n + 1) * this.framesPerNode) return this.bump[n]!++;
    const h = this.hugeBlocks[n]!;
    if (h.length === 0) return -1;
    // Split a free 2 MiB block: no buddy merging later, a documented simplification.
    const base = h.pop()!;
    for (let p = base + PTES_PER_TABLE - 1; p > base; p--) s.push(p);
    return base;
  }

  private allocHugeOn(n: number): number {
    const h = this.hugeBlocks[n]!;
    if (h.length > 0) return h.pop()!;
    const end = (n + 1) * this.framesPerNode;
    let b = this.bump[n]!;
    const aligned = Math.ceil(b / PTES_PER_TABLE) * PTES_PER_TABLE;
    if (aligned + PTES_PER_TABLE > end) return -1;
    for (; b < aligned; b++) this.singles[n]!.push(b);
    this.bump[n] = aligned + PTES_PER_TABLE;
    return aligned;
  }

  /** Frees a frame or (huge) the 2 MiB block starting at pfn. The frame must have no mapping. */
  free(pfn: number, huge: boolean): void {
    const n = this.nodeOf(pfn);
    const len = huge ? PTES_PER_TABLE : 1;
    this.flags.fill(0, pfn, pfn + len);
    this.mapTgid.fill(-1, pfn, pfn + len);
    this.mapCount.fill(0, pfn, pfn + len);
    this.used[n]! -= len;
    if (huge) this.hugeBlocks[n]!.push(pfn);
    else this.singles[n]!.push(pfn);
  }

  addMapping(pfn: number, tgid: number, vpn: number): void {
    if (this.mapCount[pfn] === 0) {
      this.mapTgid[pfn] = tgid;
      this.mapVpn[pfn] = vpn;
    } else {
      let list = this.extra.get(pfn);
      if (!list) this.extra.set(pfn, (list = []));
      list.push({ tgid, vpn });
    }
    this.mapCount[pfn]!++;
  }

  /** Removes one mapping; returns how many remain. */
  removeMapping(pfn: number, tgid: number, vpn: number): number {
    const list = this.extra.get(pfn);
    if (this.mapTgid[pfn] === tgid && this.mapVpn[pfn] === vpn) {
      if (list && list.length > 0) {
        const m = list.pop()!;
        this.mapTgid[pfn] = m.tgid;
        this.mapVpn[pfn] = m.vpn;
      } else {
        this.mapTgid[pfn] = -1;
      }
    } else if (list) {
      const i = list.findIndex((m) => m.tgid === tgid && m.vpn === vpn);
      if (i < 0) return this.mapCount[pfn]!;
      list.splice(i, 1);
    } else {
      return this.mapCount[pfn]!;
    }
    if (list && list.length === 0) this.extra.delete(pfn);
    return --this.mapCount[pfn]!;
  }

  /** Moves every mapping of frame `from` to frame `to` (migration); `to` must have none. */
  moveMappings(from: number, to: number): void {
    this.mapTgid[to] = this.mapTgid[from]!;
    this.mapVpn[to] = this.mapVpn[from]!;
    this.mapCount[to] = this.mapCount[from]!;
    const list = this.extra.get(from);
    if (list) {
      this.extra.set(to, list);
      this.extra.delete(from);
    }
    this.mapTgid[from] = -1;
    this.mapCount[from] = 0;
  }

  /** Every mapping of the frame (the reverse map walk). */
  mappings(pfn: number): Mapping[] {
    if (this.mapCount[pfn] === 0) return [];
    const first = { tgid: this.mapTgid[pfn]!, vpn: this.mapVpn[pfn]! };
    const list = this.extra.get(pfn);
    return list ? [first, ...list] : [first];
  }

  /**
   * LRU aging of one node: frames referenced since the last scan become active, the others
   * inactive; the referenced marks are cleared. Returns the number of frames scanned.
   */
  lruScan(node: number): number {
    const f = this.flags;
    const lo = node * this.framesPerNode;
    const hi = this.bump[node]!;
    let scanned = 0;
    for (let p = lo; p < hi; p++) {
      const v = f[p]!;
      if (!(v & FRAME_ALLOCATED)) continue;
      scanned++;
      f[p] = v & FRAME_REFERENCED ? (v & ~FRAME_REFERENCED) | FRAME_ACTIVE : v & ~FRAME_ACTIVE;
    }
    return scanned;
  }

  setActive(pfn: number, active: boolean): void {
    if (!(this.flags[pfn]! & FRAME_ALLOCATED)) return;
    if (active) this.flags[pfn]! |= FRAME_ACTIVE;
    else this.flags[pfn]! &= ~FRAME_ACTIVE;
  }

  /** Allocated frames of a node on one LRU list, ascending pfn. */
  lruList(node: number, list: 'active' | 'inactive'): number[] {
    const want = list === 'active' ? FRAME_ACTIVE : 0;
    const out: number[] = [];
    for (let p = node * this.framesPerNode, hi = this.bump[node]!; p < hi; p++) {
      const v = this.flags[p]!;
      if (v & FRAME_ALLOCATED && (v & FRAME_ACTIVE) === want) out.push(p);
    }
    return out;
  }

  nodeStats(): NodeStats[] {
    return this.used.map((used, node) => {
      let active = 0;
      for (let p = node * this.framesPerNode, hi = this.bump[node]!; p < hi; p++) {
        if ((this.flags[p]! & (FRAME_ALLOCATED | FRAME_ACTIVE)) === (FRAME_ALLOCATED | FRAME_ACTIVE))
          active++;
      }
      return {
        node,
        totalFrames: this.framesPerNode,
        freeFrames: this.framesPerNode - used,
        usedFrames: used,
        activeFrames: active,
        inactiveFrames: used - active,
      };
    });
  }
}
