/**
 * RecordWriter: recorders (simulated machine, kernel tracefs, live sources) feed it snapshot by
 * snapshot; the file on disk is a complete, valid record after every flush.
 *
 * Layout: each record's snapshots are serialized as they arrive and spilled to a per-record spool file
 * (in a temporary directory). A flush assembles the output into `<path>.tmp-<pid>` and renames it over
 * `path`, so readers never see a partial file. For json_compressed the spool holds raw-deflate pieces
 * ended with a sync flush; the assembly copies them unchanged between compressed glue pieces, behind
 * zlib's `78 9c` header, and writes the Adler-32 trailer computed with adler32_combine: a flush costs a
 * file copy, not a recompression, and memory does not grow with the length of the recording.
 *
 * Nothing the user had is lost: `path` is first written at the first flush, and a file already there
 * is kept as `<path>.old` (as damo does); a command that fails before recording anything calls
 * abort(), which leaves `path` as it was.
 */
import {
  closeSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, deflateRawSync } from 'node:zlib';
import { adler32, adler32Combine } from './adler32.js';
import {
  perfScriptFakeSnapshot,
  recordJsonFrame,
  snapshotToJson,
  snapshotToPerfScript,
} from './serialize.js';
import type { RecordFormat, RecordHeader, Snapshot } from './types.js';
import { RECORD_FORMATS, recordKeyString } from './types.js';

export interface RecordWriterOptions {
  /** Periodic flush; 0 disables it. Default 10 s. */
  flushIntervalMs?: number;
  /** File mode of the output (damo's --output_permission). Default 0o600. */
  mode?: number;
  /** zlib level for json_compressed (damo uses the default, 6). Lower is faster for long recordings. */
  compressionLevel?: number;
}

interface SpoolRecord {
  header: RecordHeader;
  spoolPath: string;
  fd: number;
  pending: string[];
  pendingBytes: number;
  nrSnapshots: number;
  /** Adler-32 and length of the uncompressed text in the spool (json_compressed only). */
  adler: number;
  length: number;
  /** Kept for perf_script's fake snapshot of single-snapshot records. */
  first: Snapshot | null;
}

const SPILL_BYTES = 1 << 20;
const COPY_CHUNK = 1 << 20;

export class RecordWriter {
  readonly path: string;
  readonly format: RecordFormat;
  private readonly mode: number;
  private readonly level: number;
  private readonly spoolDir: string;
  private readonly records: SpoolRecord[] = [];
  private readonly byKey = new Map<string, SpoolRecord>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private dirty = true;
  private written = false;

  private constructor(path: string, format: RecordFormat, opts: RecordWriterOptions) {
    if (!RECORD_FORMATS.includes(format)) throw new Error(`unknown record format '${format}' for ${path}`);
    this.path = path;
    this.format = format;
    this.mode = opts.mode ?? 0o600;
    this.level = opts.compressionLevel ?? constants.Z_DEFAULT_COMPRESSION;
    this.spoolDir = mkdtempSync(join(tmpdir(), 'damon-ts-record-'));
    const every = opts.flushIntervalMs ?? 10_000;
    if (every > 0) {
      this.timer = setInterval(() => this.flush(), every);
      this.timer.unref();
    }
  }

  /** Creates the writer; the file appears at the first flush (periodic, or close). */
  static open(
    path: string,
    format: RecordFormat = 'json_compressed',
    opts: RecordWriterOptions = {},
  ): RecordWriter {
    return new RecordWriter(path, format, opts);
  }

  /**
   * Appends a snapshot to the record identified by (kdamond_idx, context_idx, scheme_idx, target_id);
   * the first snapshot of a key creates the record with this header. Snapshots of a record must come
   * in time order.
   */
  addSnapshot(header: RecordHeader, snapshot: Snapshot): void {
    if (this.closed) throw new Error(`record writer for ${this.path} is closed`);
    const key = recordKeyString(header);
    let rec = this.byKey.get(key);
    if (!rec) {
      const spoolPath = join(this.spoolDir, String(this.records.length));
      rec = {
        header: { ...header },
        spoolPath,
        fd: openSync(spoolPath, 'w'),
        pending: [],
        pendingBytes: 0,
        nrSnapshots: 0,
        adler: 1,
        length: 0,
        first: null,
      };
      this.records.push(rec);
      this.byKey.set(key, rec);
    }
    let text: string;
    if (this.format === 'perf_script') {
      text = snapshotToPerfScript(rec.header, snapshot);
      if (rec.nrSnapshots === 0) rec.first = snapshot;
    } else {
      text = (rec.nrSnapshots > 0 ? ',' : '') + snapshotToJson(snapshot, rec.header.time_base_ns);
    }
    rec.nrSnapshots++;
    rec.pending.push(text);
    rec.pendingBytes += text.length;
    this.dirty = true;
    if (rec.pendingBytes >= SPILL_BYTES) this.spill(rec);
  }

  get nrRecords(): number {
    return this.records.length;
  }

  /** Snapshots added so far, over every record. */
  get nrSnapshots(): number {
    let n = 0;
    for (const r of this.records) n += r.nrSnapshots;
    return n;
  }

  private spill(rec: SpoolRecord): void {
    if (rec.pending.length === 0) return;
    const buf = Buffer.from(rec.pending.join(''), 'utf8');
    rec.pending = [];
    rec.pendingBytes = 0;
    if (this.format === 'json_compressed') {
      rec.adler = adler32Combine(rec.adler, adler32(buf), buf.length);
      rec.length += buf.length;
      writeSync(rec.fd, deflateRawSync(buf, { finishFlush: constants.Z_SYNC_FLUSH, level: this.level }));
    } else {
      writeSync(rec.fd, buf);
    }
  }

  /** Writes the complete file (temp file + rename). Cheap when nothing changed since the last flush. */
  flush(): void {
    if (!this.dirty) return;
    for (const rec of this.records) this.spill(rec);
    const tmp = `${this.path}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w', this.mode);
    try {
      if (this.format === 'json_compressed') this.assembleCompressed(fd);
      else this.assemblePlain(fd);
    } finally {
      closeSync(fd);
    }
    if (!this.written) this.keepOld();
    renameSync(tmp, this.path);
    this.written = true;
    this.dirty = false;
  }

  /** The regular file the first flush replaces becomes `<path>.old`. */
  private keepOld(): void {
    try {
      if (lstatSync(this.path).isFile()) renameSync(this.path, `${this.path}.old`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  private copySpool(rec: SpoolRecord, out: number): void {
    const buf = Buffer.allocUnsafe(COPY_CHUNK);
    const fd = openSync(rec.spoolPath, 'r');
    try {
      for (let n; (n = readSync(fd, buf, 0, COPY_CHUNK, null)) > 0;) writeSync(out, buf, 0, n);
    } finally {
      closeSync(fd);
    }
  }

  private assemblePlain(out: number): void {
    if (this.format === 'json') writeSync(out, '[');
    this.records.forEach((rec, i) => {
      if (this.format === 'json') {
        const frame = recordJsonFrame(rec.header);
        writeSync(out, (i > 0 ? ',' : '') + frame.head);
        this.copySpool(rec, out);
        writeSync(out, frame.tail);
      } else {
        this.copySpool(rec, out);
        if (rec.nrSnapshots === 1 && rec.first) writeSync(out, perfScriptFakeSnapshot(rec.header, rec.first));
      }
    });
    if (this.format === 'json') writeSync(out, ']');
  }

  private assembleCompressed(out: number): void {
    let adler = 1;
    const glue = (text: string, final: boolean): void => {
      const buf = Buffer.from(text, 'utf8');
      adler = adler32Combine(adler, adler32(buf), buf.length);
      writeSync(
        out,
        deflateRawSync(buf, { finishFlush: final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH }),
      );
    };
    writeSync(out, Buffer.from([0x78, 0x9c]));
    let pendingGlue = '[';
    this.records.forEach((rec, i) => {
      const frame = recordJsonFrame(rec.header);
      glue(pendingGlue + (i > 0 ? ',' : '') + frame.head, false);
      this.copySpool(rec, out);
      adler = adler32Combine(adler, rec.adler, rec.length);
      pendingGlue = frame.tail;
    });
    glue(pendingGlue + ']', true);
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32BE(adler >>> 0);
    writeSync(out, trailer);
  }

  /** Final flush; removes the spool. Idempotent. */
  close(): void {
    this.finish(true);
  }

  /**
   * For a command that failed: what was recorded is kept (flushed as a valid record), but a run that
   * recorded nothing leaves `path` untouched. Idempotent.
   */
  abort(): void {
    this.finish(this.records.length > 0);
  }

  private finish(write: boolean): void {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (write) this.flush();
    this.closed = true;
    for (const rec of this.records) closeSync(rec.fd);
    rmSync(this.spoolDir, { recursive: true, force: true });
  }
}

/**
 * Flushes and closes `writer` on SIGINT/SIGTERM, then lets the signal take its default course (the
 * process exits with 128+signo). Returns a function that removes the handlers.
 */
export function flushOnSignals(writer: RecordWriter): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  const handler = (sig: NodeJS.Signals): void => {
    remove();
    try {
      writer.close();
    } finally {
      process.kill(process.pid, sig);
    }
  };
  const remove = (): void => {
    for (const s of signals) process.off(s, handler);
  };
  for (const s of signals) process.on(s, handler);
  return remove;
}
