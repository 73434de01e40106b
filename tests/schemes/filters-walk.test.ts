import { describe, expect, it } from 'vitest';
import { SchemesEngine } from '../../src/schemes/engine.js';
import { coreFilterOut } from '../../src/schemes/filters.js';
import { Scheme } from '../../src/schemes/scheme.js';
import type { DamosFilter } from '../../src/schemes/types.js';
import { applied, atBoundary, ctxWith, ranges, setRegion } from './helpers.js';

const addr = (start: number, end: number, matching: boolean, allow: boolean): DamosFilter => ({
  type: 'addr',
  addrStart: start,
  addrEnd: end,
  matching,
  allow,
});

describe('core filters', () => {
  it('addr filter match table: inside, outside, straddling start (split, left out), straddling end (split, left in)', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
      [300, 400],
    ]);
    const s = new Scheme({ action: 'stat', filters: [addr(50, 250, true, false)] });
    const t = ctx.targets[0]!;
    // region 0 [0,100) starts before 50: split at 50, left [0,50) does not match → default
    expect(coreFilterOut(ctx, t, 0, s)).toBe(false); // default reject = last.allow = false
    expect(ranges(ctx)).toBe('0-50 50-100 100-200 200-300 300-400');
    expect(coreFilterOut(ctx, t, 1, s)).toBe(true); // [50,100) inside → reject
    expect(coreFilterOut(ctx, t, 2, s)).toBe(true); // [100,200) inside
    // [200,300) starts inside, ends after 250: split at 250, left matches
    expect(coreFilterOut(ctx, t, 3, s)).toBe(true);
    expect(ranges(ctx)).toBe('0-50 50-100 100-200 200-250 250-300 300-400');
    expect(coreFilterOut(ctx, t, 4, s)).toBe(false); // outside
  });

  it('first matching filter decides; allow sets core_filters_allowed; verdict table', () => {
    const ctx = ctxWith(
      [
        [0, 100],
        [100, 200],
        [200, 300],
      ],
      { targets: 2 },
    );
    const [t0, t1] = ctx.targets;
    const table: [DamosFilter[], boolean, boolean][] = [
      // filters, out for target 0, out for target 1
      [[{ type: 'target', targetIdx: 0, matching: true, allow: true }], false, true],
      [[{ type: 'target', targetIdx: 0, matching: true, allow: false }], true, false],
      [[{ type: 'target', targetIdx: 0, matching: false, allow: false }], false, true],
      [
        [
          { type: 'target', targetIdx: 1, matching: true, allow: false },
          { type: 'target', targetIdx: 0, matching: true, allow: true },
        ],
        false,
        true,
      ],
      // an ops filter after the core ones: core default is "pass" (ops decides)
      [
        [
          { type: 'target', targetIdx: 0, matching: true, allow: true },
          { type: 'anon', matching: true, allow: true },
        ],
        false,
        false,
      ],
    ];
    for (const [filters, out0, out1] of table) {
      const s = new Scheme({ action: 'stat', filters });
      expect(coreFilterOut(ctx, t0!, 0, s), JSON.stringify(filters)).toBe(out0);
      expect(coreFilterOut(ctx, t1!, 0, s), JSON.stringify(filters)).toBe(out1);
    }
    const s = new Scheme({
      action: 'stat',
      filters: [{ type: 'target', targetIdx: 0, matching: true, allow: true }],
    });
    coreFilterOut(ctx, t0!, 0, s);
    expect(s.coreFiltersAllowed).toBe(true);
    coreFilterOut(ctx, t1!, 0, s);
    expect(s.coreFiltersAllowed).toBe(false);
  });

  it('a filtered-out region is not counted as tried', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const e = new SchemesEngine(ctx, [{ action: 'pageout', filters: [addr(100, 200, true, false)] }]);
    for (let i = 0; i < 3; i++) setRegion(ctx, i, 0, 1);
    atBoundary(ctx);
    e.applySchemes();
    expect(applied.map((a) => a.start)).toEqual([0, 200]);
    expect(e.schemes[0]!.stat.nrTried).toBe(2);
  });
});

describe('damos_walk, tried regions and snapshots', () => {
  it("collects the regions tried during each scheme's next apply interval, then completes", () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const e = new SchemesEngine(ctx, [
      { action: 'stat', pattern: { minNrAccesses: 1 } },
      { action: 'stat', applyIntervalUs: 20 },
    ]);
    setRegion(ctx, 0, 0, 1);
    setRegion(ctx, 1, 4, 2);
    setRegion(ctx, 2, 7, 3);
    let result: string | null | undefined;
    e.collectTriedRegions((err) => (result = err));
    atBoundary(ctx, 1);
    e.applySchemes();
    expect(result).toBeUndefined(); // scheme 1 has not had its interval yet
    expect(e.schemes[0]!.triedRegions).toEqual([
      { start: 100, end: 200, nrAccesses: 4, age: 2, szFilterPassed: 100 },
      { start: 200, end: 300, nrAccesses: 7, age: 3, szFilterPassed: 100 },
    ]);
    atBoundary(ctx, 2);
    e.applySchemes();
    expect(result).toBeNull();
    expect(e.schemes[1]!.triedRegions).toHaveLength(3);
    expect(e.walkPending).toBe(false);
  });

  it('a second walk while one is pending is EBUSY; no schemes or a stopped context cancels (vector 24)', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const e = new SchemesEngine(ctx, [{ action: 'stat' }]);
    e.walk(
      () => {},
      () => {},
    );
    expect(() =>
      e.walk(
        () => {},
        () => {},
      ),
    ).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    let r: string | null = null;
    e.cancelWalk();
    e.setSchemes([]);
    e.walk(
      () => {},
      (err) => (r = err),
    );
    expect(r).toBe('ECANCELED');
    const c2 = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const e2 = new SchemesEngine(c2, [{ action: 'stat' }]);
    c2.stop();
    let r2: string | null = null;
    e2.walk(
      () => {},
      (err) => (r2 = err),
    );
    expect(r2).toBe('ECANCELED');
  });

  it('a walk is canceled while watermarks deactivate every scheme, and while paused', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const metrics = {
      freeMemRate: () => 900,
      nodeMemUsedBp: () => 0,
      nodeMemcgUsedBp: () => 0,
      activeMemBp: () => 0,
      psiSomeTotalUs: () => 0,
      bytesOnNode: () => 0,
      actionClockNs: () => 0,
    };
    const e = new SchemesEngine(
      ctx,
      [
        {
          action: 'stat',
          watermarks: { metric: 'free_mem_rate', intervalUs: 1000, high: 800, mid: 500, low: 100 },
        },
      ],
      { metrics },
    );
    let r: string | null | undefined;
    e.walk(
      () => {},
      (err) => (r = err),
    );
    expect(ctx.waitActivation!(ctx)).toBe(1000);
    expect(r).toBe('ECANCELED');
    const c2 = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const e2 = new SchemesEngine(c2, [{ action: 'stat' }]);
    e2.paused = true;
    let r2: string | null | undefined;
    e2.walk(
      () => {},
      (err) => (r2 = err),
    );
    expect(c2.waitActivation!(c2)).toBe(1); // sleeps a sample interval (1 µs here)
    expect(r2).toBe('ECANCELED');
    e2.paused = false;
    expect(c2.waitActivation!(c2)).toBe(0);
  });

  it('nr_snapshots counts passes that reached the last region; max_nr_snapshots stops the scheme', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    const e = new SchemesEngine(ctx, [{ action: 'stat', maxNrSnapshots: 2 }]);
    for (let k = 1; k <= 4; k++) {
      atBoundary(ctx, k);
      e.applySchemes();
    }
    expect(e.schemes[0]!.stat.nrSnapshots).toBe(2);
    expect(e.schemes[0]!.stat.nrTried).toBe(6);
  });
});
