/**
 * vaddr and fvaddr on the simulated machine (spec §1.5, §2.3, §2.11). vaddr builds three regions from
 * the target's VMAs at init (targets without regions) and every ops update; fvaddr keeps the user's
 * ranges. page_table: prepare mkolds the PTE of each sampling address (no TLB flush, as the kernel),
 * check reads young. page_fault: prepare protects the sampling page; accesses come back as reports.
 */
import { threeRegionsOfVmas } from '../core/region-ops.js';
import type { AccessReport, OperationsSet, OpsContext, TargetView } from '../core/types.js';
import { detachMachine, protectSampling, simBindingOf } from './sim-binding.js';
import { checkYoung, pickSamplingAddrs } from './sampling.js';

function pidOf(t: TargetView): number {
  if (t.pid === null)
    throw new Error('vaddr: a target has no pid (virtual address monitoring needs a process)');
  return t.pid;
}

/** damon_va_three_regions + damon_set_regions; a target whose VMAs give no two gaps is skipped, as the kernel does. */
function setThreeRegions(
  ctx: OpsContext,
  t: TargetView,
  m: { vmas(pid: number): { start: number; end: number }[] },
): void {
  const vmas = m.vmas(pidOf(t));
  if (vmas.length === 0) return;
  let three;
  try {
    three = threeRegionsOfVmas(vmas, ctx.minRegionSz);
  } catch {
    return;
  }
  ctx.setRegions(t, three);
}

/** One factory per kind, so the DAMOS layer can add applyScheme/getSchemeScore to the objects. */
export function makeVaddrOps(id: 'vaddr' | 'fvaddr'): OperationsSet {
  const ops: OperationsSet = {
    id,
    prepareAccessChecks(ctx) {
      const b = simBindingOf(ctx);
      const m = b.machine;
      const fault = ctx.primitives.pageFault;
      b.samplingPages?.clear();
      for (const t of ctx.targets) {
        const pid = pidOf(t);
        if (!m.processAlive(pid)) continue;
        if (fault)
          pickSamplingAddrs(ctx, t, (a) => protectSampling(b, a, () => m.protect(pid, a, b.protection)));
        else
          pickSamplingAddrs(ctx, t, (a) => {
            b.counts.mkold++;
            m.mkold(pid, a);
          });
      }
    },
    checkAccesses(ctx) {
      const b = simBindingOf(ctx);
      const m = b.machine;
      let max = 0;
      for (const t of ctx.targets) {
        const pid = pidOf(t);
        // A process that is gone: every region counts as not accessed.
        const alive = m.processAlive(pid);
        const nr = checkYoung(
          ctx,
          t,
          alive
            ? (a) => (b.counts.youngChecks++, m.young(pid, a))
            : () => ({ young: false, folioSize: 4096 }),
        );
        if (nr > max) max = nr;
      }
      return max;
    },
    eligibleReport(report: AccessReport, t: TargetView) {
      return report.tgid === t.pid;
    },
    targetValid(ctx, t) {
      return simBindingOf(ctx).machine.processAlive(pidOf(t));
    },
    cleanup: detachMachine,
  };
  if (id === 'vaddr') {
    ops.init = (ctx) => {
      const m = simBindingOf(ctx).machine;
      for (const t of ctx.targets) if (t.regions.length === 0) setThreeRegions(ctx, t, m);
    };
    ops.update = (ctx) => {
      const m = simBindingOf(ctx).machine;
      for (const t of ctx.targets) if (m.processAlive(pidOf(t))) setThreeRegions(ctx, t, m);
    };
  }
  return ops;
}
