/**
 * The interface every live access source implements, and the batch builder they share. Sources push
 * ReportBatch objects (src/core/types.ts) to a sink; a report-fed context takes them with
 * `ctx.reportAccesses(batch)`. Batches are reused once the sink returns: the sink copies what it keeps.
 *
 * Conventions of live reports: `time` is CLOCK_MONOTONIC in µs minus the source's `timeBaseUs`
 * (so a context whose clock starts at 0 passes its start time); `paddr` is -1 (unknown: user-space
 * sources see virtual addresses); `cpu` is -1 and `tid` -1 when the source cannot tell them.
 */
import { wallClockUs } from '../../core/drivers.js';
import type { ReportBatch } from '../../core/types.js';
import { newReportBatch } from '../../core/report-batch.js';

export type ReportSink = (batch: ReportBatch) => void;

/** Counters of a source; every source reports `reports` and `lost` (events it knows it missed). */
export interface SourceStats {
  reports: number;
  lost: number;
  [counter: string]: number;
}

export interface ReportSource {
  readonly name: string;
  /** Starts producing reports into `sink`. */
  start(sink: ReportSink): Promise<void> | void;
  /** Stops, delivers what is pending, releases kernel state, returns the final counters. Idempotent. */
  stop(): Promise<SourceStats> | SourceStats;
  stats(): SourceStats;
}

/** Current CLOCK_MONOTONIC time in µs (the clock of trace_clock=mono and of Node's hrtime). */
export function monotonicUs(): number {
  return Math.floor(Number(process.hrtime.bigint() / 1000n));
}

/**
 * The timeBaseUs that puts live report times on the core's wall clock (runWallClock, wallClockUs:
 * epoch µs): CLOCK_MONOTONIC µs − this = wall-clock µs.
 */
export function wallClockTimeBaseUs(): number {
  return monotonicUs() - wallClockUs();
}

/** Fills one reused ReportBatch and hands it to the sink when full or on flush(). */
export class ReportBatcher {
  readonly batch: ReportBatch;
  /** Reports delivered so far. */
  delivered = 0;

  constructor(
    private readonly sink: ReportSink,
    capacity = 8192,
  ) {
    this.batch = newReportBatch(capacity);
  }

  push(
    vaddr: number,
    size: number,
    cpu: number,
    tid: number,
    tgid: number,
    isWrite: boolean,
    time: number,
  ): void {
    const b = this.batch;
    const i = b.length;
    b.paddr[i] = -1;
    b.vaddr[i] = vaddr;
    b.size[i] = size;
    b.cpu[i] = cpu;
    b.tid[i] = tid;
    b.tgid[i] = tgid;
    b.isWrite[i] = isWrite ? 1 : 0;
    b.time[i] = time;
    b.length = i + 1;
    if (b.length === b.paddr.length) this.flush();
  }

  flush(): void {
    if (this.batch.length === 0) return;
    this.delivered += this.batch.length;
    this.sink(this.batch);
    this.batch.length = 0;
  }
}
