/**
 * Monitoring-intervals auto-tuning (spec §2.8): every `aggrs` aggregations, scale the sample
 * interval (and aggr = sample × aggr_samples) so that the observed access events approach the
 * goal's access_bp of the maximum possible, through the feedback loop of §4.3.
 */
import { feedLoopNextInput } from './attrs.js';
import type { RegionArrays, Attrs } from './types.js';

/** What the tuner reads and sets of a context (DamonContext is one). */
export interface TunedContext {
  readonly targets: readonly { readonly regions: RegionArrays }[];
  readonly aggrSamples: number;
  readonly attrs: Readonly<Attrs>;
  applyAttrs(attrs: Attrs, aggrSamples: number): void;
}

/** damon_get_intervals_score: observed access events ×10000 / goal events (BigInt: sums pass 2^53). */
export function intervalsScoreBp(ctx: TunedContext): number {
  let maxEv = 0n;
  let ev = 0n;
  const samples = BigInt(ctx.aggrSamples);
  for (const t of ctx.targets) {
    const l = t.regions;
    for (let i = 0; i < l.length; i++) {
      const sz = BigInt(l.end[i]! - l.start[i]!);
      maxEv += sz * samples;
      ev += sz * BigInt(l.nrAccesses[i]!);
    }
  }
  let target = (maxEv * BigInt(ctx.attrs.intervalsGoal.accessBp)) / 10000n;
  if (target === 0n) target = 1n;
  return Number((ev * 10000n) / target);
}

/** damon_get_intervals_adaptation_bp: 5000..20000, 10000 meaning "keep". */
export function intervalsAdaptationBp(scoreBp: number): number {
  let bp = Math.floor(feedLoopNextInput(100_000_000, scoreBp) / 10000);
  if (bp <= 10000) bp = 5000 + Math.floor(bp / 2);
  return bp;
}

/** kdamond_tune_intervals. */
export function tuneIntervals(ctx: TunedContext): void {
  const bp = intervalsAdaptationBp(intervalsScoreBp(ctx));
  if (bp === 10000) return;
  const a = ctx.attrs;
  const g = a.intervalsGoal;
  const sample = Math.max(
    g.minSampleUs,
    Math.min(g.maxSampleUs, Math.floor((a.sampleInterval * bp) / 10000)),
  );
  ctx.applyAttrs({ ...a, sampleInterval: sample, aggrInterval: sample * ctx.aggrSamples }, ctx.aggrSamples);
}
