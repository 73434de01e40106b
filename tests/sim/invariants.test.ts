import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Machine, PAGE_SIZE } from '../../src/backends/sim/machine.js';

const MiB = 1 << 20;
const A = 0x60000000;
const PAGES = 1024; // 4 MiB per VMA

type Op =
  | { k: 'access'; p: number; t: number; page: number; n: number; w: boolean; rnd: boolean }
  | { k: 'protect'; p: number; page: number; none: boolean }
  | { k: 'mkold'; p: number; page: number }
  | { k: 'unmap'; p: number; page: number }
  | { k: 'pageOut'; p: number; page: number }
  | { k: 'migrate'; p: number; page: number; node: number }
  | { k: 'lru' };

/** Mostly the first pages, so that operations often meet pages earlier accesses mapped. */
const pageArb = fc.oneof({ arbitrary: fc.nat(15), weight: 4 }, { arbitrary: fc.nat(PAGES - 1), weight: 1 });

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant('access' as const),
    p: fc.nat(2),
    t: fc.nat(1),
    page: pageArb,
    n: fc.integer({ min: 1, max: 700 }),
    w: fc.boolean(),
    rnd: fc.boolean(),
  }),
  fc.record({ k: fc.constant('protect' as const), p: fc.nat(2), page: pageArb, none: fc.boolean() }),
  fc.record({ k: fc.constant('mkold' as const), p: fc.nat(2), page: pageArb }),
  fc.record({ k: fc.constant('unmap' as const), p: fc.nat(2), page: pageArb }),
  fc.record({ k: fc.constant('pageOut' as const), p: fc.nat(2), page: pageArb }),
  fc.record({ k: fc.constant('migrate' as const), p: fc.nat(2), page: pageArb, node: fc.nat(1) }),
  fc.record({ k: fc.constant('lru' as const) }),
);

/**
 * Random sequences of accesses and memory-management operations on three processes (two of them
 * sharing a mapping, one with THP) keep the machine consistent: every present PTE's frame is
 * allocated and lists that mapping in its reverse map, per-node used counts equal the frames in
 * use, and a protection fault is reported exactly when the protected page is accessed.
 */
describe('machine invariants (property)', () => {
  it('page tables, reverse map and free lists stay consistent', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 60 }), (ops) => {
        const m = new Machine({ memoryBytes: 64 * MiB, nodes: 2, cpus: 2, thp: true, tlbEntries: 48 });
        const procs = [m.createProcess('a'), m.createProcess('b'), m.createProcess('c')];
        const threads = procs.map((p) => [p, m.createThread(p)]);
        m.mmap(procs[0]!, A, PAGES * PAGE_SIZE); // anon, THP-eligible
        m.mmap(procs[1]!, A, PAGES * PAGE_SIZE, { shared: 'shm' });
        m.mmap(procs[2]!, A, PAGES * PAGE_SIZE, { shared: 'shm' });
        let faults = 0;
        m.onDamonFault(() => faults++);
        for (const o of ops) {
          const pid = 'p' in o ? procs[o.p]! : 0;
          const va = 'page' in o ? A + o.page * PAGE_SIZE : 0;
          switch (o.k) {
            case 'access': {
              const len = Math.min(8, PAGES - o.page) * PAGE_SIZE;
              const tid = threads[o.p]![o.t]!;
              if (o.rnd) m.accessRandom(tid, va, len, 64, o.n, o.w);
              else m.access(tid, va, len, 64, o.n, o.w);
              break;
            }
            case 'protect': {
              const before = m.pte(pid, va);
              const f0 = faults;
              m.protect(pid, va, o.none ? 'none' : 'write');
              if (before?.present) {
                m.access(pid, va, PAGE_SIZE, 64, 1, true);
                expect(faults).toBe(f0 + 1);
              }
              break;
            }
            case 'mkold':
              m.mkold(pid, va);
              expect(m.young(pid, va).young).toBe(false);
              break;
            case 'unmap':
              m.unmap(pid, va);
              expect(m.translate(pid, va)).toBe(-1);
              break;
            case 'pageOut':
              m.pageOut(pid, va);
              expect(m.translate(pid, va)).toBe(-1);
              break;
            case 'migrate': {
              const pa = m.translate(pid, va);
              if (pa >= 0) {
                const nu = m.migratePhys(pa, o.node);
                if (nu >= 0) {
                  expect(m.nodeOf(nu)).toBe(o.node);
                  expect(m.translate(pid, va)).toBe(nu);
                }
              }
              break;
            }
            case 'lru':
              m.lruScan();
              break;
          }
        }
        // Every present PTE points at an allocated frame whose rmap lists it.
        const inUse = new Set<number>();
        for (const pid of procs) {
          for (let page = 0; page < PAGES; page++) {
            const pa = m.translate(pid, A + page * PAGE_SIZE);
            if (pa < 0) continue;
            const info = m.frameInfo(pa);
            expect(info).not.toBe(null);
            const headOff = pa - info!.head;
            expect(info!.mappings).toContainEqual({ tgid: pid, vaddr: A + page * PAGE_SIZE - headOff });
            inUse.add(pa / PAGE_SIZE);
          }
        }
        const stats = m.nodeStats();
        const used = stats.reduce((s, n) => s + n.usedFrames, 0);
        // Shared frames may stay allocated while unmapped (page cache); anonymous ones may not.
        expect(used).toBeGreaterThanOrEqual(inUse.size);
        const perNode = [0, 0];
        for (const pfn of inUse) perNode[m.nodeOf(pfn * PAGE_SIZE)]!++;
        stats.forEach((s, i) => {
          expect(s.usedFrames + s.freeFrames).toBe(s.totalFrames);
          expect(s.usedFrames).toBeGreaterThanOrEqual(perNode[i]!);
        });
        // After every process exits only page-cache frames remain.
        for (const pid of procs) m.exitProcess(pid);
        const left = m.nodeStats().reduce((s, n) => s + n.usedFrames, 0);
        for (let p = 0; p < (64 * MiB) / PAGE_SIZE && left > 0; p += 1) {
          const info = m.frameInfo(p * PAGE_SIZE);
          if (info) expect(info.fileBacked).toBe(true);
        }
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
