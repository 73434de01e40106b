/**
 * convertRecordFile: a record file rewritten in one of damo's formats, read and written snapshot by
 * snapshot, so that the size of the record is bounded by the disk, not by memory or V8's string limit.
 * The output goes to `<output>.tmp-<pid>` and is renamed over `output` at the end (which may be the
 * input: a conversion in place); a failure removes the temporary file and leaves `output` as it was.
 */
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { createDeflate, type Deflate } from 'node:zlib';
import { readRecordHeaders, streamRecords } from './reader.js';
import type { RecordFormat, RecordHeader } from './types.js';
import { DamoLayout, HeaderAfterSnapshots } from './write-file.js';

const PIECE = 1 << 20;

/** Text to a file descriptor, through one zlib stream for json_compressed (as damo's one compress()). */
class FileSink {
  private pending: string[] = [];
  private pendingLen = 0;
  private readonly deflate: Deflate | null;
  /** The first write failure: the reader wraps what its handler throws, so it is kept here. */
  error: Error | null = null;

  constructor(
    private readonly fd: number,
    compressed: boolean,
  ) {
    this.deflate = compressed ? createDeflate({ chunkSize: PIECE }) : null;
    this.deflate?.on('data', (b: Buffer) => {
      try {
        writeSync(this.fd, b);
      } catch (e) {
        this.error ??= e as Error;
        this.deflate!.destroy(e as Error);
      }
    });
    this.deflate?.on('error', (e) => (this.error ??= e));
  }

  text(t: string): void {
    this.pending.push(t);
    this.pendingLen += t.length;
    if (this.pendingLen >= PIECE) this.push();
  }

  private push(): void {
    if (this.pendingLen === 0) return;
    const buf = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingLen = 0;
    if (this.deflate) this.deflate.write(buf);
    else
      try {
        writeSync(this.fd, buf);
      } catch (e) {
        throw (this.error ??= e as Error);
      }
  }

  /** Waits while the compressor is behind, so that memory does not grow with the record. */
  async drain(): Promise<void> {
    if (this.error) throw this.error;
    if (this.deflate?.writableNeedDrain) await once(this.deflate, 'drain');
  }

  async end(): Promise<void> {
    this.push();
    if (this.deflate) {
      const done = once(this.deflate, 'end');
      this.deflate.end();
      await done;
    }
    if (this.error) throw this.error;
  }

  destroy(): void {
    this.deflate?.destroy();
  }
}

async function convertOnce(
  input: string,
  output: string,
  tmp: string,
  format: RecordFormat,
  mode: number,
  headers: RecordHeader[] | null,
): Promise<{ records: number; snapshots: number }> {
  const fd = openSync(tmp, 'w', mode);
  const sink = new FileSink(fd, format === 'json_compressed');
  const layout = new DamoLayout(format, (t) => sink.text(t));
  // With the headers read beforehand, a record's own keys come from them, the time base from the stream.
  const headerOf = (h: RecordHeader, ri: number): RecordHeader =>
    headers ? { ...headers[ri]!, time_base_ns: h.time_base_ns } : h;
  let records = 0;
  let snapshots = 0;
  let moved: HeaderAfterSnapshots | null = null;
  try {
    await streamRecords(input, {
      snapshot(s, h, ri) {
        layout.snapshot(headerOf(h, ri), s);
        snapshots++;
      },
      recordEnd(h, ri) {
        try {
          layout.recordEnd(headerOf(h, ri));
        } catch (e) {
          if (e instanceof HeaderAfterSnapshots) moved = e;
          throw e;
        }
        records++;
      },
      drain: () => sink.drain(),
    });
    layout.end();
    await sink.end();
  } catch (e) {
    sink.destroy();
    if (sink.error) throw new Error(`cannot write the record ${output}: ${sink.error.message}`);
    throw moved ?? e;
  } finally {
    closeSync(fd);
  }
  return { records, snapshots };
}

/** Converts `input` into `output` (the same path converts in place); returns what it wrote. */
export async function convertRecordFile(
  input: string,
  output: string,
  format: RecordFormat,
  mode = 0o600,
): Promise<{ records: number; snapshots: number }> {
  const tmp = `${output}.tmp-${process.pid}`;
  try {
    let done;
    try {
      done = await convertOnce(input, output, tmp, format, mode, null);
    } catch (e) {
      if (!(e instanceof HeaderAfterSnapshots)) throw e;
      // A record's keys after its snapshots (a hand-written file): read the headers first, then again.
      const headers = (await readRecordHeaders(input)).map((r) => r.header);
      done = await convertOnce(input, output, tmp, format, mode, headers);
    }
    renameSync(tmp, output);
    return done;
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw e;
  }
}
