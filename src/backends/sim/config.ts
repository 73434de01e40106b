/**
 * MachineConfig: what the simulated machine is made of, with documented defaults (docs/machine.md
 * gives the reasons). Validation errors name the config key.
 */
import { PAGE_SIZE, HUGE_PAGE_SIZE } from './layout.js';

/** A ground-truth view: per-page frequencies counting only accesses by these CPUs and/or threads. */
export interface GroundTruthView {
  name: string;
  cpus?: readonly number[];
  tids?: readonly number[];
}

export interface GroundTruthConfig {
  /** Length of one interval (the monitor's sample interval), µs. */
  intervalUs: number;
  /** Length of one window (the monitor's aggregation interval), µs; a multiple of intervalUs. */
  windowUs: number;
  /**
   * Extra filtered views. View 0 is always 'all'; when this is omitted one view per CPU
   * ('cpu0', 'cpu1', ...) is added, which gives the per-CPU breakdown.
   */
  views?: readonly GroundTruthView[];
}

export interface MachineConfig {
  /** Physical RAM in bytes, a multiple of 2 MiB per node. Default 4 GiB. */
  memoryBytes: number;
  /** NUMA nodes; RAM and CPUs are split evenly, in order. Default 1. */
  nodes: number;
  /** CPUs. Default 2 (the project's reference machine). */
  cpus: number;
  /** 2 MiB folios for aligned anonymous VMA ranges on first touch. Default false (THP=madvise-like). */
  thp: boolean;
  /** Per-CPU TLB entries (12-way set associative), 0 = no TLB model. Default 1536 (x86 STLB). */
  tlbEntries: number;
  /** Memory accesses per second of virtual time, per thread. Default 1e8. */
  accessesPerSecond: number;
  /** Protection faults are NUMA hinting faults; DAMON gets no report (as the RFC routes them). */
  numaBalancing: boolean;
  /** Exact per-interval / per-window access record, or false. Default false. */
  groundTruth: false | GroundTruthConfig;
  seed: number;
}

export const DEFAULT_MACHINE_CONFIG: Readonly<MachineConfig> = Object.freeze({
  memoryBytes: 4 * 1024 * 1024 * 1024,
  nodes: 1,
  cpus: 2,
  thp: false,
  tlbEntries: 1536,
  accessesPerSecond: 1e8,
  numaBalancing: false,
  groundTruth: false,
  seed: 1,
});

function intIn(key: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new Error(`machine config ${key}: expected an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

/** Fills defaults and checks every key; throws an Error naming the key on bad input. */
export function resolveMachineConfig(partial: Partial<MachineConfig> = {}): MachineConfig {
  for (const k of Object.keys(partial)) {
    if (!(k in DEFAULT_MACHINE_CONFIG)) throw new Error(`machine config: unknown key '${k}'`);
  }
  const c: MachineConfig = { ...DEFAULT_MACHINE_CONFIG, ...partial };
  intIn('nodes', c.nodes, 1, 64);
  intIn('cpus', c.cpus, 1, 1024);
  intIn('memoryBytes', c.memoryBytes, HUGE_PAGE_SIZE * c.nodes, 2 ** 31 * PAGE_SIZE);
  if (c.memoryBytes % (HUGE_PAGE_SIZE * c.nodes) !== 0) {
    throw new Error(
      `machine config memoryBytes: ${c.memoryBytes} is not a multiple of 2 MiB per node (${c.nodes} nodes)`,
    );
  }
  if (c.cpus < c.nodes) throw new Error(`machine config cpus: ${c.cpus} CPUs cannot cover ${c.nodes} nodes`);
  intIn('tlbEntries', c.tlbEntries, 0, 1 << 20);
  if (
    typeof c.accessesPerSecond !== 'number' ||
    !(c.accessesPerSecond > 0) ||
    !Number.isFinite(c.accessesPerSecond)
  ) {
    throw new Error(
      `machine config accessesPerSecond: expected a positive number, got ${String(c.accessesPerSecond)}`,
    );
  }
  if (typeof c.thp !== 'boolean') throw new Error(`machine config thp: expected a boolean`);
  if (typeof c.numaBalancing !== 'boolean')
    throw new Error(`machine config numaBalancing: expected a boolean`);
  intIn('seed', c.seed, 0, 2 ** 32 - 1);
  const gt = c.groundTruth;
  if (gt !== false) {
    if (typeof gt !== 'object' || gt === null)
      throw new Error('machine config groundTruth: expected false or an object');
    intIn('groundTruth.intervalUs', gt.intervalUs, 1, 2 ** 40);
    intIn('groundTruth.windowUs', gt.windowUs, gt.intervalUs, 2 ** 40);
    if (gt.windowUs % gt.intervalUs !== 0) {
      throw new Error(
        `machine config groundTruth.windowUs: ${gt.windowUs} is not a multiple of intervalUs ${gt.intervalUs}`,
      );
    }
    if (gt.windowUs / gt.intervalUs > 65535) {
      throw new Error(
        'machine config groundTruth.windowUs: more than 65535 intervals per window (counts are 16-bit)',
      );
    }
    const names = new Set<string>(['all']);
    (gt.views ?? []).forEach((v, i) => {
      const at = `groundTruth.views[${i}]`;
      if (typeof v.name !== 'string' || v.name === '' || names.has(v.name))
        throw new Error(`machine config ${at}.name: missing or duplicate name`);
      names.add(v.name);
      v.cpus?.forEach((cpu, j) => intIn(`${at}.cpus[${j}]`, cpu, 0, c.cpus - 1));
      v.tids?.forEach((tid, j) => intIn(`${at}.tids[${j}]`, tid, 1, 2 ** 31 - 1));
    });
  }
  return c;
}
