/**
 * Trace records in struct-of-arrays batches, the unit every trace reader produces. Time is integer
 * nanoseconds from the start of the trace; `tid` < 0 means the OS thread id is unknown; `cpu` is -1
 * when the trace has no CPU (valgrind serializes threads, so lackey traces never do).
 */
export interface TraceBatch {
  length: number;
  timeNs: Float64Array;
  addr: Float64Array;
  size: Uint32Array;
  tid: Int32Array;
  cpu: Int32Array;
  isWrite: Uint8Array;
}

/** What a trace says about itself (binary header metadata; lackey: learned from the log). */
export interface TraceInfo {
  /** Process id of the traced program, when known. */
  pid?: number;
  /** Where the trace came from ('lackey', ...). */
  source?: string;
  /** Instructions per second used to turn instruction counts into time (lackey). */
  instructionsPerSecond?: number;
  /** Command line of the traced program. */
  command?: string[];
}

export const TRACE_BATCH_RECORDS = 1 << 16;

export function newTraceBatch(capacity = TRACE_BATCH_RECORDS): TraceBatch {
  return {
    length: 0,
    timeNs: new Float64Array(capacity),
    addr: new Float64Array(capacity),
    size: new Uint32Array(capacity),
    tid: new Int32Array(capacity),
    cpu: new Int32Array(capacity),
    isWrite: new Uint8Array(capacity),
  };
}

/**
 * Hands out batches to a decoder and takes them back once the consumer is done: readers yield a batch,
 * and the batch is recycled when the consumer asks for the next one (do not keep batches across).
 */
export class BatchQueue {
  readonly ready: TraceBatch[] = [];
  private readonly free: TraceBatch[] = [];
  private cur: TraceBatch | null = null;

  /** The batch being filled, with room for at least one record. */
  current(): TraceBatch {
    let b = this.cur;
    if (b === null || b.length === b.timeNs.length) {
      if (b !== null) this.ready.push(b);
      b = this.free.pop() ?? newTraceBatch();
      b.length = 0;
      this.cur = b;
    }
    return b;
  }

  /** Moves the partly filled batch to `ready` (end of input). */
  flush(): void {
    if (this.cur !== null && this.cur.length > 0) this.ready.push(this.cur);
    this.cur = null;
  }

  /** Yields the ready batches, recycling each when the consumer resumes. */
  *drain(): Generator<TraceBatch> {
    while (this.ready.length > 0) {
      const b = this.ready.shift()!;
      yield b;
      this.free.push(b);
    }
  }
}

/** A push decoder: fed chunks of a trace file in order, it appends records to its queue. */
export interface TraceDecoder {
  readonly queue: BatchQueue;
  readonly info: TraceInfo;
  /** The chunk may be reused by the caller after this returns. */
  feed(chunk: Uint8Array): void;
  /** End of input: checks for a truncated last line/record and flushes. */
  end(): void;
}
