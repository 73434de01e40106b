/** Shared helpers of the DAMOS tests: a context on a recording ops set, and region setup. */
import { DamonContext } from '../../src/core/context.js';
import { hasOps, registerOps } from '../../src/core/ops-registry.js';
import type { OperationsSet, OpsContext, TargetView } from '../../src/core/types.js';
import type { Scheme } from '../../src/schemes/scheme.js';

export interface Applied {
  start: number;
  end: number;
  action: string;
}

/** Calls recorded by the test ops sets, in order. */
export const applied: Applied[] = [];

/** apply_scheme applies to the whole region unless `failBytes` says how much fails. */
export const knobs = { failBytes: 0, score: (_i: number) => 50 };

function record(_c: OpsContext, t: TargetView, i: number, s: Scheme) {
  const sz = t.regions.end[i]! - t.regions.start[i]!;
  applied.push({ start: t.regions.start[i]!, end: t.regions.end[i]!, action: s.action });
  const ok = Math.max(0, sz - knobs.failBytes);
  return { applied: ok, filterPassed: sz };
}

const plain: OperationsSet<Scheme> = { id: 'test-damos', applyScheme: record };
const scored: OperationsSet<Scheme> = {
  id: 'test-damos-scored',
  applyScheme: record,
  getSchemeScore: (_c, _t, i) => knobs.score(i),
};
for (const o of [plain, scored]) if (!hasOps(o.id)) registerOps(o);

/** A context (sample 1 µs, aggr 10 µs: 10 samples per aggregation) with targets of the given regions. */
export function ctxWith(
  ranges: [number, number][],
  opts: { scored?: boolean; minRegionSz?: number; targets?: number } = {},
): DamonContext {
  applied.length = 0;
  knobs.failBytes = 0;
  knobs.score = () => 50;
  const nTargets = opts.targets ?? 1;
  const ctx = new DamonContext({
    ops: opts.scored ? 'test-damos-scored' : 'test-damos',
    attrs: { sampleInterval: 1, aggrInterval: 10, minNrRegions: 3, maxNrRegions: 1000 },
    minRegionSz: opts.minRegionSz ?? 1,
    targets: Array.from({ length: nTargets }, () => ({
      pid: null,
      regions: ranges.map(([start, end]) => ({ start, end })),
    })),
  });
  // Not started (start() would split regions for min_nr_regions): the window position is set here.
  ctx.nextAggregationSis = 10;
  return ctx;
}

/** Sets the counters of region i of target t (nr_accesses as the completed window's, at a boundary). */
export function setRegion(ctx: DamonContext, i: number, nr: number, age: number, t = 0): void {
  const r = ctx.targets[t]!.regions;
  r.nrAccesses[i] = nr;
  r.lastNrAccesses[i] = nr;
  r.age[i] = age;
}

/** Moves the context to its next aggregation boundary (where schemes of apply interval 0 run). */
export function atBoundary(ctx: DamonContext, k = 1): void {
  ctx.passedSampleIntervals = ctx.nextAggregationSis * k;
  ctx.nextAggregationSis = ctx.passedSampleIntervals;
  ctx.now = ctx.passedSampleIntervals;
}

export function ranges(ctx: DamonContext, t = 0): string {
  return ctx.targets[t]!.regions.toRecords()
    .map((r) => `${r.start}-${r.end}`)
    .join(' ');
}
