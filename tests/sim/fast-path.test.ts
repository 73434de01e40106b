import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Machine, PAGE_SIZE } from '../../src/backends/sim/machine.js';
import type { AccessReport } from '../../src/core/types.js';

/**
 * Sequential batches take an inlined per-page path when ground truth is off; with it on, every page
 * goes through the general touch. Both must leave the same machine: same costs (TLB hits, walks,
 * faults), same protection-fault reports, same PTEs, same errors.
 */
const A = 0x7f0000000000 - 3 * PAGE_SIZE; // not 2 MiB-aligned: runs cross table boundaries
const PAGES = 2048;
const RO = A + PAGES * PAGE_SIZE + 16 * PAGE_SIZE;

type Op =
  | {
      k: 'access';
      page: number;
      off: number;
      len: number;
      stride: number;
      count: number;
      w: boolean;
      ro: boolean;
    }
  | { k: 'protect'; page: number; n: number; none: boolean }
  | { k: 'mkold'; page: number; n: number }
  | { k: 'unmap'; page: number }
  | { k: 'pageOut'; page: number };

const page = fc.nat(PAGES - 1);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      k: fc.constant('access' as const),
      page,
      off: fc.nat(PAGE_SIZE - 1),
      len: fc.integer({ min: 1, max: 1200 * PAGE_SIZE }),
      stride: fc.constantFrom(1, 8, 64, 100, 2048, 4096),
      count: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 2_000_000 })),
      w: fc.boolean(),
      ro: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('protect' as const),
      page,
      n: fc.integer({ min: 1, max: 64 }),
      none: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('mkold' as const), page, n: fc.integer({ min: 1, max: 64 }) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('unmap' as const), page }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('pageOut' as const), page }) },
);

function run(m: Machine, ops: Op[]): unknown {
  const reports: AccessReport[] = [];
  m.onDamonFault((r) => reports.push(r));
  const pid = m.createProcess('p');
  const tid2 = m.createThread(pid, { cpu: 1 });
  m.mmap(pid, A, PAGES * PAGE_SIZE);
  m.mmap(pid, RO, 64 * PAGE_SIZE, { prot: 'r' });
  // Half the pages present from the start, so that runs meet both present pages and first touches.
  m.access(pid, A, (PAGES / 2) * PAGE_SIZE, PAGE_SIZE, PAGES / 2, false);
  const errors: string[] = [];
  let last = { tid: pid, start: A, end: A };
  ops.forEach((o, i) => {
    try {
      if (o.k === 'access') {
        const start = o.ro ? RO + (o.page % 64) * PAGE_SIZE + o.off : A + o.page * PAGE_SIZE + o.off;
        const end = o.ro ? RO + 64 * PAGE_SIZE : A + PAGES * PAGE_SIZE;
        const len = Math.min(o.len, end - start);
        last = { tid: i % 3 === 0 ? tid2 : pid, start, end: start + len };
        m.access(last.tid, start, len, o.stride, o.count, o.w);
      } else if (o.k === 'protect') {
        for (let p = o.page; p < Math.min(PAGES, o.page + o.n); p++)
          m.protect(pid, A + p * PAGE_SIZE, o.none ? 'none' : 'write');
      } else if (o.k === 'mkold') {
        for (let p = o.page; p < Math.min(PAGES, o.page + o.n); p++) m.mkold(pid, A + p * PAGE_SIZE);
      } else if (o.k === 'unmap') m.unmap(pid, A + o.page * PAGE_SIZE);
      else m.pageOut(pid, A + o.page * PAGE_SIZE);
    } catch (e) {
      errors.push(`${i}: ${(e as Error).message}`);
    }
  });
  // Single-page touches reveal which translations the TLBs hold (hits vs walks): first the last
  // batch's pages newest first (a later miss would evict what the batch left), then all pages.
  const hits = m.costs.tlbHits;
  for (let a = last.end - 1; a >= last.start; a -= PAGE_SIZE) m.access(last.tid, a, 1, 1, 1, false);
  for (const tid of [pid, tid2])
    for (let p = PAGES - 1; p >= 0; p--) m.access(tid, A + p * PAGE_SIZE, 1, 1, 1, false);
  const sweepHits = m.costs.tlbHits - hits;
  const ptes = [];
  for (let p = 0; p < PAGES; p++) ptes.push(m.pte(pid, A + p * PAGE_SIZE));
  return { costs: { ...m.costs }, reports, errors, ptes, sweepHits };
}

describe('sequential fast path', () => {
  it('leaves the machine as the general per-page path does', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom(0, 5, 24, 1536),
        fc.array(op, { maxLength: 40 }),
        (thp, tlbEntries, ops) => {
          const base = { memoryBytes: 64 << 20, cpus: 2, thp, tlbEntries };
          const fast = run(new Machine(base), ops);
          const general = run(
            new Machine({ ...base, groundTruth: { intervalUs: 1000, windowUs: 10000 } }),
            ops,
          );
          expect(fast).toEqual(general);
        },
      ),
      { seed: 20261126, numRuns: 60 },
    );
  });

  it('caches what a long run of TLB misses leaves, around the number of misses a set keeps', () => {
    // Set geometry: 5 entries = 1 set of 5 ways (2 above the insertion point, 3 below); 24 = 2 sets
    // of 12; 1536 = 128 sets of 12. A run keeps its last (ways below the insertion point) x sets
    // misses, or ways x sets when re-used (64 B stride).
    for (const tlbEntries of [5, 24, 1536]) {
      const sets = Math.floor(tlbEntries / Math.min(12, tlbEntries));
      const ways = tlbEntries / sets;
      for (const kept of [ways - (ways >> 1), ways]) {
        for (const pages of [kept * sets - 1, kept * sets, kept * sets + 1, 2 * kept * sets + 3]) {
          const ops: Op[] = [
            {
              k: 'access',
              page: 5,
              off: 0,
              len: pages * PAGE_SIZE,
              stride: kept === ways ? 64 : PAGE_SIZE,
              count: kept === ways ? (pages * PAGE_SIZE) / 64 : pages,
              w: false,
              ro: false,
            },
          ];
          const base = { memoryBytes: 64 << 20, cpus: 2, tlbEntries };
          const fast = run(new Machine(base), ops);
          const general = run(
            new Machine({ ...base, groundTruth: { intervalUs: 1000, windowUs: 10000 } }),
            ops,
          );
          expect(fast, `${tlbEntries} entries, ${pages} pages`).toEqual(general);
        }
      }
    }
  });
});
