/** The virtual-clock and wall-clock drivers over the same step. */
import { describe, expect, it } from 'vitest';
import { DamonContext } from '../../src/core/context.js';
import { runVirtual, runWallClock, wallClockUs } from '../../src/core/drivers.js';
import { resetSharedSplitState } from '../../src/core/region-ops.js';
import { REPORT_OPS } from './helpers.js';

function ctx(sampleInterval: number, seed = 0): DamonContext {
  return new DamonContext({
    ops: REPORT_OPS,
    seed,
    attrs: { sampleInterval, aggrInterval: sampleInterval * 4, minNrRegions: 3, maxNrRegions: 100 },
    targets: [{ regions: [{ start: 0, end: 1 << 24 }] }],
  });
}

/** Records env spans and, per context, the times of its aggregations. */
function recorder(contexts: DamonContext[]) {
  const spans: [number, number][] = [];
  const events: string[] = [];
  contexts.forEach((c, i) => c.onAggregated((w) => events.push(`${i}@${w.endUs}`)));
  return { spans, events, env: { advance: (a: number, b: number) => void spans.push([a, b]) } };
}

describe('runVirtual', () => {
  it('interleaves two contexts with different sample intervals on one clock', () => {
    const a = ctx(1000);
    const b = ctx(1500);
    const samples: string[] = [];
    for (const [i, c] of [a, b].entries()) c.schemesHook = (x) => samples.push(`${i}@${x.now}`);
    const { spans, events, env } = recorder([a, b]);
    runVirtual([a, b], env, 6000);
    expect(samples).toEqual([
      '0@1000',
      '1@1500',
      '0@2000',
      '0@3000',
      '1@3000',
      '0@4000',
      '1@4500',
      '0@5000',
      '0@6000',
      '1@6000',
    ]);
    expect(events).toEqual(['0@4000', '1@6000']);
    // Contiguous, strictly increasing spans covering [0, 6000]: each instant is simulated once.
    expect(spans[0]![0]).toBe(0);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBe(spans[i - 1]![1]);
    expect(spans.every(([x, y]) => y > x)).toBe(true);
    expect(spans.at(-1)![1]).toBe(6000);
    expect(a.passedSampleIntervals).toBe(6);
    expect(b.passedSampleIntervals).toBe(4);
  });

  it('resumes: two runs equal one run', () => {
    const one = [ctx(1000), ctx(1500)];
    const two = [ctx(1000), ctx(1500)];
    const r1 = recorder(one);
    const r2 = recorder(two);
    runVirtual(one, r1.env, 9000);
    runVirtual(two, r2.env, 2500);
    expect(two[0]!.now).toBe(2500);
    runVirtual(two, r2.env, 9000);
    expect(r2.events).toEqual(r1.events);
    expect(two.map((c) => c.passedSampleIntervals)).toEqual(one.map((c) => c.passedSampleIntervals));
    const cover = (s: [number, number][]) => s.reduce((n, [x, y]) => n + (y - x), 0);
    expect(cover(r2.spans)).toBe(9000);
    expect(cover(r1.spans)).toBe(9000);
  });

  it('is deterministic for a seed and sensitive to it', () => {
    const run = (seed: number) => {
      resetSharedSplitState();
      const c = ctx(1000, seed);
      runVirtual([c], { advance: () => {} }, 40_000);
      const r = c.targets[0]!.regions;
      return Array.from(r.start.subarray(0, r.length));
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });
});

describe('runWallClock', () => {
  it('samples on timers, applies wall-clock-stamped reports, stops on abort', async () => {
    const c = new DamonContext({
      ops: REPORT_OPS,
      attrs: { sampleInterval: 2000, aggrInterval: 10000, minNrRegions: 3, maxNrRegions: 100 },
      targets: [{ regions: [{ start: 0, end: 1 << 20 }] }],
    });
    let aggregations = 0;
    c.onAggregated(() => aggregations++);
    const ac = new AbortController();
    const feeder = setInterval(() => {
      c.reportAccess({
        paddr: 100,
        vaddr: 0,
        size: 1,
        cpu: 0,
        tid: 1,
        tgid: 1,
        isWrite: false,
        time: wallClockUs(),
      });
    }, 1);
    setTimeout(() => ac.abort(), 60);
    const t0 = Date.now();
    await runWallClock(c, { signal: ac.signal });
    clearInterval(feeder);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
    expect(c.isStopped).toBe(true);
    expect(c.passedSampleIntervals).toBeGreaterThanOrEqual(5);
    expect(aggregations).toBeGreaterThanOrEqual(1);
    expect(c.stats.reportsApplied).toBeGreaterThan(0);
  });
});
