/**
 * Memory footprints of the simulated machine, as damo's record samples them from /proc each second:
 * the monitored processes' statm (size: pages of their mappings; resident: pages mapped; the machine
 * has no program text or shared-library accounting, so shared, trs, lrs and dt are 0 and drs is the
 * size) and the system's meminfo (KiB; free is the free frames; the machine has no reclaimable
 * caches, so available is free and buffers and cached are 0).
 */
import type { Machine } from '../backends/sim/machine.js';
import type { FootprintSnapshot } from '../records/mem-footprint.js';

const PAGE = 4096;

export function simFootprintSnapshot(machine: Machine, pids: readonly number[]): FootprintSnapshot {
  const procs = pids.map((pid) => {
    const size = machine.vmas(pid).reduce((a, v) => a + (v.end - v.start) / PAGE, 0);
    const resident = machine.residentPages(pid);
    return { pid, footprint: { size, resident, shared: 0, trs: 0, lrs: 0, drs: size, dt: 0 } };
  });
  const free = machine.nodeStats().reduce((a, n) => a + n.freeFrames, 0) * (PAGE / 1024);
  return {
    time: machine.now / 1e6,
    footprints: [
      ...procs,
      {
        pid: null,
        footprint: { total: machine.memoryBytes / 1024, free, available: free, buffers: 0, cached: 0 },
      },
    ],
  };
}
