/**
 * DAMOS core filters (spec §4.5): `addr` and `target`, evaluated per region before the action.
 * The first matching filter decides; an addr filter may split the region at its range boundary.
 * Ops filters (anon, active, memcg, young, hugepage_size, unmapped) live in src/ops/actions.
 */
import { alignDown } from '../core/region-ops.js';
import type { DamonContext } from '../core/context.js';
import type { TargetView } from '../core/types.js';
import type { Scheme } from './scheme.js';
import type { DamosFilter } from './types.js';

/** damos_core_filter_match: whether filter's condition (== matching) holds for region i. */
export function coreFilterMatch(ctx: DamonContext, t: TargetView, i: number, f: DamosFilter): boolean {
  let matched = false;
  if (f.type === 'target') {
    matched = ctx.targets.indexOf(t as never) === f.targetIdx;
  } else if (f.type === 'addr') {
    const r = t.regions;
    const m = ctx.minRegionSz;
    const start = alignDown(f.addrStart!, m);
    const end = alignDown(f.addrEnd!, m);
    const rs = r.start[i]!;
    const re = r.end[i]!;
    if (start <= rs && re <= end) matched = true;
    else if (re <= start || end <= rs) matched = false;
    else if (rs < start) {
      // Starts before the range and overlaps it: the left piece is outside.
      ctx.splitRegionAt(t, i, start - rs);
      matched = false;
    } else {
      // Starts inside the range and ends after it: the left piece is inside.
      ctx.splitRegionAt(t, i, end - rs);
      matched = true;
    }
  } else {
    return false;
  }
  return matched === f.matching;
}

/** damos_core_filter_out: true when the region is filtered out; sets s.coreFiltersAllowed. */
export function coreFilterOut(ctx: DamonContext, t: TargetView, i: number, s: Scheme): boolean {
  s.coreFiltersAllowed = false;
  for (const f of s.coreFilters) {
    if (coreFilterMatch(ctx, t, i, f)) {
      if (f.allow) s.coreFiltersAllowed = true;
      return !f.allow;
    }
  }
  return s.coreFiltersDefaultReject;
}
