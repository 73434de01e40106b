/**
 * The sampling step shared by every operations set (spec §2.3): a fresh random sampling address per
 * region, and the check of Accessed bits with the kernel's same-folio cache.
 */
import type { OpsContext, TargetView } from '../core/types.js';

/** prepare_access_checks' address choice: sampling_addr = damon_rand(start, end) for each region. */
export function pickSamplingAddrs(ctx: OpsContext, t: TargetView, each: (addr: number) => void): void {
  const r = t.regions;
  for (let i = 0; i < r.length; i++) {
    const a = ctx.rand(r.start[i]!, r.end[i]!);
    r.samplingAddr[i] = a;
    each(a);
  }
}

/**
 * check_accesses for one target: `young(addr)` is asked once per folio. Like the kernel, the last
 * checked address and folio size are cached, and a region whose sampling address falls in the same
 * folio (ALIGN_DOWN by the last folio size) reuses that answer. Returns max nr_accesses.
 */
export function checkYoung(
  ctx: OpsContext,
  t: TargetView,
  young: (addr: number) => { young: boolean; folioSize: number },
): number {
  const r = t.regions;
  let lastAddr = -1;
  let lastSz = 0;
  let lastYoung = false;
  let max = 0;
  for (let i = 0; i < r.length; i++) {
    const a = r.samplingAddr[i]!;
    if (lastAddr < 0 || Math.floor(a / lastSz) !== Math.floor(lastAddr / lastSz)) {
      const y = young(a);
      lastAddr = a;
      lastSz = y.folioSize;
      lastYoung = y.young;
    }
    ctx.updateRegionAccessRate(t, i, lastYoung);
    if (r.nrAccesses[i]! > max) max = r.nrAccesses[i]!;
  }
  return max;
}
