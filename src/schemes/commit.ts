/**
 * Online commit of schemes (damon_commit_schemes / damos_commit, spec §2.10, vector 17): lists are
 * committed index-wise, dst[i] taking src[i]'s user parameters while keeping its private state
 * (charging, stats, next apply); surplus dst schemes are dropped, surplus src ones appended.
 */
import type { Scheme } from './scheme.js';
import type { QuotaGoal } from './types.js';

/** damos_commit_quota_goal: fields copied; current_value only for user_input; nid/memcg per metric. */
export function commitQuotaGoal(dst: QuotaGoal, src: QuotaGoal): void {
  dst.metric = src.metric;
  dst.targetValue = src.targetValue;
  if (src.metric === 'user_input') dst.currentValue = src.currentValue;
  if (
    src.metric === 'node_mem_used_bp' ||
    src.metric === 'node_mem_free_bp' ||
    src.metric === 'node_eligible_mem_bp'
  )
    dst.nid = src.nid;
  if (src.metric === 'node_memcg_used_bp' || src.metric === 'node_memcg_free_bp') {
    dst.nid = src.nid;
    dst.memcgPath = src.memcgPath;
  }
  // last_psi_total is the dst's own measurement state: kept.
}

/** damos_commit_quota_goals: dst ends with src's count; new goals are copies of src's. */
export function commitQuotaGoals(dst: QuotaGoal[], src: readonly QuotaGoal[]): void {
  src.forEach((g, i) => {
    if (i < dst.length) commitQuotaGoal(dst[i]!, g);
    else dst.push({ ...g });
  });
  dst.length = src.length;
}

/** damos_commit: the user parameters of src into dst. */
export function commitScheme(dst: Scheme, src: Scheme): void {
  dst.pattern = { ...src.pattern };
  dst.action = src.action;
  dst.applyIntervalUs = src.applyIntervalUs;
  const q = dst.quota;
  const sq = src.quota;
  q.ms = sq.ms;
  q.sz = sq.sz;
  q.resetIntervalMs = sq.resetIntervalMs;
  q.weights = { ...sq.weights };
  q.goalTuner = sq.goalTuner;
  q.failChargeNum = sq.failChargeNum;
  q.failChargeDenom = sq.failChargeDenom;
  commitQuotaGoals(q.goals, sq.goals);
  const { activated, nextCheckUs } = dst.wmarks;
  dst.wmarks = { ...src.wmarks, activated, nextCheckUs };
  dst.coreFilters = src.coreFilters.map((f) => ({ ...f }));
  dst.opsFilters = src.opsFilters.map((f) => ({ ...f }));
  dst.setFiltersDefaultReject();
  dst.targetNid = src.targetNid;
  // Destination arrays are replaced whole.
  dst.dests = src.dests.map((d) => ({ ...d }));
  dst.maxNrSnapshots = src.maxNrSnapshots;
}

/** damon_commit_schemes: the committed list (dst objects reused index-wise). */
export function commitSchemes(dst: readonly Scheme[], src: readonly Scheme[]): Scheme[] {
  return src.map((s, i) => {
    const d = dst[i];
    if (!d) return s;
    commitScheme(d, s);
    return d;
  });
}
