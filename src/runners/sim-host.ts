/**
 * The simulated system a virtual sysfs tree controls: one machine (optionally running a workload),
 * the contexts of the kdamonds that are on, and one virtual clock that drives them all (the core's
 * runVirtual with the machine as environment). The daemon advances it with the wall clock; a
 * script runs it only while a command waits for the kdamond (tried regions).
 */
import { Machine } from '../backends/sim/machine.js';
import type { Workload } from '../backends/sim/machine.js';
import type { MachineConfig } from '../backends/sim/config.js';
import type { DamonContext } from '../core/context.js';
import { runVirtual } from '../core/drivers.js';
import { registerSimOps } from '../ops/register.js';
import { bindSimContext } from './sim-context.js';

/** Frames accessed since the previous LRU scan become active: kswapd-like aging once per second. */
const LRU_SCAN_INTERVAL_US = 1_000_000;

export class SimHost {
  readonly machine: Machine;
  readonly contexts: DamonContext[] = [];
  /** Pid the next kdamond gets (kernel threads have pids too; these are above the machine's). */
  private nextKdamondPid = 90000;
  private lastLruScan = 0;

  constructor(opts: { machine?: Partial<MachineConfig>; workload?: Workload } = {}) {
    registerSimOps(); // the kdamonds of its tree are built with the simulated operations sets
    this.machine = new Machine(opts.machine ?? { memoryBytes: 1 << 30 });
    if (opts.workload) this.machine.addWorkload(opts.workload);
  }

  get now(): number {
    return this.machine.now;
  }

  allocKdamondPid(): number {
    return this.nextKdamondPid++;
  }

  /** Binds a kdamond's context to the machine and runs it with the others from now on. */
  startContext(ctx: DamonContext): void {
    bindSimContext(ctx, this.machine);
    this.contexts.push(ctx);
  }

  removeContext(ctx: DamonContext): void {
    const i = this.contexts.indexOf(ctx);
    if (i >= 0) this.contexts.splice(i, 1);
  }

  /** Runs the machine and the live contexts for `us` µs of virtual time. */
  advance(us: number): void {
    const until = this.machine.now + Math.max(1, Math.floor(us));
    const env = {
      advance: (from: number, to: number) => {
        this.machine.advance(from, to);
        if (to - this.lastLruScan >= LRU_SCAN_INTERVAL_US) {
          this.machine.lruScan();
          this.lastLruScan = to;
        }
      },
    };
    const live = this.contexts.filter((c) => !c.isStopped);
    if (live.length === 0) env.advance(this.machine.now, until);
    else runVirtual(live, env, until);
  }

  /** Advances in steps of `stepUs` until cond() holds or `limitUs` passed; returns cond(). */
  runUntil(cond: () => boolean, stepUs: number, limitUs: number): boolean {
    const end = this.machine.now + limitUs;
    while (!cond() && this.machine.now < end) this.advance(Math.min(stepUs, end - this.machine.now));
    return cond();
  }
}
