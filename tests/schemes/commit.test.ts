import { describe, expect, it } from 'vitest';
import { commitQuotaGoals, commitScheme, commitSchemes } from '../../src/schemes/commit.js';
import { Scheme } from '../../src/schemes/scheme.js';
import type { QuotaGoal } from '../../src/schemes/types.js';

const goal = (metric: QuotaGoal['metric'], over: Partial<QuotaGoal> = {}): QuotaGoal => ({
  metric,
  targetValue: 100,
  currentValue: 0,
  nid: 0,
  memcgPath: '',
  lastPsiTotal: 0,
  ...over,
});

describe('online commit of schemes (vector 17)', () => {
  it('quota goals: dst count becomes src count; current_value only for user_input; psi total kept', () => {
    for (const [nd, ns] of [
      [0, 1],
      [1, 1],
      [1, 0],
    ] as const) {
      const dst = Array.from({ length: nd }, () => goal('user_input'));
      const src = Array.from({ length: ns }, () => goal('user_input', { currentValue: 7 }));
      commitQuotaGoals(dst, src);
      expect(dst).toHaveLength(ns);
    }
    const dst = [goal('some_mem_psi_us', { lastPsiTotal: 1234, currentValue: 5 }), goal('user_input')];
    commitQuotaGoals(dst, [
      goal('some_mem_psi_us', { targetValue: 9, currentValue: 99, lastPsiTotal: 1 }),
      goal('user_input', { currentValue: 42 }),
    ]);
    expect(dst[0]).toMatchObject({ targetValue: 9, currentValue: 5, lastPsiTotal: 1234 });
    expect(dst[1]!.currentValue).toBe(42);
    const n = [goal('node_mem_used_bp', { nid: 0 })];
    commitQuotaGoals(n, [goal('node_mem_used_bp', { nid: 3 })]);
    expect(n[0]!.nid).toBe(3);
    const u = [goal('user_input', { nid: 0 })];
    commitQuotaGoals(u, [goal('user_input', { nid: 3 })]);
    expect(u[0]!.nid).toBe(0); // nid is not a user_input field
  });

  it('dests arrays are replaced whole (sizes 3→3, 2→3, 0→3, 3→2, 3→0)', () => {
    const dests = (k: number) => Array.from({ length: k }, (_, i) => ({ nid: i, weight: 10 * (i + 1) }));
    for (const [a, b] of [
      [3, 3],
      [2, 3],
      [0, 3],
      [3, 2],
      [3, 0],
    ] as const) {
      const dst = new Scheme({ action: 'migrate_hot', dests: dests(a) });
      const src = new Scheme({
        action: 'migrate_hot',
        dests: dests(b).map((d) => ({ ...d, weight: d.weight + 1 })),
      });
      commitScheme(dst, src);
      expect(dst.dests).toEqual(src.dests);
      expect(dst.dests).not.toBe(src.dests);
    }
  });

  it('parameters move, private state and stats stay; lists commit index-wise', () => {
    const dst = new Scheme({ action: 'pageout', quota: { sz: 100 } });
    dst.stat.nrTried = 5;
    dst.quota.chargedSz = 77;
    dst.nextApplySis = 123;
    const src = new Scheme({
      action: 'lru_deprio',
      pattern: { minAge: 3 },
      quota: { sz: 200, ms: 5 },
      filters: [{ type: 'anon', matching: true, allow: true }],
    });
    const out = commitSchemes([dst], [src, new Scheme({ action: 'stat' })]);
    expect(out[0]).toBe(dst);
    expect(out[1]!.action).toBe('stat');
    expect(dst).toMatchObject({ action: 'lru_deprio', nextApplySis: 123, opsFiltersDefaultReject: true });
    expect(dst.pattern.minAge).toBe(3);
    expect([dst.quota.sz, dst.quota.ms, dst.quota.chargedSz, dst.stat.nrTried]).toEqual([200, 5, 77, 5]);
    expect(commitSchemes([dst, src], [src])).toHaveLength(1);
  });
});
