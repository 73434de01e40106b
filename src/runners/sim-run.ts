/**
 * One simulated run set up from damo's monitoring options: the workload on a fresh machine, the
 * options expanded into a kdamonds configuration against that machine (its main process as the
 * vaddr target, its RAM as the paddr default), and the session that runs it. `record`, `schemes`,
 * `monitor`, the DAMON modules, `serve --live` and `exporter --live` all start here.
 */
import type { MachineConfig } from '../backends/sim/config.js';
import type { Machine } from '../backends/sim/machine.js';
import { simPaddrRegions } from '../backends/sim/node-ranges.js';
import type { ProtectionKind } from '../ops/sim-binding.js';
import { optionsToKdamonds, type DeducedTarget, type MonitoringOptions } from '../config/damo-options.js';
import type { KdamondsConfig } from '../config/schema.js';
import type { MachineWorkload } from '../workloads/machine-view.js';
import { loadSimWorkload, machineWithWorkload, SimSession } from './sim-session.js';
import type { SnapshotSink } from './snapshot-recorder.js';

export interface SimRunSpec {
  /** Built-in name or masim .cfg file (default: the built-in stairs). */
  workload?: string;
  /** A lackey or binary trace replayed as the workload (instead of `workload`). */
  trace?: string;
  /** Or a workload already made. */
  load?: MachineWorkload;
  seed: number;
  /** Machine settings beyond the seed (nodes, cpus, ...). */
  machine?: Partial<MachineConfig>;
  /** damo's monitoring options; paddr with --ops paddr/paddr_fault, else vaddr of the main process. */
  options: MonitoringOptions;
  /** Every context monitors the main process (one --target_pid per extra context), as side-by-side views want. */
  mainPidEveryContext?: boolean;
  /** Changes to the expanded configuration before the session is made (checks, slicing). */
  adjust?: (config: KdamondsConfig, machine: Machine, pid: number | null) => void;
  sink?: SnapshotSink;
  protection?: ProtectionKind;
}

export interface SimRun {
  workload: MachineWorkload;
  machine: Machine;
  config: KdamondsConfig;
  session: SimSession;
  /** The monitored process (null for paddr). */
  pid: number | null;
}

export function setupSimRun(spec: SimRunSpec): SimRun {
  const workload = spec.load ?? loadSimWorkload({ workload: spec.workload, trace: spec.trace });
  const machine = machineWithWorkload(workload, { ...spec.machine, seed: spec.seed });
  const o = spec.options;
  const paddr = (o.ops ?? []).some((x) => x === 'paddr' || x === 'paddr_fault');
  const main = workload.mainPid;
  if (!paddr && main === undefined)
    throw new Error(`workload ${workload.name}: no process to monitor with vaddr`);
  const target: DeducedTarget = paddr ? { kind: 'paddr' } : { kind: 'pid', pid: main! };
  const extras = { paddrRegions: simPaddrRegions(machine) };
  let config = optionsToKdamonds(o, target, extras);
  if (spec.mainPidEveryContext && !paddr && config.kdamonds.length > 1 && !o.target_pid)
    config = optionsToKdamonds(
      { ...o, target_pid: Array(config.kdamonds.length - 1).fill(String(main)) },
      target,
      extras,
    );
  const pid = paddr ? null : main!;
  spec.adjust?.(config, machine, pid);
  const session = new SimSession({
    config,
    machine,
    sink: spec.sink,
    seed: spec.seed,
    protection: spec.protection,
  });
  return { workload, machine, config, session, pid };
}
