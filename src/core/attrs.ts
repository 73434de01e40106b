/**
 * Monitoring attributes (spec §1.3): defaults, set_attrs validation (§2.9), conversion of running
 * results when attributes change, the on-demand moving sum (§2.4) and the feedback loop (§4.3).
 * All arithmetic is the kernel's unsigned integer arithmetic with floor semantics.
 */
import { einval } from './errors.js';
import type { Attrs } from './types.js';

const UINT_MAX = 0xffffffff;
const ULONG_MAX = (1n << 64n) - 1n;

/** The kernel's defaults (spec §1.3). */
export function defaultAttrs(): Attrs {
  return {
    sampleInterval: 5_000,
    aggrInterval: 100_000,
    opsUpdateInterval: 60_000_000,
    minNrRegions: 10,
    maxNrRegions: 1_000,
    intervalsGoal: { accessBp: 0, aggrs: 0, minSampleUs: 0, maxSampleUs: 0 },
  };
}

/** Interval pair used by result conversion. */
export interface IntervalPair {
  sampleInterval: number;
  aggrInterval: number;
}

/** samples_per_aggr (a.k.a. max_nr_accesses) = min(aggr / sample, UINT_MAX); sample 0 counts as 1. */
export function samplesPerAggr(a: IntervalPair): number {
  return Math.min(Math.floor(a.aggrInterval / (a.sampleInterval || 1)), UINT_MAX);
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * damon_set_attrs's checks (spec §2.9): -EINVAL for min_nr_regions < 3, min > max,
 * sample > aggr, and, with an intervals goal, min_sample > max_sample or sample outside them.
 * Also rejects non-integer or negative values (the kernel's fields are unsigned integers).
 */
export function validateAttrs(attrs: {
  sampleInterval: number;
  aggrInterval: number;
  opsUpdateInterval: number;
  minNrRegions: number;
  maxNrRegions: number;
  intervalsGoal?: Attrs['intervalsGoal'];
}): void {
  for (const k of [
    'sampleInterval',
    'aggrInterval',
    'opsUpdateInterval',
    'minNrRegions',
    'maxNrRegions',
  ] as const) {
    if (!isNonNegInt(attrs[k]))
      throw einval(`attrs.${k}: must be a non-negative integer, got ${String(attrs[k])}`);
  }
  const g = attrs.intervalsGoal;
  if (g) {
    for (const k of ['accessBp', 'aggrs', 'minSampleUs', 'maxSampleUs'] as const) {
      if (!isNonNegInt(g[k]))
        throw einval(`attrs.intervalsGoal.${k}: must be a non-negative integer, got ${String(g[k])}`);
    }
    if (g.aggrs !== 0) {
      if (g.minSampleUs > g.maxSampleUs)
        throw einval(`attrs.intervalsGoal: minSampleUs ${g.minSampleUs} > maxSampleUs ${g.maxSampleUs}`);
      if (attrs.sampleInterval < g.minSampleUs || attrs.sampleInterval > g.maxSampleUs)
        throw einval(
          `attrs.sampleInterval ${attrs.sampleInterval} outside intervalsGoal [${g.minSampleUs}, ${g.maxSampleUs}]`,
        );
    }
  }
  if (attrs.minNrRegions < 3) throw einval(`attrs.minNrRegions: ${attrs.minNrRegions} < 3`);
  if (attrs.minNrRegions > attrs.maxNrRegions)
    throw einval(`attrs.minNrRegions ${attrs.minNrRegions} > attrs.maxNrRegions ${attrs.maxNrRegions}`);
  if (attrs.sampleInterval > attrs.aggrInterval)
    throw einval(`attrs.sampleInterval ${attrs.sampleInterval} > attrs.aggrInterval ${attrs.aggrInterval}`);
}

/** damon_nr_accesses_for_new_attrs: through basis points of samples_per_aggr. */
export function nrAccessesForNewAttrs(count: number, oldA: IntervalPair, newA: IntervalPair): number {
  const bp = Math.floor((count * 10000) / samplesPerAggr(oldA));
  return Math.floor((bp * samplesPerAggr(newA)) / 10000);
}

/** damon_age_for_new_attrs. */
export function ageForNewAttrs(age: number, oldA: IntervalPair, newA: IntervalPair): number {
  return Math.floor((age * oldA.aggrInterval) / newA.aggrInterval);
}

/** True when results cannot be converted (any interval is 0): the kernel then leaves them. */
export function conversionSkipped(oldA: IntervalPair, newA: IntervalPair): boolean {
  return !oldA.sampleInterval || !oldA.aggrInterval || !newA.sampleInterval || !newA.aggrInterval;
}

/**
 * mvsum(nr, last, left_bp) (spec §2.4, newest): the moving sum of accesses, the completed window
 * weighted by the fraction of the current window still left.
 */
export function mvsum(nrAccesses: number, lastNrAccesses: number, leftBp: number): number {
  if (leftBp === 10000) return lastNrAccesses;
  return nrAccesses + Math.floor((lastNrAccesses * leftBp) / 10000);
}

/** left_bp of damon_nr_accesses_mvsum for a context's position in the aggregation window. */
export function windowLeftBp(
  attrs: IntervalPair,
  passedSampleIntervals: number,
  nextAggregationSis: number,
): number {
  const window = Math.floor((attrs.aggrInterval || 1) / (attrs.sampleInterval || 1));
  const left = passedSampleIntervals >= nextAggregationSis ? 0 : nextAggregationSis - passedSampleIntervals;
  return Math.floor((left * 10000) / window);
}

/**
 * damon_feed_loop_next_input (spec §4.3): goal and minimum input fixed at 10000. Computed in
 * 64-bit unsigned integers as the kernel; the result is returned as a (possibly rounded above
 * 2^53) number.
 */
export function feedLoopNextInput(last: number, score: number): number {
  const goal = 10000n;
  const minInput = 10000n;
  const l = BigInt(Math.floor(last));
  const s = BigInt(Math.floor(score));
  if (s === goal) return Number(l);
  if (s >= goal * 2n) return Number(minInput);
  const over = s > goal;
  const diff = over ? s - goal : goal - s;
  const comp = l < ULONG_MAX / diff ? (l * diff) / goal : (l / goal) * diff;
  if (over) return Number(l - comp > minInput ? l - comp : minInput);
  return Number(l < ULONG_MAX - comp ? l + comp : ULONG_MAX);
}
