/**
 * The report-only operations set: contexts fed purely by external reports (traces, live sources).
 * No prepare/check of its own; the core folds the reports into the regions. Two optional duties:
 * - `vmas`: three-regions init/update for pid targets from a layout source (e.g. /proc/PID/maps),
 *   as vaddr does, for live monitoring of a process;
 * - `sampling`: pick a sampling address per region each sample and hand them to `arm` (the live
 *   write-only source write-protects exactly those pages and reports the ones written: the
 *   page_fault primitive's semantics).
 */
import { threeRegionsOfVmas } from '../core/region-ops.js';
import type { AccessReport, OperationsSet, OpsContext, TargetView } from '../core/types.js';
import { pickSamplingAddrs } from './sampling.js';

export interface ReportOpsOptions {
  vmas?: (pid: number) => { start: number; end: number }[];
  sampling?: boolean;
  /** Called per target right after its sampling addresses were picked (the prepare point). */
  arm?: (t: TargetView) => void;
  /** Whether a pid target is still there (stops the context when every target is gone). */
  alive?: (pid: number) => boolean;
}

export const REPORT_OPS_ID = 'reports';

export function makeReportOps(o: ReportOpsOptions = {}): OperationsSet {
  const layout = (ctx: OpsContext, t: TargetView, onlyEmpty: boolean): void => {
    if (!o.vmas || t.pid === null || (onlyEmpty && t.regions.length > 0)) return;
    const vmas = o.vmas(t.pid);
    if (vmas.length === 0) return;
    try {
      ctx.setRegions(t, threeRegionsOfVmas(vmas, ctx.minRegionSz));
    } catch {
      // Fewer than two gaps: keep the regions, as the kernel skips the target.
    }
  };
  const ops: OperationsSet = {
    id: REPORT_OPS_ID,
    eligibleReport(report: AccessReport, t: TargetView) {
      return t.pid === null || report.tgid === t.pid;
    },
  };
  if (o.vmas) {
    ops.init = (ctx) => ctx.targets.forEach((t) => layout(ctx, t, true));
    ops.update = (ctx) => ctx.targets.forEach((t) => layout(ctx, t, false));
  }
  if (o.sampling)
    ops.prepareAccessChecks = (ctx) =>
      ctx.targets.forEach((t) => {
        pickSamplingAddrs(ctx, t, () => undefined);
        o.arm?.(t);
      });
  if (o.alive) {
    const alive = o.alive;
    ops.targetValid = (_ctx, t) => t.pid === null || alive(t.pid);
  }
  return ops;
}
