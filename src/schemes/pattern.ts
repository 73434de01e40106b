/** DAMOS access-pattern matching (__damos_valid_target, spec §4.2) with the moving sum (7.3). */
import type { DamonContext } from '../core/context.js';
import type { TargetView } from '../core/types.js';
import type { Scheme } from './scheme.js';

export function validTargetPattern(ctx: DamonContext, t: TargetView, i: number, s: Scheme): boolean {
  const r = t.regions;
  const sz = r.end[i]! - r.start[i]!;
  const p = s.pattern;
  if (sz < p.minSz || sz > p.maxSz) return false;
  const nr = ctx.nrAccessesMvsum(t, i);
  if (nr < p.minNrAccesses || nr > p.maxNrAccesses) return false;
  const age = r.age[i]!;
  return age >= p.minAge && age <= p.maxAge;
}
