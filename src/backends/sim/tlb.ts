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
 * active/inactive LRU). Recency order is kept as two circular doubly linked lists over the set's
 * ways, the ways above the insertion point and those below it, each with its head: ways never move,
 * a hit relinks a few ways in O(1) without loops whose length depends on the data (mispredicted
 * branches), and a mid-point insertion, what every miss of a scan does, only makes the lower list's
 * last way its head. Stamp comparisons measured 2-3x slower, moving ways in an ordered array ~1.5x
 * slower on random hits.
 *
 * A translation is tagged by the page-table pool entry holding its state (the PTE, or the table's
 * first entry for a 2 MiB PMD) and a huge bit: an entry belongs to one (address space, vpn) while
 * its table lives, and tables are released only after invalidateAsid(). Small integer tags keep the
 * per-page path free of doubles (a double passed to a call V8 does not inline is boxed: one
 * allocation per access). The set is still picked by the low vpn bits, as hardware indexes.
 *
 * The pool keeps, per PTE (or THP head entry), which CPUs cache it, so a miss is known without
 * scanning the set: for CPUs 0-7 the way caching it (4 bits each, so a hit is found without scanning
 * either, with one load for both answers), for CPUs 8-31 a presence bit; a slot's tag names its
 * entry, to clear them on eviction. A slot holds
 * tag*2 + writeOk in one Int32 (entries < 2^29, i.e. up to 2 TiB of touched memory): a hit or a
 * front insertion moves one array, not two.
 */
import type { PageTablePool } from './page-tables.js';

export const TLB_WAYS = 12;
/** CPUs whose way the pool keeps per entry (PageTablePool.tlbWay: 4 bits each, 0 = not cached, else way + 1). */
const WAY_CPUS = 8;
/** CPUs up to which the pool keeps presence (bits in PageTablePool.tlbMask from WAY_CPUS); misses on others scan their set. */
const MASK_CPUS = 32;

export class Tlb {
  readonly ways: number;
  readonly sets: number;
  /** Per slot tag*2 + writeOk, -1 when empty; the tag is entry*2 + huge (see probe()). Set s has slots [s*ways, (s+1)*ways). */
  private readonly slots: Int32Array;
  /** Per slot, the next and previous way of its list in recency order (circular: the last way precedes the head). */
  private readonly next: Uint8Array;
  private readonly prev: Uint8Array;
  /** Per slot, 1 when it is in the upper list (above the insertion point). */
  private readonly upper: Uint8Array;
  /** Per set, the heads of its upper list (logical position 0) and lower list (the insertion point). */
  private readonly uHead: Uint8Array;
  private readonly lHead: Uint8Array;
  /** sets-1 when sets is a power of two (mask instead of a division), else -1. */
  private readonly setMask: number;
  /** Logical position where a missed translation is inserted (the middle of the set): the upper list's length. */
  private readonly insertAt: number;
  /** Ways below the insertion point (ways - insertAt, ≥ 1). */
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
    const n = cpus * this.sets * this.ways;
    this.slots = new Int32Array(n).fill(-1);
    this.next = new Uint8Array(n);
    this.prev = new Uint8Array(n);
    this.upper = new Uint8Array(n);
    this.uHead = new Uint8Array(cpus * this.sets);
    this.lHead = new Uint8Array(cpus * this.sets);
    const up = (this.insertAt = this.ways >> 1);
    this.lower = this.ways - up;
    this.setMask = this.sets > 0 && (this.sets & (this.sets - 1)) === 0 ? this.sets - 1 : -1;
    // Way i at logical position i: ways [0, up) in the upper list, [up, ways) in the lower one.
    for (let set = 0; set < cpus * this.sets; set++) {
      const base = set * this.ways;
      for (let w = 0; w < this.ways; w++) {
        const [first, end] = w < up ? [0, up] : [up, this.ways];
        this.next[base + w] = w + 1 === end ? first : w + 1;
        this.prev[base + w] = w === first ? end - 1 : w - 1;
        this.upper[base + w] = w < up ? 1 : 0;
      }
      this.lHead[set] = up;
    }
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
    const slots = this.slots;
    const base = set * this.ways;
    if (cpu < WAY_CPUS) {
      const w = (this.pool.tlbWay[entry]! >>> (cpu * 4)) & 15;
      if (w === 0) return -1;
      const s = base + w - 1;
      // The entry's way holds this tag unless the entry is cached under its other one (4 KiB / 2 MiB).
      if (slots[s]! >> 1 === tag) {
        this.toFront(set, s);
        return s;
      }
    } else if (cpu < MASK_CPUS && (this.pool.tlbMask[entry]! & (1 << cpu)) === 0) return -1;
    return this.scan(set, tag);
  }

  /** probe() on a CPU whose ways the pool does not keep: the set's slot holding `tag`, moved to the front, or -1. */
  private scan(set: number, tag: number): number {
    const slots = this.slots;
    const base = set * this.ways;
    for (let s = base, end = base + this.ways; s < end; s++) {
      if (slots[s]! >> 1 === tag) {
        this.toFront(set, s);
        return s;
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
   * False when `cpu` certainly does not cache a translation with state in pool entry `entry`; true
   * when it may (always for CPUs without presence bits).
   */
  mayCache(cpu: number, entry: number): boolean {
    if (cpu < WAY_CPUS) return ((this.pool.tlbWay[entry]! >>> (cpu * 4)) & 15) !== 0;
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

  /** Moves slot s of the set to logical position 0. */
  private toFront(set: number, s: number): void {
    const base = set * this.ways;
    const w = s - base;
    if (this.upper[s] === 0) {
      if (this.insertAt > 0) this.promote(set, w);
      return;
    }
    const h = this.uHead[set]!;
    if (w === h) return;
    // Unlink, then link before the head (the circular list's last way precedes it).
    const next = this.next;
    const prev = this.prev;
    const n = next[s]!;
    const p = prev[s]!;
    next[base + p] = n;
    prev[base + n] = p;
    const t = prev[base + h]!;
    next[s] = h;
    prev[s] = t;
    next[base + t] = w;
    prev[base + h] = w;
    this.uHead[set] = w;
  }

  /** Moves way w of the lower list to logical position 0; the upper list's last way drops to the lower list's head. */
  private promote(set: number, w: number): void {
    const base = set * this.ways;
    const next = this.next;
    const prev = this.prev;
    const s = base + w;
    // Out of the lower list.
    const n = next[s]!;
    let lh = this.lHead[set]!;
    const alone = n === w;
    if (!alone) {
      const p = prev[s]!;
      next[base + p] = n;
      prev[base + n] = p;
      if (lh === w) lh = n;
    }
    // w takes the upper list's last way t's place there, then heads it.
    const h = this.uHead[set]!;
    const t = prev[base + h]!;
    if (t === h) {
      next[s] = w;
      prev[s] = w;
    } else {
      const tp = prev[base + t]!;
      next[base + tp] = w;
      prev[s] = tp;
      next[s] = h;
      prev[base + h] = w;
    }
    this.uHead[set] = w;
    // t heads the lower list.
    const st = base + t;
    if (alone) {
      next[st] = t;
      prev[st] = t;
    } else {
      const lt = prev[base + lh]!;
      next[base + lt] = t;
      prev[st] = lt;
      next[st] = lh;
      prev[base + lh] = t;
    }
    this.lHead[set] = t;
    this.upper[s] = 1;
    this.upper[st] = 0;
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
    const ways = this.pool.tlbWay;
    const base = set * this.ways;
    // The set's last way: the lower list's last; made its head (a rotation) it is the insertion point.
    const last = this.prev[base + this.lHead[set]!]!;
    const sl = base + last;
    const old = this.slots[sl]!;
    if (old !== -1) {
      if (cpu < WAY_CPUS) ways[old >> 2]! &= ~(15 << (cpu * 4));
      else if (cpu < MASK_CPUS) mask[old >> 2]! &= ~(1 << cpu);
    }
    if (reused && this.insertAt > 0) this.promote(set, last);
    else this.lHead[set] = last;
    this.slots[sl] = this.missTag * 2 + (writeOk ? 1 : 0);
    const entry = this.missTag >> 1;
    if (cpu < WAY_CPUS) ways[entry] = (ways[entry]! & ~(15 << (cpu * 4))) | ((last + 1) << (cpu * 4));
    else if (cpu < MASK_CPUS) mask[entry]! |= 1 << cpu;
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
        this.slots[s] = -1;
        this.toBack(set, s - base);
        held++;
        break;
      }
    }
    this.pool.tlbMask[entry] = 0;
    this.pool.tlbWay[entry] = 0;
    return held;
  }

  /** Moves way w of the set to the last logical position, the others keeping their order (rare: invalidations). */
  private toBack(set: number, w: number): void {
    const base = set * this.ways;
    const s = base + w;
    if (this.upper[s] === 1) {
      // Out of the upper list; the lower list's head rises to its end and w goes to the lower end.
      this.unlink(set, w, this.uHead);
      const lh = this.lHead[set]!;
      this.unlink(set, lh, this.lHead);
      this.append(set, lh, this.uHead);
      this.upper[base + lh] = 1;
      this.upper[s] = 0;
    } else this.unlink(set, w, this.lHead);
    this.append(set, w, this.lHead);
  }

  /** Removes way w from its list (heads[set] its head; left as is when w was alone: append() refills it). */
  private unlink(set: number, w: number, heads: Uint8Array): void {
    const base = set * this.ways;
    const n = this.next[base + w]!;
    if (n === w) {
      heads[set] = 255;
      return;
    }
    const p = this.prev[base + w]!;
    this.next[base + p] = n;
    this.prev[base + n] = p;
    if (heads[set] === w) heads[set] = n;
  }

  /** Links way w at the end of the list headed by heads[set] (255: empty). */
  private append(set: number, w: number, heads: Uint8Array): void {
    const base = set * this.ways;
    const h = heads[set]!;
    if (h === 255) {
      this.next[base + w] = w;
      this.prev[base + w] = w;
      heads[set] = w;
      return;
    }
    const t = this.prev[base + h]!;
    this.next[base + t] = w;
    this.prev[base + w] = t;
    this.next[base + w] = h;
    this.prev[base + h] = w;
  }

  /**
   * Drops every translation of an address space (process exit), found through the owner of each
   * tag's table: call it before the tables are released. Their presence (bits, ways) goes with the tables.
   */
  invalidateAsid(asid: number): void {
    const tableAsid = this.pool.tableAsid;
    for (let s = 0; s < this.slots.length; s++) {
      const v = this.slots[s]!;
      if (v >= 0 && tableAsid[v >> 11] === asid) this.slots[s] = -1;
    }
  }
}
