/**
 * `validate` (damo-interop.md §1.1): sanity checks of a record file with damo's defaults — snapshot
 * duration within the aggregation range (µs), region count within the nr_regions range, nr_accesses
 * within its range, regions non-empty, sorted and non-overlapping. Up to `allowError` problems are
 * tolerated, as damo does for records of a running system.
 */
import { streamRecords } from '../records/reader.js';

export interface ValidateOptions {
  aggrUs: [number, number];
  nrRegions: [number, number];
  nrAccesses: [number, number];
  allowError: number;
}

export const VALIDATE_DEFAULTS: ValidateOptions = {
  aggrUs: [75000, 125000],
  nrRegions: [3, 1200],
  nrAccesses: [0, 24],
  allowError: 2,
};

export async function validateRecordFile(
  path: string,
  o: ValidateOptions,
): Promise<{ problems: string[]; valid: boolean }> {
  const problems: string[] = [];
  const { truncated } = await streamRecords(path, {
    snapshot(s, _h, ri, si) {
      const at = `record ${ri} snapshot ${si}`;
      if (s.start_time !== null) {
        const durUs = (s.end_time - s.start_time) / 1000;
        if (durUs < o.aggrUs[0] || durUs > o.aggrUs[1])
          problems.push(`${at}: duration ${durUs} us is out of [${o.aggrUs[0]}, ${o.aggrUs[1]}]`);
      }
      const n = s.regions.length;
      if (n < o.nrRegions[0] || n > o.nrRegions[1])
        problems.push(`${at}: ${n} regions is out of [${o.nrRegions[0]}, ${o.nrRegions[1]}]`);
      let lastEnd = -Infinity;
      s.regions.forEach((r, i) => {
        if (r.start >= r.end) problems.push(`${at} region ${i}: empty or inverted [${r.start}, ${r.end})`);
        if (r.start < lastEnd)
          problems.push(
            `${at} region ${i}: overlaps or is out of order (start ${r.start} < previous end ${lastEnd})`,
          );
        lastEnd = r.end;
        const na = r.nr_accesses.samples;
        if (na < o.nrAccesses[0] || na > o.nrAccesses[1])
          problems.push(
            `${at} region ${i}: nr_accesses ${na} is out of [${o.nrAccesses[0]}, ${o.nrAccesses[1]}]`,
          );
      });
    },
  });
  if (truncated) problems.push('the file is truncated');
  return { problems, valid: problems.length <= o.allowError };
}
