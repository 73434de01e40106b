/**
 * DAMOS data model (spec §4.1): a scheme's access pattern, action, quota, watermarks, filters,
 * destinations and stats, plus the private state the kernel keeps in struct damos. Sizes are bytes,
 * nr_accesses are samples per aggregation, ages are aggregation intervals, times µs unless named.
 */
import type { TargetView } from '../core/types.js';

export const DAMOS_ACTIONS = [
  'willneed',
  'cold',
  'pageout',
  'hugepage',
  'nohugepage',
  'collapse',
  'lru_prio',
  'lru_deprio',
  'migrate_hot',
  'migrate_cold',
  'stat',
] as const;
export type DamosAction = (typeof DAMOS_ACTIONS)[number];

/** Core-handled filter types (the engine) and ops-handled ones (src/ops/actions). */
export const CORE_FILTER_TYPES = ['addr', 'target'] as const;
export const OPS_FILTER_TYPES = ['anon', 'active', 'memcg', 'young', 'hugepage_size', 'unmapped'] as const;
export type DamosFilterType = (typeof CORE_FILTER_TYPES)[number] | (typeof OPS_FILTER_TYPES)[number];

export const QUOTA_GOAL_METRICS = [
  'user_input',
  'some_mem_psi_us',
  'node_mem_used_bp',
  'node_mem_free_bp',
  'node_memcg_used_bp',
  'node_memcg_free_bp',
  'active_mem_bp',
  'inactive_mem_bp',
  'node_eligible_mem_bp',
] as const;
export type QuotaGoalMetric = (typeof QUOTA_GOAL_METRICS)[number];

export const ULONG_MAX = 2 ** 64 - 1;
export const UINT_MAX = 2 ** 32 - 1;

/** Closed ranges; nr_accesses in samples, age in aggregation intervals. */
export interface AccessPattern {
  minSz: number;
  maxSz: number;
  minNrAccesses: number;
  maxNrAccesses: number;
  minAge: number;
  maxAge: number;
}

export interface DamosFilter {
  type: DamosFilterType;
  /** The filter is for memory whose type-condition equals `matching`. */
  matching: boolean;
  allow: boolean;
  /** memcg: cgroup path (resolved to an id by the ops layer). */
  memcgPath?: string;
  /** addr: [addrStart, addrEnd). */
  addrStart?: number;
  addrEnd?: number;
  /** target: index of the context's target. */
  targetIdx?: number;
  /** hugepage_size: closed range of folio sizes. */
  sizeMin?: number;
  sizeMax?: number;
}

export interface QuotaGoal {
  metric: QuotaGoalMetric;
  targetValue: number;
  currentValue: number;
  nid: number;
  memcgPath: string;
  /** some_mem_psi_us: PSI total at the previous measurement (kept across commits). */
  lastPsiTotal: number;
}

export type GoalTuner = 'consist' | 'temporal';

export interface QuotaWeights {
  sz: number;
  nrAccesses: number;
  age: number;
}

/** damos_quota: the user part and the private charging state. */
export interface Quota {
  ms: number;
  sz: number;
  resetIntervalMs: number;
  weights: QuotaWeights;
  goals: QuotaGoal[];
  goalTuner: GoalTuner;
  failChargeNum: number;
  failChargeDenom: number;
  // --- private (kernel: struct damos_quota's private fields) ---
  /** Effective size quota of the current charge window (bytes). */
  esz: number;
  /** esz_bp of the goal feedback loop (consist tuner state). */
  eszBp: number;
  totalChargedSz: number;
  totalChargedNs: number;
  chargedSz: number;
  /** Start of the current charge window, µs on the context clock; -1 before the first window. */
  chargedFrom: number;
  chargeTargetFrom: TargetView | null;
  chargeAddrFrom: number;
  minScore: number;
}

export type WatermarkMetric = 'none' | 'free_mem_rate';

export interface Watermarks {
  metric: WatermarkMetric;
  intervalUs: number;
  high: number;
  mid: number;
  low: number;
  /** Private: whether the scheme is active, and when the metric is checked next (µs). */
  activated: boolean;
  nextCheckUs: number;
}

export interface MigrateDest {
  nid: number;
  weight: number;
}

export interface SchemeStats {
  nrTried: number;
  szTried: number;
  nrApplied: number;
  szApplied: number;
  szOpsFilterPassed: number;
  qtExceeds: number;
  nrSnapshots: number;
}

/** A region a scheme's action was tried on during a damos_walk (tried_regions). */
export interface TriedRegion {
  start: number;
  end: number;
  nrAccesses: number;
  age: number;
  szFilterPassed: number;
}

/** What a user gives to create a scheme; everything but the action has the kernel's default. */
export interface SchemeSpec {
  action: DamosAction;
  pattern?: Partial<AccessPattern>;
  applyIntervalUs?: number;
  quota?: Partial<
    Pick<Quota, 'ms' | 'sz' | 'resetIntervalMs' | 'goalTuner' | 'failChargeNum' | 'failChargeDenom'>
  > & {
    weights?: Partial<QuotaWeights>;
    goals?: (Partial<QuotaGoal> & { metric: QuotaGoalMetric; targetValue: number })[];
  };
  watermarks?: Partial<Pick<Watermarks, 'metric' | 'intervalUs' | 'high' | 'mid' | 'low'>>;
  /** Ops-handled filters; core ones (addr, target) given here are moved to coreFilters, in order. */
  filters?: DamosFilter[];
  targetNid?: number;
  dests?: MigrateDest[];
  maxNrSnapshots?: number;
}
