/**
 * From a validated kdamonds configuration (src/config) to core contexts: one DamonContext
 * per kdamond (the kernel allows one context per kdamond). Units are already the kernel's.
 */
import { DamonContext } from '../core/context.js';
import type { OperationsSet, SampleFilter } from '../core/types.js';
import type { ContextConfig, KdamondsConfig, SampleFilterConfig } from '../config/schema.js';

export function sampleFilterOf(f: SampleFilterConfig): SampleFilter {
  const base = { matching: f.matching, allow: f.allow };
  if (f.type === 'cpumask') return { type: 'cpumask', ...base, cpus: f.cpumask ?? [] };
  if (f.type === 'threads') return { type: 'threads', ...base, tids: f.tid_arr ?? [] };
  return { type: 'write', ...base };
}

export interface ContextBuildOptions {
  /** PRNG seed of the first context; context i gets seed + i. */
  seed?: number;
  /** Replaces the named ops set (e.g. the report-only set for live sources). */
  ops?: OperationsSet<never>;
}

/**
 * The engine counts time and regions in JS numbers: a value it cannot hold exactly (the kernel's
 * "max", 2^64-1) is refused here, naming the key and the option that sets it.
 */
function checkCountable(c: ContextConfig, at: string): void {
  const iv = c.intervals;
  const g = iv.intervals_goal;
  const values: [string, number][] = [
    ['intervals.sample_us (-s/--sample)', iv.sample_us],
    ['intervals.aggr_us (-a/--aggr)', iv.aggr_us],
    ['intervals.ops_update_us (-u/--updr)', iv.ops_update_us],
    ['intervals.intervals_goal.min_sample_us', g.min_sample_us],
    ['intervals.intervals_goal.max_sample_us', g.max_sample_us],
    ['nr_regions.min (-n/--minr)', c.nr_regions.min],
    ['nr_regions.max (-m/--maxr)', c.nr_regions.max],
  ];
  for (const [key, v] of values)
    if (!Number.isSafeInteger(v))
      throw new Error(
        `${at}.${key}: ${v >= 2 ** 64 ? '"max"' : v} is more than damon-ts's engine counts (at most 2^53-1); give a smaller value`,
      );
}

export function contextFromConfig(c: ContextConfig, o: ContextBuildOptions = {}): DamonContext {
  const iv = c.intervals;
  return new DamonContext({
    ops: o.ops ?? c.ops,
    attrs: {
      sampleInterval: iv.sample_us,
      aggrInterval: iv.aggr_us,
      opsUpdateInterval: iv.ops_update_us,
      minNrRegions: c.nr_regions.min,
      maxNrRegions: c.nr_regions.max,
      intervalsGoal: {
        accessBp: iv.intervals_goal.access_bp,
        aggrs: iv.intervals_goal.aggrs,
        minSampleUs: iv.intervals_goal.min_sample_us,
        maxSampleUs: iv.intervals_goal.max_sample_us,
      },
    },
    targets: c.targets.map((t) => ({ pid: t.pid, regions: t.regions })),
    addrUnit: c.addr_unit ?? 1,
    primitives: { pageTable: c.sample.primitives.page_table, pageFault: c.sample.primitives.page_fault },
    sampleFilters: c.sample.filters.map(sampleFilterOf),
    seed: o.seed ?? 0,
  });
}

/** The contexts of every kdamond, in order (kdamond i ↔ contexts[i]). */
export function contextsFromConfig(config: KdamondsConfig, o: ContextBuildOptions = {}): DamonContext[] {
  return config.kdamonds.map((k, i) => {
    const c = k.contexts[0];
    if (!c) throw new Error(`kdamonds[${i}]: no context to run`);
    checkCountable(c, `kdamonds[${i}].contexts[0]`);
    return contextFromConfig(c, { ...o, seed: (o.seed ?? 0) + i });
  });
}
