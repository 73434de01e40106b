/**
 * damo's record filter (the `--sz_region`, `--access_rate`, `--age`, `--address`, `--sz_snapshot`,
 * `--snapshot_time`, `--snapshot_idx` and `--temperature` options of the reports that take it), applied
 * in damo's order: region access pattern, address ranges, snapshot size, snapshot time, snapshot index,
 * temperature. As in damo, the snapshot size compared is the one the snapshot had before the access
 * pattern filter (only the address and temperature filters update it).
 */
import type { DamonRecord, RecordRegion, Snapshot } from '../records/types.js';
import { snapshotTotalBytes } from '../records/types.js';
import { absTime } from '../records/serialize.js';
import { temperature } from './temperature.js';
import { fillAccessUnits } from './access-filter.js';

export type Range = [number, number];

export interface RecordFilter {
  szRegion: Range;
  /** Access rate, percent. */
  accessRate: Range;
  ageUs: Range;
  addressRanges: Range[] | null;
  snapshotSzRanges: Range[] | null;
  /** Absolute ns, as the record's times; bigint above 2^53. */
  snapshotTimeRanges: [number | bigint, number | bigint][] | null;
  snapshotIndexRanges: Range[] | null;
  temperatureRanges: Range[] | null;
  temperatureWeights: [number, number, number];
}

export const NO_FILTER: RecordFilter = {
  szRegion: [0, Infinity],
  accessRate: [0, Infinity],
  ageUs: [0, Infinity],
  addressRanges: null,
  snapshotSzRanges: null,
  snapshotTimeRanges: null,
  snapshotIndexRanges: null,
  temperatureRanges: null,
  temperatureWeights: [0, 100, 100],
};

const inRange = (v: number, [lo, hi]: Range): boolean => lo <= v && v <= hi;

function ofPattern(r: RecordRegion, f: RecordFilter, hasIntervals: boolean): boolean {
  if (!inRange(r.end - r.start, f.szRegion)) return false;
  if (!hasIntervals) return true;
  return inRange(r.nr_accesses.percent!, f.accessRate) && inRange(r.age.usec!, f.ageUs);
}

/** The parts of a region inside each of the ranges, in the ranges' order. */
function clipToRanges(r: RecordRegion, ranges: Range[]): RecordRegion[] {
  const out: RecordRegion[] = [];
  for (const [start, end] of ranges) {
    if (r.end <= start || end <= r.start) continue;
    out.push({ ...structuredClone(r), start: Math.max(start, r.start), end: Math.min(end, r.end) });
  }
  return out;
}

/** a <= b for numbers that may be BigInts or non-integer floats. */
function le(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === typeof b) return a <= b;
  const [x, y] = [a, b].map((v) => (typeof v === 'bigint' ? v : Number.isInteger(v) ? BigInt(v) : null));
  return x != null && y != null ? x <= y : Number(a) <= Number(b);
}

function keepSnapshots(rec: DamonRecord, keep: (s: Snapshot, i: number) => boolean): void {
  rec.snapshots = rec.snapshots.filter(keep);
}

/** Filters the records in place. Regions get the units their record's intervals imply. */
export function filterRecords(records: DamonRecord[], f: RecordFilter): void {
  fillAccessUnits(records);
  for (const rec of records) {
    for (const s of rec.snapshots) {
      s.total_bytes = snapshotTotalBytes(s);
      s.regions = s.regions.filter((r) => ofPattern(r, f, rec.intervals !== null));
    }
  }
  if (f.addressRanges) {
    const ranges = f.addressRanges;
    for (const rec of records)
      for (const s of rec.snapshots) {
        s.regions = s.regions.flatMap((r) => clipToRanges(r, ranges));
        s.total_bytes = s.regions.reduce((a, r) => a + r.end - r.start, 0);
      }
  }
  if (f.snapshotSzRanges) {
    const ranges = f.snapshotSzRanges;
    for (const rec of records) keepSnapshots(rec, (s) => ranges.some((r) => inRange(s.total_bytes!, r)));
  }
  if (f.snapshotTimeRanges) {
    const ranges = f.snapshotTimeRanges;
    for (const rec of records)
      keepSnapshots(rec, (s) =>
        ranges.some(
          ([start, end]) =>
            s.start_time !== null &&
            le(start, absTime(s.start_time, rec.time_base_ns)) &&
            le(absTime(s.end_time, rec.time_base_ns), end),
        ),
      );
  }
  if (f.snapshotIndexRanges) {
    const ranges = f.snapshotIndexRanges;
    for (const rec of records) keepSnapshots(rec, (_s, i) => ranges.some((r) => inRange(i, r)));
  }
  if (f.temperatureRanges) {
    const ranges = f.temperatureRanges;
    for (const rec of records) {
      if (rec.intervals === null && rec.snapshots.some((s) => s.regions.length > 0))
        throw new Error('--temperature needs records with monitoring intervals');
      for (const s of rec.snapshots) {
        s.regions = s.regions.filter((r) => {
          const t = temperature(r, f.temperatureWeights);
          return ranges.some((x) => inRange(t, x));
        });
        s.total_bytes = s.regions.reduce((a, r) => a + r.end - r.start, 0);
      }
    }
  }
}
