/** `report access --raw_form` (damo-report-math.md §2), streamed snapshot by snapshot. */
import { readRecordHeaders, streamRecords } from '../records/reader.js';
import { absTime } from '../records/serialize.js';
import { fmtSz, fmtTimeNs, pyD, pyS } from '../records/pyformat.js';
import type { Snapshot } from '../records/types.js';
import type { TextSink } from './output.js';

/** damo pipes more than this many lines through `less`, which drops the final newline. */
export const PAGER_LINES = 50;

function hex12(v: number): string {
  return v.toString(16).padStart(12, '0');
}

/** Adds damo's trailing newline rule to a text of `newlines` newline characters. */
export function pagerTail(newlines: number): string {
  return newlines <= PAGER_LINES ? '\n' : '';
}

export async function reportRawForm(path: string, rawNumber: boolean, out: TextSink): Promise<void> {
  const headers = await readRecordHeaders(path);
  let newlines = 0;
  let first = true;
  const line = (s: string): void => {
    out.write(first ? s : '\n' + s);
    if (!first) newlines++;
    first = false;
  };
  let base = 0;
  await streamRecords(path, {
    snapshot(s: Snapshot, h, ri, si) {
      if (s.start_time === null) throw new Error(`${path}: record ${ri} snapshot ${si} has no start time`);
      if (si === 0) {
        base = s.start_time;
        line(`base_time_absolute: ${fmtTimeNs(absTime(base, h.time_base_ns), rawNumber)}`);
        line(`data source: ${headers[ri]?.header.data_source ?? h.data_source}`);
        line('');
      }
      line(`monitoring_start:    ${fmtTimeNs(s.start_time - base, rawNumber).padStart(16)}`);
      line(`monitoring_end:      ${fmtTimeNs(s.end_time - base, rawNumber).padStart(16)}`);
      line(`monitoring_duration: ${fmtTimeNs(s.end_time - s.start_time, rawNumber).padStart(16)}`);
      line(`target_id: ${pyS(h.target_id)}`);
      line(`nr_regions: ${s.regions.length}`);
      line('# start_addr     end_addr        length  nr_accesses   age');
      for (const r of s.regions) {
        const age = r.age.aggr_intervals === null ? -1 : r.age.aggr_intervals;
        line(
          `${hex12(r.start)}-${hex12(r.end)} (${fmtSz(r.end - r.start, rawNumber).padStart(12)}) ` +
            `${pyD(r.nr_accesses.samples).padStart(11)} ${pyD(age).padStart(5)}`,
        );
      }
      line('');
    },
  });
  line('');
  out.write(pagerTail(newlines));
}
