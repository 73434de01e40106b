/**
 * damon-ts binary trace format (docs/workloads.md), little-endian:
 *
 *   header: magic "DMNTRACE" (8 bytes), u32 version (1), u32 headerBytes (multiple of 8, the offset of
 *           the first record), u32 recordBytes (24), u32 metaBytes, then metaBytes of UTF-8 JSON
 *           (TraceInfo: pid, source, instructionsPerSecond, command), zero-padded to headerBytes.
 *   record (24 bytes): u32 address low, u32 address high (addresses < 2^53), u32 time delta in ns
 *           since the previous record (the first: since the trace start), i32 tid (< 0: unknown),
 *           u16 size, i16 cpu (-1: unknown), u8 flags (bit 0 write, bit 1 time-only), 3 bytes zero.
 *           A time-only record is not an access: its 64-bit address field holds a time delta too large
 *           for 32 bits; the access that follows has delta 0.
 *
 * The reader decodes whole records with typed-array views over an aligned staging buffer, never the
 * whole file at once.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { BatchQueue, TraceBatch, TraceDecoder, TraceInfo } from './trace-batch.js';

export const BINARY_TRACE_MAGIC = 'DMNTRACE';
export const BINARY_TRACE_VERSION = 1;
export const RECORD_BYTES = 24;
const FIXED_HEADER_BYTES = 24;
const FLAG_WRITE = 1;
const FLAG_TIME_ONLY = 2;
const TWO32 = 2 ** 32;
const STAGE_RECORDS = 1 << 15;
/** Addresses are below 2^53: the high 32 bits below 2^21. */
const ADDR_HIGH_LIMIT = 2 ** 21;
/** Metadata is a few hundred bytes of JSON (a long command line at most). */
const MAX_META_BYTES = 1 << 20;

function checkHostEndianness(what: string): void {
  if (endianness() !== 'LE')
    throw new Error(`${what}: binary traces are little-endian and this host is big-endian`);
}

/** True if the bytes start with the binary trace magic. */
export function isBinaryTrace(head: Uint8Array): boolean {
  return (
    head.length >= 8 && Buffer.from(head.buffer, head.byteOffset, 8).toString('latin1') === BINARY_TRACE_MAGIC
  );
}

/** Views of one aligned buffer of records. */
class RecordViews {
  readonly bytes: Buffer;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;

  constructor(bytes: number) {
    this.bytes = Buffer.alloc(bytes);
    const ab = this.bytes.buffer;
    this.u32 = new Uint32Array(ab, this.bytes.byteOffset, bytes >> 2);
    this.i32 = new Int32Array(ab, this.bytes.byteOffset, bytes >> 2);
    this.u16 = new Uint16Array(ab, this.bytes.byteOffset, bytes >> 1);
    this.i16 = new Int16Array(ab, this.bytes.byteOffset, bytes >> 1);
  }
}

/** Writes a binary trace file synchronously, buffering records. */
export class BinaryTraceWriter {
  private readonly fd: number;
  private readonly views = new RecordViews(STAGE_RECORDS * RECORD_BYTES);
  private n = 0;
  private lastNs = 0;
  private closed = false;
  /** Access records written (time-only records not counted). */
  records = 0;

  constructor(
    readonly path: string,
    info: TraceInfo,
  ) {
    checkHostEndianness(path);
    const meta = Buffer.from(JSON.stringify(info), 'utf8');
    const headerBytes = Math.ceil((FIXED_HEADER_BYTES + meta.length) / 8) * 8;
    const h = Buffer.alloc(headerBytes);
    h.write(BINARY_TRACE_MAGIC, 0, 'latin1');
    h.writeUInt32LE(BINARY_TRACE_VERSION, 8);
    h.writeUInt32LE(headerBytes, 12);
    h.writeUInt32LE(RECORD_BYTES, 16);
    h.writeUInt32LE(meta.length, 20);
    meta.copy(h, FIXED_HEADER_BYTES);
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new Error(`${path}: cannot write trace: ${(e as Error).message}`);
    }
    writeSync(this.fd, h);
  }

  /** Appends one access. Times must not decrease. */
  append(timeNs: number, addr: number, size: number, tid: number, cpu: number, isWrite: boolean): void {
    const dt = timeNs - this.lastNs;
    if (!(dt >= 0) || !Number.isInteger(timeNs))
      throw new Error(
        `${this.path}: record ${this.records}: time ${timeNs} ns is not an integer at or after ${this.lastNs}`,
      );
    if (!Number.isSafeInteger(addr) || addr < 0)
      throw new Error(`${this.path}: record ${this.records}: bad address ${addr}`);
    if (!(size >= 0 && size <= 0xffff))
      throw new Error(`${this.path}: record ${this.records}: size ${size} out of 0..65535`);
    if (!(cpu >= -1 && cpu <= 0x7fff))
      throw new Error(`${this.path}: record ${this.records}: cpu ${cpu} out of -1..32767`);
    if (dt > 0xffffffff) {
      this.put(dt % TWO32, Math.floor(dt / TWO32), 0, 0, 0, -1, FLAG_TIME_ONLY);
      this.put(addr % TWO32, Math.floor(addr / TWO32), 0, tid, size, cpu, isWrite ? FLAG_WRITE : 0);
    } else {
      this.put(addr % TWO32, Math.floor(addr / TWO32), dt, tid, size, cpu, isWrite ? FLAG_WRITE : 0);
    }
    this.lastNs = timeNs;
    this.records++;
  }

  appendBatch(b: TraceBatch): void {
    for (let i = 0; i < b.length; i++)
      this.append(b.timeNs[i]!, b.addr[i]!, b.size[i]!, b.tid[i]!, b.cpu[i]!, b.isWrite[i] === 1);
  }

  private put(
    lo: number,
    hi: number,
    dt: number,
    tid: number,
    size: number,
    cpu: number,
    flags: number,
  ): void {
    if (this.n === STAGE_RECORDS) this.flush();
    const v = this.views;
    const o = this.n * 6;
    v.u32[o] = lo;
    v.u32[o + 1] = hi;
    v.u32[o + 2] = dt;
    v.i32[o + 3] = tid;
    v.u16[o * 2 + 8] = size;
    v.i16[o * 2 + 9] = cpu;
    v.bytes[o * 4 + 20] = flags;
    this.n++;
  }

  private flush(): void {
    if (this.n > 0) writeSync(this.fd, this.views.bytes, 0, this.n * RECORD_BYTES);
    this.n = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}

/** Push decoder of binary traces. */
export class BinaryTraceDecoder implements TraceDecoder {
  readonly queue = new BatchQueue();
  private stage = new RecordViews(STAGE_RECORDS * RECORD_BYTES);
  private fill = 0;
  private headerBytes = -1;
  private timeNs = 0;
  private recordNo = 0;

  constructor(
    private readonly source: string,
    readonly info: TraceInfo,
  ) {
    checkHostEndianness(source);
  }

  feed(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) {
      const take = Math.min(chunk.length - off, this.stage.bytes.length - this.fill);
      this.stage.bytes.set(chunk.subarray(off, off + take), this.fill);
      this.fill += take;
      off += take;
      this.consume();
    }
  }

  end(): void {
    if (this.headerBytes < 0)
      throw new Error(`${this.source}: truncated binary trace header (${this.fill} bytes)`);
    if (this.fill !== 0)
      throw new Error(
        `${this.source}: truncated record ${this.recordNo} (${this.fill} of ${RECORD_BYTES} bytes at the end)`,
      );
    this.queue.flush();
  }

  private consume(): void {
    if (this.headerBytes < 0 && !this.readHeader()) return;
    const v = this.stage;
    const nrec = Math.floor(this.fill / RECORD_BYTES);
    const q = this.queue;
    let b = q.current();
    let n = b.length;
    let cap = b.timeNs.length;
    let t = this.timeNs;
    for (let r = 0; r < nrec; r++) {
      const o = r * 6;
      // flags hold two bits and the 3 bytes after them are zero; addresses are below 2^53: anything
      // else is not a record of this format (a damaged or misaligned file)
      if ((v.u32[o + 5]! & ~(FLAG_WRITE | FLAG_TIME_ONLY)) !== 0 || v.u32[o + 1]! >= ADDR_HIGH_LIMIT)
        this.badRecord(r);
      const flags = v.bytes[o * 4 + 20]!;
      const addr = v.u32[o + 1]! * TWO32 + v.u32[o]!;
      if (flags & FLAG_TIME_ONLY) {
        t += addr;
        continue;
      }
      t += v.u32[o + 2]!;
      if (n === cap) {
        b.length = n;
        b = q.current();
        n = 0;
        cap = b.timeNs.length;
      }
      b.timeNs[n] = t;
      b.addr[n] = addr;
      b.size[n] = v.u16[o * 2 + 8]!;
      b.tid[n] = v.i32[o + 3]!;
      b.cpu[n] = v.i16[o * 2 + 9]!;
      b.isWrite[n] = flags & FLAG_WRITE;
      n++;
    }
    b.length = n;
    if (t > Number.MAX_SAFE_INTEGER)
      throw new Error(
        `${this.source}: record ${this.recordNo + nrec - 1}: time beyond 2^53 ns (a damaged trace)`,
      );
    this.timeNs = t;
    this.recordNo += nrec;
    this.shift(nrec * RECORD_BYTES);
  }

  private badRecord(r: number): never {
    const o = r * RECORD_BYTES;
    throw new Error(
      `${this.source}: record ${this.recordNo + r} (byte ${this.headerBytes + (this.recordNo + r) * RECORD_BYTES}): not a binary trace record (${this.stage.bytes.toString('hex', o, o + RECORD_BYTES)})`,
    );
  }

  /** Moves unconsumed bytes to the front so the next record starts aligned at offset 0. */
  private shift(used: number): void {
    this.stage.bytes.copy(this.stage.bytes, 0, used, this.fill);
    this.fill -= used;
  }

  private readHeader(): boolean {
    const h = this.stage.bytes;
    if (this.fill < FIXED_HEADER_BYTES) return false;
    if (h.toString('latin1', 0, 8) !== BINARY_TRACE_MAGIC)
      throw new Error(`${this.source}: not a damon-ts binary trace (bad magic)`);
    const version = h.readUInt32LE(8);
    if (version !== BINARY_TRACE_VERSION)
      throw new Error(
        `${this.source}: binary trace version ${version} is not supported (this reader: ${BINARY_TRACE_VERSION})`,
      );
    const headerBytes = h.readUInt32LE(12);
    const recordBytes = h.readUInt32LE(16);
    const metaBytes = h.readUInt32LE(20);
    if (recordBytes !== RECORD_BYTES)
      throw new Error(`${this.source}: record size ${recordBytes} is not ${RECORD_BYTES}`);
    // the writer pads the metadata to the next multiple of 8: any other size is damage (and a huge one
    // would be allocated)
    if (headerBytes !== Math.ceil((FIXED_HEADER_BYTES + metaBytes) / 8) * 8 || metaBytes > MAX_META_BYTES)
      throw new Error(`${this.source}: bad header size ${headerBytes} (metadata ${metaBytes} bytes)`);
    if (headerBytes > h.length) {
      const bigger = new RecordViews(
        Math.ceil(headerBytes / RECORD_BYTES) * RECORD_BYTES + STAGE_RECORDS * RECORD_BYTES,
      );
      h.copy(bigger.bytes, 0, 0, this.fill);
      this.stage = bigger;
    }
    if (this.fill < headerBytes) return false;
    let meta: unknown;
    try {
      meta = JSON.parse(
        this.stage.bytes.toString('utf8', FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + metaBytes),
      );
    } catch (e) {
      throw new Error(`${this.source}: bad header metadata: ${(e as Error).message}`);
    }
    if (meta === null || typeof meta !== 'object' || Array.isArray(meta))
      throw new Error(`${this.source}: bad header metadata: not a JSON object`);
    const ips = (meta as TraceInfo).instructionsPerSecond;
    if (ips !== undefined && !(typeof ips === 'number' && ips > 0 && Number.isFinite(ips)))
      throw new Error(`${this.source}: bad header metadata: instructionsPerSecond ${String(ips)}`);
    Object.assign(this.info, meta);
    this.headerBytes = headerBytes;
    this.shift(headerBytes);
    return true;
  }
}
