import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageTablePool } from '../../src/backends/sim/page-tables.js';
import { Tlb, TLB_WAYS } from '../../src/backends/sim/tlb.js';

/**
 * The TLB keeps each set's order as two linked lists (above and below the insertion point), finds
 * a CPU's translation through the way its pool entry records, and tags translations by entry; this
 * checks it against the plain model of docs/machine.md: every set an ordered list, most recently
 * used first, a hit moves to the front, a miss inserts at the middle (front when re-used) and
 * evicts the last, an invalidation removes and leaves the freed way last.
 */
class ModelTlb {
  readonly sets: number[][][];
  constructor(
    readonly cpus: number,
    readonly ways: number,
    readonly nSets: number,
  ) {
    this.sets = Array.from({ length: cpus }, () =>
      Array.from({ length: nSets }, () => new Array<number>(ways).fill(-1)),
    );
  }
  set(cpu: number, key: number, off: number, huge: boolean): number[] {
    const low = huge ? key & 0x3fffffff : ((key & 0x1fffff) << 9) | off;
    return this.sets[cpu]![low % this.nSets]!;
  }
  /** True on a hit (moved to the front); on a miss, inserts `value`. */
  access(
    cpu: number,
    key: number,
    off: number,
    huge: boolean,
    tag: number,
    value: number,
    reused: boolean,
  ): boolean {
    const s = this.set(cpu, key, off, huge);
    const i = s.findIndex((v) => v >= 0 && v >> 1 === tag);
    if (i >= 0) {
      s.unshift(...s.splice(i, 1));
      return true;
    }
    s.pop();
    s.splice(reused ? 0 : this.ways >> 1, 0, value);
    return false;
  }
  invalidate(key: number, off: number, huge: boolean, tag: number): number {
    let held = 0;
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      const s = this.set(cpu, key, off, huge);
      const i = s.findIndex((v) => v >= 0 && v >> 1 === tag);
      if (i >= 0) {
        s.splice(i, 1);
        s.push(-1);
        held++;
      }
    }
    return held;
  }
}

type Op =
  | { k: 'access'; cpu: number; t: number; off: number; reused: boolean; writeOk: boolean; write: boolean }
  | { k: 'invalidate'; t: number; off: number };

const TABLES = 6;
/** Tables 0..3 map 4 KiB pages, 4..5 are PMD-mapped (2 MiB translations, tagged by their head). */
const isHuge = (t: number) => t >= 4;
const KEY0 = 0x3f8000; // table key of the first table: vpn 0x7f0000000

describe('TLB replacement', () => {
  it('matches the ordered-list model for hits, misses, write permission and presence bits', () => {
    const cfg = fc.record({
      entries: fc.constantFrom(1, 2, 5, 13, 37, 96, 1536),
      // CPUs 0-7 keep their way per entry, 8-31 a presence bit, from 32 on neither (set scans).
      cpus: fc.constantFrom(1, 2, 3, 10, 34),
    });
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          k: fc.constant('access' as const),
          cpu: fc.oneof(fc.nat(2), fc.nat(33)),
          t: fc.nat(TABLES - 1),
          // Few offsets per set: sets fill up and evict.
          off: fc.oneof(fc.nat(40), fc.nat(511)),
          reused: fc.boolean(),
          writeOk: fc.boolean(),
          write: fc.boolean(),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          k: fc.constant('invalidate' as const),
          t: fc.nat(TABLES - 1),
          off: fc.nat(40),
        }),
      },
    );
    fc.assert(
      fc.property(cfg, fc.array(op, { maxLength: 400 }), ({ entries, cpus }, ops) => {
        const pool = new PageTablePool();
        for (let t = 0; t < TABLES; t++) pool.allocTable(1, (KEY0 + t) * 512);
        const tlb = new Tlb(cpus, entries, pool);
        const ways = Math.min(TLB_WAYS, entries);
        const model = new ModelTlb(cpus, ways, Math.floor(entries / ways));
        for (const o of ops) {
          const huge = isHuge(o.t);
          const off = huge ? 0 : o.off;
          const entry = o.t * 512 + off;
          const tag = entry * 2 + (huge ? 1 : 0);
          if (o.k === 'invalidate') {
            expect(tlb.invalidate(KEY0 + o.t, off, huge, entry)).toBe(
              model.invalidate(KEY0 + o.t, off, huge, tag),
            );
            continue;
          }
          const cpu = o.cpu % cpus;
          const slot = tlb.probe(cpu, KEY0 + o.t, off, huge, entry);
          const hit = model.access(cpu, KEY0 + o.t, off, huge, tag, tag * 2 + (o.writeOk ? 1 : 0), o.reused);
          expect(slot >= 0).toBe(hit);
          if (slot < 0) tlb.fill(o.writeOk, o.reused);
          else {
            const front = model.set(cpu, KEY0 + o.t, off, huge);
            expect(tlb.writeOk(slot)).toBe((front[0]! & 1) === 1);
            if (o.write) {
              tlb.setWriteOk(slot, o.writeOk);
              front[0] = tag * 2 + (o.writeOk ? 1 : 0);
            }
          }
        }
        // Presence (ways, bits): set exactly for the entries a CPU's sets hold.
        const held = model.sets.map(
          (sets) =>
            new Set(
              sets
                .flat()
                .filter((v) => v >= 0)
                .map((v) => v >> 2),
            ),
        );
        // (CPUs from 32 on keep none: mayCache() is always true there.)
        for (let cpu = 0; cpu < Math.min(cpus, 32); cpu++) {
          const cached: number[] = [];
          for (let e = 0; e < TABLES * 512; e++) if (tlb.mayCache(cpu, e)) cached.push(e);
          expect(cached).toEqual([...held[cpu]!].sort((a, b) => a - b));
        }
      }),
      { seed: 20261126, numRuns: 150 },
    );
  });
});
