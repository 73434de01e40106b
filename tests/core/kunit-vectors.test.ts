/** The kernel's core-kunit.h and vaddr-kunit.h vectors (spec §7.1, §7.2) that concern the core. */
import { describe, expect, it } from 'vitest';
import { DamonContext } from '../../src/core/context.js';
import { getOps, registerOps, unregisterOps } from '../../src/core/ops-registry.js';
import { Prng } from '../../src/core/prng.js';
import { RegionList } from '../../src/core/region-list.js';
import { primitives } from '../../src/index.js';
import { einvalMessage, rec, REPORT_OPS } from './helpers.js';

describe('core-kunit vectors', () => {
  it('1 regions: new region, add, destroy', () => {
    const l = new RegionList();
    expect(l.length).toBe(0);
    const i = l.push(1, 2);
    expect(l.record(i)).toEqual(rec(1, 2));
    expect(l.length).toBe(1);
    l.removeAt(0);
    expect(l.length).toBe(0);
  });

  it('2 target: add and destroy', () => {
    const ctx = new DamonContext({ ops: REPORT_OPS });
    expect(ctx.targets.length).toBe(0);
    ctx.addTarget({ pid: null });
    expect(ctx.targets.length).toBe(1);
    ctx.targets.splice(0, 1);
    expect(ctx.targets.length).toBe(0);
  });

  it('3 aggregate: reset_aggregated zeroes nr_accesses, keeps regions and targets', () => {
    const starts = [
      [10, 20, 30],
      [5, 42, 49],
      [13, 33, 55],
    ];
    const ends = [
      [15, 27, 40],
      [31, 45, 55],
      [23, 44, 66],
    ];
    const nrs = [
      [42, 95, 84],
      [10, 20, 30],
      [0, 1, 2],
    ];
    const ctx = new DamonContext({
      ops: REPORT_OPS,
      minRegionSz: 1,
      attrs: { sampleInterval: 10, aggrInterval: 10, maxNrRegions: 3, minNrRegions: 3 },
      targets: starts.map((s, t) => ({ regions: s.map((st, i) => ({ start: st, end: ends[t]![i]! })) })),
    });
    ctx.targets.forEach((t, ti) => t.regions.nrAccesses.set(nrs[ti]!));
    let seen: number[] = [];
    ctx.onAggregated(
      (w) => (seen = w.targets.flatMap((t) => Array.from(t.regions.nrAccesses.subarray(0, 3)))),
    );
    // maxNrRegions 3 < 9 regions: no split; regions are not adjacent across targets, merge keeps them.
    ctx.schemesHook = (c) => c.targets.forEach((t, ti) => t.regions.nrAccesses.set(nrs[ti]!));
    ctx.beginSample(0);
    ctx.endSample(10);
    expect(seen).toEqual(nrs.flat());
    expect(ctx.targets.length).toBe(3);
    for (const t of ctx.targets) {
      expect(t.regions.length).toBe(3);
      expect(Array.from(t.regions.nrAccesses.subarray(0, 3))).toEqual([0, 0, 0]);
    }
    expect(ctx.targets.map((t) => Array.from(t.regions.lastNrAccesses.subarray(0, 3)))).toEqual(nrs);
  });

  it('4 split_at copies counters to both pieces', () => {
    const [l, r] = primitives.splitRegionAt(rec(0, 100, 42, 15, 10), 25);
    expect(l).toEqual(rec(0, 25, 42, 15, 10));
    expect(r).toEqual(rec(25, 100, 42, 15, 10));
  });

  it('5 merge_two size-weights nr_accesses and age', () => {
    expect(primitives.mergeTwoRegions(rec(0, 100, 10, 0, 9), rec(100, 300, 20, 0, 21))).toEqual(
      rec(0, 300, 16, 0, 17),
    );
  });

  it('6 merge_regions_of', () => {
    const s = [0, 100, 114, 122, 130, 156, 170, 184, 230];
    const e = [100, 112, 122, 130, 156, 170, 184, 230, 10170];
    const nr = [0, 0, 10, 10, 20, 30, 1, 2, 5];
    const out = primitives.mergeRegionsOf(
      s.map((x, i) => rec(x, e[i]!, nr[i]!)),
      9,
      9999,
      true,
    );
    expect(out.map((r) => [r.start, r.end])).toEqual([
      [0, 112],
      [114, 130],
      [130, 156],
      [156, 170],
      [170, 230],
      [230, 10170],
    ]);
  });

  it('7 split_regions_of bounds the piece count', () => {
    for (let seed = 0; seed < 20; seed++) {
      expect(primitives.splitRegionsOf([rec(0, 22)], 2, 1, seed).length).toBeLessThanOrEqual(2);
      expect(primitives.splitRegionsOf([rec(0, 220)], 4, 1, seed).length).toBeLessThanOrEqual(4);
      const three = primitives.splitRegionsOf([rec(0, 220), rec(300, 400), rec(500, 700)], 4, 5, seed);
      expect(three.length).toBeLessThanOrEqual(12);
      expect(three.length).toBeGreaterThan(3);
    }
  });

  it('8 split_above_half progresses (split_some_regions)', () => {
    const ctx = new DamonContext({
      ops: REPORT_OPS,
      minRegionSz: 1,
      attrs: { sampleInterval: 10, aggrInterval: 10, minNrRegions: 10, maxNrRegions: 1500 },
      targets: [{ regions: [{ start: 0, end: 76000 }] }],
    });
    ctx.start(0);
    // Lay out 760 regions of size 100, nr alternating 100/0, age 5, as the kernel test does.
    const l = ctx.targets[0]!.regions;
    l.length = 0;
    for (let i = 0; i < 760; i++) {
      l.push(i * 100, i * 100 + 100);
      l.nrAccesses[i] = i % 2 ? 0 : 100;
      l.age[i] = 5;
    }
    let before = 0;
    ctx.schemesHook = (c) => (before = c.targets[0]!.regions.length);
    ctx.beginSample(0);
    // Threshold 100/10 = 10 cannot merge 100 with 0; all 760 regions reach the split.
    ctx.endSample(10);
    expect(before).toBe(760);
    expect(l.length).toBeGreaterThan(760);
    expect(l.length).toBeLessThanOrEqual(1500);
  });

  it('9 ops registration', () => {
    const a = { id: 'kunit-ops' };
    registerOps(a);
    expect(getOps('kunit-ops')).toBe(a);
    expect(einvalMessage(() => registerOps({ id: 'kunit-ops' }))).toMatch(/already registered/);
    expect(einvalMessage(() => getOps('no-such-ops'))).toMatch(
      /unknown operations set 'no-such-ops'.*kunit-ops/,
    );
    expect(unregisterOps('kunit-ops')).toBe(true);
    registerOps(a);
    expect(einvalMessage(() => registerOps(a))).toMatch(/kunit-ops/);
    unregisterOps('kunit-ops');
  });

  it('11 update_monitoring_result (old 10/1000, applied cumulatively)', () => {
    const old = { sampleInterval: 10, aggrInterval: 1000 };
    let r = rec(0, 10, 15, 0, 20);
    r = primitives.updateMonitoringResult(r, old, { sampleInterval: 100, aggrInterval: 10000 }, false);
    expect([r.nrAccesses, r.age]).toEqual([15, 2]);
    r = primitives.updateMonitoringResult(r, old, { sampleInterval: 1, aggrInterval: 1000 }, false);
    expect([r.nrAccesses, r.age]).toEqual([150, 2]);
    r = primitives.updateMonitoringResult(r, old, { sampleInterval: 1, aggrInterval: 100 }, false);
    expect([r.nrAccesses, r.age]).toEqual([150, 20]);
  });

  it('11b update_monitoring_result mid-window zeroes nr_accesses, converts last', () => {
    const r = primitives.updateMonitoringResult(
      rec(0, 10, 7, 15, 20),
      { sampleInterval: 10, aggrInterval: 1000 },
      { sampleInterval: 1, aggrInterval: 1000 },
      true,
    );
    expect([r.nrAccesses, r.lastNrAccesses, r.age]).toEqual([0, 150, 20]);
  });

  it('12 set_attrs validation', () => {
    const ok = {
      minNrRegions: 10,
      maxNrRegions: 1000,
      sampleInterval: 5000,
      aggrInterval: 100000,
      opsUpdateInterval: 0,
    };
    expect(() => primitives.validateAttrs(ok)).not.toThrow();
    expect(einvalMessage(() => primitives.validateAttrs({ ...ok, minNrRegions: 1 }))).toMatch(/minNrRegions/);
    expect(einvalMessage(() => primitives.validateAttrs({ ...ok, maxNrRegions: 9 }))).toMatch(/maxNrRegions/);
    expect(einvalMessage(() => primitives.validateAttrs({ ...ok, aggrInterval: 4999 }))).toMatch(
      /aggrInterval/,
    );
  });

  it('13 mvsum', () => {
    const v: [number, number, number, number][] = [
      [0, 49, 10000, 49],
      [3, 10, 7000, 10],
      [3, 10, 5000, 8],
      [32, 100, 1000, 42],
      [42, 49, 0, 42],
    ];
    for (const [cur, last, bp, out] of v) expect(primitives.mvsum(cur, last, bp)).toBe(out);
  });

  it('14 nr_accesses_mvsum (sample 1, aggr 10)', () => {
    const v: [number, number, number, number, number][] = [
      [0, 10, 5, 3, 3],
      [0, 10, 0, 7, 7],
      [5, 10, 3, 10, 8],
      [8, 10, 3, 10, 5],
      [10, 10, 42, 49, 42],
    ];
    const ctx = new DamonContext({
      ops: REPORT_OPS,
      minRegionSz: 1,
      attrs: { sampleInterval: 1, aggrInterval: 10 },
      targets: [{ regions: [{ start: 0, end: 10 }] }],
    });
    const t = ctx.targets[0]!;
    for (const [passed, next, nr, last, out] of v) {
      ctx.passedSampleIntervals = passed;
      ctx.nextAggregationSis = next;
      t.regions.nrAccesses[0] = nr;
      t.regions.lastNrAccesses[0] = last;
      expect(ctx.nrAccessesMvsum(t, 0)).toBe(out);
    }
  });

  it('17 commit target regions: dst {[3,8),[8,10)} + src {[4,6)} => {[4,6)}', () => {
    const out = primitives.setRegions([rec(3, 8), rec(8, 10)], [{ start: 4, end: 6 }], 1);
    expect(out.map((r) => [r.start, r.end])).toEqual([[4, 6]]);
  });

  it('18 commit: min_region_sz 4096 ok, 4095 EINVAL', () => {
    expect(new DamonContext({ ops: REPORT_OPS, minRegionSz: 4096 }).minRegionSz).toBe(4096);
    expect(einvalMessage(() => new DamonContext({ ops: REPORT_OPS, minRegionSz: 4095 }))).toMatch(
      /minRegionSz/,
    );
  });

  it('20 feed_loop_next_input', () => {
    const last = 900000;
    expect(primitives.feedLoopNextInput(last, 200)).toBeGreaterThan(last);
    expect(primitives.feedLoopNextInput(last, 250000000)).toBeLessThan(last);
    expect(primitives.feedLoopNextInput(last, 200)).toBeGreaterThan(primitives.feedLoopNextInput(last, 2000));
    expect(primitives.feedLoopNextInput(last, 10000)).toBe(last);
    expect(primitives.feedLoopNextInput(last, 20000)).toBe(10000);
    // Over-achieving never goes below the minimum input.
    expect(primitives.feedLoopNextInput(10001, 19999)).toBe(10000);
  });

  it('22 apply_min_nr_regions', () => {
    const v: [number, number, number, number, number][] = [
      [10, 1, 10, 1, 10],
      [10, 1, 15, 1, 10],
      [10, 2, 2, 6, 2],
      [10, 2, 10, 2, 5],
    ];
    for (const [size, m, minNr, maxSz, count] of v) {
      const out = primitives.applyMinNrRegions([rec(0, size)], minNr, m);
      expect([out.maxSz, out.regions.length]).toEqual([maxSz, count]);
      expect(out.regions.at(-1)!.end).toBe(size);
    }
  });

  it('23 is_last_region: each appended region is last', () => {
    const l = new RegionList(1);
    for (let i = 0; i < 5; i++) expect(l.push(i * 10, i * 10 + 10)).toBe(l.length - 1);
  });

  it('25 rand(0, 10) stays in [0, 9]', () => {
    const p = new Prng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 10000; i++) {
      const v = p.rand(0, 10);
      expect(v >= 0 && v <= 9 && Number.isInteger(v)).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBe(10);
  });
});

describe('vaddr-kunit three regions (spec §2.11)', () => {
  it('three_regions_in_vmas: two biggest gaps removed', () => {
    const vmas = [
      [10, 20],
      [20, 25],
      [200, 210],
      [210, 220],
      [300, 305],
      [307, 330],
    ].map(([start, end]) => ({ start: start!, end: end! }));
    expect(primitives.threeRegionsOfVmas(vmas, 1)).toEqual([
      { start: 10, end: 25 },
      { start: 200, end: 220 },
      { start: 300, end: 330 },
    ]);
  });

  it('aligns up to min region size and earlier gap wins ties', () => {
    const vmas = [
      { start: 4096, end: 8192 },
      { start: 16384, end: 20480 },
      { start: 28672, end: 32768 },
      { start: 40960, end: 45000 },
    ];
    // Three equal gaps of 8192: the first two win.
    expect(primitives.threeRegionsOfVmas(vmas)).toEqual([
      { start: 4096, end: 8192 },
      { start: 16384, end: 20480 },
      { start: 28672, end: 45056 },
    ]);
  });

  it('fewer than two gaps is EINVAL', () => {
    expect(
      einvalMessage(() =>
        primitives.threeRegionsOfVmas(
          [
            { start: 0, end: 10 },
            { start: 10, end: 20 },
          ],
          1,
        ),
      ),
    ).toMatch(/gaps/);
    expect(
      einvalMessage(() =>
        primitives.threeRegionsOfVmas(
          [
            { start: 0, end: 10 },
            { start: 20, end: 30 },
          ],
          1,
        ),
      ),
    ).toMatch(/gaps/);
  });

  const before = [10, 20, 20, 30, 50, 55, 55, 57, 57, 59, 70, 80, 80, 90, 90, 100];
  const pairs = (a: number[]): number[][] => a.flatMap((x, i) => (i % 2 ? [] : [[x, a[i + 1]!]]));
  const cases: [string, number[], number[]][] = [
    ['apply_three_regions1', [5, 27, 45, 55, 73, 104], [5, 20, 20, 27, 45, 55, 73, 80, 80, 90, 90, 104]],
    ['apply_three_regions2', [5, 27, 56, 57, 65, 104], [5, 20, 20, 27, 56, 57, 65, 80, 80, 90, 90, 104]],
    ['apply_three_regions3', [5, 27, 61, 63, 65, 104], [5, 20, 20, 27, 61, 63, 65, 80, 80, 90, 90, 104]],
    ['apply_three_regions4', [5, 7, 30, 32, 65, 68], [5, 7, 30, 32, 65, 68]],
  ];
  for (const [name, three, expected] of cases) {
    it(name, () => {
      const regions = pairs(before).map(([s, e]) => rec(s!, e!));
      const ranges = pairs(three).map(([start, end]) => ({ start: start!, end: end! }));
      const out = primitives.setRegions(regions, ranges, 1);
      expect(out.flatMap((r) => [r.start, r.end])).toEqual(expected);
      expect(regions.length).toBe(8);
    });
  }
});
