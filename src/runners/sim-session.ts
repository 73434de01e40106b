/**
 * A monitoring session on the simulated machine: contexts built from a kdamonds configuration,
 * bound to the machine (src/ops), recorded into a sink, and run on the core's virtual clock with
 * machine.advance as the environment, with each context's DAMOS schemes acting on the machine. The run ends when every context stopped (vaddr targets exit
 * with their workload), when the workloads finished, or at `untilUs`.
 */
import { Machine } from '../backends/sim/machine.js';
import type { MachineConfig } from '../backends/sim/config.js';
import { TraceWorkload } from '../backends/trace/trace-workload.js';
import type { DamonContext } from '../core/context.js';
import { runVirtual } from '../core/drivers.js';
import { schemeSupportOf } from '../ops/actions/index.js';
import { isWriteOnlyView, type ProtectionKind } from '../ops/sim-binding.js';
import { registerSimOps } from '../ops/register.js';
import { SchemesEngine } from '../schemes/engine.js';
import type { SampleFilter } from '../core/types.js';
import { sliceDataSource } from '../reports/sharing.js';
import { getWorkload, loadMasimWorkload } from '../workloads/builtins.js';
import type { MachineWorkload } from '../workloads/machine-view.js';
import type { KdamondsConfig } from '../config/schema.js';
import { schemesOfContextConfig } from '../config/scheme-specs.js';
import { contextsFromConfig } from './contexts.js';
import { bindSimContext } from './sim-context.js';
import { recordContext, type SnapshotSink } from './snapshot-recorder.js';

/** The built-in workload run when no target is given. */
export const DEFAULT_WORKLOAD = 'stairs';

/** A built-in name, a masim .cfg file, or (trace) a lackey/binary trace file. */
export function loadSimWorkload(spec: { workload?: string; trace?: string }): MachineWorkload {
  if (spec.trace !== undefined) return new TraceWorkload(spec.trace);
  const w = spec.workload ?? DEFAULT_WORKLOAD;
  return /\.cfg$/i.test(w) || w.includes('/') ? loadMasimWorkload(w) : getWorkload(w);
}

/**
 * The most kdamonds one simulated machine runs: each is a context sampling on every step, so
 * thousands would make a run crawl for hours (the kernel would start as many threads).
 */
export const MAX_SIM_KDAMONDS = 256;

export interface SimSessionOptions {
  config: KdamondsConfig;
  machine: Machine;
  sink?: SnapshotSink;
  /** page_fault protection of every context (default: per context, see SimOpsOptions). */
  protection?: ProtectionKind;
  seed?: number;
  dataSource?: string;
}

export class SimSession {
  readonly contexts: DamonContext[];
  readonly machine: Machine;
  /** The DAMOS engine of each context that has schemes (same index as contexts). */
  readonly schemes: (SchemesEngine | null)[];
  private readonly stops: (() => void)[] = [];

  constructor(o: SimSessionOptions) {
    const n = o.config.kdamonds.length;
    if (n > MAX_SIM_KDAMONDS)
      throw new Error(
        `kdamonds: the simulated machine runs at most ${MAX_SIM_KDAMONDS} kdamonds, the configuration has ${n}`,
      );
    registerSimOps();
    this.machine = o.machine;
    this.contexts = contextsFromConfig(o.config, { seed: o.seed ?? o.machine.config.seed });
    this.contexts.forEach((ctx, i) => {
      bindSimContext(ctx, o.machine, { protection: o.protection });
      const prim = ctx.primitives.pageFault ? 'page_fault' : 'page_table';
      // Readers of the record (report dirty, the exporter) tell write-only monitoring by this.
      const view = isWriteOnlyView(ctx.sampleFilters) ? ' write-only' : '';
      if (o.sink)
        this.stops.push(
          recordContext(ctx, o.sink, {
            kdamondIdx: i,
            dataSource:
              o.dataSource ?? sliceSource(`damon-ts sim ${ctx.ops.id} ${prim}${view}`, ctx.sampleFilters),
            ...(o.machine.config.nodes > 1 ? { numa: o.machine } : {}),
          }),
        );
    });
    const metrics = schemeSupportOf(o.machine).metrics;
    this.schemes = this.contexts.map((ctx, i) => {
      const specs = schemesOfContextConfig(o.config.kdamonds[i]!.contexts[0]!);
      return specs.length ? new SchemesEngine(ctx, specs, { metrics }) : null;
    });
  }

  get now(): number {
    return this.machine.now;
  }

  get done(): boolean {
    return this.contexts.every((c) => c.isStopped) || this.machine.workloadsFinished;
  }

  /**
   * Runs until `untilUs` or the end (see done), in steps of `stepUs` virtual µs, calling onStep
   * after each step (progress bars).
   */
  run(untilUs: number, opts: { stepUs?: number; onStep?: (nowUs: number) => void } = {}): void {
    const step = Math.max(1, opts.stepUs ?? 100_000);
    while (!this.done && this.machine.now < untilUs) {
      runVirtual(this.contexts, this.machine, Math.min(untilUs, this.machine.now + step));
      opts.onStep?.(this.machine.now);
    }
  }

  /** Stops every context (ops cleanup) and the recording. */
  stop(): void {
    for (const c of this.contexts) c.stop();
    for (const s of this.stops.splice(0)) s();
  }
}

/**
 * A context that sees one thread or one CPU only is that thread's (CPU's) slice: its data source
 * says so, which report sharing reads. Its filters then start with "reject what is not this thread
 * (CPU)", or are the narrowing form of the CLI (rejections of what does not match, then "allow"
 * this thread or CPU last).
 */
function sliceSource(base: string, filters: readonly SampleFilter[]): string {
  const first = filters[0];
  const last = filters[filters.length - 1];
  const narrowing = filters.slice(0, -1).every((f) => !f.matching && !f.allow);
  const f =
    first && !first.matching && !first.allow
      ? first
      : last?.matching && last.allow && narrowing
        ? last
        : null;
  if (f?.type === 'threads' && f.tids.length === 1) return sliceDataSource(base, 'thread', f.tids[0]!);
  if (f?.type === 'cpumask' && f.cpus.length === 1) return sliceDataSource(base, 'cpu', f.cpus[0]!);
  return base;
}

/** A machine with a workload added (its processes and VMAs exist, so mainPid is known). */
export function machineWithWorkload(w: MachineWorkload, config: Partial<MachineConfig> = {}): Machine {
  const m = new Machine(config);
  m.addWorkload(w);
  return m;
}
