/**
 * Per-sample monitoring cost as the simulated address space grows: one process maps S bytes
 * (1 GiB .. 1 TiB) and touches 4096 pages spread evenly over it every sample; vaddr monitors it with
 * page_table and with page_fault (5 ms / 100 ms, nr_regions fixed at 1000 so that every size has the same work). The monitor's time per
 * sample (the core step with the ops' prepare/check, measured around beginSample/endSample) must
 * stay flat: it depends on the number of regions, not on the bytes they cover.
 */
import { Machine } from '../src/backends/sim/machine.js';
import { DamonContext } from '../src/core/context.js';
import { runVirtual } from '../src/core/drivers.js';
import { registerSimOps } from '../src/ops/register.js';
import { attachMachine } from '../src/ops/sim-binding.js';
import type { MachineView, MachineWorkload } from '../src/workloads/machine-view.js';

const PAGE = 4096;
const BASE = 0x100000000;

class Spread implements MachineWorkload {
  readonly name = 'spread';
  pid: number | undefined;
  constructor(readonly bytes: number) {}
  get mainPid() {
    return this.pid;
  }
  setup(m: MachineView): void {
    this.pid = m.createProcess('spread');
    m.mmap(this.pid, 0x1000, PAGE, { anon: false, prot: 'r' });
    m.mmap(this.pid, BASE, this.bytes, { anon: true, prot: 'rw' });
    m.mmap(this.pid, 0x7f0000000000, 16 * PAGE, { anon: true, prot: 'rw' });
  }
  run(m: MachineView): boolean {
    const stride = this.bytes / 4096;
    m.access(this.pid!, BASE, this.bytes, stride, 4096, false);
    return true;
  }
}

registerSimOps();
const rows: string[][] = [];
// The first size runs twice: the first run only warms the JIT up.
for (const [k, gib] of [1, 1, 16, 256, 1024].entries()) {
  for (const prim of ['page_table', 'page_fault'] as const) {
    const m = new Machine({ memoryBytes: 4 * 2 ** 30 });
    const w = new Spread(gib * 2 ** 30);
    m.addWorkload(w);
    const ctx = new DamonContext({
      ops: 'vaddr',
      attrs: { minNrRegions: 1000, maxNrRegions: 1000 },
      targets: [{ pid: w.pid! }],
      primitives: { pageTable: prim === 'page_table', pageFault: prim === 'page_fault' },
      seed: 1,
    });
    attachMachine(ctx, m);
    let monitorMs = 0;
    let machineMs = 0;
    const begin = ctx.beginSample.bind(ctx);
    const end = ctx.endSample.bind(ctx);
    ctx.beginSample = (t) => {
      const s = performance.now();
      const r = begin(t);
      monitorMs += performance.now() - s;
      return r;
    };
    ctx.endSample = (t) => {
      const s = performance.now();
      end(t);
      monitorMs += performance.now() - s;
    };
    const env = {
      advance(f: number, t: number) {
        const s = performance.now();
        m.advance(f, t);
        machineMs += performance.now() - s;
      },
    };
    runVirtual([ctx], env, 5_000_000); // 1000 samples
    const regions = ctx.targets[0]!.regions.length;
    if (k > 0)
      rows.push([
        `${gib} GiB`,
        prim,
        String(ctx.passedSampleIntervals),
        String(regions),
        ((monitorMs * 1000) / ctx.passedSampleIntervals).toFixed(1),
        ((machineMs * 1000) / ctx.passedSampleIntervals).toFixed(1),
      ]);
  }
}
const head = [
  'address space',
  'primitive',
  'samples',
  'regions at end',
  'monitor us/sample',
  'machine us/sample',
];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
for (const r of [head, ...rows]) console.log(r.map((c, i) => c.padStart(w[i]!)).join('  '));
