/**
 * The schemes of a kdamonds configuration as the DAMOS engine's scheme specs, in the kernel's units:
 * what `state on` builds from the sysfs tree after damo's writes, for runners without a tree.
 */
import { accessPatternInKernelUnits } from './access-pattern.js';
import type { ContextConfig } from './schema.js';
import type { QuotaGoalMetric, SchemeSpec } from '../schemes/types.js';

/** Kernel keyword → config keyword of quota goal metrics (the config uses damo's names). */
export const GOAL_METRIC_TO_CONFIG: Record<string, string> = {
  node_memcg_used_bp: 'memcg_mem_used_bp',
  node_memcg_free_bp: 'memcg_mem_free_bp',
};

/**
 * The schemes of a context configuration as engine schemes, in the kernel's units (what `state on`
 * builds from the tree after damo's writes), for code that runs contexts without a sysfs tree:
 *   new SchemesEngine(ctx, schemesOfContextConfig(c), { metrics })
 */
export function schemesOfContextConfig(c: ContextConfig): SchemeSpec[] {
  return c.schemes.map((s) => {
    const p = accessPatternInKernelUnits(s.access_pattern, c.intervals);
    const filters = [...s.core_filters, ...s.ops_filters, ...s.filters].map((f) => ({
      type: f.type,
      matching: f.matching,
      allow: f.allow,
      ...(f.memcg_path !== null ? { memcgPath: f.memcg_path } : {}),
      ...(f.address_range ? { addrStart: f.address_range.start, addrEnd: f.address_range.end } : {}),
      ...(f.damon_target_idx !== null ? { targetIdx: f.damon_target_idx } : {}),
      ...(f.hugepage_size ? { sizeMin: f.hugepage_size.min, sizeMax: f.hugepage_size.max } : {}),
    }));
    return {
      action: s.action,
      pattern: {
        minSz: p.sz.min,
        maxSz: p.sz.max,
        minNrAccesses: p.nrAccesses.min,
        maxNrAccesses: p.nrAccesses.max,
        minAge: p.age.min,
        maxAge: p.age.max,
      },
      applyIntervalUs: s.apply_interval_us,
      quota: {
        ms: s.quotas.time_ms,
        sz: s.quotas.sz_bytes,
        resetIntervalMs: s.quotas.reset_interval_ms,
        goalTuner: s.quotas.goal_tuner,
        failChargeNum: s.quotas.fail_charge_num,
        failChargeDenom: s.quotas.fail_charge_denom,
        weights: {
          sz: s.quotas.weights.sz_permil,
          nrAccesses: s.quotas.weights.nr_accesses_permil,
          age: s.quotas.weights.age_permil,
        },
        goals: s.quotas.goals.map((g) => ({
          metric: (GOAL_METRIC_FROM_CONFIG[g.metric] ?? g.metric) as QuotaGoalMetric,
          targetValue: g.target_value,
          currentValue: g.current_value,
          nid: g.nid ?? 0,
          memcgPath: g.memcg_path ?? '',
        })),
      },
      watermarks: {
        metric: s.watermarks.metric,
        intervalUs: s.watermarks.interval_us,
        high: s.watermarks.high_permil,
        mid: s.watermarks.mid_permil,
        low: s.watermarks.low_permil,
      },
      filters,
      targetNid: s.target_nid ?? -1,
      dests: s.dests.map((d) => ({ nid: d.id, weight: d.weight })),
      maxNrSnapshots: s.max_nr_snapshots,
    };
  });
}

const GOAL_METRIC_FROM_CONFIG: Record<string, string> = Object.fromEntries(
  Object.entries(GOAL_METRIC_TO_CONFIG).map(([k, v]) => [v, k]),
);
