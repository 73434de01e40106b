/**
 * RecordWriter: recorders (simulated machine, kernel tracefs, live sources) feed it snapshot by
 * snapshot; the file on disk is a complete, valid record after every flush.
 *
 * Layout: each record's snapshots are serialized as they arrive and spilled to a per-record spool file
 * (in a temporary directory). The first flush assembles the output into `<path>.tmp-<pid>` and renames
 * it over `path`, so readers never see a partial file. For json_compressed the spool holds raw-deflate
 * pieces ended with a sync flush; the assembly copies them unchanged between compressed glue pieces,
 * behind zlib's `78 9c` header, and writes the Adler-32 trailer computed with adler32_combine.
 *
 * Later flushes append: when only the last record of the file grew (or records were added after it),
 * the new snapshots and a new end (closing brackets; for json_compressed the final deflate block and
 * trailer) overwrite the old end in one write, so a flush costs what was recorded since the last one,
 * whatever the length of the recording. Records that grow side by side (several targets) cannot be
 * appended to in place: the file is then assembled again, as the first time.
 *
 * Nothing the user had is lost: `path` is first written at the first flush, and a regular file
 * already there is kept as `<path>.old` (as damo does); anything else there (a FIFO, a symlink, a
 * device, a directory) is refused when the writer opens; a command that fails before recording
 * anything calls abort(), which leaves `path` as it was.
 */
import {
  closeSync,
  fstatSync,
  ftruncateSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import type { Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
  /** Periodic flush; 0 disables it. Default 1 s (a flush appends what is new: see above). */
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
  /** Bytes in the spool, and how many of them the output file holds. */
  spooled: number;
  inFile: number;
  /** Adler-32 and length of the uncompressed text in the spool, all and not yet in the file. */
  adler: number;
  length: number;
  newAdler: number;
  newLength: number;
  /** Snapshots in the output file (perf_script's fake snapshot follows a record of one). */
  nrInFile: number;
  /** Kept for perf_script's fake snapshot of single-snapshot records. */
  first: Snapshot | null;
}

/** What the output holds, for the next append. */
interface FileState {
  fd: number;
  ino: number;
  size: number;
  /** Bytes at the end that the next append overwrites (closing text; deflate end and trailer). */
  endLen: number;
  /** Records whose head is in the file. */
  nrRecords: number;
  /** Adler-32 and length of the uncompressed text before the end (json_compressed). */
  adler: number;
  length: number;
}

const SPILL_BYTES = 1 << 20;
const COPY_CHUNK = 1 << 20;

const KINDS: [(s: Stats) => boolean, string][] = [
  [(s) => s.isSymbolicLink(), 'a symbolic link'],
  [(s) => s.isDirectory(), 'a directory'],
  [(s) => s.isFIFO(), 'a FIFO'],
  [(s) => s.isSocket(), 'a socket'],
  [(s) => s.isCharacterDevice() || s.isBlockDevice(), 'a device'],
];

/**
 * Throws unless `path` can take a record: nothing there or a regular file (kept as `.old`), in an
 * existing directory. A symlink is refused rather than followed or replaced, as is anything that is
 * not a file: writing a record over it would destroy it, or feed a reader the record.
 */
export function checkRecordOutput(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${path}: ${(e as Error).message}`);
    if (path.endsWith('/')) throw new Error(`${path}: a record file name cannot end with '/'`);
    let dir;
    try {
      dir = statSync(dirname(path));
    } catch {
      throw new Error(`${path}: the directory ${dirname(path)} does not exist`);
    }
    if (!dir.isDirectory()) throw new Error(`${path}: ${dirname(path)} is not a directory`);
    return;
  }
  if (st.isFile()) return;
  const kind = KINDS.find(([is]) => is(st))?.[1] ?? 'not a regular file';
  throw new Error(`${path} is ${kind}: a record is written only to a regular file; give another path`);
}

const SPOOL_PREFIX = 'damon-ts-record-';

/**
 * Removes the spools of writers whose process is gone: a SIGKILL'd recording cannot clean up after
 * itself (its record file is complete up to the last flush; the spool is only a working copy).
 */
function sweepDeadSpools(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/^damon-ts-record-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || processAlive(pid)) continue;
    try {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    } catch {
      // Another user's spool, or one going away right now: not ours to insist on.
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
  /** A header changed since the last flush: the next one writes the whole file again. */
  private headersChanged = false;
  private file: FileState | null = null;

  private constructor(path: string, format: RecordFormat, opts: RecordWriterOptions) {
    if (!RECORD_FORMATS.includes(format)) throw new Error(`unknown record format '${format}' for ${path}`);
    checkRecordOutput(path);
    this.path = path;
    this.format = format;
    this.mode = opts.mode ?? 0o600;
    this.level = opts.compressionLevel ?? constants.Z_DEFAULT_COMPRESSION;
    sweepDeadSpools();
    this.spoolDir = mkdtempSync(join(tmpdir(), `${SPOOL_PREFIX}${process.pid}-`));
    const every = opts.flushIntervalMs ?? 1000;
    if (every > 0) {
      this.timer = setInterval(() => {
        // Until something is recorded the user's file stays where it is (a failing command keeps it).
        if (this.records.length === 0) return;
        try {
          this.flush();
        } catch {
          // Recording goes on in the spool; the next flush tries again, and close() reports a failure.
        }
      }, every);
      this.timer.unref();
    }
  }

  /**
   * Creates the writer; the file appears at the first flush (periodic, or close). Throws when `path`
   * is not a regular file or a new name in an existing directory (checkRecordOutput).
   */
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
        spooled: 0,
        inFile: 0,
        adler: 1,
        length: 0,
        newAdler: 1,
        newLength: 0,
        nrInFile: 0,
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

  /**
   * Replaces the data_source of the records recorded so far whose header passes `which` (all by
   * default), e.g. with what the run counted once it is over. The next flush rewrites the file.
   */
  setDataSource(text: string, which: (h: RecordHeader) => boolean = () => true): void {
    if (this.closed) throw new Error(`record writer for ${this.path} is closed`);
    for (const rec of this.records)
      if (which(rec.header) && rec.header.data_source !== text) {
        rec.header.data_source = text;
        this.headersChanged = true;
        this.dirty = true;
      }
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
    let out = buf;
    if (this.format === 'json_compressed') {
      const a = adler32(buf);
      rec.adler = adler32Combine(rec.adler, a, buf.length);
      rec.length += buf.length;
      rec.newAdler = adler32Combine(rec.newAdler, a, buf.length);
      rec.newLength += buf.length;
      out = deflateRawSync(buf, { finishFlush: constants.Z_SYNC_FLUSH, level: this.level });
    }
    writeSync(rec.fd, out);
    rec.spooled += out.length;
  }

  /**
   * Makes the file on disk hold every snapshot added so far. Cheap when nothing changed; an append of
   * what is new when only the last record grew; otherwise the whole file again (temp file + rename).
   */
  flush(): void {
    if (!this.dirty) return;
    for (const rec of this.records) this.spill(rec);
    if (this.canAppend()) this.append();
    else this.rewrite();
    this.headersChanged = false;
    for (const rec of this.records) {
      rec.inFile = rec.spooled;
      rec.nrInFile = rec.nrSnapshots;
      rec.newAdler = 1;
      rec.newLength = 0;
    }
    this.dirty = false;
  }

  /** The file is still ours, and no record but its last one has grown since. */
  private canAppend(): boolean {
    const f = this.file;
    if (!f || f.nrRecords === 0 || this.headersChanged) return false;
    try {
      if (lstatSync(this.path).ino !== f.ino) return false;
    } catch {
      return false;
    }
    return this.records.slice(0, f.nrRecords - 1).every((r) => r.spooled === r.inFile);
  }

  /** Text between record i's snapshots and record i+1's (or the end, for the last record). */
  private between(i: number): string {
    const rec = this.records[i];
    if (this.format === 'perf_script')
      return rec && rec.nrSnapshots === 1 && rec.first ? perfScriptFakeSnapshot(rec.header, rec.first) : '';
    const before = rec ? recordJsonFrame(rec.header).tail : '[';
    const next = this.records[i + 1];
    return next ? before + (rec ? ',' : '') + recordJsonFrame(next.header).head : before + ']';
  }

  private rewrite(): void {
    const tmp = `${this.path}.tmp-${process.pid}`;
    let fd = -1;
    try {
      fd = openSync(tmp, 'w', this.mode);
      const out = new Output(fd, 0, this.format === 'json_compressed', 1, 0);
      if (out.compressed) out.raw(Buffer.from([0x78, 0x9c]));
      this.emit(out, -1);
      const end = out.finish(this.between(this.records.length - 1));
      if (!this.file) this.keepOld();
      renameSync(tmp, this.path);
      if (this.file) closeSync(this.file.fd);
      this.file = {
        fd,
        ino: fstatSync(fd).ino,
        size: out.pos,
        endLen: end,
        nrRecords: this.records.length,
        adler: out.adler,
        length: out.length,
      };
    } catch (e) {
      if (fd >= 0) closeSync(fd);
      try {
        unlinkSync(tmp);
      } catch {
        // never created
      }
      throw new Error(`cannot write the record ${this.path}: ${(e as Error).message}`);
    }
  }

  /** Overwrites the file's end with the new snapshots and a new end, in one write. */
  private append(): void {
    const f = this.file!;
    const out = new Output(-1, f.size - f.endLen, this.format === 'json_compressed', f.adler, f.length);
    const last = f.nrRecords - 1;
    this.copySpool(this.records[last]!, out, this.records[last]!.inFile);
    this.emit(out, last);
    const end = out.finish(this.between(this.records.length - 1));
    const buf = out.collected();
    try {
      const n = writeSync(f.fd, buf, 0, buf.length, f.size - f.endLen);
      if (n !== buf.length) throw new Error(`short write (${n} of ${buf.length} bytes)`);
      if (out.pos < f.size) ftruncateSync(f.fd, out.pos);
    } catch (e) {
      throw new Error(`cannot write the record ${this.path}: ${(e as Error).message}`);
    }
    Object.assign(f, {
      size: out.pos,
      endLen: end,
      nrRecords: this.records.length,
      adler: out.adler,
      length: out.length,
    });
  }

  /** The records after `from` (all for -1): the text before each and its snapshots. */
  private emit(out: Output, from: number): void {
    for (let i = from + 1; i < this.records.length; i++) {
      out.text(this.between(i - 1));
      this.copySpool(this.records[i]!, out, 0);
    }
  }

  /** The regular file the first flush replaces becomes `<path>.old`; anything else is refused. */
  private keepOld(): void {
    checkRecordOutput(this.path);
    try {
      if (lstatSync(this.path).isFile()) renameSync(this.path, `${this.path}.old`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  private copySpool(rec: SpoolRecord, out: Output, from: number): void {
    // Text added since the last flush is all of it for a record the file does not hold yet.
    if (from === 0) out.spool(rec.adler, rec.length);
    else out.spool(rec.newAdler, rec.newLength);
    const buf = Buffer.allocUnsafe(COPY_CHUNK);
    const fd = openSync(rec.spoolPath, 'r');
    try {
      for (let pos = from, n; (n = readSync(fd, buf, 0, COPY_CHUNK, pos)) > 0; pos += n)
        out.raw(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }

  /** Final flush; removes the spool. Idempotent. Throws when the record could not be written. */
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
    try {
      if (write) this.flush();
    } finally {
      this.closed = true;
      for (const rec of this.records) closeSync(rec.fd);
      if (this.file) closeSync(this.file.fd);
      rmSync(this.spoolDir, { recursive: true, force: true });
    }
  }
}

/**
 * Where assembled bytes go: straight to a file descriptor (a rewrite) or collected in memory (an
 * append, written in one piece). Tracks the position and, for json_compressed, the Adler-32 of the
 * uncompressed text.
 */
class Output {
  private readonly parts: Buffer[] = [];

  constructor(
    private readonly fd: number,
    public pos: number,
    readonly compressed: boolean,
    public adler: number,
    public length: number,
  ) {}

  raw(buf: Buffer): void {
    if (this.fd >= 0) writeSync(this.fd, buf);
    else this.parts.push(Buffer.from(buf));
    this.pos += buf.length;
  }

  /** Uncompressed text already in the spool (raw bytes follow through raw()). */
  spool(adler: number, length: number): void {
    if (this.compressed) {
      this.adler = adler32Combine(this.adler, adler, length);
      this.length += length;
    }
  }

  text(s: string, final = false): void {
    const buf = Buffer.from(s, 'utf8');
    if (!this.compressed) return this.raw(buf);
    if (buf.length === 0 && !final) return;
    this.adler = adler32Combine(this.adler, adler32(buf), buf.length);
    this.length += buf.length;
    this.raw(deflateRawSync(buf, { finishFlush: final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH }));
  }

  /**
   * Writes the end (closing text, and for json_compressed the final block and trailer); returns its
   * length. The Adler-32 and length kept are those before the end, where the next append starts.
   */
  finish(s: string): number {
    const start = this.pos;
    const { adler, length } = this;
    this.text(s, true);
    if (this.compressed) {
      const trailer = Buffer.alloc(4);
      trailer.writeUInt32BE(this.adler >>> 0);
      this.raw(trailer);
    }
    this.adler = adler;
    this.length = length;
    return this.pos - start;
  }

  collected(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const FLUSH_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Flushes and closes `writer` on SIGINT/SIGTERM/SIGHUP, then lets the signal take its default course
 * (the process exits with 128+signo). Returns a function that removes the handlers.
 */
export function flushOnSignals(writer: RecordWriter): () => void {
  const handler = (sig: NodeJS.Signals): void => {
    remove();
    try {
      writer.close();
    } finally {
      process.kill(process.pid, sig);
    }
  };
  const remove = (): void => {
    for (const s of FLUSH_SIGNALS) process.off(s, handler);
  };
  for (const s of FLUSH_SIGNALS) process.on(s, handler);
  return remove;
}
