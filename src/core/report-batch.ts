/** A report batch: the columns of access reports a source fills and the core intake takes (see ReportBatch). */
import type { ReportBatch } from './types.js';

export function newReportBatch(capacity: number): ReportBatch {
  return {
    length: 0,
    paddr: new Float64Array(capacity),
    vaddr: new Float64Array(capacity),
    size: new Uint32Array(capacity),
    cpu: new Int32Array(capacity),
    tid: new Int32Array(capacity),
    tgid: new Int32Array(capacity),
    isWrite: new Uint8Array(capacity),
    time: new Float64Array(capacity),
  };
}
