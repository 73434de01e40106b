/**
 * The DAMOS metrics of the simulated machine (watermarks, quota goals, action time).
 *
 * Memory-pressure model for some_mem_psi_us: a task stalls on memory while it waits for a swap-in,
 * so the "some" stall total is the machine's major faults × the cost model's major-fault latency
 * (25 µs, an NVMe swap-in). Reclaim by DAMOS itself does not stall the workload (it runs in the
 * kdamond), which is why proactive reclaim lowers PSI compared to the faults it causes later.
 */
import type { Machine } from '../../backends/sim/machine.js';
import { DEFAULT_COST_MODEL } from '../../backends/sim/costs.js';
import { PAGE_SIZE } from '../../backends/sim/layout.js';
import type { DamonContext } from '../../core/context.js';
import type { TargetView } from '../../core/types.js';
import type { SchemesMetrics } from '../../schemes/metrics.js';
import type { ActionClock } from './actions.js';
import type { MemoryCgroups } from './memcg.js';

export const MAJOR_FAULT_STALL_US = DEFAULT_COST_MODEL.majorFault / 1000;

export class MachineMetrics implements SchemesMetrics {
  constructor(
    readonly m: Machine,
    readonly cgroups: MemoryCgroups,
    readonly clock: ActionClock,
  ) {}

  freeMemRate(): number {
    let free = 0;
    let total = 0;
    for (const n of this.m.nodeStats()) {
      free += n.freeFrames;
      total += n.totalFrames;
    }
    return total ? Math.floor((free * 1000) / total) : 0;
  }

  nodeMemUsedBp(nid: number): number {
    const n = this.m.nodeStats()[nid];
    return n ? Math.floor((n.usedFrames * 10000) / n.totalFrames) : 0;
  }

  nodeMemcgUsedBp(nid: number, memcgPath: string): number {
    const n = this.m.nodeStats()[nid];
    const id = this.cgroups.idOf(memcgPath);
    if (!n || id === 0) return 0;
    let pages = 0;
    for (const list of ['active', 'inactive'] as const) {
      for (const paddr of this.m.lruList(nid, list)) {
        const owner = this.m.frameInfo(paddr)?.mappings[0];
        if (owner && this.cgroups.idOf(this.cgroups.pathOf(owner.tgid)) === id) pages++;
      }
    }
    return Math.floor((pages * 10000) / n.totalFrames);
  }

  activeMemBp(): number {
    let active = 0;
    let inactive = 0;
    for (const n of this.m.nodeStats()) {
      active += n.activeFrames;
      inactive += n.inactiveFrames;
    }
    return active + inactive ? Math.floor((active * 10000) / (active + inactive)) : 0;
  }

  psiSomeTotalUs(): number {
    return this.m.costs.majorFaults * MAJOR_FAULT_STALL_US;
  }

  bytesOnNode(ctx: DamonContext, t: TargetView, start: number, end: number, nid: number): number {
    let bytes = 0;
    if (t.pid === null) {
      for (let a = start * ctx.addrUnit; a < end * ctx.addrUnit; a += PAGE_SIZE) {
        if (this.m.frameInfo(a)?.node === nid) bytes += PAGE_SIZE;
      }
      return Math.floor(bytes / ctx.addrUnit);
    }
    for (let a = start; a < end; a += PAGE_SIZE) {
      const p = this.m.translate(t.pid, a);
      if (p >= 0 && this.m.nodeOf(p) === nid) bytes += PAGE_SIZE;
    }
    return bytes;
  }

  actionClockNs(): number {
    return this.clock.ns;
  }
}
