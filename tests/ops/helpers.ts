import { Machine } from '../../src/backends/sim/machine.js';
import type { MachineConfig } from '../../src/backends/sim/config.js';
import { DamonContext, type ContextOptions } from '../../src/core/context.js';
import { runVirtual } from '../../src/core/drivers.js';
import { attachMachine, type SimBinding, type SimOpsOptions } from '../../src/ops/sim-binding.js';
import { registerSimOps } from '../../src/ops/register.js';
import type { MachineView, MachineWorkload } from '../../src/workloads/machine-view.js';

export const PAGE = 4096;
export const A = 0x10000000; // region A: 16 pages
export const B = 0x20000000; // region B: 16 pages
export const SPAN = 16 * PAGE;

export interface Touch {
  region: number;
  write: boolean;
  thread: number; // index into the workload's threads
}

/** One process; threads pinned to CPUs; every run() call touches each listed region's pages once, in order. */
export class TouchWorkload implements MachineWorkload {
  readonly name = 'touch';
  pid: number | undefined;
  tids: number[] = [];
  constructor(
    readonly touches: Touch[],
    readonly cpus: number[] = [0],
    /** The process exits at this time (none: runs forever). */
    readonly endUs?: number,
  ) {}
  get mainPid() {
    return this.pid;
  }
  setup(m: MachineView): void {
    this.pid = m.createProcess('touch');
    m.mmap(this.pid, 0x1000, PAGE, { anon: false, prot: 'r' });
    m.mmap(this.pid, A, SPAN, { anon: true, prot: 'rw' });
    m.mmap(this.pid, B, SPAN, { anon: true, prot: 'rw' });
    m.mmap(this.pid, 0x7f0000000000, PAGE * 4, { anon: true, prot: 'rw' });
    m.setThreadCpu(this.pid, this.cpus[0]!);
    this.tids = [this.pid, ...this.cpus.slice(1).map((cpu) => m.createThread(this.pid!, { cpu }))];
  }
  run(m: MachineView, fromUs: number): boolean {
    if (this.endUs !== undefined && fromUs >= this.endUs) {
      m.exitProcess(this.pid!);
      return false;
    }
    for (const t of this.touches) m.access(this.tids[t.thread]!, t.region, SPAN, PAGE, SPAN / PAGE, t.write);
    return true;
  }
}

export interface Run {
  machine: Machine;
  ctx: DamonContext;
  binding: SimBinding;
  /** nr_accesses of the regions inside A and inside B at each aggregation (all regions of each). */
  windows: { a: number[]; b: number[]; overlapA: number[] }[];
}

/** Runs one context on a machine with the workload for `aggrs` aggregation windows (5 ms / 100 ms). */
export function runOn(
  w: TouchWorkload,
  ctxOpts: Omit<ContextOptions, 'targets'>,
  opts: { machine?: Partial<MachineConfig>; sim?: SimOpsOptions; aggrs?: number; noRegions?: boolean } = {},
): Run {
  registerSimOps();
  const machine = new Machine({ memoryBytes: 64 << 20, tlbEntries: 0, ...opts.machine });
  machine.addWorkload(w);
  const ctx = new DamonContext({
    attrs: { sampleInterval: 5000, aggrInterval: 100000, minNrRegions: 3, maxNrRegions: 8 },
    targets: [
      {
        pid: w.pid!,
        regions: opts.noRegions
          ? []
          : [
              { start: A, end: A + SPAN },
              { start: B, end: B + SPAN },
            ],
      },
    ],
    seed: 7,
    ...ctxOpts,
  });
  const binding = attachMachine(ctx, machine, opts.sim);
  const windows: Run['windows'] = [];
  ctx.onAggregated(({ targets }) => {
    const r = targets[0]!.regions;
    const a: number[] = [];
    const b: number[] = [];
    const overlapA: number[] = [];
    for (let i = 0; i < r.length; i++) {
      if (r.start[i]! >= A && r.end[i]! <= A + SPAN) a.push(r.nrAccesses[i]!);
      if (r.start[i]! >= B && r.end[i]! <= B + SPAN) b.push(r.nrAccesses[i]!);
      if (r.start[i]! < A + SPAN && r.end[i]! > A) overlapA.push(r.nrAccesses[i]!);
    }
    windows.push({ a, b, overlapA });
  });
  runVirtual([ctx], machine, (opts.aggrs ?? 3) * 100000);
  return { machine, ctx, binding, windows };
}

/** Windows after the first (the first sample has no prepared check yet). */
export function steady(r: Run): Run['windows'] {
  return r.windows.slice(1);
}
