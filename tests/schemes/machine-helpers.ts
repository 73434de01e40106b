/** A simulated machine with a process and contexts whose ops sets carry the DAMOS actions. */
import { Machine } from '../../src/backends/sim/machine.js';
import { DamonContext } from '../../src/core/context.js';
import { hasOps, registerOps } from '../../src/core/ops-registry.js';
import type { OperationsSet } from '../../src/core/types.js';
import { schemeHandlers } from '../../src/ops/actions/index.js';
import { simOps } from '../../src/ops/register.js';
import { attachMachine } from '../../src/ops/sim-binding.js';

/** The simulated sets plus the DAMOS handlers, under test-only names (independent of src/ops wiring). */
for (const kind of ['vaddr', 'paddr'] as const) {
  const id = `damos-test-${kind}`;
  if (!hasOps(id))
    registerOps({ ...(simOps[kind] as OperationsSet), id, ...schemeHandlers(kind) } as OperationsSet);
}

export const MiB = 1 << 20;
export const BASE = 0x10000000;

/** 64 MiB machine on `nodes` nodes, one process with `mib` MiB of anonymous memory, all touched. */
export function machineWithProcess(opts: { nodes?: number; mib?: number; thp?: boolean } = {}) {
  const m = new Machine({
    memoryBytes: 64 * MiB,
    nodes: opts.nodes ?? 1,
    cpus: 2,
    thp: opts.thp ?? false,
    tlbEntries: 0,
  });
  const pid = m.createProcess('t');
  const len = (opts.mib ?? 4) * MiB;
  m.mmap(pid, BASE, len);
  m.access(pid, BASE, len, 4096, len / 4096, true);
  return { m, pid, len };
}

/** A context over the machine: vaddr on the process's range or paddr on all RAM, bound to the machine. */
export function damosCtx(
  m: Machine,
  kind: 'vaddr' | 'paddr',
  pid: number,
  start: number,
  end: number,
): DamonContext {
  const ctx = new DamonContext({
    ops: `damos-test-${kind}`,
    attrs: { sampleInterval: 1000, aggrInterval: 10000, minNrRegions: 3 },
    targets: [{ pid: kind === 'vaddr' ? pid : null, regions: [{ start, end }] }],
  });
  attachMachine(ctx, m);
  ctx.nextAggregationSis = 10;
  return ctx;
}

/** Runs one apply pass at the first aggregation boundary. */
export function applyOnce(ctx: DamonContext, run: () => void): void {
  ctx.passedSampleIntervals = 10;
  run();
}
