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
 * The pool keeps, per PTE (or THP head entry), a bitmask of the CPUs caching it, so a miss is known
 * without scanning the set; slots remember their entry to clear the bit on eviction.
 */
import type { PageTablePool } from './page-tables.js';

export const TLB_WAYS = 12;
/** CPUs whose presence bits the page-table pool keeps (misses on other CPUs scan their set). */
const MASK_CPUS = 32;

/**
 * Tag of a translation (vpn = key*512 + off): exact in a double while vpn < 2^35 and asid < 2^17.
 * A 2 MiB translation is tagged by its first vpn with the low bit set.
 */
function tagOf(asid: number, key: number, off: number, huge: boolean): number {
  return huge ? (key * 512 * 131072 + asid) * 2 + 1 : ((key * 512 + off) * 131072 + asid) * 2;
}

/** Low bits of the number that picks the set: vpn for 4 KiB, vpn/512 (= key) for 2 MiB translations. */
function setBitsOf(key: number, off: number, huge: boolean): number {
  return huge ? key & 0x3fffffff : ((key & 0x1fffff) << 9) | off;
}

export class Tlb {
  readonly ways: number;
  readonly sets: number;
  /** Tag per slot, -1 when empty; the ways of a set are contiguous, most recently used first. */
  private readonly tags: Float64Array;
  readonly writeOk: Uint8Array;
  /** Page-table pool entry (PTE or THP head) each slot translates, to clear its presence bit. */
  private readonly entries: Int32Array;
  /** sets-1 when sets is a power of two (mask instead of a division), else -1. */
  private readonly setMask: number;
  /** Position where a missed translation is inserted (the middle of the set). */
  private readonly insertAt: number;
  /** Set and tag of the last missing probe(); fill() inserts there. */
  private missBase = 0;
  private missTag = -1;
  private missEntry = -1;
  private missCpu = 0;

  constructor(
    readonly cpus: number,
    entries: number,
    private readonly pool: PageTablePool,
  ) {
    this.ways = Math.min(TLB_WAYS, entries);
    this.sets = this.ways === 0 ? 0 : Math.floor(entries / this.ways);
    const n = cpus * this.sets * this.ways;
    this.tags = new Float64Array(n).fill(-1);
    this.writeOk = new Uint8Array(n);
    this.entries = new Int32Array(n).fill(-1);
    this.insertAt = this.ways >> 1;
    this.setMask = this.sets > 0 && (this.sets & (this.sets - 1)) === 0 ? this.sets - 1 : -1;
  }

  get enabled(): boolean {
    return this.sets > 0;
  }

  /** First slot of the set picked by `low` (setBitsOf) on `cpu`: low vpn bits, as hardware indexes. */
  private setBase(cpu: number, low: number): number {
    return (cpu * this.sets + (this.setMask >= 0 ? low & this.setMask : low % this.sets)) * this.ways;
  }

  /**
   * Slot caching the translation of vpn key*512+off (pool state entry `entry`) on `cpu`, moved to
   * the front of its set, or -1; after a miss, fill() caches it.
   */
  probe(cpu: number, asid: number, key: number, off: number, huge: boolean, entry: number): number {
    const tag = tagOf(asid, key, off, huge);
    const base = this.setBase(cpu, setBitsOf(key, off, huge));
    this.missBase = base;
    this.missTag = tag;
    this.missEntry = entry;
    this.missCpu = cpu;
    if (cpu < MASK_CPUS && (this.pool.tlbMask[entry]! & (1 << cpu)) === 0) return -1;
    const tags = this.tags;
    for (let s = base, end = base + this.ways; s < end; s++) {
      if (tags[s] === tag) {
        if (s !== base) this.toFront(base, s);
        return base;
      }
    }
    return -1;
  }

  /** Moves way s of the set at base to the front (kept out of probe() so that probe inlines). */
  private toFront(base: number, s: number): void {
    const tag = this.tags[s]!;
    const w = this.writeOk[s]!;
    const entry = this.entries[s]!;
    this.shift(base, s);
    this.tags[base] = tag;
    this.writeOk[base] = w;
    this.entries[base] = entry;
  }

  /** Moves the ways [from, to) one place down (way `to` is overwritten). */
  private shift(from: number, to: number): void {
    const tags = this.tags;
    const wok = this.writeOk;
    const ent = this.entries;
    for (let j = to; j > from; j--) {
      tags[j] = tags[j - 1]!;
      wok[j] = wok[j - 1]!;
      ent[j] = ent[j - 1]!;
    }
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
    if (this.tags[last] !== -1 && cpu < MASK_CPUS) mask[this.entries[last]!]! &= ~(1 << cpu);
    const at = base + (reused ? 0 : this.insertAt);
    this.shift(at, last);
    this.tags[at] = this.missTag;
    this.writeOk[at] = writeOk ? 1 : 0;
    this.entries[at] = this.missEntry;
    if (cpu < MASK_CPUS) mask[this.missEntry]! |= 1 << cpu;
  }

  /** Drops a translation (pool state entry `entry`) from every CPU (invlpg / shootdown); returns on how many CPUs it was cached. */
  invalidate(asid: number, key: number, off: number, huge: boolean, entry: number): number {
    const tag = tagOf(asid, key, off, huge);
    let held = 0;
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const base = this.setBase(cpu, setBitsOf(key, off, huge));
      const end = base + this.ways;
      for (let s = base; s < end; s++) {
        if (this.tags[s] !== tag) continue;
        // Keep the order: the freed way becomes the least recently used.
        for (let j = s; j < end - 1; j++) {
          this.tags[j] = this.tags[j + 1]!;
          this.writeOk[j] = this.writeOk[j + 1]!;
          this.entries[j] = this.entries[j + 1]!;
        }
        this.tags[end - 1] = -1;
        held++;
        break;
      }
    }
    this.pool.tlbMask[entry] = 0;
    return held;
  }

  /** Drops every translation of an address space (process exit; its tables' presence bits go with them). */
  invalidateAsid(asid: number): void {
    for (let s = 0; s < this.tags.length; s++) {
      const k = this.tags[s]!;
      if (k >= 0 && Math.floor(k / 2) % 131072 === asid) this.tags[s] = -1;
    }
  }
}
