/**
 * What every record reader demands of a snapshot, whatever the format: values the kernel can produce.
 * A corrupted file whose JSON or text still parses (a flipped digit, a sign, a dropped trace line) is
 * caught here instead of flowing into reports as negative sizes or infinite counts. Addresses are
 * integers in [0, 2^64] with start ≤ end; nr_accesses an integer in [0, 2^32) (the kernel's unsigned
 * int); ages, percents and sizes finite and ≥ 0; a snapshot ends no earlier than it starts nor than the
 * snapshot before it. Regions may overlap and come in any order: adjusted (merged) snapshots have them
 * and reports handle them (`validate` refuses them). damo's fake snapshot (one 0-0 region with −1
 * counts, written to single-snapshot perf_script files) is the one exception.
 */
import type { RegionColumns } from './columns.js';
import type { RecordRegion } from './types.js';

const ADDR_MAX = 2 ** 64;
const NR_ACCESSES_MAX = 2 ** 32 - 1;

const isAddr = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= ADDR_MAX;
/** A finite value ≥ 0; NaN stands for null where `nullable`. */
const nonNeg = (v: number, nullable: boolean): boolean =>
  (nullable && Number.isNaN(v)) || (Number.isFinite(v) && v >= 0);

/** The problem of one region's values, or null. Nullable fields hold NaN for null. */
function regionProblem(
  start: number,
  end: number,
  samples: number,
  percent: number,
  usec: number,
  aggr: number,
  szFilter: number,
): string | null {
  if (!isAddr(start)) return `start ${start} is not an address (an integer in [0, 2^64])`;
  if (!isAddr(end)) return `end ${end} is not an address (an integer in [0, 2^64])`;
  if (start > end) return `inverted region [${start}, ${end})`;
  if (!Number.isInteger(samples) || samples < 0 || samples > NR_ACCESSES_MAX)
    return `nr_accesses ${samples} is not an integer in [0, 2^32)`;
  if (!nonNeg(percent, true)) return `nr_accesses percent ${percent} is not a finite value >= 0`;
  if (!nonNeg(usec, true)) return `age ${usec} us is not a finite value >= 0`;
  if (!(Number.isNaN(aggr) || (Number.isInteger(aggr) && aggr >= 0)))
    return `age ${aggr} aggregation intervals is not an integer >= 0`;
  if (!nonNeg(szFilter, false)) return `sz_filter_passed ${szFilter} is not a finite value >= 0`;
  return null;
}

const orNaN = (v: number | null | undefined): number => (v === null || v === undefined ? NaN : v);

function isFake(n: number, start: number, end: number, samples: number, aggr: number): boolean {
  return n === 1 && start === 0 && end === 0 && samples === -1 && aggr === -1;
}

/** Throws an Error `${at} region i: problem` for the first bad region of columns. */
export function checkColumns(c: RegionColumns, at: string): void {
  const { start, end, samples, percent, usec, aggr, szFilter } = c;
  if (isFake(c.n, start[0]!, end[0]!, samples[0]!, aggr[0]!)) return;
  for (let i = 0; i < c.n; i++) {
    const s = start[i]!;
    const e = end[i]!;
    const k = samples[i]!;
    const p = percent[i]!;
    const u = usec[i]!;
    const a = aggr[i]!;
    const z = szFilter[i]!;
    // the common case in plain comparisons (NaN, the nulls, fails them): this runs for every region read
    if (
      s >= 0 &&
      s <= e &&
      e <= ADDR_MAX &&
      Math.floor(s) === s &&
      Math.floor(e) === e &&
      k >= 0 &&
      k <= NR_ACCESSES_MAX &&
      Math.floor(k) === k &&
      (p !== p || (p >= 0 && p < Infinity)) &&
      (u !== u || (u >= 0 && u < Infinity)) &&
      (a !== a || (a >= 0 && a < Infinity && Math.floor(a) === a)) &&
      z >= 0 &&
      z < Infinity
    )
      continue;
    const problem = regionProblem(s, e, k, p, u, a, z);
    if (problem !== null) throw new Error(`${at} region ${i}: ${problem}`);
  }
}

/** checkColumns on region objects. */
export function checkRegions(regions: readonly RecordRegion[], at: string): void {
  const r0 = regions[0];
  if (r0 && isFake(regions.length, r0.start, r0.end, r0.nr_accesses.samples, orNaN(r0.age.aggr_intervals)))
    return;
  for (let i = 0; i < regions.length; i++) {
    const r = regions[i]!;
    const p = regionProblem(
      r.start,
      r.end,
      r.nr_accesses.samples,
      orNaN(r.nr_accesses.percent),
      orNaN(r.age.usec),
      orNaN(r.age.aggr_intervals),
      r.sz_filter_passed,
    );
    if (p !== null) throw new Error(`${at} region ${i}: ${p}`);
  }
}

/** A snapshot's times and totals; `prevEnd` is the previous snapshot's end in the same record. */
export function checkSnapshotMeta(
  s: {
    start_time: number | null;
    end_time: number;
    total_bytes?: number;
    sample_interval_us?: number | null;
  },
  prevEnd: number | null,
  at: string,
): void {
  if (!Number.isFinite(s.end_time)) throw new Error(`${at}: end_time ${s.end_time} is not finite`);
  if (s.start_time !== null) {
    if (!Number.isFinite(s.start_time)) throw new Error(`${at}: start_time ${s.start_time} is not finite`);
    if (s.start_time > s.end_time)
      throw new Error(`${at}: ends (${s.end_time} ns) before it starts (${s.start_time} ns)`);
  }
  if (prevEnd !== null && s.end_time < prevEnd)
    throw new Error(`${at}: ends (${s.end_time} ns) before the previous snapshot (${prevEnd} ns)`);
  if (s.total_bytes !== undefined && !nonNeg(s.total_bytes, false))
    throw new Error(`${at}: total_bytes ${s.total_bytes} is not a finite value >= 0`);
  const siu = s.sample_interval_us;
  if (siu !== undefined && !nonNeg(orNaN(siu), true))
    throw new Error(`${at}: sample_interval_us ${siu} is not a finite value >= 0`);
}
