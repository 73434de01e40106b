/**
 * DAMOS access patterns in the kernel's units. damo lets users give nr_accesses in percent and age
 * in µs; the kernel takes samples per aggregation and aggregation intervals. damo converts before
 * writing sysfs (damo-interop §1.5); so do we, with floor semantics:
 *   samples = floor(percent * aggr_us / (sample_us * 100)),  aggrs = floor(age_us / aggr_us).
 * Unbounded maxima ("max") become the u32 maximum, as damo's default pattern writes.
 */
import type { AccessPatternConfig, IntervalsConfig } from './schema.js';
import { U32_MAX, U64_MAX } from './units.js';

export interface KernelAccessPattern {
  sz: { min: number; max: number };
  nrAccesses: { min: number; max: number };
  age: { min: number; max: number };
}

function clampU32(x: number): number {
  return x >= U64_MAX || x > U32_MAX ? U32_MAX : x;
}

export function accessPatternInKernelUnits(
  p: AccessPatternConfig,
  intervals: IntervalsConfig,
): KernelAccessPattern {
  const { sample_us: sample, aggr_us: aggr } = intervals;
  const samples = (v: number) =>
    p.nr_accesses_unit === 'sample_intervals'
      ? clampU32(v)
      : clampU32(Math.floor((v * aggr) / (sample * 100)));
  const aggrs = (v: number) =>
    p.age_unit === 'aggr_intervals' ? clampU32(v) : clampU32(v >= U64_MAX ? v : Math.floor(v / aggr));
  return {
    sz: { min: p.sz_bytes.min, max: p.sz_bytes.max },
    nrAccesses: { min: samples(p.nr_accesses.min), max: samples(p.nr_accesses.max) },
    age: { min: aggrs(p.age.min), max: aggrs(p.age.max) },
  };
}
