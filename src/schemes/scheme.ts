/**
 * struct damos: a scheme built from a SchemeSpec with the kernel's defaults, validated with errors
 * that name the field. The engine (engine.ts) owns the private state after creation.
 */
import { einval } from '../core/errors.js';
import {
  CORE_FILTER_TYPES,
  DAMOS_ACTIONS,
  OPS_FILTER_TYPES,
  QUOTA_GOAL_METRICS,
  UINT_MAX,
  ULONG_MAX,
  type AccessPattern,
  type DamosAction,
  type DamosFilter,
  type MigrateDest,
  type Quota,
  type QuotaGoal,
  type SchemeSpec,
  type SchemeStats,
  type TriedRegion,
  type Watermarks,
} from './types.js';

const isCore = (f: DamosFilter) => (CORE_FILTER_TYPES as readonly string[]).includes(f.type);

function nonNegInt(v: number, where: string): number {
  if (!Number.isInteger(v) || v < 0) throw einval(`${where}: expected a non-negative integer, got ${v}`);
  return v;
}

export function zeroStats(): SchemeStats {
  return {
    nrTried: 0,
    szTried: 0,
    nrApplied: 0,
    szApplied: 0,
    szOpsFilterPassed: 0,
    qtExceeds: 0,
    nrSnapshots: 0,
  };
}

/** A pattern matching every region (damo's default; the kernel's sysfs default is all zeros). */
export function matchAllPattern(): AccessPattern {
  return {
    minSz: 0,
    maxSz: ULONG_MAX,
    minNrAccesses: 0,
    maxNrAccesses: UINT_MAX,
    minAge: 0,
    maxAge: UINT_MAX,
  };
}

export class Scheme {
  action: DamosAction;
  pattern: AccessPattern;
  /** 0 means the context's aggregation interval. */
  applyIntervalUs: number;
  quota: Quota;
  wmarks: Watermarks;
  coreFilters: DamosFilter[];
  opsFilters: DamosFilter[];
  /** -1 = NUMA_NO_NODE. */
  targetNid: number;
  dests: MigrateDest[];
  maxNrSnapshots: number;
  stat: SchemeStats = zeroStats();
  // --- private state of struct damos ---
  nextApplySis = 0;
  /** The region being applied passed a core filter with allow: ops filters are skipped. */
  coreFiltersAllowed = false;
  coreFiltersDefaultReject = false;
  opsFiltersDefaultReject = false;
  /** Regions captured by the pending damos_walk (tried_regions). */
  triedRegions: TriedRegion[] = [];
  /** Bytes of pattern-matching regions seen in the last apply pass (node_eligible_mem_bp base). */
  lastEligibleBytes = 0;

  constructor(spec: SchemeSpec, where = 'scheme') {
    if (!(DAMOS_ACTIONS as readonly string[]).includes(spec.action))
      throw einval(`${where}.action: unknown action '${spec.action}' (known: ${DAMOS_ACTIONS.join(', ')})`);
    this.action = spec.action;
    this.pattern = { ...matchAllPattern(), ...spec.pattern };
    for (const [k, v] of Object.entries(this.pattern)) nonNegInt(v, `${where}.pattern.${k}`);
    this.applyIntervalUs = nonNegInt(spec.applyIntervalUs ?? 0, `${where}.applyIntervalUs`);
    const q = spec.quota ?? {};
    const goals: QuotaGoal[] = (q.goals ?? []).map((g, i) => {
      if (!(QUOTA_GOAL_METRICS as readonly string[]).includes(g.metric))
        throw einval(`${where}.quota.goals[${i}].metric: unknown metric '${g.metric}'`);
      return {
        metric: g.metric,
        targetValue: nonNegInt(g.targetValue, `${where}.quota.goals[${i}].targetValue`),
        currentValue: nonNegInt(g.currentValue ?? 0, `${where}.quota.goals[${i}].currentValue`),
        nid: g.nid ?? 0,
        memcgPath: g.memcgPath ?? '',
        lastPsiTotal: g.lastPsiTotal ?? 0,
      };
    });
    this.quota = {
      ms: nonNegInt(q.ms ?? 0, `${where}.quota.ms`),
      sz: nonNegInt(q.sz ?? 0, `${where}.quota.sz`),
      resetIntervalMs: nonNegInt(q.resetIntervalMs ?? 0, `${where}.quota.resetIntervalMs`),
      weights: { sz: 0, nrAccesses: 0, age: 0, ...q.weights },
      goals,
      goalTuner: q.goalTuner ?? 'consist',
      failChargeNum: nonNegInt(q.failChargeNum ?? 0, `${where}.quota.failChargeNum`),
      failChargeDenom: nonNegInt(q.failChargeDenom ?? 0, `${where}.quota.failChargeDenom`),
      esz: 0,
      eszBp: 0,
      totalChargedSz: 0,
      totalChargedNs: 0,
      chargedSz: 0,
      chargedFrom: -1,
      chargeTargetFrom: null,
      chargeAddrFrom: 0,
      minScore: 0,
    };
    if (this.quota.goalTuner !== 'consist' && this.quota.goalTuner !== 'temporal')
      throw einval(
        `${where}.quota.goalTuner: expected consist or temporal, got '${String(this.quota.goalTuner)}'`,
      );
    const w = spec.watermarks ?? {};
    this.wmarks = {
      metric: w.metric ?? 'none',
      intervalUs: nonNegInt(w.intervalUs ?? 0, `${where}.watermarks.intervalUs`),
      high: nonNegInt(w.high ?? 0, `${where}.watermarks.high`),
      mid: nonNegInt(w.mid ?? 0, `${where}.watermarks.mid`),
      low: nonNegInt(w.low ?? 0, `${where}.watermarks.low`),
      activated: true,
      nextCheckUs: 0,
    };
    if (this.wmarks.metric !== 'none' && this.wmarks.metric !== 'free_mem_rate')
      throw einval(
        `${where}.watermarks.metric: expected none or free_mem_rate, got '${String(this.wmarks.metric)}'`,
      );
    const filters = spec.filters ?? [];
    filters.forEach((f, i) => {
      const known = [...CORE_FILTER_TYPES, ...OPS_FILTER_TYPES] as readonly string[];
      if (!known.includes(f.type))
        throw einval(`${where}.filters[${i}].type: unknown filter type '${f.type}'`);
      if (
        f.type === 'addr' &&
        !(Number.isInteger(f.addrStart) && Number.isInteger(f.addrEnd) && f.addrStart! <= f.addrEnd!)
      )
        throw einval(`${where}.filters[${i}]: addr filter needs addrStart <= addrEnd`);
      if (f.type === 'target' && !Number.isInteger(f.targetIdx))
        throw einval(`${where}.filters[${i}]: target filter needs targetIdx`);
    });
    // The kernel keeps core and ops filters on separate lists (core ones are evaluated first).
    this.coreFilters = filters.filter(isCore).map((f) => ({ ...f }));
    this.opsFilters = filters.filter((f) => !isCore(f)).map((f) => ({ ...f }));
    this.targetNid = spec.targetNid ?? -1;
    if (!Number.isInteger(this.targetNid) || this.targetNid < -1)
      throw einval(`${where}.targetNid: expected -1 or a node id, got ${this.targetNid}`);
    this.dests = (spec.dests ?? []).map((d, i) => ({
      nid: nonNegInt(d.nid, `${where}.dests[${i}].nid`),
      weight: nonNegInt(d.weight, `${where}.dests[${i}].weight`),
    }));
    this.maxNrSnapshots = nonNegInt(spec.maxNrSnapshots ?? 0, `${where}.maxNrSnapshots`);
    this.setFiltersDefaultReject();
  }

  /**
   * damos_set_filters_default_reject (spec §4.5, vector 21): a region no filter matched is rejected
   * when the last filter allowed (allow-lists reject the rest). The core stage never rejects by
   * default while ops filters exist: those decide then.
   */
  setFiltersDefaultReject(): void {
    const lastCore = this.coreFilters[this.coreFilters.length - 1];
    const lastOps = this.opsFilters[this.opsFilters.length - 1];
    this.coreFiltersDefaultReject = this.opsFilters.length > 0 ? false : (lastCore?.allow ?? false);
    this.opsFiltersDefaultReject = lastOps?.allow ?? false;
  }

  /** quota_is_set: any of esz, sz, ms or goals. */
  get quotaIsSet(): boolean {
    const q = this.quota;
    return q.esz > 0 || q.sz > 0 || q.ms > 0 || q.goals.length > 0;
  }
}
