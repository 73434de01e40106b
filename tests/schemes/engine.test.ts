import { describe, expect, it } from 'vitest';
import { SchemesEngine } from '../../src/schemes/engine.js';
import { Scheme } from '../../src/schemes/scheme.js';
import type { DamosFilter } from '../../src/schemes/types.js';
import { applied, atBoundary, ctxWith, knobs, ranges, setRegion } from './helpers.js';

describe('DAMOS apply flow', () => {
  it('applies only to regions matching size, nr_accesses (mvsum) and age, and resets age', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 300],
      [300, 310],
    ]);
    const e = new SchemesEngine(ctx, [
      { action: 'pageout', pattern: { minSz: 50, maxNrAccesses: 2, minAge: 5 } },
    ]);
    setRegion(ctx, 0, 0, 5); // matches
    setRegion(ctx, 1, 3, 9); // too many accesses
    setRegion(ctx, 2, 0, 9); // too small
    atBoundary(ctx);
    e.applySchemes();
    expect(applied).toEqual([{ start: 0, end: 100, action: 'pageout' }]);
    const r = ctx.targets[0]!.regions;
    expect([r.age[0], r.age[1], r.age[2]]).toEqual([0, 9, 9]);
    const st = e.schemes[0]!.stat;
    expect(st).toMatchObject({
      nrTried: 1,
      szTried: 100,
      nrApplied: 1,
      szApplied: 100,
      szOpsFilterPassed: 100,
      nrSnapshots: 1,
    });
  });

  it('stat does not reset age; apply interval gates application', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const e = new SchemesEngine(ctx, [{ action: 'stat', applyIntervalUs: 20 }]);
    setRegion(ctx, 0, 1, 4);
    setRegion(ctx, 1, 2, 4);
    setRegion(ctx, 2, 3, 4);
    atBoundary(ctx, 1); // passed 10 < next_apply_sis 20
    e.applySchemes();
    expect(applied).toHaveLength(0);
    atBoundary(ctx, 2);
    e.applySchemes();
    expect(applied).toHaveLength(3);
    expect(ctx.targets[0]!.regions.age[0]).toBe(4);
    expect(e.schemes[0]!.nextApplySis).toBe(40);
  });

  it('nr_accesses is matched on the moving sum mid-window', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const e = new SchemesEngine(ctx, [{ action: 'stat', applyIntervalUs: 5, pattern: { minNrAccesses: 6 } }]);
    // passed 5 of window [0,10): left_bp 5000 → mvsum = nr + last/2.
    const r = ctx.targets[0]!.regions;
    r.nrAccesses.set([3, 1, 0]);
    r.lastNrAccesses.set([6, 10, 12]);
    ctx.passedSampleIntervals = 5;
    e.applySchemes();
    // mvsum: 3+3=6 (match), 1+5=6 (match), 0+6=6 (match) — all three regions pass.
    expect(applied.map((a) => a.start)).toEqual([0, 100, 200]);
    r.lastNrAccesses.set([4, 10, 11]);
    ctx.passedSampleIntervals = 10;
    ctx.nextAggregationSis = 15; // 5 of 10 left
    applied.length = 0;
    e.applySchemes();
    // 3+2=5 (no), 1+5=6 (yes), 0+5=5 (no)
    expect(applied.map((a) => a.start)).toEqual([100]);
  });

  it('merges identical neighbours back after applying (7.3)', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
      [300, 400],
    ]);
    const e = new SchemesEngine(ctx, [{ action: 'pageout' }]);
    for (let i = 0; i < 4; i++) setRegion(ctx, i, 0, 3);
    atBoundary(ctx);
    e.applySchemes();
    // Size limit = 400 / min_nr_regions(3) = 133: no two neighbours fit together.
    expect(ranges(ctx)).toBe('0-100 100-200 200-300 300-400');
    const big = ctxWith([
      [0, 10],
      [10, 20],
      [20, 30],
      [30, 300],
    ]);
    const e2 = new SchemesEngine(big, [{ action: 'pageout' }]);
    for (let i = 0; i < 4; i++) setRegion(big, i, 0, 3);
    atBoundary(big);
    e2.applySchemes();
    // limit 300/3 = 100: [0,30) merges, [30,300) is too big to join it.
    expect(ranges(big)).toBe('0-30 30-300');
  });
});

describe('tracepoint observers', () => {
  it('beforeApply, esz and statAfterApplyInterval report what the kernel tracepoints would', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const seen: string[] = [];
    const e = new SchemesEngine(
      ctx,
      [{ action: 'pageout', pattern: { minNrAccesses: 2 }, quota: { sz: 1000 } }],
      {
        trace: {
          beforeApply: (si, ti, start, end, nr, age, nrRegions) =>
            seen.push(`before ${si} ${ti} ${start}-${end}: ${nr} ${age} (${nrRegions})`),
          esz: (si, esz) => seen.push(`esz ${si} ${esz}`),
          statAfterApplyInterval: (si, s) => seen.push(`stat ${si} ${s.stat.nrTried} ${s.stat.szApplied}`),
        },
      },
    );
    setRegion(ctx, 0, 1, 4);
    setRegion(ctx, 1, 3, 5);
    setRegion(ctx, 2, 2, 6);
    atBoundary(ctx);
    e.applySchemes();
    expect(seen).toEqual([
      'esz 0 1000',
      'before 0 0 100-200: 3 5 (3)',
      'before 0 0 200-300: 2 6 (3)',
      'stat 0 2 200',
    ]);
  });
});

describe('quota charging and resume-from-last-region', () => {
  it('splits at the remaining quota, resumes after the last charged region next window', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const e = new SchemesEngine(ctx, [{ action: 'pageout', quota: { sz: 150, resetIntervalMs: 0 } }]);
    const s = e.schemes[0]!;
    for (let i = 0; i < 3; i++) setRegion(ctx, i, 0, 1);
    atBoundary(ctx);
    e.applySchemes();
    expect(applied.map((a) => `${a.start}-${a.end}`)).toEqual(['0-100', '100-150']);
    expect(s.quota.chargedSz).toBe(150);
    expect(s.quota.chargeTargetFrom).toBe(ctx.targets[0]);
    expect(s.quota.chargeAddrFrom).toBe(150);
    expect(s.stat).toMatchObject({ nrTried: 2, szTried: 150, szApplied: 150 });
    // Next window (reset interval 0: every apply starts one): resume at 150, not at 0.
    applied.length = 0;
    for (let i = 0; i < ctx.targets[0]!.regions.length; i++) ctx.targets[0]!.regions.age[i] = 1;
    atBoundary(ctx, 2);
    e.applySchemes();
    expect(applied[0]!.start).toBe(150);
    expect(s.stat.qtExceeds).toBe(1);
  });

  it('a quota smaller than the min region size leaves regions tried with 0 bytes', () => {
    const ctx = ctxWith(
      [
        [0, 8192],
        [8192, 16384],
        [16384, 24576],
      ],
      { minRegionSz: 4096 },
    );
    const e = new SchemesEngine(ctx, [{ action: 'pageout', quota: { sz: 6000 } }]);
    for (let i = 0; i < 3; i++) setRegion(ctx, i, 0, 1);
    atBoundary(ctx);
    e.applySchemes();
    // 6000 → first split at ALIGN_DOWN(6000, 4096) = 4096; then 6000-4096 < 4096: quota full.
    expect(applied.map((a) => `${a.start}-${a.end}`)).toEqual(['0-4096']);
    expect(e.schemes[0]!.stat.szApplied).toBe(4096);
  });

  it('charges failed bytes by the fail-charge ratio', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const e = new SchemesEngine(ctx, [
      { action: 'pageout', quota: { sz: 1000, failChargeNum: 1, failChargeDenom: 4 } },
    ]);
    knobs.failBytes = 40; // each region: 60 applied, 40 failed
    for (let i = 0; i < 3; i++) setRegion(ctx, i, 0, 1);
    atBoundary(ctx);
    e.applySchemes();
    // per region 60 + 40/4 = 70
    expect(e.schemes[0]!.quota.chargedSz).toBe(210);
    expect(e.schemes[0]!.stat.szApplied).toBe(180);
  });

  it('min_score from the score histogram keeps the highest-priority regions', () => {
    const ctx = ctxWith(
      [
        [0, 100],
        [100, 200],
        [200, 300],
      ],
      { scored: true },
    );
    const e = new SchemesEngine(ctx, [{ action: 'pageout', quota: { sz: 200 } }]);
    knobs.score = (i) => [10, 90, 50][i]!;
    for (let i = 0; i < 3; i++) setRegion(ctx, i, 0, 1);
    atBoundary(ctx);
    e.applySchemes();
    // 90 (100 B) + 50 (100 B) reach esz 200: min_score 50; region 0 (score 10) is not applied.
    expect(e.schemes[0]!.quota.minScore).toBe(50);
    expect(applied.map((a) => a.start)).toEqual([100, 200]);
  });

  it('time quota: the effective size follows the measured throughput', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const e = new SchemesEngine(ctx, [{ action: 'pageout', quota: { ms: 2 } }]);
    const q = e.schemes[0]!.quota;
    atBoundary(ctx);
    e.applySchemes();
    expect(q.esz).toBe(4096 * 1024 * 2); // nothing charged yet: 4 MiB per ms
    q.totalChargedSz = 1000;
    q.totalChargedNs = 1_000_000; // 1000 bytes per ms
    q.chargedSz = 0;
    atBoundary(ctx, 2);
    e.applySchemes();
    // 1000 B/ms × 2 ms.
    expect(q.esz).toBe(2000);
  });
});

describe('scheme construction', () => {
  it('splits core and ops filters and sets the default-reject flags (vector 21)', () => {
    const mk = (filters: DamosFilter[]) => new Scheme({ action: 'stat', filters });
    const v = (s: Scheme) => [s.coreFiltersDefaultReject, s.opsFiltersDefaultReject];
    expect(v(mk([]))).toEqual([false, false]);
    expect(v(mk([{ type: 'target', targetIdx: 0, matching: true, allow: true }]))).toEqual([true, false]);
    expect(v(mk([{ type: 'target', targetIdx: 0, matching: true, allow: false }]))).toEqual([false, false]);
    expect(
      v(
        mk([
          { type: 'target', targetIdx: 0, matching: true, allow: false },
          { type: 'anon', matching: true, allow: true },
        ]),
      ),
    ).toEqual([false, true]);
    expect(
      v(
        mk([
          { type: 'target', targetIdx: 0, matching: true, allow: true },
          { type: 'anon', matching: true, allow: true },
        ]),
      ),
    ).toEqual([false, true]);
  });

  it('rejects invalid fields naming them', () => {
    expect(() => new Scheme({ action: 'bogus' as never })).toThrow(/scheme.action: unknown action 'bogus'/);
    expect(() => new Scheme({ action: 'stat', quota: { sz: -1 } })).toThrow(/quota.sz/);
    expect(
      () => new Scheme({ action: 'stat', filters: [{ type: 'addr', matching: true, allow: true }] }),
    ).toThrow(/addr filter/);
    expect(
      () => new Scheme({ action: 'stat', quota: { goals: [{ metric: 'nope' as never, targetValue: 1 }] } }),
    ).toThrow(/goals\[0\].metric/);
  });
});
