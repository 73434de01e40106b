/**
 * Region adjustment (spec §2.5–§2.7, §2.9–§2.11) over RegionList storage: the one implementation
 * used by both the engine and the `primitives` conformance surface.
 */
import { ageForNewAttrs, conversionSkipped, nrAccessesForNewAttrs, type IntervalPair } from './attrs.js';
import { einval } from './errors.js';
import type { Prng } from './prng.js';
import type { RegionList } from './region-list.js';

/** Half-open address range [start, end). */
export interface Range {
  start: number;
  end: number;
}

/** ALIGN_DOWN(x, a). */
export function alignDown(x: number, a: number): number {
  return x - (x % a);
}

/** ALIGN(x, a): round up to a multiple of a. */
export function alignUp(x: number, a: number): number {
  const r = x % a;
  return r === 0 ? x : x + a - r;
}

/** floor((a*sa + b*sb) / (sa+sb)) exactly, also when the products pass 2^53. */
function weightedAvg(a: number, sa: number, b: number, sb: number): number {
  const x = a * sa + b * sb;
  if (x <= Number.MAX_SAFE_INTEGER) return Math.floor(x / (sa + sb));
  return Number((BigInt(a) * BigInt(sa) + BigInt(b) * BigInt(sb)) / BigInt(sa + sb));
}

/**
 * State the kernel keeps in function-static variables of split_regions / split_some_regions, and
 * so shares between all contexts of the process: the region count seen by the previous split
 * (decides 2 vs 3 pieces) and the rotation of split_some_regions. Kept shared for fidelity; call
 * resetSharedSplitState() to make a run independent of earlier runs in the same process.
 */
export const sharedSplitState = { lastNrRegions: 0, rotation: 0 };

export function resetSharedSplitState(): void {
  sharedSplitState.lastNrRegions = 0;
  sharedSplitState.rotation = 0;
}

/** damon_split_region_at: region i keeps [start, start+sizeOfLeft); a copy holds the rest. */
export function splitRegionAt(l: RegionList, i: number, sizeOfLeft: number): void {
  l.insertAfter(i, 0, 0);
  l.moveTo(i, i + 1);
  const cut = l.start[i]! + sizeOfLeft;
  l.start[i + 1] = cut;
  l.end[i] = cut;
  if (l.samplingAddr[i]! >= cut) l.samplingAddr[i] = l.start[i]!;
  else l.samplingAddr[i + 1] = cut;
}

/**
 * damon_merge_two_regions: region d of `dl` absorbs region s of `sl` (adjacent, to its right):
 * counters size-weighted, last_nr_accesses kept, end extended.
 */
export function mergeInto(dl: RegionList, d: number, sl: RegionList, s: number): void {
  const szL = dl.end[d]! - dl.start[d]!;
  const szR = sl.end[s]! - sl.start[s]!;
  dl.nrAccesses[d] = weightedAvg(dl.nrAccesses[d]!, szL, sl.nrAccesses[s]!, szR);
  dl.age[d] = weightedAvg(dl.age[d]!, szL, sl.age[s]!, szR);
  dl.nrWriteSamples[d] = weightedAvg(dl.nrWriteSamples[d]!, szL, sl.nrWriteSamples[s]!, szR);
  dl.end[d] = sl.end[s]!;
  dl.version++;
}

/** damon_merge_regions_of (spec §2.5), aging included; one in-place compaction pass. */
export function mergeRegionsOf(l: RegionList, threshold: number, szLimit: number, countAge: boolean): void {
  const n = l.length;
  const start = l.start;
  const end = l.end;
  const nr = l.nrAccesses;
  const last = l.lastNrAccesses;
  const age = l.age;
  let w = -1;
  for (let i = 0; i < n; i++) {
    if (countAge) {
      const a = nr[i]!;
      const b = last[i]!;
      if (Math.abs(a - b) > threshold || (a === 0) !== (b === 0)) age[i] = 0;
      else age[i] = age[i]! + 1;
    }
    if (
      w >= 0 &&
      end[w] === start[i] &&
      Math.abs(nr[i]! - nr[w]!) <= threshold &&
      end[w]! - start[w]! + (end[i]! - start[i]!) <= szLimit
    ) {
      mergeInto(l, w, l, i);
    } else {
      w++;
      if (w !== i) l.moveTo(i, w);
    }
  }
  l.length = w + 1;
}

/** Size of the left piece for a random 10–90 % split, or 0 when the attempt is skipped. */
function randomSplitSize(rng: Prng, sz: number, minRegionSz: number): number {
  const sub = alignDown(Math.floor((rng.rand(1, 10) * sz) / 10), minRegionSz);
  return sub === 0 || sub >= sz ? 0 : sub;
}

const cuts: number[] = [];

/**
 * damon_split_regions_of (spec §2.6): each region is split up to nrSubs-1 times, each time
 * re-splitting the left piece, into pieces of 10–90 %. One pass into the scratch list.
 */
export function splitRegionsOf(l: RegionList, nrSubs: number, minRegionSz: number, rng: Prng): void {
  const out = l.scratch();
  out.reserve(l.length * Math.max(1, nrSubs));
  for (let i = 0; i < l.length; i++) {
    const s = l.start[i]!;
    let sz = l.end[i]! - s;
    cuts.length = 0;
    for (let k = 0; k < nrSubs - 1 && sz > 2 * minRegionSz; k++) {
      const sub = randomSplitSize(rng, sz, minRegionSz);
      if (sub === 0) continue;
      cuts.push(s + sub);
      sz = sub;
    }
    let from = s;
    for (let k = cuts.length - 1; k >= 0; k--) {
      out.pushPiece(l, i, from, cuts[k]!);
      from = cuts[k]!;
    }
    out.pushPiece(l, i, from, l.end[i]!);
  }
  l.adopt(out);
}

/**
 * split_some_regions (spec §2.6, 7.3+): with a global index over all targets' regions, split once
 * every region whose index % step equals the rotating offset and whose size is >= 2*min.
 */
export function splitSomeRegions(
  lists: readonly RegionList[],
  step: number,
  minRegionSz: number,
  rng: Prng,
): void {
  const offset = sharedSplitState.rotation++ % step;
  let gi = 0;
  for (const l of lists) {
    const out = l.scratch();
    out.reserve(l.length * 2);
    for (let i = 0; i < l.length; i++, gi++) {
      const s = l.start[i]!;
      const e = l.end[i]!;
      const sub =
        gi % step === offset && e - s >= 2 * minRegionSz ? randomSplitSize(rng, e - s, minRegionSz) : 0;
      if (sub !== 0) {
        out.pushPiece(l, i, s, s + sub);
        out.pushPiece(l, i, s + sub, e);
      } else {
        out.pushPiece(l, i, s, e);
      }
    }
    l.adopt(out);
  }
}

/** kdamond_split_regions (spec §2.6) over all targets of a context. */
export function splitRegions(
  lists: readonly RegionList[],
  maxNrRegions: number,
  minRegionSz: number,
  rng: Prng,
): void {
  let n = 0;
  for (const l of lists) n += l.length;
  if (n < maxNrRegions) {
    if (n > Math.floor(maxNrRegions / 2)) {
      splitSomeRegions(lists, Math.floor(maxNrRegions / (maxNrRegions - n)), minRegionSz, rng);
    } else {
      const subs = sharedSplitState.lastNrRegions === n && n < Math.floor(maxNrRegions / 3) ? 3 : 2;
      for (const l of lists) splitRegionsOf(l, subs, minRegionSz, rng);
    }
  }
  sharedSplitState.lastNrRegions = n;
}

/**
 * damon_apply_min_nr_regions (spec §2.7): max_sz = ALIGN(region_sz_limit, min_region_sz); every
 * larger region is cut into max_sz pieces plus a remainder. Returns max_sz (the merge size limit).
 */
export function applyMinNrRegions(
  lists: readonly RegionList[],
  minNrRegions: number,
  minRegionSz: number,
): number {
  let total = 0;
  for (const l of lists) total += l.totalSize();
  let limit = minNrRegions ? Math.floor(total / minNrRegions) : total;
  if (limit < minRegionSz) limit = minRegionSz;
  const maxSz = alignUp(limit, minRegionSz);
  for (const l of lists) {
    let extra = 0;
    for (let i = 0; i < l.length; i++) {
      const sz = l.end[i]! - l.start[i]!;
      if (sz > maxSz) extra += Math.ceil(sz / maxSz) - 1;
    }
    if (extra === 0) continue;
    const out = l.scratch();
    out.reserve(l.length + extra);
    for (let i = 0; i < l.length; i++) {
      let s = l.start[i]!;
      const e = l.end[i]!;
      while (e - s > maxSz) {
        out.pushPiece(l, i, s, s + maxSz);
        s += maxSz;
      }
      out.pushPiece(l, i, s, e);
    }
    l.adopt(out);
  }
  return maxSz;
}

/** damon_set_regions's validation (newest): aligned ranges non-empty, sorted, non-overlapping. */
export function validateRanges(ranges: readonly Range[], minRegionSz: number, what = 'ranges'): void {
  for (let i = 0; i < ranges.length; i++) {
    const r = ranges[i]!;
    if (!Number.isSafeInteger(r.start) || !Number.isSafeInteger(r.end) || r.start < 0)
      throw einval(`${what}[${i}]: start and end must be non-negative integers, got [${r.start}, ${r.end})`);
    if (alignDown(r.start, minRegionSz) >= alignUp(r.end, minRegionSz))
      throw einval(`${what}[${i}]: empty range [${r.start}, ${r.end}) after alignment to ${minRegionSz}`);
    if (i > 0 && alignUp(ranges[i - 1]!.end, minRegionSz) > alignDown(r.start, minRegionSz))
      throw einval(
        `${what}[${i}]: [${r.start}, ${r.end}) overlaps or precedes ${what}[${i - 1}] after alignment`,
      );
  }
}

function intersects(s: number, e: number, r: Range): boolean {
  return !(e <= r.start || r.end <= s);
}

/**
 * damon_set_regions (spec §2.10): keep regions intersecting the ranges (their counters too),
 * stretch the first/last per range to its aligned bounds, fill holes, add missing ranges.
 */
export function setRegions(l: RegionList, ranges: readonly Range[], minRegionSz: number): void {
  validateRanges(ranges, minRegionSz);
  // Working list: [start, end, index in l or -1 for a new region].
  const regs: [number, number, number][] = [];
  for (let i = 0; i < l.length; i++) {
    const s = l.start[i]!;
    const e = l.end[i]!;
    if (ranges.some((r) => intersects(s, e, r))) regs.push([s, e, i]);
  }
  let cur = 0;
  for (const range of ranges) {
    let first = -1;
    let last = -1;
    for (; cur < regs.length; cur++) {
      const r = regs[cur]!;
      if (intersects(r[0], r[1], range)) {
        if (first < 0) first = cur;
        last = cur;
      }
      if (r[0] >= range.end) break;
    }
    if (first < 0) {
      regs.splice(cur, 0, [alignDown(range.start, minRegionSz), alignUp(range.end, minRegionSz), -1]);
      cur++;
      continue;
    }
    regs[first]![0] = alignDown(range.start, minRegionSz);
    regs[last]![1] = alignUp(range.end, minRegionSz);
    for (let k = first; k < last; k++) {
      const gapStart = regs[k]![1];
      const gapEnd = regs[k + 1]![0];
      if (gapStart !== gapEnd) {
        regs.splice(k + 1, 0, [gapStart, gapEnd, -1]);
        k++;
        last++;
        cur++;
      }
    }
  }
  const out = l.scratch();
  out.reserve(regs.length);
  for (const [s, e, src] of regs) {
    if (src >= 0) out.pushPiece(l, src, s, e);
    else out.push(s, e);
  }
  l.adopt(out);
}

/**
 * __damon_va_three_regions (spec §2.11): the VMA span minus its two biggest gaps (strict ">", the
 * earlier gap wins ties), aligned up to minRegionSz. A zero-sized gap → EINVAL (target skipped).
 */
export function threeRegionsOfVmas(vmas: readonly Range[], minRegionSz = 4096): Range[] {
  if (vmas.length === 0) throw einval('vmas: empty VMA list');
  let first: Range = { start: 0, end: 0 };
  let second: Range = { start: 0, end: 0 };
  for (let i = 1; i < vmas.length; i++) {
    const prevEnd = vmas[i - 1]!.end;
    const gap = vmas[i]!.start - prevEnd;
    if (gap > first.end - first.start) {
      second = first;
      first = { start: prevEnd, end: vmas[i]!.start };
    } else if (gap > second.end - second.start) {
      second = { start: prevEnd, end: vmas[i]!.start };
    }
  }
  if (first.end - first.start <= 0 || second.end - second.start <= 0)
    throw einval('vmas: fewer than two gaps between VMAs; cannot build three regions');
  if (first.start > second.start) [first, second] = [second, first];
  return [
    { start: alignUp(vmas[0]!.start, minRegionSz), end: alignUp(first.start, minRegionSz) },
    { start: alignUp(first.end, minRegionSz), end: alignUp(second.start, minRegionSz) },
    { start: alignUp(second.end, minRegionSz), end: alignUp(vmas[vmas.length - 1]!.end, minRegionSz) },
  ];
}

/**
 * damon_update_monitoring_result (spec §2.9, newest): region i's counters converted from `oldA`
 * to `newA`; `aggregating` (mid-window) zeroes nr_accesses as reset_aggregated would.
 */
export function updateMonitoringResult(
  l: RegionList,
  i: number,
  oldA: IntervalPair,
  newA: IntervalPair,
  aggregating: boolean,
): void {
  if (conversionSkipped(oldA, newA)) return;
  if (!aggregating) l.nrAccesses[i] = nrAccessesForNewAttrs(l.nrAccesses[i]!, oldA, newA);
  else l.nrAccesses[i] = 0;
  l.lastNrAccesses[i] = nrAccessesForNewAttrs(l.lastNrAccesses[i]!, oldA, newA);
  l.age[i] = ageForNewAttrs(l.age[i]!, oldA, newA);
}
