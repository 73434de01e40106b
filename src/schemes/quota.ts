/**
 * DAMOS quotas (spec §4.3): goal scores and the feedback loop with the consist/temporal tuners,
 * the effective size quota of each charge window, charging with the fail-charge ratio, and the
 * prioritization (min_score from the score histogram).
 */
import { feedLoopNextInput } from '../core/attrs.js';
import type { DamonContext } from '../core/context.js';
import type { SchemesMetrics } from './metrics.js';
import type { Scheme } from './scheme.js';
import { ULONG_MAX, type Quota, type QuotaGoal } from './types.js';
import { validTargetPattern } from './pattern.js';
import { coreFilterOut } from './filters.js';

const PAGE_SIZE = 4096;

/** damos_set_quota_goal_current_value: measures the goal's metric now. */
export function goalCurrentValue(
  g: QuotaGoal,
  ctx: DamonContext,
  s: Scheme,
  metrics: SchemesMetrics | undefined,
): number {
  switch (g.metric) {
    case 'user_input':
      return g.currentValue;
    case 'some_mem_psi_us': {
      const now = metrics?.psiSomeTotalUs() ?? 0;
      const v = Math.max(0, now - g.lastPsiTotal);
      g.lastPsiTotal = now;
      return v;
    }
    case 'node_mem_used_bp':
      return metrics?.nodeMemUsedBp(g.nid) ?? 0;
    case 'node_mem_free_bp':
      return metrics ? 10000 - metrics.nodeMemUsedBp(g.nid) : 10000;
    case 'node_memcg_used_bp':
      return metrics?.nodeMemcgUsedBp(g.nid, g.memcgPath) ?? 0;
    case 'node_memcg_free_bp':
      return metrics ? 10000 - metrics.nodeMemcgUsedBp(g.nid, g.memcgPath) : 10000;
    case 'active_mem_bp':
      return metrics?.activeMemBp() ?? 0;
    case 'inactive_mem_bp':
      return metrics ? 10000 - metrics.activeMemBp() : 10000;
    case 'node_eligible_mem_bp':
      return nodeEligibleMemBp(ctx, s, g.nid, metrics);
  }
}

/** node_eligible_mem_bp: bytes of pattern-matching regions on node nid × 10000 / all matching bytes. */
function nodeEligibleMemBp(
  ctx: DamonContext,
  s: Scheme,
  nid: number,
  metrics: SchemesMetrics | undefined,
): number {
  let total = 0;
  let onNode = 0;
  for (const t of ctx.targets) {
    const r = t.regions;
    for (let i = 0; i < r.length; i++) {
      if (!validTargetPattern(ctx, t, i, s)) continue;
      total += r.end[i]! - r.start[i]!;
      if (metrics) onNode += metrics.bytesOnNode(ctx, t, r.start[i]!, r.end[i]!, nid);
    }
  }
  s.lastEligibleBytes = total;
  return total ? Math.floor((onNode * 10000) / total) : 0;
}

/** damos_quota_score: the highest current/target ratio in bp over the goals ("least aggressive"). */
export function quotaScore(
  q: Quota,
  ctx: DamonContext,
  s: Scheme,
  metrics: SchemesMetrics | undefined,
): number {
  let highest = 0;
  for (const g of q.goals) {
    const cur = goalCurrentValue(g, ctx, s, metrics);
    if (g.metric !== 'user_input') g.currentValue = cur;
    // A zero target would divide by zero in the kernel; we take such a goal as met (score 2× goal).
    const score = g.targetValue ? Math.floor((cur * 10000) / g.targetValue) : 20000;
    if (score > highest) highest = score;
  }
  return highest;
}

/** damos_set_effective_quota. */
export function setEffectiveQuota(
  q: Quota,
  ctx: DamonContext,
  s: Scheme,
  metrics: SchemesMetrics | undefined,
): void {
  if (!q.ms && q.goals.length === 0) {
    q.esz = q.sz;
    return;
  }
  let esz = ULONG_MAX;
  if (q.goals.length) {
    const score = quotaScore(q, ctx, s, metrics);
    if (q.goalTuner === 'temporal') q.eszBp = score >= 10000 ? 0 : q.sz ? q.sz * 10000 : ULONG_MAX;
    else q.eszBp = feedLoopNextInput(Math.max(q.eszBp, 10000), score);
    esz = Math.floor(q.eszBp / 10000);
  }
  if (q.ms) {
    // Bytes per ms the action achieved so far; 4 MiB/ms before anything was charged.
    const thr = q.totalChargedNs ? Math.floor((q.totalChargedSz * 1e6) / q.totalChargedNs) : PAGE_SIZE * 1024;
    esz = Math.max(ctx.minRegionSz, Math.min(thr * q.ms, esz));
  }
  if (q.sz && q.sz < esz) esz = q.sz;
  q.esz = esz;
}

/** quota_is_full: set and charged up to the effective quota (or less than a minimum region left). */
export function quotaIsFull(s: Scheme, minRegionSz: number): boolean {
  const q = s.quota;
  return s.quotaIsSet && (q.chargedSz >= q.esz || q.esz - q.chargedSz < minRegionSz);
}

/** damos_charge_quota: failed bytes (sz − applied) are charged num/denom. */
export function chargeQuota(q: Quota, sz: number, applied: number): void {
  if (q.failChargeDenom === 0 || applied > sz) q.chargedSz += sz;
  else q.chargedSz += applied + Math.floor(((sz - applied) * q.failChargeNum) / q.failChargeDenom);
}

/**
 * damos_adjust_quota: starts a charge window when due (counting qt_exceeds, setting the effective
 * quota), then sets min_score so that the highest-scored regions fill the effective quota.
 * Returns whether the effective quota changed (the damos_esz trace condition).
 */
export function adjustQuota(
  ctx: DamonContext,
  s: Scheme,
  metrics: SchemesMetrics | undefined,
  histogram: Float64Array,
): boolean {
  const q = s.quota;
  if (!q.ms && !q.sz && q.goals.length === 0) return false;
  const before = q.esz;
  if (q.chargedFrom < 0) {
    q.chargedFrom = ctx.now;
    setEffectiveQuota(q, ctx, s, metrics);
  }
  if (ctx.now >= q.chargedFrom + q.resetIntervalMs * 1000) {
    if (quotaIsFull(s, ctx.minRegionSz)) s.stat.qtExceeds++;
    q.totalChargedSz += q.chargedSz;
    q.chargedFrom = ctx.now;
    q.chargedSz = 0;
    setEffectiveQuota(q, ctx, s, metrics);
  }
  const score = ctx.ops.getSchemeScore;
  if (!score) return q.esz !== before;
  histogram.fill(0);
  let maxScore = 0;
  for (const t of ctx.targets) {
    for (let i = 0; i < t.regions.length; i++) {
      if (!validTargetPattern(ctx, t, i, s)) continue;
      if (coreFilterOut(ctx, t, i, s)) continue;
      const sc = Math.min(99, Math.max(0, score.call(ctx.ops, ctx, t, i, s as never)));
      histogram[sc] = histogram[sc]! + (t.regions.end[i]! - t.regions.start[i]!);
      if (sc > maxScore) maxScore = sc;
    }
  }
  let cum = 0;
  let sc = maxScore;
  for (; ; sc--) {
    cum += histogram[sc]!;
    if (cum >= q.esz || sc === 0) break;
  }
  q.minScore = sc;
  return q.esz !== before;
}
