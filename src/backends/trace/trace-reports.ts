/**
 * A trace as a stream of access reports, for contexts fed by reports (no simulated machine): an async
 * iterator of ReportBatch in time order. Traces carry virtual addresses only, so `paddr` is -1
 * (unknown); `tgid` is the trace's pid unless given; `time` is startUs + floor(trace ns / 1000).
 */
import type { ReportBatch } from '../../core/types.js';
import { newReportBatch } from '../../core/report-batch.js';
import { TraceBatch } from './trace-batch.js';
import { openTrace, TraceReadOptions } from './trace-file.js';

export interface TraceReportOptions extends TraceReadOptions {
  /** Time of the trace's start on the consumer's clock, µs (default 0). */
  startUs?: number;
  /** tgid to report (default: the trace's pid, else 0). */
  tgid?: number;
}

/** Reports of the trace at `path`. Each yielded batch is reused for the next one: consume it first. */
export async function* traceReports(
  path: string,
  opts: TraceReportOptions = {},
): AsyncGenerator<ReportBatch> {
  const reader = openTrace(path, opts);
  const startUs = opts.startUs ?? 0;
  let out: ReportBatch | null = null;
  for await (const b of reader.batches as AsyncGenerator<TraceBatch>) {
    if (out === null || out.paddr.length < b.length) {
      out = newReportBatch(b.timeNs.length);
      out.paddr.fill(-1);
    }
    const tgid = opts.tgid ?? reader.info.pid ?? 0;
    out.vaddr.set(b.addr.subarray(0, b.length));
    out.size.set(b.size.subarray(0, b.length));
    out.cpu.set(b.cpu.subarray(0, b.length));
    out.tid.set(b.tid.subarray(0, b.length));
    out.isWrite.set(b.isWrite.subarray(0, b.length));
    out.tgid.fill(tgid, 0, b.length);
    for (let i = 0; i < b.length; i++) out.time[i] = startUs + Math.floor(b.timeNs[i]! / 1000);
    out.length = b.length;
    yield out;
  }
}
