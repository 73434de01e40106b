/**
 * `validate` (damo-interop.md §1.1): sanity checks of a record file with damo's rules. Per record,
 * snapshot durations out of the aggregation range (µs) and region counts out of the nr_regions range
 * are tolerated while fewer than `allowErrorPercent` % of the record's snapshots have them (each kind
 * counted on its own, as damo does: the k-th such snapshot passes when k − 1 < nr_snapshots × % / 100).
 * Everything else fails at once: an unreadable, damaged or truncated file, a file without records or a
 * record without snapshots, a snapshot without a start time (damo cannot compute its duration), an
 * empty or inverted region, regions out of order or overlapping (damon-ts's check, not damo's), nr_accesses out of range, a region
 * outside every `regionsBoundary`. The file is streamed and reading stops at the first fatal problem.
 * What damo cannot read is not valid either, though damon-ts reads it: a UTF-8 byte order mark before
 * JSON, and perf_script text that `file` does not call plain "ASCII text" (damo then hands it to perf):
 * bytes above 0x7f, CR line ends, lines longer than 300 bytes.
 */
import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import { streamRecords } from '../records/reader.js';

export interface ValidateOptions {
  aggrUs: [number, number];
  nrRegions: [number, number];
  nrAccesses: [number, number];
  /** Percent of a record's snapshots allowed a duration or region count out of range. */
  allowErrorPercent: number;
  /** [start, end] address ranges a region must lie in one of (damo's --regions_boundary). */
  regionsBoundary?: [number, number][];
}

export const VALIDATE_DEFAULTS: ValidateOptions = {
  aggrUs: [75000, 125000],
  nrRegions: [3, 1200],
  nrAccesses: [0, 24],
  allowErrorPercent: 2,
};

export interface ValidateResult {
  valid: boolean;
  /** Out-of-range durations and region counts that were within the allowance. */
  tolerated: string[];
  /** Why the file is not valid, naming the file and the place; null when valid. */
  fatal: string | null;
}

/** Thrown from the stream handler to stop reading at the first fatal problem. */
class Invalid extends Error {}

/** The most tolerated problems listed; the rest are counted. */
const MAX_LISTED = 100;

const outside = (v: number, [lo, hi]: [number, number]): boolean => !(lo <= v && v <= hi);

/** The longest line `file` still calls plain text. */
const FILE_LONG_LINE = 300;

/** Why damo cannot read perf_script text that damon-ts reads, or null. */
async function damoUnreadableText(path: string): Promise<string | null> {
  let line = 1;
  let col = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (const c of chunk) {
      if (c === 0x0a) {
        line++;
        col = 0;
        continue;
      }
      if (c > 0x7e)
        return `line ${line}: byte 0x${c.toString(16)} is not ASCII (damo reads perf_script only as ASCII text)`;
      if (c === 0x0d) return `line ${line}: a CR line end (damo reads perf_script only with LF line ends)`;
      if (++col > FILE_LONG_LINE)
        return `line ${line}: longer than ${FILE_LONG_LINE} bytes (damo reads perf_script only without very long lines)`;
    }
  }
  return null;
}

function hasBom(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(3);
    return readSync(fd, b, 0, 3, 0) === 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
  } finally {
    closeSync(fd);
  }
}

export async function validateRecordFile(path: string, o: ValidateOptions): Promise<ValidateResult> {
  const tolerated: string[] = [];
  let nrTolerated = 0;
  // per record: the snapshots with each kind of tolerable problem
  let aggrErrors: string[] = [];
  let regionErrors: string[] = [];
  let nrRecords = 0;
  const tolerate = (errors: string[], nrSnapshots: number): void => {
    const allowed = (nrSnapshots * o.allowErrorPercent) / 100;
    // damo tolerates the k-th problem when k - 1 < allowed
    if (errors.length > 0 && errors.length - 1 >= allowed)
      throw new Invalid(
        `${errors[Math.ceil(allowed)]!} (${errors.length} of the record's ${nrSnapshots} snapshots are out of this range; ${o.allowErrorPercent}% allowed)`,
      );
    nrTolerated += errors.length;
    for (const e of errors) if (tolerated.length < MAX_LISTED) tolerated.push(e);
  };
  try {
    const { truncated, type } = await streamRecords(path, {
      recordStart() {
        aggrErrors = [];
        regionErrors = [];
      },
      snapshot(s, _h, ri, si) {
        const at = `record ${ri} snapshot ${si}`;
        if (s.start_time === null)
          throw new Invalid(`${at}: the start time is unknown (a trace with a single snapshot)`);
        const durUs = (s.end_time - s.start_time) / 1000;
        if (outside(durUs, o.aggrUs))
          aggrErrors.push(`${at}: duration ${durUs} us is out of [${o.aggrUs[0]}, ${o.aggrUs[1]}]`);
        const n = s.regions.length;
        if (outside(n, o.nrRegions))
          regionErrors.push(`${at}: ${n} regions is out of [${o.nrRegions[0]}, ${o.nrRegions[1]}]`);
        let lastEnd = -Infinity;
        s.regions.forEach((r, i) => {
          if (r.start >= r.end)
            throw new Invalid(`${at} region ${i}: empty or inverted [${r.start}, ${r.end})`);
          if (r.start < lastEnd)
            throw new Invalid(
              `${at} region ${i}: overlaps or is out of order (starts at ${r.start}, before the previous end ${lastEnd})`,
            );
          lastEnd = r.end;
          const b = o.regionsBoundary;
          if (b && !b.some(([lo, hi]) => r.start >= lo && r.end <= hi))
            throw new Invalid(`${at} region ${i}: [${r.start}, ${r.end}) is out of every --regions_boundary`);
          const na = r.nr_accesses.samples;
          if (outside(na, o.nrAccesses))
            throw new Invalid(
              `${at} region ${i}: nr_accesses ${na} is out of [${o.nrAccesses[0]}, ${o.nrAccesses[1]}]`,
            );
        });
      },
      recordEnd(_h, ri, nrSnapshots) {
        nrRecords++;
        if (nrSnapshots === 0) throw new Invalid(`record ${ri} has no snapshot`);
        tolerate(aggrErrors, nrSnapshots);
        tolerate(regionErrors, nrSnapshots);
      },
    });
    if (truncated) throw new Invalid('the file is truncated');
    if (type === 'json' && hasBom(path))
      throw new Invalid('a UTF-8 byte order mark before the JSON (damo cannot read it)');
    const text = type === 'perf_script' ? await damoUnreadableText(path) : null;
    if (text) throw new Invalid(text);
    if (nrRecords === 0) throw new Invalid('the file holds no record (no snapshot)');
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    // a file the readers refuse is not valid: their message names the file and the place
    return { valid: false, tolerated, fatal: e instanceof Invalid ? `${path}: ${e.message}` : e.message };
  }
  if (nrTolerated > tolerated.length) tolerated.push(`... and ${nrTolerated - tolerated.length} more`);
  return { valid: true, tolerated, fatal: null };
}
