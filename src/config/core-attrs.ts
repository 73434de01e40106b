/**
 * A context configuration in the monitoring core's terms (src/core/types.ts): attributes, sample
 * primitives and sample filters. For the engines that run contexts themselves (simulated machine,
 * live sources), so that each does not map the JSON shape on its own.
 */
import type { Attrs, SampleFilter, SamplePrimitives } from '../core/types.js';
import type { ContextConfig } from './schema.js';

export function contextAttrs(c: ContextConfig): Attrs {
  const g = c.intervals.intervals_goal;
  return {
    sampleInterval: c.intervals.sample_us,
    aggrInterval: c.intervals.aggr_us,
    opsUpdateInterval: c.intervals.ops_update_us,
    minNrRegions: c.nr_regions.min,
    maxNrRegions: c.nr_regions.max,
    intervalsGoal: {
      accessBp: g.access_bp,
      aggrs: g.aggrs,
      minSampleUs: g.min_sample_us,
      maxSampleUs: g.max_sample_us,
    },
  };
}

export function contextPrimitives(c: ContextConfig): SamplePrimitives {
  return { pageTable: c.sample.primitives.page_table, pageFault: c.sample.primitives.page_fault };
}

export function contextSampleFilters(c: ContextConfig): SampleFilter[] {
  return c.sample.filters.map((f): SampleFilter => {
    const base = { matching: f.matching, allow: f.allow };
    if (f.type === 'cpumask') return { type: 'cpumask', ...base, cpus: f.cpumask ?? [] };
    if (f.type === 'threads') return { type: 'threads', ...base, tids: f.tid_arr ?? [] };
    return { type: 'write', ...base };
  });
}
