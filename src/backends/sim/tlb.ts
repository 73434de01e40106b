/**
 * Per-CPU TLBs: set-associative (12 ways, as the x86 STLB), 4 KiB and 2 MiB translations in the same
 * array (tagged), deterministic. A cached translation lets an access complete without a page walk:
 * the Accessed bit is not set again, which is why mkold without a flush misses TLB-resident pages.
 * An entry also caches whether writes may proceed without a walk (writable, not write-protected,
 * already dirty).
 *
 * Replacement is LRU with mid-point insertion: each set keeps its ways in recency order, a hit moves
 * its way to the front, a miss inserts at the middle (at the front when the batch re-uses
 * the page) and evicts the last. Why: the machine applies a
 * thread's batches one after another, while a real thread interleaves its patterns, re-touching a
 * hot page between cold accesses. Under plain LRU a cold batch would flush a hot set that, in the
 * interleaved execution, stays resident; with mid-point insertion pages used once churn the lower
 * half and re-used pages stay in the upper half (a scan-resistant policy, like the kernel's own
 * active/inactive LRU). Recency order also costs a few predictable moves instead of unpredictable
 * stamp comparisons (measured 2-3x faster in V8).
 *
 * A translation is tagged by the page-table pool entry holding its state (the PTE, or the table's
 * first entry for a 2 MiB PMD) and a huge bit: an entry belongs to one (address space, vpn) while
 * its table lives, and tables are released only after invalidateAsid(). Small integer tags keep the
 * per-page path free of doubles (a double passed to a call V8 does not inline is boxed: one
 * allocation per access). The set is still picked by the low vpn bits, as hardware indexes.
 *
 * The pool keeps, per PTE (or THP head entry), a bitmask of the CPUs caching it, so a miss is known
 * without scanning the set; a slot's tag names its entry, to clear the bit on eviction. A slot holds
 * tag*2 + writeOk in one Int32 (entries < 2^29, i.e. up to 2 TiB of touched memory): a fill then
 * moves one array, not two (the moves are most of a miss's cost).
 */
import type { PageTablePool } from './page-tables.js';

export const TLB_WAYS = 12;
/** CPUs whose presence bits the page-table pool keeps (misses on other CPUs scan their set). */
const MASK_CPUS = 32;


export class Tlb {
  readonly ways: number;
  readonly sets: number;
  /** Per slot tag*2 + writeOk (tag: tlbTag), -1 when empty; the ways of a set are contiguous, most recently used first. */
  private readonly slots: Int32Array;
  /** sets-1 when sets is a power of two (mask instead of a division), else -1. */
  private readonly setMask: number;
  /** Position where a missed translation is inserted (the middle of the set). */
  private readonly insertAt: number;
  /** Set, tag and CPU of the last missing probe(); fill() inserts there. */
  private missBase = 0;
  private missTag = -1;
  private missCpu = 0;

  constructor(
    readonly cpus: number,
    entries: number,
    private readonly pool: PageTablePool,
  ) {
    this.ways = Math.min(TLB_WAYS, entries);
    this.sets = this.ways === 0 ? 0 : Math.floor(entries / this.ways);
    const n = cpus * this.sets * this.ways;
    this.slots = new Int32Array(n).fill(-1);
    this.insertAt = this.ways >> 1;
    this.setMask = this.sets > 0 && (this.sets & (this.sets - 1)) === 0 ? this.sets - 1 : -1;
  }

  get enabled(): boolean {
    return this.sets > 0;
  }

  /**
   * First slot of the set of vpn key*512+off on `cpu`, picked by the low bits of vpn (4 KiB) or of
   * key (2 MiB), as hardware indexes.
   */
  private setBase(cpu: number, key: number, off: number, huge: boolean): number {
    const low = huge ? key & 0x3fffffff : ((key & 0x1fffff) << 9) | off;
    return (cpu * this.sets + (this.setMask >= 0 ? low & this.setMask : low % this.sets)) * this.ways;
  }

  /**
   * Slot caching the translation of vpn key*512+off on `cpu` (its state in pool entry `entry`, the
   * THP head for a 2 MiB one), moved to the front of its set, or -1; after a miss, fill() caches it.
   * Module functions would cost a getter call per use under tsx: these are methods.
   */
  probe(cpu: number, key: number, off: number, huge: boolean, entry: number): number {
    const base = this.setBase(cpu, key, off, huge);
    const tag = huge ? entry * 2 + 1 : entry * 2;
    this.missBase = base;
    this.missTag = tag;
    this.missCpu = cpu;
    if (cpu < MASK_CPUS && (this.pool.tlbMask[tag >> 1]! & (1 << cpu)) === 0) return -1;
    const slots = this.slots;
    for (let s = base, end = base + this.ways; s < end; s++) {
      if (slots[s]! >> 1 === tag) {
        if (s !== base) this.toFront(base, s);
        return base;
      }
    }
    return -1;
  }

  /** Whether writes may go through the translation in `slot` without a walk. */
  writeOk(slot: number): boolean {
    return (this.slots[slot]! & 1) === 1;
  }

  setWriteOk(slot: number, ok: boolean): void {
    this.slots[slot] = (this.slots[slot]! & ~1) | (ok ? 1 : 0);
  }

  /**
   * An access through the 4 KiB translation of vpn key*512+off (pool entry `entry`) needing no fault: true when it needs a page walk
   * (a miss, now filled; or a write through a cached read-only or clean translation, now updated).
   * `writeOk` is what the walk leaves (writable, not write-protected, dirty).
   */
  access(cpu: number, key: number, off: number, entry: number, isWrite: boolean, writeOk: boolean, reused: boolean): boolean {
    const slot = this.probe(cpu, key, off, false, entry);
    if (slot < 0) {
      this.fill(writeOk, reused);
      return true;
    }
    if (!isWrite || this.writeOk(slot)) return false;
    this.setWriteOk(slot, writeOk);
    return true;
  }

  /** Moves way s of the set at base to the front (kept out of probe() so that probe inlines). */
  private toFront(base: number, s: number): void {
    const v = this.slots[s]!;
    this.shift(base, s);
    this.slots[base] = v;
  }

  /** Moves the ways [from, to) one place down (way `to` is overwritten). */
  private shift(from: number, to: number): void {
    const slots = this.slots;
    for (let j = to; j > from; j--) slots[j] = slots[j - 1]!;
  }

  /**
   * Caches the translation of the preceding missing probe(), evicting the set's last way: at the
   * middle of the set, or at the front when the access is known to be re-used right away (`reused`,
   * i.e. the batch touches the page more than once: its next access would be a hit).
   */
  fill(writeOk: boolean, reused: boolean): void {
    const base = this.missBase;
    const last = base + this.ways - 1;
    const cpu = this.missCpu;
    const mask = this.pool.tlbMask;
    const old = this.slots[last]!;
    if (old !== -1 && cpu < MASK_CPUS) mask[old >> 2]! &= ~(1 << cpu);
    const at = base + (reused ? 0 : this.insertAt);
    this.shift(at, last);
    this.slots[at] = this.missTag * 2 + (writeOk ? 1 : 0);
    if (cpu < MASK_CPUS) mask[this.missTag >> 1]! |= 1 << cpu;
  }

  /** Drops a translation (as probe() names it) from every CPU (invlpg / shootdown); returns on how many CPUs it was cached. */
  invalidate(key: number, off: number, huge: boolean, entry: number): number {
    const tag = huge ? entry * 2 + 1 : entry * 2;
    let held = 0;
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const base = this.setBase(cpu, key, off, huge);
      const end = base + this.ways;
      for (let s = base; s < end; s++) {
        if (this.slots[s]! >> 1 !== tag) continue;
        // Keep the order: the freed way becomes the least recently used.
        for (let j = s; j < end - 1; j++) this.slots[j] = this.slots[j + 1]!;
        this.slots[end - 1] = -1;
        held++;
        break;
      }
    }
    this.pool.tlbMask[entry] = 0;
    return held;
  }

  /**
   * Drops every translation of an address space (process exit), found through the owner of each
   * tag's table: call it before the tables are released. Their presence bits go with the tables.
   */
  invalidateAsid(asid: number): void {
    const tableAsid = this.pool.tableAsid;
    for (let s = 0; s < this.slots.length; s++) {
      const v = this.slots[s]!;
      if (v >= 0 && tableAsid[v >> 11] === asid) this.slots[s] = -1;
    }
  }
}
