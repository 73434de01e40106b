/**
 * The conformance surface: pure functions over plain records, so that the kernel's unit vectors
 * can be run against damon-ts. Each one loads its input into the engine's own storage, runs the
 * engine's algorithm and returns fresh records; inputs are never mutated.
 */
import type { IntervalPair } from './attrs.js';
import { Prng } from './prng.js';
import { RegionList, type RegionRecord } from './region-list.js';
import * as ops from './region-ops.js';
import type { Range } from './region-ops.js';

export type { RegionRecord, Range };
export type Attrs = IntervalPair;

export function splitRegionAt(r: RegionRecord, sizeOfLeft: number): [RegionRecord, RegionRecord] {
  const l = RegionList.fromRecords([r]);
  ops.splitRegionAt(l, 0, sizeOfLeft);
  return [l.record(0), l.record(1)];
}

export function mergeTwoRegions(l: RegionRecord, r: RegionRecord): RegionRecord {
  const list = RegionList.fromRecords([l, r]);
  ops.mergeInto(list, 0, list, 1);
  return list.record(0);
}

export function mergeRegionsOf(
  regions: RegionRecord[],
  threshold: number,
  szLimit: number,
  countAge = true,
): RegionRecord[] {
  const l = RegionList.fromRecords(regions);
  ops.mergeRegionsOf(l, threshold, szLimit, countAge);
  return l.toRecords();
}

export function splitRegionsOf(
  regions: RegionRecord[],
  nrSubs: number,
  minRegionSz: number,
  seed = 0,
): RegionRecord[] {
  const l = RegionList.fromRecords(regions);
  ops.splitRegionsOf(l, nrSubs, minRegionSz, new Prng(seed));
  return l.toRecords();
}

export function setRegions(regions: RegionRecord[], ranges: Range[], minRegionSz: number): RegionRecord[] {
  const l = RegionList.fromRecords(regions);
  ops.setRegions(l, ranges, minRegionSz);
  return l.toRecords();
}

export function threeRegionsOfVmas(vmas: Range[], minRegionSz?: number): Range[] {
  return ops.threeRegionsOfVmas(vmas, minRegionSz);
}

export function applyMinNrRegions(
  regions: RegionRecord[],
  minNrRegions: number,
  minRegionSz: number,
): { regions: RegionRecord[]; maxSz: number } {
  const l = RegionList.fromRecords(regions);
  const maxSz = ops.applyMinNrRegions([l], minNrRegions, minRegionSz);
  return { regions: l.toRecords(), maxSz };
}

export function updateMonitoringResult(
  r: RegionRecord,
  oldAttrs: Attrs,
  newAttrs: Attrs,
  aggregating: boolean,
): RegionRecord {
  const l = RegionList.fromRecords([r]);
  ops.updateMonitoringResult(l, 0, oldAttrs, newAttrs, aggregating);
  return l.record(0);
}

export { mvsum, feedLoopNextInput, validateAttrs } from './attrs.js';
