/** Memory of the core state for 10,000 regions (goal: under 5 MB), measured with gc + memoryUsage. */
import { DamonContext } from '../src/core/context.js';
import { registerOps } from '../src/core/ops-registry.js';

registerOps({ id: 'bench-memory' });
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench does)');

function used(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function build(reportCapacity: number): { ctx: DamonContext; bytes: number } {
  const before = used();
  const ctx = new DamonContext({
    ops: 'bench-memory',
    attrs: { sampleInterval: 5000, aggrInterval: 100000, minNrRegions: 10000, maxNrRegions: 10000 },
    targets: [{ regions: [{ start: 0, end: 10000 * 2 ** 20 }] }],
    reportCapacity,
  });
  // Run through several aggregations so the scratch lists and lookup tables exist too.
  for (let s = 0; s < 60; s++) {
    ctx.beginSample(s * 5000);
    ctx.reportAccess({
      paddr: s * 2 ** 22,
      vaddr: 0,
      size: 1,
      cpu: 0,
      tid: 1,
      tgid: 1,
      isWrite: false,
      time: s * 5000 + 1,
    });
    ctx.endSample((s + 1) * 5000);
  }
  return { ctx, bytes: used() - before };
}

const rows = [1000, 1 << 15, 1 << 16].map((cap) => {
  const { ctx, bytes } = build(cap);
  return {
    'report capacity': cap,
    regions: ctx.targets[0]!.regions.length,
    'region capacity': ctx.targets[0]!.regions.capacity,
    'MB (heap + array buffers)': (bytes / 1e6).toFixed(2),
  };
});
console.log('core state for 10,000 regions (goal < 5 MB)');
console.table(rows);
