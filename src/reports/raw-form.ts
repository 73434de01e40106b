/**
 * `report access --raw_form` (damo-report-math.md §2), streamed snapshot by snapshot in one pass. The
 * record head names the data source, which damo's files store after the snapshots, so each record's
 * body goes to a spool file first and is copied out after its head once the record ends.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamColumnar, type ColumnarStreamOptions } from '../records/reader.js';
import { absTime } from '../records/serialize.js';
import { fmtSz, fmtTimeNs, pyD, pyS } from '../records/pyformat.js';
import type { TextSink } from './output.js';

/** damo pipes more than this many lines through `less`, which drops the final newline. */
export const PAGER_LINES = 50;

const TWO24 = 2 ** 24;
const DASH = Buffer.from('-');
/** HEX[b]: the two lowercase hex digits of byte b, as char codes (high digit << 8 | low digit). */
const HEX = Uint16Array.from({ length: 256 }, (_, i) => {
  const t = i.toString(16).padStart(2, '0');
  return (t.charCodeAt(0) << 8) | t.charCodeAt(1);
});

/**
 * The body text of a record, built as bytes (it is ASCII) in a reused buffer and written to the spool
 * file in large pieces: no string per line, no encoding.
 */
class SpoolWriter {
  private buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;

  constructor(private readonly fd: number) {}

  /** Room for n more bytes. */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  text(s: string): void {
    this.room(s.length);
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    this.room(n);
    // a loop beats set() for the short pieces of a line
    const buf = this.buf;
    const p = this.pos;
    for (let i = 0; i < n; i++) buf[p + i] = b[i]!;
    this.pos = p + n;
  }

  /** `%012x`: below 2^48 six bytes through the HEX table (toString(16) of large doubles is slow). */
  hex12(v: number): void {
    if (v >= 2 ** 48) return this.text(v.toString(16));
    this.room(12);
    const hi = Math.floor(v / TWO24);
    const lo = v - hi * TWO24;
    this.hex6(hi);
    this.hex6(lo);
  }

  /** Six hex digits of a 24-bit value. */
  private hex6(v: number): void {
    const b = this.buf;
    const p = this.pos;
    const h0 = HEX[v >>> 16]!;
    const h1 = HEX[(v >>> 8) & 255]!;
    const h2 = HEX[v & 255]!;
    b[p] = h0 >>> 8;
    b[p + 1] = h0 & 255;
    b[p + 2] = h1 >>> 8;
    b[p + 3] = h1 & 255;
    b[p + 4] = h2 >>> 8;
    b[p + 5] = h2 & 255;
    this.pos = p + 6;
  }

  flush(): void {
    for (let off = 0; off < this.pos;) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.pos = 0;
  }
}

/** A formatter that remembers its results as bytes: sizes, counts and ages repeat a lot across regions. */
function memo(f: (v: number) => string): (v: number) => Uint8Array {
  // small non-negative integers (counts, ages, page counts) index an array; others go through a Map
  const small: (Uint8Array | undefined)[] = [];
  const cache = new Map<number, Uint8Array>();
  return (v) => {
    const isSmall = v >= 0 && v < 4096 && Number.isInteger(v);
    let s = isSmall ? small[v] : cache.get(v);
    if (s === undefined) {
      s = Buffer.from(f(v), 'latin1');
      if (isSmall) small[v] = s;
      else if (cache.size < 1 << 16) cache.set(v, s);
    }
    return s;
  };
}

/** damo's final newline: printed unless the text has more than PAGER_LINES newlines. */
export function pagerTail(newlines: number): string {
  return newlines <= PAGER_LINES ? '\n' : '';
}

/** The raw form of the records of one file, or of several one after another (damo's `-i A -i B`). */
export async function reportRawForm(
  paths: string | readonly string[],
  rawNumber: boolean,
  out: TextSink,
  read: ColumnarStreamOptions = {},
): Promise<void> {
  // the region line's fields with the text between them: `S-E (SIZE) SAMPLES AGE`
  const size = memo((v) => ` (${fmtSz(v, rawNumber).padStart(12)}) `);
  const samples = memo((v) => `${pyD(v).padStart(11)} `);
  const age = memo((v) => `${pyD(v).padStart(5)}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'damon-ts-raw-form-'));
  const spoolPath = join(dir, 'body');
  let fd = -1;
  let body: SpoolWriter | null = null;
  // damo joins the lines with '\n' and ends with one empty element: every line but that one ends in '\n'
  let newlines = 0;
  let head = '';
  let base = 0;
  const bodyLine = (s: string): void => {
    body!.text(s + '\n');
    newlines++;
  };
  const copyBody = (): void => {
    body!.flush();
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let pos = 0, n; (n = readSync(fd, buf, 0, buf.length, pos)) > 0; pos += n)
      out.writeBytes(buf.subarray(0, n));
    closeSync(fd);
    fd = -1;
    body = null;
  };
  try {
    for (const path of typeof paths === 'string' ? [paths] : paths)
      await streamColumnar(
        path,
        {
          snapshot(s, h, ri, si) {
            if (s.start_time === null)
              throw new Error(`${path}: record ${ri} snapshot ${si} has no start time`);
            if (si === 0) {
              base = s.start_time;
              head = fmtTimeNs(absTime(base, h.time_base_ns), rawNumber);
              fd = openSync(spoolPath, 'w+');
              body = new SpoolWriter(fd);
            }
            bodyLine(`monitoring_start:    ${fmtTimeNs(s.start_time - base, rawNumber).padStart(16)}`);
            bodyLine(`monitoring_end:      ${fmtTimeNs(s.end_time - base, rawNumber).padStart(16)}`);
            bodyLine(`monitoring_duration: ${fmtTimeNs(s.end_time - s.start_time, rawNumber).padStart(16)}`);
            bodyLine(`target_id: ${pyS(h.target_id)}`);
            bodyLine(`nr_regions: ${s.regions.n}`);
            bodyLine('# start_addr     end_addr        length  nr_accesses   age');
            const c = s.regions;
            const w = body!;
            for (let i = 0; i < c.n; i++) {
              const st = c.start[i]!;
              const en = c.end[i]!;
              const a = c.aggr[i]!;
              w.hex12(st);
              w.bytes(DASH);
              w.hex12(en);
              w.bytes(size(en - st));
              w.bytes(samples(c.samples[i]!));
              w.bytes(age(Number.isNaN(a) ? -1 : a));
            }
            newlines += c.n;
            bodyLine('');
          },
          recordEnd(h, _ri, nr) {
            if (nr === 0 || !body) return;
            out.write(`base_time_absolute: ${head}\ndata source: ${h.data_source}\n\n`);
            newlines += 3;
            copyBody();
          },
        },
        { ...read, transient: true },
      );
    out.write(pagerTail(newlines));
  } finally {
    if (fd >= 0) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}
