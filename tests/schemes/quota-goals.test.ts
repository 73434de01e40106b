import { describe, expect, it } from 'vitest';
import { feedLoopNextInput } from '../../src/core/attrs.js';
import { SchemesEngine } from '../../src/schemes/engine.js';
import type { SchemesMetrics } from '../../src/schemes/metrics.js';
import { setEffectiveQuota } from '../../src/schemes/quota.js';
import { activationWaitUs, wmarkWaitUs } from '../../src/schemes/watermarks.js';
import { Scheme } from '../../src/schemes/scheme.js';
import { atBoundary, ctxWith, setRegion } from './helpers.js';

function metricsWith(v: Partial<Record<keyof SchemesMetrics, number>>): SchemesMetrics {
  return {
    freeMemRate: () => v.freeMemRate ?? 500,
    nodeMemUsedBp: () => v.nodeMemUsedBp ?? 0,
    nodeMemcgUsedBp: () => v.nodeMemcgUsedBp ?? 0,
    activeMemBp: () => v.activeMemBp ?? 0,
    psiSomeTotalUs: () => v.psiSomeTotalUs ?? 0,
    bytesOnNode: () => v.bytesOnNode ?? 0,
    actionClockNs: () => v.actionClockNs ?? 0,
  };
}

describe('feedback loop (vector 20) and goal tuners', () => {
  it('feed_loop_next_input: under-achieving grows, over-achieving shrinks, more so when further', () => {
    const last = 900000;
    expect(feedLoopNextInput(last, 200)).toBeGreaterThan(last);
    expect(feedLoopNextInput(last, 250000000)).toBeLessThan(last);
    expect(feedLoopNextInput(last, 200)).toBeGreaterThan(feedLoopNextInput(last, 2000));
  });

  it('consist tuner: esz grows while the goal is unmet and shrinks once exceeded', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const s = new Scheme({
      action: 'pageout',
      quota: { goals: [{ metric: 'user_input', targetValue: 10000, currentValue: 5000 }] },
    });
    const q = s.quota;
    const seen: number[] = [];
    for (let k = 0; k < 4; k++) {
      setEffectiveQuota(q, ctx, s, undefined);
      seen.push(q.esz);
    }
    // score 5000 (half the goal): esz_bp grows by half of itself per window, from 10000.
    let bp = 0;
    for (let k = 0; k < 4; k++) bp = feedLoopNextInput(Math.max(bp, 10000), 5000);
    expect(bp).toBe(50625);
    expect(q.eszBp).toBe(bp);
    expect(seen).toEqual([1, 2, 3, 5]);
    expect(seen[3]).toBeGreaterThan(seen[0]!);
    q.goals[0]!.currentValue = 15000;
    const before = q.eszBp;
    setEffectiveQuota(q, ctx, s, undefined);
    expect(q.eszBp).toBeLessThan(before);
  });

  it('temporal tuner: unlimited (or sz) until the goal is reached, then zero', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const s = new Scheme({
      action: 'pageout',
      quota: {
        sz: 4096,
        goalTuner: 'temporal',
        goals: [{ metric: 'user_input', targetValue: 100, currentValue: 50 }],
      },
    });
    setEffectiveQuota(s.quota, ctx, s, undefined);
    expect(s.quota.esz).toBe(4096);
    s.quota.goals[0]!.currentValue = 100;
    setEffectiveQuota(s.quota, ctx, s, undefined);
    expect(s.quota.esz).toBe(0);
  });

  it('goal score is the highest ratio over goals; metrics come from the machine interface', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const s = new Scheme({
      action: 'pageout',
      quota: {
        goals: [
          { metric: 'node_mem_free_bp', targetValue: 5000, nid: 0 },
          { metric: 'some_mem_psi_us', targetValue: 1000 },
        ],
      },
    });
    const m = metricsWith({ nodeMemUsedBp: 8000, psiSomeTotalUs: 3000 });
    setEffectiveQuota(s.quota, ctx, s, m);
    // free 2000/5000 = 4000 bp; psi delta 3000/1000 = 30000 bp → highest 30000 ≥ 20000: input min.
    expect(s.quota.goals[0]!.currentValue).toBe(2000);
    expect(s.quota.goals[1]!.currentValue).toBe(3000);
    expect(s.quota.eszBp).toBe(10000);
    // PSI is a delta since the last measurement.
    setEffectiveQuota(s.quota, ctx, s, m);
    expect(s.quota.goals[1]!.currentValue).toBe(0);
  });

  it('node_eligible_mem_bp: matching bytes on the node over all matching bytes', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const s = new Scheme({
      action: 'migrate_hot',
      pattern: { minNrAccesses: 1 },
      quota: { goals: [{ metric: 'node_eligible_mem_bp', targetValue: 5000, nid: 1 }] },
    });
    setRegion(ctx, 0, 5, 0);
    setRegion(ctx, 1, 5, 0);
    setRegion(ctx, 2, 0, 0);
    atBoundary(ctx);
    const m = metricsWith({});
    m.bytesOnNode = (_c, _t, start, end) => (start === 0 ? end - start : 0);
    setEffectiveQuota(s.quota, ctx, s, m);
    expect(s.quota.goals[0]!.currentValue).toBe(5000);
    expect(s.lastEligibleBytes).toBe(200);
  });

  it('qt_exceeds counts windows that ended full; reset interval spans applies', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const e = new SchemesEngine(ctx, [{ action: 'pageout', quota: { sz: 100, resetIntervalMs: 1 } }]);
    const s = e.schemes[0]!;
    const apply = (k: number) => {
      for (let i = 0; i < ctx.targets[0]!.regions.length; i++) setRegion(ctx, i, 0, 1);
      atBoundary(ctx, k);
      ctx.now = k * 600; // µs: windows of 1 ms = 1000 µs, the first from 600
      e.applySchemes();
    };
    apply(1);
    expect(s.quota.chargedSz).toBe(100);
    apply(2); // 1200 µs: same window, quota full → nothing more
    expect(s.stat.szApplied).toBe(100);
    apply(3); // 1800 µs ≥ 600 + 1000: new window
    expect(s.stat.qtExceeds).toBe(1);
    expect(s.stat.szApplied).toBe(200);
  });
});

describe('watermarks', () => {
  it('transitions: above high / below low deactivate; mid..high keeps inactive; below mid activates', () => {
    const s = new Scheme({
      action: 'pageout',
      watermarks: { metric: 'free_mem_rate', intervalUs: 5000, high: 800, mid: 500, low: 100 },
    });
    let free = 900;
    const m = metricsWith({});
    m.freeMemRate = () => free;
    expect(wmarkWaitUs(s, m)).toBe(5000); // above high
    expect(s.wmarks.activated).toBe(false);
    free = 600; // between mid and high while inactive: stays inactive
    expect(wmarkWaitUs(s, m)).toBe(5000);
    expect(s.wmarks.activated).toBe(false);
    free = 400; // below mid: activates
    expect(wmarkWaitUs(s, m)).toBe(0);
    expect(s.wmarks.activated).toBe(true);
    free = 700; // between mid and high while active: stays active
    expect(wmarkWaitUs(s, m)).toBe(0);
    free = 50; // below low
    expect(wmarkWaitUs(s, m)).toBe(5000);
    expect(s.wmarks.activated).toBe(false);
  });

  it('metric none or no metrics: always active; the kdamond waits the minimum over schemes', () => {
    const none = new Scheme({ action: 'stat' });
    const wm = new Scheme({
      action: 'stat',
      watermarks: { metric: 'free_mem_rate', intervalUs: 7000, high: 10, mid: 5, low: 0 },
    });
    const m = metricsWith({ freeMemRate: 500 });
    expect(activationWaitUs([wm], m)).toBe(7000);
    expect(activationWaitUs([wm, none], m)).toBe(0);
    expect(activationWaitUs([], m)).toBe(0);
    expect(wmarkWaitUs(wm, undefined)).toBe(0);
  });

  it('an inactive scheme is not applied and the engine tells the core to wait', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const m = metricsWith({ freeMemRate: 900 });
    const e = new SchemesEngine(
      ctx,
      [
        {
          action: 'pageout',
          watermarks: { metric: 'free_mem_rate', intervalUs: 1000, high: 800, mid: 500, low: 100 },
        },
      ],
      { metrics: m },
    );
    expect(ctx.waitActivation!(ctx)).toBe(1000);
    atBoundary(ctx);
    e.applySchemes();
    expect(e.schemes[0]!.stat.nrTried).toBe(0);
  });
});
