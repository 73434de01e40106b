/**
 * Per-CPU TLBs: set-associative (12 ways, as the x86 STLB), LRU replacement by access stamp, 4 KiB
 * and 2 MiB translations in the same array (tagged), so behaviour is deterministic. A cached
 * translation lets an access complete without a page walk: the Accessed bit is not set again, which
 * is why mkold without a flush misses TLB-resident pages. The entry also caches whether writes may
 * proceed without a walk (writable, not write-protected, already dirty).
 */
export const TLB_WAYS = 12;

/** Tag of a translation: exact in a double while vpn < 2^35 and asid < 2^17. */
export function tlbKey(asid: number, vpn: number, huge: boolean): number {
  return (vpn * 131072 + asid) * 2 + (huge ? 1 : 0);
}

export class Tlb {
  readonly ways: number;
  readonly sets: number;
  private readonly keys: Float64Array;
  private readonly stamps: Float64Array;
  readonly writeOk: Uint8Array;
  private readonly clock: Float64Array;
  /** sets-1 when sets is a power of two (mask instead of a division), else -1. */
  private readonly setMask: number;
  /** Slot chosen by the last missing probe(); fill() writes it. */
  private victim = 0;

  constructor(readonly cpus: number, entries: number) {
    this.ways = Math.min(TLB_WAYS, entries);
    this.sets = this.ways === 0 ? 0 : Math.floor(entries / this.ways);
    const n = cpus * this.sets * this.ways;
    this.keys = new Float64Array(n).fill(-1);
    this.stamps = new Float64Array(n);
    this.writeOk = new Uint8Array(n);
    this.clock = new Float64Array(cpus);
    this.setMask = this.sets > 0 && (this.sets & (this.sets - 1)) === 0 ? this.sets - 1 : -1;
  }

  get enabled(): boolean {
    return this.sets > 0;
  }

  /** First slot of the set holding `setVpn` on `cpu`: low vpn bits, as hardware indexes. */
  private setBase(cpu: number, setVpn: number): number {
    const low = setVpn & 0x3fffffff;
    return (cpu * this.sets + (this.setMask >= 0 ? low & this.setMask : low % this.sets)) * this.ways;
  }

  /**
   * Slot caching `key` on `cpu` (its LRU stamp refreshed), or -1 after choosing the set's least
   * recently used way as the victim for the next fill(). `setVpn`: vpn (4 KiB) or vpn/512 (2 MiB).
   */
  probe(cpu: number, key: number, setVpn: number): number {
    const base = this.setBase(cpu, setVpn);
    const keys = this.keys;
    const stamps = this.stamps;
    let victim = base;
    let oldest = stamps[base]!;
    for (let s = base, end = base + this.ways; s < end; s++) {
      if (keys[s] === key) {
        stamps[s] = ++this.clock[cpu]!;
        return s;
      }
      const st = stamps[s]!;
      if (st < oldest) {
        oldest = st;
        victim = s;
      }
    }
    this.victim = victim;
    return -1;
  }

  /** Caches `key` on `cpu` in the victim slot of the preceding missing probe() of the same key. */
  fill(cpu: number, key: number, writeOk: boolean): void {
    const s = this.victim;
    this.keys[s] = key;
    this.stamps[s] = ++this.clock[cpu]!;
    this.writeOk[s] = writeOk ? 1 : 0;
  }

  /** Drops `key` from every CPU (invlpg / shootdown); returns on how many CPUs it was cached. */
  invalidate(key: number, setVpn: number): number {
    let held = 0;
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const base = this.setBase(cpu, setVpn);
      for (let s = base, end = base + this.ways; s < end; s++) {
        if (this.keys[s] === key) {
          this.keys[s] = -1;
          this.stamps[s] = 0;
          held++;
        }
      }
    }
    return held;
  }

  /** Drops every translation of an address space (process exit). */
  invalidateAsid(asid: number): void {
    for (let s = 0; s < this.keys.length; s++) {
      const k = this.keys[s]!;
      if (k >= 0 && Math.floor(k / 2) % 131072 === asid) {
        this.keys[s] = -1;
        this.stamps[s] = 0;
      }
    }
  }
}
