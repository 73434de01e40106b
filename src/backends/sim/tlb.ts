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
 * stamp comparisons (measured 2-3x faster in V8). The lower half of a set (from the insertion point
 * down) is a ring with a per-set rotation: a mid-point insertion, what every miss of a scan does,
 * evicts the last way and takes its slot by rotating the ring, without moving the others.
 *
 * A translation is tagged by the page-table pool entry holding its state (the PTE, or the table's
 * first entry for a 2 MiB PMD) and a huge bit: an entry belongs to one (address space, vpn) while
 * its table lives, and tables are released only after invalidateAsid(). Small integer tags keep the
 * per-page path free of doubles (a double passed to a call V8 does not inline is boxed: one
 * allocation per access). The set is still picked by the low vpn bits, as hardware indexes.
 *
 * The pool keeps, per PTE (or THP head entry), a bitmask of the CPUs caching it, so a miss is known
 * without scanning the set; a slot's tag names its entry, to clear the bit on eviction. A slot holds
 * tag*2 + writeOk in one Int32 (entries < 2^29, i.e. up to 2 TiB of touched memory): a hit or a
 * front insertion moves one array, not two.
 */
import type { PageTablePool } from './page-tables.js';

export const TLB_WAYS = 12;
/** CPUs whose presence bits the page-table pool keeps (misses on other CPUs scan their set). */
const MASK_CPUS = 32;

export class Tlb {
  readonly ways: number;
  readonly sets: number;
  /**
   * Per slot tag*2 + writeOk, -1 when empty; the tag is entry*2 + huge (see probe()). The ways of a
   * set are contiguous: logical positions [0, insertAt) in order, most recently used first, then
   * the lower ring: logical position insertAt + j is at slot insertAt + (rot + j) mod lower.
   */
  private readonly slots: Int32Array;
  /** Rotation of each set's lower ring. */
  private readonly rot: Uint8Array;
  /** sets-1 when sets is a power of two (mask instead of a division), else -1. */
  private readonly setMask: number;
  /** Logical position where a missed translation is inserted (the middle of the set). */
  private readonly insertAt: number;
  /** Ways in the lower ring (ways - insertAt, ≥ 1). */
  private readonly lower: number;
  /** Set, tag and CPU of the last missing probe(); fill() inserts there. */
  private missSet = 0;
  private missTag = -1;
  private missCpu = 0;

  constructor(
    readonly cpus: number,
    entries: number,
    private readonly pool: PageTablePool,
  ) {
    this.ways = Math.min(TLB_WAYS, entries);
    this.sets = this.ways === 0 ? 0 : Math.floor(entries / this.ways);
    this.slots = new Int32Array(cpus * this.sets * this.ways).fill(-1);
    this.rot = new Uint8Array(cpus * this.sets);
    this.insertAt = this.ways >> 1;
    this.lower = this.ways - this.insertAt;
    this.setMask = this.sets > 0 && (this.sets & (this.sets - 1)) === 0 ? this.sets - 1 : -1;
  }

  get enabled(): boolean {
    return this.sets > 0;
  }

  /**
   * Set of vpn key*512+off on `cpu`, picked by the low bits of vpn (4 KiB) or of key (2 MiB), as
   * hardware indexes.
   */
  private setOf(cpu: number, key: number, off: number, huge: boolean): number {
    const low = huge ? key & 0x3fffffff : ((key & 0x1fffff) << 9) | off;
    return cpu * this.sets + (this.setMask >= 0 ? low & this.setMask : low % this.sets);
  }

  /** Slot of logical position q of set `set`. */
  private slotAt(set: number, q: number): number {
    const base = set * this.ways;
    if (q < this.insertAt) return base + q;
    const j = this.rot[set]! + q - this.insertAt;
    return base + this.insertAt + (j < this.lower ? j : j - this.lower);
  }

  /** Logical position of slot s of set `set` (inverse of slotAt). */
  private positionOf(set: number, s: number): number {
    const i = s - set * this.ways;
    if (i < this.insertAt) return i;
    const j = i - this.insertAt - this.rot[set]!;
    return this.insertAt + (j >= 0 ? j : j + this.lower);
  }

  /**
   * Slot caching the translation of vpn key*512+off on `cpu` (its state in pool entry `entry`, the
   * THP head for a 2 MiB one), moved to the front of its set, or -1; after a miss, fill() caches it.
   * A translation is tagged by its entry (entry*2 + huge). Tags and set bits are computed here, not
   * by module functions: imported bindings on the per-page path measured 2x slower (when loaded
   * through a CommonJS transform each use is a getter call).
   */
  probe(cpu: number, key: number, off: number, huge: boolean, entry: number): number {
    // setOf() written out: the call was not inlined on the per-access path.
    const low = huge ? key & 0x3fffffff : ((key & 0x1fffff) << 9) | off;
    const sets = this.sets;
    const set = cpu * sets + (this.setMask >= 0 ? low & this.setMask : low % sets);
    const tag = huge ? entry * 2 + 1 : entry * 2;
    this.missSet = set;
    this.missTag = tag;
    this.missCpu = cpu;
    if (cpu < MASK_CPUS && (this.pool.tlbMask[entry]! & (1 << cpu)) === 0) return -1;
    const slots = this.slots;
    const base = set * this.ways;
    for (let s = base, end = base + this.ways; s < end; s++) {
      if (slots[s]! >> 1 === tag) {
        if (s !== base) this.toFront(set, s);
        return base;
      }
    }
    return -1;
  }

  /**
   * An access through the 4 KiB translation of vpn key*512+off (pool entry `entry`) needing no fault:
   * true when it needs a page walk (a miss, now filled; or a write through a cached read-only or
   * clean translation, now updated). `writeOk` is what the walk leaves (writable, not
   * write-protected, dirty).
   */
  access(
    cpu: number,
    key: number,
    off: number,
    entry: number,
    isWrite: boolean,
    writeOk: boolean,
    reused: boolean,
  ): boolean {
    const slot = this.probe(cpu, key, off, false, entry);
    if (slot < 0) {
      this.fill(writeOk, reused);
      return true;
    }
    if (!isWrite || this.writeOk(slot)) return false;
    this.setWriteOk(slot, writeOk);
    return true;
  }

  /**
   * False when `cpu` certainly does not cache a translation with state in pool entry `entry` (its
   * presence bit is clear); true when it may (always for CPUs without presence bits).
   */
  mayCache(cpu: number, entry: number): boolean {
    return cpu >= MASK_CPUS || (this.pool.tlbMask[entry]! & (1 << cpu)) !== 0;
  }

  /**
   * Of a run of consecutive 4 KiB pages that all miss, how many of the last ones decide the TLB's
   * state: consecutive pages spread evenly over the sets, and a set keeps only its last `ways -
   * insertion point` insertions (every older way of the lower part is evicted by then). Filling
   * only those, in order, leaves exactly the state filling every page would.
   */
  missesKept(reused: boolean): number {
    return (reused ? this.ways : this.lower) * this.sets;
  }

  /** Whether writes may go through the translation in `slot` without a walk. */
  writeOk(slot: number): boolean {
    return (this.slots[slot]! & 1) === 1;
  }

  setWriteOk(slot: number, ok: boolean): void {
    this.slots[slot] = (this.slots[slot]! & ~1) | (ok ? 1 : 0);
  }

  /** Moves slot s of the set to logical position 0 (kept out of probe() so that probe inlines). */
  private toFront(set: number, s: number): void {
    const slots = this.slots;
    const base = set * this.ways;
    const v = slots[s]!;
    const up = this.insertAt;
    // Upper ways [base, j) move one place down (the loop inline: a call per hit measured ~10%).
    let j = s;
    if (s - base >= up) {
      // Close the gap inside the ring (walking it backwards from s to its front), then the upper
      // half's last way drops to the ring's front.
      const first = base + up;
      const last = first + this.lower - 1;
      const front = first + this.rot[set]!;
      let p = s;
      while (p !== front) {
        const prev = p === first ? last : p - 1;
        slots[p] = slots[prev]!;
        p = prev;
      }
      slots[front] = slots[base + up - 1]!;
      j = base + up - 1;
    }
    for (; j > base; j--) slots[j] = slots[j - 1]!;
    slots[base] = v;
  }

  /** Moves upper ways [0, to) of the set at base one place down (way `to` is overwritten). */
  private shiftUpper(base: number, to: number): void {
    const slots = this.slots;
    for (let j = base + to; j > base; j--) slots[j] = slots[j - 1]!;
  }

  /**
   * Caches the translation of the preceding missing probe(), evicting the set's last way: at the
   * middle of the set, or at the front when the access is known to be re-used right away (`reused`,
   * i.e. the batch touches the page more than once: its next access would be a hit).
   */
  fill(writeOk: boolean, reused: boolean): void {
    const set = this.missSet;
    const cpu = this.missCpu;
    const mask = this.pool.tlbMask;
    // Rotating the ring back makes its last slot its front: the evicted way's slot.
    const r = this.rot[set]!;
    const nr = r === 0 ? this.lower - 1 : r - 1;
    this.rot[set] = nr;
    const base = set * this.ways;
    const front = base + this.insertAt + nr;
    const old = this.slots[front]!;
    if (old !== -1 && cpu < MASK_CPUS) mask[old >> 2]! &= ~(1 << cpu);
    const v = this.missTag * 2 + (writeOk ? 1 : 0);
    if (reused && this.insertAt > 0) {
      this.slots[front] = this.slots[base + this.insertAt - 1]!;
      this.shiftUpper(base, this.insertAt - 1);
      this.slots[base] = v;
    } else this.slots[front] = v;
    if (cpu < MASK_CPUS) mask[this.missTag >> 1]! |= 1 << cpu;
  }

  /** Drops a translation (as probe() names it) from every CPU (invlpg / shootdown); returns on how many CPUs it was cached. */
  invalidate(key: number, off: number, huge: boolean, entry: number): number {
    const tag = huge ? entry * 2 + 1 : entry * 2;
    let held = 0;
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const set = this.setOf(cpu, key, off, huge);
      const base = set * this.ways;
      for (let s = base; s < base + this.ways; s++) {
        if (this.slots[s]! >> 1 !== tag) continue;
        // Keep the order: the freed way becomes the least recently used.
        for (let q = this.positionOf(set, s); q < this.ways - 1; q++)
          this.slots[this.slotAt(set, q)] = this.slots[this.slotAt(set, q + 1)]!;
        this.slots[this.slotAt(set, this.ways - 1)] = -1;
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
