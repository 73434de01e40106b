/**
 * Synthetic tracefs data for damon events, with this kernel's formats (platform-notes B.1):
 * damon_aggregated records and whole ring-buffer sub-buffers that hold them.
 */
import { parseEventFormat } from '../../src/backends/tracefs/format.js';

const COMMON = `\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;
`;

export const AGGREGATED = parseEventFormat(
  `name: damon_aggregated
ID: 767
format:
${COMMON}
\tfield:unsigned long target_id;\toffset:8;\tsize:8;\tsigned:0;
\tfield:unsigned int nr_regions;\toffset:16;\tsize:4;\tsigned:0;
\tfield:unsigned long start;\toffset:24;\tsize:8;\tsigned:0;
\tfield:unsigned long end;\toffset:32;\tsize:8;\tsigned:0;
\tfield:unsigned int nr_accesses;\toffset:40;\tsize:4;\tsigned:0;
\tfield:unsigned int age;\toffset:44;\tsize:4;\tsigned:0;
`,
  'events/damon/damon_aggregated/format',
);

export const INTERVALS_TUNE = parseEventFormat(
  `name: damon_monitor_intervals_tune
ID: 768
format:
${COMMON}
\tfield:unsigned long sample_us;\toffset:8;\tsize:8;\tsigned:0;
`,
  'events/damon/damon_monitor_intervals_tune/format',
);

export interface AggregatedRecord {
  pid: number;
  targetId: number;
  nrRegions: number;
  start: number;
  end: number;
  nrAccesses: number;
  age: number;
}

const u64 = (b: Buffer, o: number, v: number) => {
  b.writeUInt32LE(v % 2 ** 32, o);
  b.writeUInt32LE(Math.floor(v / 2 ** 32), o + 4);
};

export function aggregatedRecord(r: AggregatedRecord): Buffer {
  const b = Buffer.alloc(48);
  b.writeUInt16LE(AGGREGATED.id, 0);
  b.writeInt32LE(r.pid, 4);
  u64(b, 8, r.targetId);
  b.writeUInt32LE(r.nrRegions, 16);
  u64(b, 24, r.start);
  u64(b, 32, r.end);
  b.writeUInt32LE(r.nrAccesses, 40);
  b.writeUInt32LE(r.age, 44);
  return b;
}

export function tuneRecord(pid: number, sampleUs: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(INTERVALS_TUNE.id, 0);
  b.writeInt32LE(pid, 4);
  u64(b, 8, sampleUs);
  return b;
}

/** 4 KiB sub-buffers (header: u64 timestamp, u64 commit; 4080 data bytes) holding the records, 1 µs apart. */
export function subbuffers(records: Buffer[], startNs: number): Buffer[] {
  const pages: Buffer[] = [];
  let page = Buffer.alloc(4096);
  let at = 16;
  const close = () => {
    page.writeUInt32LE(at - 16, 8);
    pages.push(page);
  };
  u64(page, 0, startNs);
  for (const r of records) {
    if (at + 4 + r.length > 4096) {
      close();
      page = Buffer.alloc(4096);
      u64(page, 0, startNs);
      at = 16;
    }
    page.writeUInt32LE((r.length / 4) | (1000 << 5), at); // type_len = words, time_delta 1 µs
    r.copy(page, at + 4);
    at += 4 + r.length;
  }
  close();
  return pages;
}
