/**
 * DAMOS prioritization scores of ops-common.c (spec §4.3): hot and cold scores in [0, 99] from the
 * region's access frequency (moving sum) and age, weighted by the quota's weights, and which score
 * each action uses per operations set.
 */
import { samplesPerAggr } from '../../core/attrs.js';
import type { DamonContext } from '../../core/context.js';
import type { TargetView } from '../../core/types.js';
import type { Scheme } from '../../schemes/scheme.js';
import type { DamosAction } from '../../schemes/types.js';

export const DAMOS_MAX_SCORE = 99;
const MAX_SUBSCORE = 100;
const MAX_AGE_IN_LOG = 32;

/** damon_hot_score. */
export function hotScore(ctx: DamonContext, t: TargetView, i: number, s: Scheme): number {
  const freq = Math.floor(
    (ctx.nrAccessesMvsum(t, i) * MAX_SUBSCORE) / Math.max(1, samplesPerAggr(ctx.attrs)),
  );
  let ageSec = Math.floor((t.regions.age[i]! * ctx.attrs.aggrInterval) / 1e6);
  let ageLog = 0;
  for (; ageLog < MAX_AGE_IN_LOG && ageSec; ageLog++) ageSec = Math.floor(ageSec / 2);
  // Not accessed at all: the older, the colder.
  if (freq === 0) ageLog = -ageLog;
  const ageSub = Math.floor(Math.floor(((ageLog + MAX_AGE_IN_LOG) * MAX_SUBSCORE) / MAX_AGE_IN_LOG) / 2);
  const wf = s.quota.weights.nrAccesses;
  const wa = s.quota.weights.age;
  let hot = wf * freq + wa * ageSub;
  if (wf + wa) hot = Math.floor(hot / (wf + wa));
  hot = Math.floor((hot * DAMOS_MAX_SCORE) / MAX_SUBSCORE);
  return Math.min(DAMOS_MAX_SCORE, Math.max(0, hot));
}

export function coldScore(ctx: DamonContext, t: TargetView, i: number, s: Scheme): number {
  return DAMOS_MAX_SCORE - hotScore(ctx, t, i, s);
}

const PADDR_HOT: readonly DamosAction[] = ['lru_prio', 'migrate_hot'];
const PADDR_COLD: readonly DamosAction[] = ['pageout', 'lru_deprio', 'migrate_cold'];
const VADDR_HOT: readonly DamosAction[] = ['migrate_hot'];
const VADDR_COLD: readonly DamosAction[] = ['pageout', 'migrate_cold'];

/** get_scheme_score of vaddr/fvaddr or paddr: the action's hot or cold score, else the maximum. */
export function schemeScore(
  kind: 'vaddr' | 'paddr',
  ctx: DamonContext,
  t: TargetView,
  i: number,
  s: Scheme,
): number {
  const hot = kind === 'paddr' ? PADDR_HOT : VADDR_HOT;
  const cold = kind === 'paddr' ? PADDR_COLD : VADDR_COLD;
  if (hot.includes(s.action)) return hotScore(ctx, t, i, s);
  if (cold.includes(s.action)) return coldScore(ctx, t, i, s);
  return DAMOS_MAX_SCORE;
}
