/** Built-in workloads on the real simulated machine (src/backends/sim). */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/backends/sim/machine.js';
import { getWorkload, listWorkloads } from '../../src/workloads/builtins.js';

describe('workloads on the simulated machine', () => {
  it('stairs: sets up its VMAs and issues exactly its access budget', () => {
    const m = new Machine({ accessesPerSecond: 1e6, seed: 3 });
    const w = getWorkload('stairs');
    m.addWorkload(w);
    expect(m.vmas(w.mainPid!)).toHaveLength(13); // text, heap, ten regions, stack
    for (let t = 0; t < 2_000_000; t += 5000) m.advance(t, t + 5000);
    expect(m.costs.accesses).toBe(2_000_000); // 2 s at 1e6/s
  });

  it('multi-process: the shared region maps the same frames in both processes', () => {
    const m = new Machine({ accessesPerSecond: 1e6, seed: 3 });
    const w = getWorkload('multi-process');
    m.addWorkload(w);
    for (let t = 0; t < 2_000_000; t += 5000) m.advance(t, t + 5000);
    const [a, b] = [w.mainPid!, w.mainPid! + 1];
    // text, heap, private, shared, stack
    const sharedA = m.vmas(a)[3]!;
    const sharedB = m.vmas(b)[3]!;
    expect(sharedA.anon || sharedB.anon).toBe(false);
    let same = 0;
    for (let off = 0; off < sharedA.end - sharedA.start; off += 4096) {
      const pa = m.translate(a, sharedA.start + off);
      if (pa >= 0 && pa === m.translate(b, sharedB.start + off)) same++;
    }
    expect(same).toBeGreaterThan(100);
  });

  it("every built-in runs on the machine, issuing its threads' budgets", () => {
    for (const { name } of listWorkloads()) {
      const m = new Machine({ accessesPerSecond: 1e6, seed: 5 });
      const w = getWorkload(name);
      m.addWorkload(w);
      for (let t = 0; t < 100_000; t += 5000) m.advance(t, t + 5000);
      // Busy threads: per-cpu's and numa's two workers, multi-process's two main threads, thread-pairs' four.
      const busy =
        name === 'thread-pairs'
          ? 4
          : name === 'per-cpu' || name === 'numa' || name === 'multi-process'
            ? 2
            : 1;
      // rw patterns issue floor(share / 2) read-write pairs per span: allow one access per pattern-span.
      const patterns = name === 'thread-pairs' ? 8 : 3;
      expect(m.costs.accesses, name).toBeLessThanOrEqual(busy * 100_000);
      expect(m.costs.accesses, name).toBeGreaterThanOrEqual(busy * 100_000 - patterns * 20);
    }
  });
});
