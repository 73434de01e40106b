/**
 * The heatmap's address axis: the union of the monitored address ranges seen so far ("segments"),
 * laid end to end with the unmonitored gaps between them removed (a vaddr target's three regions
 * sit terabytes apart; drawn to scale, all but one would be invisible). Positions are bytes along
 * that concatenation.
 */
import { F_END, F_START, REGION_FIELDS } from '../shared/frame.js';

export class AddressAxis {
  /** Sorted, disjoint, non-touching [start, end) ranges, and each one's position offset. */
  starts: number[] = [];
  ends: number[] = [];
  offsets: number[] = [];
  total = 0;

  /** Adds the extents of a frame's regions; returns true when the axis changed. */
  addRegions(r: Float64Array): boolean {
    let changed = false;
    let i = 0;
    const n = r.length / REGION_FIELDS;
    while (i < n) {
      // A run of touching regions is one monitored range.
      const s = r[i * REGION_FIELDS + F_START]!;
      let e = r[i * REGION_FIELDS + F_END]!;
      while (i + 1 < n && r[(i + 1) * REGION_FIELDS + F_START] === e) e = r[++i * REGION_FIELDS + F_END]!;
      i++;
      if (this.covered(s, e)) continue;
      this.insert(s, e);
      changed = true;
    }
    if (changed) this.reindex();
    return changed;
  }

  private covered(s: number, e: number): boolean {
    const k = this.segmentOf(s);
    return k >= 0 && this.ends[k]! >= e;
  }

  private insert(s: number, e: number): void {
    const ns: number[] = [];
    const ne: number[] = [];
    let placed = false;
    for (let k = 0; k < this.starts.length; k++) {
      const a = this.starts[k]!;
      const b = this.ends[k]!;
      if (b < s) {
        ns.push(a);
        ne.push(b);
      } else if (a > e) {
        if (!placed) {
          ns.push(s);
          ne.push(e);
          placed = true;
        }
        ns.push(a);
        ne.push(b);
      } else {
        s = Math.min(s, a);
        e = Math.max(e, b);
      }
    }
    if (!placed) {
      ns.push(s);
      ne.push(e);
    }
    this.starts = ns;
    this.ends = ne;
  }

  private reindex(): void {
    this.offsets = [];
    let off = 0;
    for (let k = 0; k < this.starts.length; k++) {
      this.offsets.push(off);
      off += this.ends[k]! - this.starts[k]!;
    }
    this.total = off;
  }

  /** Index of the segment with start <= addr (the last one), or -1. */
  private segmentOf(addr: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= addr) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Axis position of an address (addresses in a gap map to the end of the segment below). */
  position(addr: number): number {
    const k = this.segmentOf(addr);
    if (k < 0) return 0;
    return this.offsets[k]! + Math.min(addr, this.ends[k]!) - this.starts[k]!;
  }

  /** The address at an axis position. */
  address(pos: number): number {
    let lo = 0;
    let hi = this.offsets.length - 1;
    let k = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid]! <= pos) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (this.starts.length === 0) return pos;
    return this.starts[k]! + Math.min(pos - this.offsets[k]!, this.ends[k]! - this.starts[k]!);
  }
}
