import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/core/prng.js';
import { Machine, PAGE_SIZE } from '../../src/backends/sim/machine.js';

const MiB = 1 << 20;
const A = 0x50000000;

/**
 * accessRandom() of one access steps the machine's PRNG inline (src/backends/sim/access.ts); this
 * checks it draws exactly Prng.rand(0, slots), sharing the state with the batched paths that call
 * Prng itself.
 * Each access's page is unmapped afterwards, so the page made present names the draw.
 */
describe('random single accesses', () => {
  it('draw the same sequence as Prng.rand, interleaved with batched draws', () => {
    const seed = 77;
    const m = new Machine({ memoryBytes: 64 * MiB, seed });
    const ref = new Prng(seed);
    const pid = m.createProcess('t');
    const pages = 1000;
    m.mmap(pid, A, pages * PAGE_SIZE);
    const big = A + 0x100000000;
    m.mmap(pid, big, 2 ** 33); // 2^33 slots of one byte: the draw above 32 bits (Prng.rand itself)
    for (let k = 0; k < 300; k++) {
      const [start, length, stride] = k % 3 === 2 ? [big, 2 ** 33, 1] : [A, pages * PAGE_SIZE, PAGE_SIZE];
      const want = start + ref.rand(0, length / stride) * stride;
      const faults = m.costs.minorFaults;
      m.accessRandom(pid, start, length, stride, 1, k % 2 === 0);
      expect(m.costs.minorFaults).toBe(faults + 1);
      expect(m.pte(pid, want)?.present).toBe(true);
      m.unmap(pid, want);
      if (k % 10 === 0) {
        // Three draws over 1000 pages: the plain per-access loop of accessRandomMany (Prng.rand).
        m.accessRandom(pid, A, pages * PAGE_SIZE, PAGE_SIZE, 3, false);
        const drawn = [0, 1, 2].map(() => A + ref.rand(0, pages) * PAGE_SIZE);
        for (const a of drawn) expect(m.pte(pid, a)?.present).toBe(true);
        for (const a of drawn) m.unmap(pid, a);
      }
    }
  });
});
