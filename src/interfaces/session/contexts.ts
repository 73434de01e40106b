/**
 * From a validated kdamonds configuration (src/interfaces/config) to core contexts: one DamonContext
 * per kdamond (the kernel allows one context per kdamond). Units are already the kernel's.
 */
import { DamonContext } from '../../core/context.js';
import type { OperationsSet, SampleFilter } from '../../core/types.js';
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
    return contextFromConfig(c, { ...o, seed: (o.seed ?? 0) + i });
  });
}
