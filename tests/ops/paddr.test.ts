import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/backends/sim/machine.js';
import { DamonContext } from '../../src/core/context.js';
import { runVirtual } from '../../src/core/drivers.js';
import { registerSimOps } from '../../src/ops/register.js';
import { attachMachine } from '../../src/ops/sim-binding.js';
import { A, PAGE, TouchWorkload } from './helpers.js';

function paddrRun(pageFault: boolean, opsName = 'paddr') {
  registerSimOps();
  const m = new Machine({ memoryBytes: 64 << 20, tlbEntries: 0 });
  const w = new TouchWorkload([{ region: A, write: true, thread: 0 }]);
  m.addWorkload(w);
  m.advance(0, 1000); // fault the pages in
  const hot = m.translate(w.pid!, A);
  expect(hot).toBeGreaterThanOrEqual(0);
  const cold = (hot + (32 << 20)) % (64 << 20);
  const ctx = new DamonContext({
    ops: opsName,
    attrs: { sampleInterval: 5000, aggrInterval: 100000 },
    targets: [
      {
        pid: null,
        regions: [
          { start: Math.min(hot, cold), end: Math.min(hot, cold) + PAGE },
          { start: Math.max(hot, cold), end: Math.max(hot, cold) + PAGE },
        ],
      },
    ],
    ...(pageFault ? { primitives: { pageFault: true } } : {}),
  });
  attachMachine(ctx, m);
  ctx.now = m.now; // start the context at the machine's time
  const seen: Map<number, number>[] = [];
  ctx.onAggregated(({ targets }) => {
    const r = targets[0]!.regions;
    const x = new Map<number, number>();
    for (let i = 0; i < r.length; i++) x.set(r.start[i]!, r.nrAccesses[i]!);
    seen.push(x);
  });
  runVirtual([ctx], m, 1000 + 300000);
  return { ctx, m, hot, cold, seen: seen.slice(1) };
}

describe('paddr on the simulated machine', () => {
  for (const pf of [false, true]) {
    it(`${pf ? 'page_fault' : 'page_table'}: the touched frame reaches 20, an unused frame stays 0`, () => {
      const r = paddrRun(pf);
      expect(r.seen.length).toBeGreaterThanOrEqual(1);
      for (const x of r.seen) {
        expect(x.get(r.hot)).toBe(20);
        expect(x.get(r.cold)).toBe(0);
      }
      if (pf) expect(r.m.costs.protectionChanges).toBeGreaterThan(0);
      else expect(r.m.costs.mkold).toBeGreaterThan(0);
    });
  }

  it('paddr_fault is paddr with the page_fault primitive', () => {
    const r = paddrRun(false, 'paddr_fault');
    expect(r.ctx.ops.id).toBe('paddr');
    expect(r.ctx.primitives).toEqual({ pageTable: false, pageFault: true });
    for (const x of r.seen) expect(x.get(r.hot)).toBe(20);
  });

  it('targets without regions get the whole simulated RAM', () => {
    registerSimOps();
    const m = new Machine({ memoryBytes: 64 << 20 });
    const ctx = new DamonContext({ ops: 'paddr', targets: [{ pid: null }] });
    attachMachine(ctx, m);
    ctx.start(0);
    const r = ctx.targets[0]!.regions;
    expect(r.start[0]).toBe(0);
    expect(r.end[r.length - 1]).toBe(64 << 20);
  });

  it('an unbound context fails with a message saying what to do', () => {
    registerSimOps();
    const ctx = new DamonContext({ ops: 'paddr', targets: [{ pid: null }] });
    expect(() => ctx.start(0)).toThrow(/attachMachine/);
  });
});
