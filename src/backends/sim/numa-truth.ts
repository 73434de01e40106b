/**
 * Exact remote-access counts of a run on the simulated machine, from its ground truth: per window,
 * page accesses (a frame accessed by a CPU in a sample interval, counted once per CPU and interval:
 * the unit of DAMON's access frequency) and how many of them came from a CPU on another node than
 * the frame. Needs the ground truth's default per-CPU views.
 */
import type { GroundTruthWindow } from './ground-truth.js';
import type { Machine } from './machine.js';
import { PAGE_SIZE } from './layout.js';

export interface RemoteWindow {
  /** [start, end) µs. */
  start: number;
  end: number;
  /** Page accesses (frame × CPU × interval). */
  accesses: number;
  /** Those from a CPU whose node is not the frame's node. */
  remote: number;
  /** byNode[cpuNode][pageNode]: page accesses by CPUs of a node to frames of a node. */
  byNode: number[][];
}

/** remote / accesses, 0 when nothing was accessed. */
export function remoteFraction(w: Pick<RemoteWindow, 'accesses' | 'remote'>): number {
  return w.accesses === 0 ? 0 : w.remote / w.accesses;
}

/** Sums windows (e.g. the windows of a time range). */
export function sumRemote(ws: readonly RemoteWindow[]): { accesses: number; remote: number } {
  let accesses = 0;
  let remote = 0;
  for (const w of ws) {
    accesses += w.accesses;
    remote += w.remote;
  }
  return { accesses, remote };
}

/** Collects a RemoteWindow per ground-truth window of the machine until stop(). */
export function trackRemoteAccesses(m: Machine): { windows: RemoteWindow[]; stop: () => void } {
  const gt = m.groundTruth;
  if (!gt) throw new Error('remote-access ground truth: the machine has no groundTruth configured');
  const nodes = m.config.nodes;
  const cpuOfView = gt.viewNames.map((name, v) => {
    if (v === 0) return -1;
    const cpu = /^cpu(\d+)$/.exec(name);
    if (!cpu || m.config.groundTruth === false || m.config.groundTruth.views !== undefined)
      throw new Error(
        'remote-access ground truth: needs the default per-CPU views (leave groundTruth.views out)',
      );
    return Number(cpu[1]);
  });
  const windows: RemoteWindow[] = [];
  const stop = gt.onWindow((w: GroundTruthWindow) => {
    const byNode = Array.from({ length: nodes }, () => new Array<number>(nodes).fill(0));
    const { pfn, views } = w.phys;
    for (let v = 1; v < views.length; v++) {
      const row = byNode[m.cpuNode(cpuOfView[v]!)]!;
      const acc = views[v]!.accesses;
      for (let k = 0; k < w.phys.length; k++) {
        const n = acc[k]!;
        if (n !== 0) row[m.nodeOf(pfn[k]! * PAGE_SIZE)]! += n;
      }
    }
    let accesses = 0;
    let remote = 0;
    byNode.forEach((row, c) =>
      row.forEach((n, p) => {
        accesses += n;
        if (c !== p) remote += n;
      }),
    );
    windows.push({ start: w.start, end: w.end, accesses, remote, byNode });
  });
  return { windows, stop };
}
