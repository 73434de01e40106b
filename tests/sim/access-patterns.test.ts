import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Machine, PAGE_SIZE } from '../../src/backends/sim/machine.js';

const MiB = 1 << 20;
const A = 0x50000000;

/** Every page's first access index for `count` accesses at start + (i*stride mod length). */
function bruteForce(start: number, length: number, stride: number, count: number): Map<number, number> {
  const first = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const a = start + ((i * stride) % length);
    const vpn = Math.floor(a / PAGE_SIZE);
    if (!first.has(vpn)) first.set(vpn, i);
  }
  return first;
}

describe('sequential batches', () => {
  it('touch exactly the pages a per-access loop touches, first at the same access (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 * PAGE_SIZE }),
        fc.integer({ min: 1, max: 24 * PAGE_SIZE }),
        fc.oneof(
          fc.integer({ min: 1, max: 200 }),
          fc.integer({ min: 1, max: 3 * PAGE_SIZE }),
          fc.constantFrom(64, 4096, 8192),
        ),
        fc.integer({ min: 0, max: 3000 }),
        (off, length, stride, count) => {
          const m = new Machine({ memoryBytes: 8 * MiB, accessesPerSecond: 1e6, tlbEntries: 0 });
          const pid = m.createProcess();
          m.mmap(pid, A, MiB);
          const start = A + off;
          const pages = Math.ceil((off + length) / PAGE_SIZE);
          m.access(pid, A, pages * PAGE_SIZE, PAGE_SIZE, pages, false);
          for (let p = 0; p < pages; p++) m.protect(pid, A + p * PAGE_SIZE, 'none');
          const got = new Map<number, [number, number]>();
          m.onDamonFault((r) => got.set(Math.floor(r.vaddr / PAGE_SIZE), [r.time, r.vaddr]));
          m.addWorkload({
            name: 'p',
            setup: () => undefined,
            run: (mm) => (mm.access(pid, start, length, stride, count, false), false),
          });
          m.advance(0, 1e9);
          const want = bruteForce(start, length, stride, count);
          expect([...got.keys()].sort((x, y) => x - y)).toEqual([...want.keys()].sort((x, y) => x - y));
          for (const [vpn, i] of want) {
            expect(got.get(vpn)).toEqual([i, start + ((i * stride) % length)]);
          }
          expect(m.costs.pageTouches).toBe(pages + want.size);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });
});

describe('random batches', () => {
  function distinctFraction(units: number, count: number, seed: number): number {
    const m = new Machine({ memoryBytes: 16 * MiB, tlbEntries: 0, seed });
    const pid = m.createProcess();
    m.mmap(pid, A, units * PAGE_SIZE);
    m.accessRandom(pid, A, units * PAGE_SIZE, 64, count, true);
    expect(m.costs.accesses).toBe(count);
    return m.costs.minorFaults / units;
  }

  it('stay inside the range and touch each page at most once per batch', () => {
    const m = new Machine({ memoryBytes: 16 * MiB, tlbEntries: 0 });
    const pid = m.createProcess();
    m.mmap(pid, A, 2 * MiB);
    m.accessRandom(pid, A + 100 * PAGE_SIZE, 50 * PAGE_SIZE, 64, 1_000_000, false);
    expect(m.costs.pageTouches).toBe(50);
    for (let p = 0; p < 512; p++) expect(m.translate(pid, A + p * PAGE_SIZE) >= 0).toBe(p >= 100 && p < 150);
  });

  it('touch as many distinct pages as uniform draws would (coupon collector and direct paths)', () => {
    const mean = (count: number) => {
      let s = 0;
      for (let seed = 1; seed <= 8; seed++) s += distinctFraction(2000, count, seed);
      return s / 8;
    };
    // Expected distinct fraction after c draws over n units: 1 - (1 - 1/n)^c.
    expect(mean(2000)).toBeCloseTo(1 - Math.exp(-1), 2);
    expect(mean(1000)).toBeCloseTo(1 - Math.exp(-0.5), 2);
    expect(mean(6000)).toBeCloseTo(1 - Math.exp(-3), 2);
  });

  it('with strides above the page size pick whole slots', () => {
    const m = new Machine({ memoryBytes: 16 * MiB, tlbEntries: 0 });
    const pid = m.createProcess();
    m.mmap(pid, A, 4 * MiB);
    m.accessRandom(pid, A, 4 * MiB, 64 * 1024, 10_000, false);
    expect(m.costs.pageTouches).toBe(64);
    expect(m.translate(pid, A + PAGE_SIZE)).toBe(-1);
  });
});
