/**
 * Frames read back as what the reports take, so that the dashboard's decision views run the
 * reports' own code (src/reports/dirty.ts, sharing.ts) on the frames it holds: a frame kept as
 * recorded gives the numbers `report dirty` and `report sharing` print; merged (older) frames give
 * their time-weighted approximation.
 */
import type { DamonRecord, RecordHeader } from '../../../records/types.js';
import type { WriteSeries, WriteSnapshot } from '../../../reports/dirty.js';
import { F_END, F_NR, F_START, F_WRITES, REGION_FIELDS, type Frame } from './frame.js';
import type { StreamInfo } from './protocol.js';

/** A stream's record header, as far as the dashboard knows it. */
function headerOf(info: StreamInfo): RecordHeader {
  const t = info.target === null ? null : Number(info.target);
  return {
    kdamond_idx: info.kdamond,
    context_idx: info.context,
    intervals: null,
    scheme_idx: info.scheme,
    target_id: t !== null && Number.isSafeInteger(t) ? t : null,
    scheme_filters: [],
    data_source: info.dataSource,
  };
}

/** Whether the frame's regions carry write samples (a report-fed context's breakdown). */
export function hasWrites(f: Frame): boolean {
  return f.regions.length > 0 && f.regions[F_WRITES]! >= 0;
}

/** The write series of a stream's frames that have write samples (`report dirty`'s input). */
export function writeSeriesOfFrames(info: StreamInfo, frames: readonly Frame[]): WriteSeries {
  const snapshots: WriteSnapshot[] = [];
  for (const f of frames) {
    if (!hasWrites(f) || !(f.meta.si > 0)) continue;
    const n = f.meta.n;
    const start = new Float64Array(n);
    const end = new Float64Array(n);
    const writes = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const o = i * REGION_FIELDS;
      start[i] = f.regions[o + F_START]!;
      end[i] = f.regions[o + F_END]!;
      writes[i] = f.regions[o + F_WRITES]!;
    }
    const startUs = f.meta.t0 / 1000;
    const endUs = f.meta.t1 / 1000;
    snapshots.push({
      startUs,
      endUs,
      samples: Math.max(1, Math.round((endUs - startUs) / f.meta.si)),
      start,
      end,
      writes,
    });
  }
  return { header: headerOf(info), snapshots };
}

/** A stream's frames as a record of access counts (`report sharing`'s input for slice records). */
export function recordOfFrames(info: StreamInfo, frames: readonly Frame[]): DamonRecord {
  return {
    ...headerOf(info),
    snapshots: frames.map((f) => ({
      start_time: f.meta.t0,
      end_time: f.meta.t1,
      regions: Array.from({ length: f.meta.n }, (_, i) => {
        const o = i * REGION_FIELDS;
        return {
          start: f.regions[o + F_START]!,
          end: f.regions[o + F_END]!,
          nr_accesses: { samples: f.regions[o + F_NR]!, percent: null },
          age: { usec: null, aggr_intervals: null },
          sz_filter_passed: 0,
        };
      }),
    })),
  };
}
