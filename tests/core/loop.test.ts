/** The kdamond loop as a step (spec §2.1, §2.2), attrs changes (§2.9) and tuning (§2.8). */
import { describe, expect, it } from 'vitest';
import { DamonContext, type ContextOptions } from '../../src/core/context.js';
import { runVirtual } from '../../src/core/drivers.js';
import { resetSharedSplitState } from '../../src/core/region-ops.js';
import type { OperationsSet } from '../../src/core/types.js';
import { einvalMessage, ensureOps, REPORT_OPS } from './helpers.js';

const SI = 1000;

/** An ops set logging its callbacks; check marks every region accessed when `hot` says so. */
function loggingOps(
  id: string,
  log: string[],
  hot: (ctx: DamonContext) => boolean = () => true,
): OperationsSet<never> {
  return {
    id,
    init: () => log.push('init'),
    update: (c) => log.push(`update@${c.passedSampleIntervals}`),
    prepareAccessChecks: () => log.push('prepare'),
    checkAccesses: (c) => {
      log.push('check');
      let max = 0;
      for (const t of c.targets)
        for (let i = 0; i < t.regions.length; i++) {
          c.updateRegionAccessRate(t, i, hot(c as DamonContext));
          max = Math.max(max, t.regions.nrAccesses[i]!);
        }
      return max;
    },
    cleanup: () => log.push('cleanup'),
  };
}

function mk(ops: OperationsSet<never> | string, over: Partial<ContextOptions> = {}): DamonContext {
  return new DamonContext({
    ops,
    minRegionSz: 1,
    attrs: {
      sampleInterval: SI,
      aggrInterval: 5 * SI,
      opsUpdateInterval: 10 * SI,
      minNrRegions: 3,
      maxNrRegions: 30,
    },
    targets: [{ regions: [{ start: 0, end: 3000 }] }],
    ...over,
  });
}

describe('kdamond step', () => {
  it('runs in the kernel order: check, merge, schemes, aggregated, reset, split, update', () => {
    const log: string[] = [];
    const c = mk(loggingOps('log-order', log));
    c.schemesHook = (x) =>
      log.push(`schemes@${x.passedSampleIntervals}:${x.targets[0]!.regions.nrAccesses[0]}`);
    c.onAggregated((w) =>
      log.push(
        `aggr@${w.passedSampleIntervals}:${w.targets[0]!.regions.nrAccesses[0]}:${w.startUs}-${w.endUs}`,
      ),
    );
    runVirtual([c], { advance: () => {} }, 10 * SI);
    expect(log[0]).toBe('init');
    expect(log.filter((e) => e.startsWith('aggr@'))).toEqual(['aggr@5:5:0-5000', 'aggr@10:5:5000-10000']);
    const i = log.indexOf('aggr@5:5:0-5000');
    expect(log.slice(i - 2, i + 2)).toEqual(['check', 'schemes@5:5', 'aggr@5:5:0-5000', 'prepare']);
    const j = log.indexOf('aggr@10:5:5000-10000');
    expect(log.slice(j - 1, j + 2)).toEqual(['schemes@10:5', 'aggr@10:5:5000-10000', 'update@10']);
    // After the reset the completed window is last_nr_accesses and nr_accesses restarts.
    const r = c.targets[0]!.regions;
    expect(r.lastNrAccesses[0]).toBe(5);
    expect(r.nrAccesses[0]).toBe(0);
    expect(log.filter((e) => e === 'prepare').length).toBe(11);
  });

  it('schemes see the completed window before reset and split happens after it', () => {
    resetSharedSplitState();
    const c = mk(loggingOps('log-split', []));
    const counts: number[] = [];
    c.onAggregated((w) => counts.push(w.targets[0]!.regions.length));
    runVirtual([c], { advance: () => {} }, 5 * SI);
    // All regions hot at 5: merged into at most sz_limit-sized pieces, then split after the callback.
    expect(counts).toEqual([3]);
    expect(c.targets[0]!.regions.length).toBe(6);
    // split_regions' last_nr_regions is function-static in the kernel, shared by all contexts:
    // another context seeing the same count (3) right after splits each region in 3.
    const d = mk(loggingOps('log-split', []));
    runVirtual([d], { advance: () => {} }, 5 * SI);
    expect(d.targets[0]!.regions.length).toBe(9);
  });

  it('stops when every target is invalid, calling cleanup once', () => {
    const log: string[] = [];
    const ops: OperationsSet<never> = { ...loggingOps('log-valid', log), targetValid: (c) => c.now < 4 * SI };
    const c = mk(ops);
    const spans: number[][] = [];
    runVirtual([c], { advance: (a, b) => spans.push([a, b]) }, 100 * SI);
    expect(c.isStopped).toBe(true);
    expect(c.passedSampleIntervals).toBe(4);
    expect(log.filter((e) => e === 'cleanup').length).toBe(1);
    expect(spans.at(-1)![1]).toBe(4 * SI);
  });

  it('does not sample while wait_activation says inactive', () => {
    const c = mk(REPORT_OPS);
    c.waitActivation = (x) => (x.now < 3 * SI ? 500 : 0);
    runVirtual([c], { advance: () => {} }, 5 * SI);
    // Inactive until 3000 (checks at 0, 500, ..., 2500), then samples end at 4000 and 5000.
    expect(c.passedSampleIntervals).toBe(2);
  });

  it('accepts the seed name paddr_fault as paddr with the page_fault primitive', () => {
    ensureOps({ id: 'paddr', checkAccesses: () => 0 });
    const c = mk('paddr_fault');
    expect(c.ops.id).toBe('paddr');
    expect(c.primitives).toEqual({ pageTable: false, pageFault: true });
    expect(c.reportFed).toBe(true);
  });

  it('names unknown ops and bad targets', () => {
    expect(einvalMessage(() => mk('nope'))).toMatch(/unknown operations set 'nope' \(known: .*test-reports/);
    expect(
      einvalMessage(() => mk(REPORT_OPS, { targets: [{}, { regions: [{ start: 10, end: 5 }] }] })),
    ).toMatch(/^targets\[1\]\.regions: ranges\[0\]/);
  });
});

describe('set_attrs on a running context', () => {
  it('mid-window: zeroes nr_accesses, converts last and age, moves the next aggregation', () => {
    const c = mk(loggingOps('log-attrs', []));
    runVirtual([c], { advance: () => {} }, 7 * SI); // aggregated at 5, two samples into the next window
    const r = c.targets[0]!.regions;
    expect(r.nrAccesses[0]).toBe(2);
    expect(r.lastNrAccesses[0]).toBe(5);
    const age = r.age[0]!;
    c.setAttrs({ ...c.attrs, sampleInterval: SI / 2, aggrInterval: 5 * SI });
    expect(r.nrAccesses[0]).toBe(0);
    expect(r.lastNrAccesses[0]).toBe(10);
    expect(r.age[0]).toBe(age);
    expect(c.nextAggregationSis).toBe(7 + 10);
    expect(c.aggrSamples).toBe(10);
  });

  it('rejects invalid attrs and keeps the old ones', () => {
    const c = mk(REPORT_OPS);
    const before = c.attrs;
    expect(einvalMessage(() => c.setAttrs({ ...before, minNrRegions: 2 }))).toMatch(/minNrRegions/);
    expect(c.attrs).toBe(before);
    const goal = { accessBp: 400, aggrs: 3, minSampleUs: 2000, maxSampleUs: 10000 };
    expect(einvalMessage(() => c.setAttrs({ ...before, intervalsGoal: goal }))).toMatch(
      /outside intervalsGoal/,
    );
  });
});

describe('intervals auto-tuning', () => {
  const goal = { accessBp: 400, aggrs: 2, minSampleUs: 100, maxSampleUs: 100_000 };
  function tuned(hot: boolean): number[] {
    const c = mk(
      loggingOps(`tune-${hot}`, [], () => hot),
      {
        attrs: {
          sampleInterval: SI,
          aggrInterval: 5 * SI,
          minNrRegions: 3,
          maxNrRegions: 30,
          intervalsGoal: goal,
        },
      },
    );
    const seen: number[] = [];
    c.onAttrsChanged = (x) => seen.push(x.attrs.sampleInterval);
    runVirtual([c], { advance: () => {} }, 200 * SI);
    expect(c.attrs.aggrInterval).toBe(c.attrs.sampleInterval * 5);
    return seen;
  }
  it('shrinks intervals (by at most half) when more accesses than the goal are seen', () => {
    const s = tuned(true);
    expect(s.length).toBeGreaterThan(1);
    expect(s[0]).toBe(500);
    for (let i = 1; i < s.length; i++) expect(s[i]!).toBeLessThanOrEqual(s[i - 1]!);
    expect(s.at(-1)).toBe(goal.minSampleUs);
  });
  it('grows intervals (by at most double) when no access is seen', () => {
    const s = tuned(false);
    expect(s[0]).toBe(2000);
    for (let i = 1; i < s.length; i++) expect(s[i]!).toBeLessThanOrEqual(2 * s[i - 1]!);
    expect(s.at(-1)!).toBeGreaterThan(s[0]!);
  });
});
