/** Test helpers: decode whole inputs through a push decoder into plain records. */
import type { TraceBatch, TraceDecoder } from '../../src/backends/trace/trace-batch.js';

export type Rec = [timeNs: number, addr: number, size: number, tid: number, cpu: number, isWrite: number];

export function batchRecords(b: TraceBatch): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < b.length; i++)
    out.push([b.timeNs[i]!, b.addr[i]!, b.size[i]!, b.tid[i]!, b.cpu[i]!, b.isWrite[i]!]);
  return out;
}

/** Feeds `bytes` cut at `cuts` (sorted offsets) and returns all records. */
export function decodeAll(dec: TraceDecoder, bytes: Uint8Array, cuts: number[] = []): Rec[] {
  const out: Rec[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    dec.feed(bytes.slice(prev, c));
    prev = c;
    for (const b of dec.queue.drain()) out.push(...batchRecords(b));
  }
  dec.end();
  for (const b of dec.queue.drain()) out.push(...batchRecords(b));
  return out;
}
