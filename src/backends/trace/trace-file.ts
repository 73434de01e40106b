/**
 * Reading trace files of either format (detected by the binary magic; anything else is read as a
 * lackey log), as batches, synchronously or asynchronously, and converting lackey to binary.
 */
import { BinaryTraceDecoder, BinaryTraceWriter, isBinaryTrace } from './binary-trace.js';
import { readChunks, readChunksSync } from './chunk-reader.js';
import { LackeyDecoder, LackeyOptions } from './lackey-decoder.js';
import { TraceBatch, TraceDecoder, TraceInfo } from './trace-batch.js';

export type TraceReadOptions = LackeyOptions;

/** A trace being read: `info` fills in as the reader goes (lackey learns the pid from the log). */
export interface TraceReader<I> {
  readonly info: TraceInfo;
  /** Batches in time order; each is recycled when the next is requested. */
  readonly batches: I;
}

function decoderFor(head: Uint8Array, path: string, info: TraceInfo, opts: TraceReadOptions): TraceDecoder {
  return isBinaryTrace(head) ? new BinaryTraceDecoder(path, info) : new LackeyDecoder(path, info, opts);
}

function* decodeSync(path: string, info: TraceInfo, opts: TraceReadOptions): Generator<TraceBatch> {
  let dec: TraceDecoder | null = null;
  for (const chunk of readChunksSync(path)) {
    dec ??= decoderFor(chunk, path, info, opts);
    dec.feed(chunk);
    yield* dec.queue.drain();
  }
  if (dec === null) throw new Error(`${path}: empty trace file`);
  dec.end();
  yield* dec.queue.drain();
}

async function* decodeAsync(
  path: string,
  info: TraceInfo,
  opts: TraceReadOptions,
): AsyncGenerator<TraceBatch> {
  let dec: TraceDecoder | null = null;
  for await (const chunk of readChunks(path)) {
    dec ??= decoderFor(chunk, path, info, opts);
    dec.feed(chunk);
    yield* dec.queue.drain();
  }
  if (dec === null) throw new Error(`${path}: empty trace file`);
  dec.end();
  yield* dec.queue.drain();
}

export function openTraceSync(path: string, opts: TraceReadOptions = {}): TraceReader<Generator<TraceBatch>> {
  const info: TraceInfo = {};
  return { info, batches: decodeSync(path, info, opts) };
}

export function openTrace(
  path: string,
  opts: TraceReadOptions = {},
): TraceReader<AsyncGenerator<TraceBatch>> {
  const info: TraceInfo = {};
  return { info, batches: decodeAsync(path, info, opts) };
}

/** Converts a trace (normally a lackey log) to the binary format; returns the records written. */
export function convertToBinary(
  inPath: string,
  outPath: string,
  opts: TraceReadOptions & { command?: string[] } = {},
): { records: number; info: TraceInfo } {
  const reader = openTraceSync(inPath, opts);
  // The header carries the pid, which a lackey log gives in its first lines, before any record.
  const open = (): BinaryTraceWriter =>
    new BinaryTraceWriter(outPath, { ...reader.info, ...(opts.command ? { command: opts.command } : {}) });
  let w: BinaryTraceWriter | null = null;
  try {
    for (const b of reader.batches) {
      w ??= open();
      w.appendBatch(b);
    }
    w ??= open();
  } finally {
    w?.close();
  }
  return { records: w.records, info: reader.info };
}
