/**
 * A streaming scanner for damo's JSON record layout: `[ {record keys..., "snapshots": [ {snapshot}, ... ],
 * ...}, ... ]`. It walks the bytes once, finds each snapshot object by bracket depth (string-aware),
 * and parses only that slice with JSON.parse, so memory holds one snapshot at a time whatever the file
 * size. Integers of 16 or more digits are quoted before parsing so that they survive as exact strings
 * (damo's text_to_* rules turn them into BigInt); digits inside JSON strings are left alone.
 */
import { constants } from 'node:buffer';
import { GIVE_UP, NEED_MORE, type DecodedSnapshot, type SnapshotDecoder } from './snapshot-decoder.js';

export interface JsonRecordEvents {
  /** A record key other than `snapshots`, in file order. */
  recordKey(recordIndex: number, key: string, value: unknown): void;
  recordStart(recordIndex: number): void;
  snapshot(recordIndex: number, snapshotIndex: number, value: unknown): void;
  /** A snapshot read by the scanner's SnapshotDecoder (instead of `snapshot`). */
  decoded?(recordIndex: number, snapshotIndex: number, snap: DecodedSnapshot): void;
  recordEnd(recordIndex: number, nrSnapshots: number): void;
}

const START_TIME_KEY = Buffer.from('"start_time"');
/** The longest slice turned into one string (V8's limit; UTF-8 never yields more characters than bytes). */
const MAX_TEXT = constants.MAX_STRING_LENGTH;
/** fastSnapshot buffers up to this, or FAST_WAIT_RATIO times the last snapshot, looking for the next key. */
const FAST_WAIT_MIN = 1 << 20;
const FAST_WAIT_RATIO = 4;

function unsafeTime(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  for (const k of ['start_time', 'end_time']) {
    const t = o[k];
    if (typeof t === 'number' && Number.isInteger(t) && !Number.isSafeInteger(t)) return true;
  }
  return false;
}

const enum St {
  TopStart,
  TopElem,
  TopAfter,
  RecKey,
  RecColon,
  RecValue,
  RecAfter,
  SnapsOpen,
  SnapsElem,
  SnapsAfter,
  Done,
}

/** Where the scanner stopped: `complete` false means the input ended early (truncated file). */
export interface ScanEnd {
  complete: boolean;
  recordIndex: number;
  snapshotIndex: number;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Quotes integer tokens of ≥ 16 digits outside strings (not parts of floats). */
export function quoteBigInts(text: string): string {
  let out = '';
  let last = 0;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inStr) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inStr = false;
      continue;
    }
    if (c === 0x22) {
      inStr = true;
      continue;
    }
    const isDigit = c >= 0x30 && c <= 0x39;
    if (!isDigit && c !== 0x2d) continue;
    let j = c === 0x2d ? i + 1 : i;
    const digitsFrom = j;
    while (j < text.length && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x39) j++;
    const next = text.charCodeAt(j);
    const isFloat = next === 0x2e || next === 0x65 || next === 0x45;
    if (j - digitsFrom >= 16 && !isFloat) {
      out += text.slice(last, i) + '"' + text.slice(i, j) + '"';
      last = j;
    }
    if (isFloat) {
      // skip the rest of the float token
      while (j < text.length && /[0-9eE+.-]/.test(text[j]!)) j++;
    }
    i = j - 1;
  }
  return last === 0 ? text : out + text.slice(last);
}

export class JsonRecordScanner {
  private buf: Buffer = Buffer.alloc(0);
  private work: Buffer = Buffer.alloc(0);
  /** Absolute offset of buf[0] in the decoded stream, for error messages. */
  private bufOffset = 0;
  private pos = 0;
  private st = St.TopStart;
  private recordIndex = -1;
  private snapshotIndex = 0;
  private key = '';
  // value capture state
  private capStart = -1;
  private capDepth = 0;
  private capInStr = false;
  private capEsc = false;
  private capScalar = false;
  private capBig = false;
  private capRun = 0;
  /** The byte scanner runs for the current value (the fast path did not apply). */
  private capScanning = false;
  /** end() was called: no more input will come. */
  private ending = false;
  /**
   * A snapshot capture's length (from capStart) below which the decoder is not tried again after it
   * ran out of input: it restarts at the snapshot's '{', so retrying only once the capture has grown by half
   * keeps a snapshot that spans many chunks linear in its size.
   */
  private decodeRetryLen = 0;
  /** The byte length of the last snapshot fastSnapshot read. */
  private lastSnapshotLen = 0;
  /** Where (from capStart) fastSnapshot's search for the next `"start_time"` goes on. */
  private fastFrom = 2;

  /**
   * With `parseSnapshots` false, snapshots are skipped (reported as undefined) without parsing. With a
   * `decoder`, snapshots are decoded straight from the bytes where it can, JSON.parse'd where it gives up.
   */
  constructor(
    private readonly file: string,
    private readonly ev: JsonRecordEvents,
    private readonly parseSnapshots = true,
    private readonly decoder?: SnapshotDecoder,
  ) {}

  private where(): string {
    const rec = this.recordIndex >= 0 ? `, record ${this.recordIndex}` : '';
    const snap =
      this.st === St.SnapsElem || this.st === St.SnapsAfter ? `, snapshot ${this.snapshotIndex}` : '';
    return `${this.file}: byte ${this.bufOffset + this.pos}${rec}${snap}`;
  }

  private fail(msg: string): never {
    throw new Error(`${this.where()}: ${msg}`);
  }

  push(chunk: Buffer): void {
    const keep = this.capStart >= 0 ? this.capStart : this.pos;
    const rest = this.buf.subarray(keep);
    if (rest.length === 0) this.buf = chunk;
    else {
      // the unread rest and the chunk go to one reused work buffer: no 1 MiB allocation per chunk, whose
      // external memory would make V8 run a full GC every few chunks
      const need = rest.length + chunk.length;
      if (this.work.length < need) {
        const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.work.length));
        rest.copy(grown, 0);
        this.work = grown;
      } else if (rest.buffer !== this.work.buffer || rest.byteOffset !== this.work.byteOffset)
        this.work.set(rest, 0); // set() copies as if through a temporary when rest overlaps work
      chunk.copy(this.work, rest.length);
      this.buf = this.work.subarray(0, need);
    }
    this.bufOffset += keep;
    this.pos -= keep;
    if (this.capStart >= 0) this.capStart -= keep;
    this.run();
  }

  /** Ends the input; returns whether the document was complete. */
  end(): ScanEnd {
    this.ending = true;
    if (this.capStart >= 0) this.run();
    return {
      complete: this.st === St.Done,
      recordIndex: this.recordIndex,
      snapshotIndex: this.snapshotIndex,
    };
  }

  /** Continues a value capture; returns the end offset or -1 when the buffer ran out. */
  private capture(): number {
    const b = this.buf;
    const n = b.length;
    let i = this.pos;
    let depth = this.capDepth;
    let inStr = this.capInStr;
    let esc = this.capEsc;
    let run = this.capRun;
    let big = this.capBig;
    let end = -1;
    if (this.capScalar) {
      for (; i < n; i++) {
        const c = b[i]!;
        if (c === 0x2c || c === 0x7d || c === 0x5d || isWs(c)) {
          end = i;
          break;
        }
      }
    } else {
      for (; i < n; i++) {
        const c = b[i]!;
        if (c < 0x20 && (inStr || !isWs(c))) {
          // a control byte is never JSON (raw in a string or between tokens): stop here, not at the end
          this.pos = i;
          this.fail(`control byte 0x${c.toString(16).padStart(2, '0')} in JSON`);
        }
        if (inStr) {
          if (esc) esc = false;
          else if (c === 0x5c) esc = true;
          else if (c === 0x22) {
            inStr = false;
            if (depth === 0) {
              end = i + 1;
              break;
            }
          }
          continue;
        }
        if (c >= 0x30 && c <= 0x39) {
          if (++run >= 16) big = true;
          continue;
        }
        run = 0;
        if (c === 0x22) inStr = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          if (--depth === 0) {
            end = i + 1;
            break;
          }
        }
      }
    }
    this.pos = end >= 0 ? end : i;
    this.capDepth = depth;
    this.capInStr = inStr;
    this.capEsc = esc;
    this.capRun = run;
    this.capBig = big || this.capBig;
    return end;
  }

  private beginCapture(): void {
    const c = this.buf[this.pos]!;
    this.capScanning = false;
    this.capStart = this.pos;
    this.capDepth = 0;
    this.capInStr = false;
    this.capEsc = false;
    this.capRun = 0;
    this.capBig = false;
    this.decodeRetryLen = 0;
    this.fastFrom = 2; // past this snapshot's own key
    this.capScalar = !(c === 0x7b || c === 0x5b || c === 0x22);
    if (this.capScalar) {
      this.capBig = true; // scalars are short: always let quoteBigInts look at them
    }
  }

  /**
   * Fast path for a snapshot: its end is the last '}' before the next `"start_time"` key. If that slice
   * parses, it is exactly the snapshot (a JSON text is one complete value), found with native searches
   * instead of a byte loop. Anything unusual (no next key yet, other key orders, the last snapshot of
   * a record) falls back to the byte scanner.
   */
  private fastSnapshot(): { ok: true; value: unknown } | { ok: false; wait: boolean } {
    const next = this.buf.indexOf(START_TIME_KEY, this.capStart + this.fastFrom);
    if (next < 0) {
      // past several times the last snapshot's size, scan byte by byte instead: that scan stops at the
      // first byte that is not JSON rather than buffering the rest of a damaged file
      const wait = Math.max(FAST_WAIT_MIN, FAST_WAIT_RATIO * this.lastSnapshotLen);
      if (this.buf.length - this.capStart > wait) return { ok: false, wait: false };
      this.fastFrom = Math.max(this.fastFrom, this.buf.length - this.capStart - START_TIME_KEY.length + 1);
      return { ok: false, wait: !this.ending };
    }
    const close = this.buf.lastIndexOf(0x7d, next);
    if (close <= this.capStart) return { ok: false, wait: false };
    // without parsing, only a cheap check that the slice is balanced is possible: scan it instead
    if (!this.parseSnapshots || close + 1 - this.capStart > MAX_TEXT) return { ok: false, wait: false };
    const text = this.buf.toString('utf8', this.capStart, close + 1);
    try {
      let value: unknown = JSON.parse(text);
      // times above 2^53 (epoch ns) lost precision: parse again with big integers kept as strings.
      // Addresses are JS numbers by design, so only the times are checked.
      if (unsafeTime(value)) value = JSON.parse(quoteBigInts(text));
      this.pos = close + 1;
      this.lastSnapshotLen = close + 1 - this.capStart;
      this.capStart = -1;
      return { ok: true, value };
    } catch {
      return { ok: false, wait: false };
    }
  }

  /** Parses the captured slice, or returns undefined when more input is needed. */
  private captured(): { ok: true; value: unknown; decoded?: boolean } | { ok: false } {
    if (this.st === St.SnapsElem && !this.capScanning && this.decoder && this.parseSnapshots) {
      const len = this.buf.length - this.capStart;
      if (len < this.decodeRetryLen && !this.ending) return { ok: false };
      const d = this.decoder.decode(this.buf, this.capStart);
      if (d === NEED_MORE && !this.ending) {
        this.decodeRetryLen = 1.5 * len;
        return { ok: false };
      }
      if (d !== NEED_MORE && d !== GIVE_UP) {
        this.pos = d.end;
        this.capStart = -1;
        return { ok: true, value: d.snap, decoded: true };
      }
    }
    if (this.st === St.SnapsElem && !this.capScanning) {
      const f = this.fastSnapshot();
      if (f.ok) return f;
      if (f.wait) return { ok: false };
      this.capScanning = true;
    }
    const end = this.capture();
    if (end < 0) return { ok: false };
    if (!this.parseSnapshots && this.st === St.SnapsElem) {
      this.capStart = -1;
      return { ok: true, value: undefined };
    }
    if (end - this.capStart > MAX_TEXT) {
      this.pos = this.capStart;
      this.fail(
        `a JSON value of ${end - this.capStart} bytes is larger than the ${MAX_TEXT} this reader parses as text`,
      );
    }
    let text = this.buf.toString('utf8', this.capStart, end);
    if (this.capBig) text = quoteBigInts(text);
    const start = this.capStart;
    this.capStart = -1;
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (e) {
      this.pos = start;
      this.fail(`malformed JSON: ${(e as Error).message}`);
    }
  }

  private run(): void {
    const b = this.buf;
    for (;;) {
      if (this.capStart >= 0) {
        const r = this.captured();
        if (!r.ok) return;
        this.took(r.value, r.decoded === true);
        continue;
      }
      while (this.pos < b.length && isWs(b[this.pos]!)) this.pos++;
      if (this.pos >= b.length) return;
      const c = b[this.pos]!;
      switch (this.st) {
        case St.TopStart:
          if (c !== 0x5b) this.fail(`expected '[' (a list of records)`);
          this.pos++;
          this.st = St.TopElem;
          break;
        case St.TopElem:
        case St.TopAfter:
          if (c === 0x5d) {
            this.pos++;
            this.st = St.Done;
            break;
          }
          if (this.st === St.TopAfter) {
            if (c !== 0x2c) this.fail(`expected ',' or ']' after a record`);
            this.pos++;
            this.st = St.TopElem;
            break;
          }
          if (c !== 0x7b) this.fail('expected a record object');
          this.pos++;
          this.recordIndex++;
          this.snapshotIndex = 0;
          this.ev.recordStart(this.recordIndex);
          this.st = St.RecKey;
          break;
        case St.RecKey:
          if (c === 0x7d) {
            this.pos++;
            this.ev.recordEnd(this.recordIndex, this.snapshotIndex);
            this.st = St.TopAfter;
            break;
          }
          if (c !== 0x22) this.fail('expected a record key');
          this.beginCapture();
          break;
        case St.RecColon:
          if (c !== 0x3a) this.fail(`expected ':' after key "${this.key}"`);
          this.pos++;
          this.st = St.RecValue;
          break;
        case St.RecValue:
          if (this.key === 'snapshots') {
            if (c !== 0x5b) this.fail('expected a list of snapshots');
            this.pos++;
            this.st = St.SnapsOpen;
          } else this.beginCapture();
          break;
        case St.RecAfter:
          if (c === 0x7d) {
            this.pos++;
            this.ev.recordEnd(this.recordIndex, this.snapshotIndex);
            this.st = St.TopAfter;
          } else if (c === 0x2c) {
            this.pos++;
            this.st = St.RecKey;
          } else this.fail(`expected ',' or '}' in a record`);
          break;
        case St.SnapsOpen:
        case St.SnapsElem:
        case St.SnapsAfter:
          if (c === 0x5d && this.st !== St.SnapsElem) {
            this.pos++;
            this.st = St.RecAfter;
            break;
          }
          if (this.st === St.SnapsAfter) {
            if (c !== 0x2c) this.fail(`expected ',' or ']' after a snapshot`);
            this.pos++;
            this.st = St.SnapsElem;
            break;
          }
          if (c !== 0x7b) this.fail('expected a snapshot object');
          this.st = St.SnapsElem;
          this.beginCapture();
          break;
        case St.Done:
          this.fail('unexpected data after the list of records');
      }
    }
  }

  private took(value: unknown, decoded: boolean): void {
    switch (this.st) {
      case St.RecKey:
        this.key = value as string;
        this.st = St.RecColon;
        break;
      case St.RecValue:
        this.ev.recordKey(this.recordIndex, this.key, value);
        this.st = St.RecAfter;
        break;
      case St.SnapsElem:
        if (decoded) this.ev.decoded!(this.recordIndex, this.snapshotIndex, value as DecodedSnapshot);
        else this.ev.snapshot(this.recordIndex, this.snapshotIndex, value);
        this.snapshotIndex++;
        this.st = St.SnapsAfter;
        break;
      default:
        this.fail('internal scanner state');
    }
  }
}
