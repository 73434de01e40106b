/**
 * Status of the daemon's kdamonds: the kernel backend's status model read from the virtual tree
 * (after update_schemes_stats), plus what only a simulation shows for free: the current regions of
 * every target and the machine's processes.
 */
import {
  readStatus,
  readTriedRegions,
  type KdamondStatus,
  type TriedRegion,
} from '../../backends/kernel/status.js';
import type { VirtualSysfs } from '../sysfs/tree.js';

export interface SimRegion {
  start: number;
  end: number;
  nr_accesses: number;
  age: number;
}

export interface SimStatus {
  now_us: number;
  processes: { pid: number; vmas: number }[];
  kdamonds: KdamondStatus[];
  /** Current regions per kdamond, per target (completed window's nr_accesses). */
  regions: SimRegion[][][];
  /** Tried regions by "kdamond/context/scheme" (when asked for: it runs a damos_walk). */
  tried_regions: Record<string, TriedRegion[]>;
}

export function simStatus(tree: VirtualSysfs, workloadPids: readonly number[], withTried = false): SimStatus {
  const kdamonds = tree.model.kdamonds;
  kdamonds.forEach((k, i) => {
    if (k.control?.running) tree.writeRaw(`kdamonds/${i}/state`, 'update_schemes_stats');
  });
  const m = tree.host.machine;
  const tried: Record<string, TriedRegion[]> = {};
  if (withTried) {
    kdamonds.forEach((k, i) => {
      if (!k.control?.running) return;
      k.contexts[0]?.schemes.forEach((_, s) => (tried[`${i}/0/${s}`] = readTriedRegions(tree, i, s).regions));
    });
  }
  return {
    now_us: tree.host.now,
    processes: workloadPids
      .filter((p) => m.processAlive(p))
      .map((pid) => ({ pid, vmas: m.vmas(pid).length })),
    kdamonds: readStatus(tree),
    tried_regions: tried,
    regions: kdamonds.map((_, i) => {
      const ctx = tree.kdamond(i)?.runtime.context;
      return (ctx?.targets ?? []).map((t) =>
        t.regions
          .toRecords()
          .map((r) => ({ start: r.start, end: r.end, nr_accesses: r.lastNrAccesses, age: r.age })),
      );
    }),
  };
}
