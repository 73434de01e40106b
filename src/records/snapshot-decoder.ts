/**
 * A decoder for snapshot objects as our writer and damo write them: keys in any order, values that are
 * JSON numbers, null, or damo's texts ("139,637,976,727,552", "0 B", "4.000 KiB", "1 s 500 ms"; ASCII,
 * no escapes; converted by the same text_to_* functions as the general path), and damo's `probe_hits`
 * (skipped, as the general path ignores it). It reads the bytes straight into region columns, with no
 * JSON.parse and no per-region objects: runs of regions in our writer's exact compact layout go
 * through a generated straight-line matcher (templateRun), any other region through the key-any-order
 * decoder below. Anything else (integers of 16 or more digits, true/false, unknown keys, damon_ts
 * breakdowns, duplicate or missing keys, texts the text_to_* functions refuse, malformed JSON) makes it
 * give up so that the caller takes the general JSON.parse path, which decides the value or the error
 * exactly as before.
 */
import { allocColumns, type RegionColumns } from './columns.js';
import { templateRun } from './template-run.js';
import { textToBytes, textToNr, textToPercent, textToUs } from './textnum.js';

/** A snapshot decoded from bytes; times are still as written (≥ 16-digit integers as their digits). */
export interface DecodedSnapshot {
  startTime: number | string | null;
  endTime: number | string;
  totalBytes: number | null | undefined;
  sampleIntervalUs: number | null | undefined;
  regions: RegionColumns;
}

/** decode() results besides a snapshot: the input ended inside the object; the general path must decide. */
export const NEED_MORE = 1;
export const GIVE_UP = 2;

class GiveUp extends Error {}
class NeedMore extends Error {}
const giveUp = new GiveUp();
const needMore = new NeedMore();

const key = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const K = {
  start: key('start'),
  end: key('end'),
  nr_accesses: key('nr_accesses'),
  age: key('age'),
  sz_filter_passed: key('sz_filter_passed'),
  samples: key('samples'),
  percent: key('percent'),
  usec: key('usec'),
  aggr_intervals: key('aggr_intervals'),
  start_time: key('start_time'),
  end_time: key('end_time'),
  regions: key('regions'),
  total_bytes: key('total_bytes'),
  damos_stats: key('damos_stats'),
  sample_interval_us: key('sample_interval_us'),
  probe_hits: key('probe_hits'),
};

/** How a field's text value reads: damo's text_to_* of that key, as the general path (reader.ts) uses them. */
const enum Conv {
  Bytes,
  Nr,
  Percent,
  Us,
}
const CONVERT: readonly ((v: string) => number)[] = [
  textToBytes,
  (v) => Number(textToNr(v)),
  textToPercent,
  textToUs,
];
/** A JSON value nested deeper than this in a skipped value makes the decoder give up. */
const MAX_SKIP_DEPTH = 32;

export class SnapshotDecoder {
  private b: Buffer = Buffer.alloc(0);
  private dv: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private p = 0;
  /** The last number token was an integer of ≥ 16 digits (not exact as a double). */
  private big = false;
  private bigFrom = 0;
  // growable scratch columns, copied out once the region count is known
  private cap = 0;
  private sc: Float64Array[] = [];
  private readonly at = { end: 0 };
  /** The value of the digits of the last text textEnd() read. */
  private textDigits = 0;

  /**
   * With `transient`, the columns returned are views of the decoder's own arrays, overwritten by the
   * next decode: no allocation or copy per snapshot, for readers that do not keep snapshots.
   */
  constructor(private readonly transient = false) {}

  /**
   * Decodes the snapshot object starting at `from` (its '{'). Returns the snapshot and the offset after
   * its '}', NEED_MORE when the buffer ends inside it, or GIVE_UP.
   */
  decode(
    b: Buffer,
    from: number,
  ): { snap: DecodedSnapshot; end: number } | typeof NEED_MORE | typeof GIVE_UP {
    this.b = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.length);
    this.p = from;
    try {
      const snap = this.snapshot();
      return { snap, end: this.p };
    } catch (e) {
      if (e === needMore) return NEED_MORE;
      if (e === giveUp) return GIVE_UP;
      throw e;
    }
  }

  private ws(): number {
    const b = this.b;
    const n = b.length;
    let p = this.p;
    for (;;) {
      if (p >= n) throw needMore;
      const c = b[p]!;
      if (c === 0x20) {
        // indented JSON (damo's) is mostly runs of spaces: four at a time
        p++;
        const dv = this.dv;
        while (p + 4 <= n && dv.getInt32(p) === 0x20202020) p += 4;
      } else if (c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.p = p;
    return b[p]!;
  }

  private expect(c: number): void {
    if (this.ws() !== c) throw giveUp;
    this.p++;
  }

  /** Reads a key and its ':'; returns the key's [start, end) in the buffer. */
  private keyAt(): number {
    if (this.ws() !== 0x22) throw giveUp;
    const b = this.b;
    const s = ++this.p;
    let p = s;
    for (;;) {
      if (p >= b.length) throw needMore;
      const c = b[p]!;
      if (c === 0x22) break;
      if (c === 0x5c || c < 0x20) throw giveUp;
      p++;
    }
    this.p = p + 1;
    this.expect(0x3a);
    return s;
  }

  private is(s: number, k: Uint8Array): boolean {
    const b = this.b;
    // the key is followed by its closing quote
    if (b[s + k.length] !== 0x22) return false;
    for (let i = 0; i < k.length; i++) if (b[s + i] !== k[i]) return false;
    return true;
  }

  /** ',' → true, `close` → false. */
  private more(close: number): boolean {
    const c = this.ws();
    this.p++;
    if (c === 0x2c) return true;
    if (c === close) return false;
    throw giveUp;
  }

  /** A JSON number (strict grammar), or NaN for null (JSON numbers are finite, so NaN is never a value). */
  private num(nullable: boolean): number {
    const b = this.b;
    let c = this.ws();
    this.big = false;
    if (c === 0x6e) {
      if (!nullable) throw giveUp;
      if (this.p + 4 > b.length) throw needMore;
      if (b[this.p + 1] !== 0x75 || b[this.p + 2] !== 0x6c || b[this.p + 3] !== 0x6c) throw giveUp;
      this.p += 4;
      return NaN;
    }
    const s = this.p;
    let p = s;
    let neg = false;
    if (c === 0x2d) {
      neg = true;
      if (++p >= b.length) throw needMore;
      c = b[p]!;
    }
    if (c < 0x30 || c > 0x39) throw giveUp;
    const ds = p;
    let v = 0;
    if (c === 0x30) p++;
    else for (; p < b.length && (c = b[p]!) >= 0x30 && c <= 0x39; p++) v = v * 10 + (c - 0x30);
    if (p >= b.length) throw needMore;
    const nd = p - ds;
    c = b[p]!;
    if (c === 0x2e || c === 0x65 || c === 0x45) {
      if (c === 0x2e) {
        const f = ++p;
        while (p < b.length && b[p]! >= 0x30 && b[p]! <= 0x39) p++;
        if (p >= b.length) throw needMore;
        if (p === f) throw giveUp;
        c = b[p]!;
      }
      if (c === 0x65 || c === 0x45) {
        p++;
        if (p < b.length && (b[p] === 0x2b || b[p] === 0x2d)) p++;
        const f = p;
        while (p < b.length && b[p]! >= 0x30 && b[p]! <= 0x39) p++;
        if (p >= b.length) throw needMore;
        if (p === f) throw giveUp;
      }
      this.p = p;
      // the same conversion JSON.parse does
      return Number(b.toString('latin1', s, p));
    }
    this.p = p;
    if (nd >= 16) {
      this.big = true;
      this.bigFrom = s;
      return 0;
    }
    return neg ? -v : v;
  }

  /** A time: a number, or the digits of an integer too long for a double. */
  private time(nullable: boolean): number | string | null {
    if (this.ws() === 0x22) {
      const s = this.p + 1;
      this.textEnd();
      return this.b.toString('latin1', s, this.p - 1);
    }
    const v = this.num(nullable);
    if (this.big) return this.b.toString('latin1', this.bigFrom, this.p);
    return Number.isNaN(v) ? null : v;
  }

  /**
   * Moves past a string whose '"' is at p, returning the count of its digits and of its characters
   * other than digits and ','; gives up on escapes and non-ASCII (the general path decodes those).
   * The value of its digits is left in `textDigits`.
   */
  private textEnd(): number {
    const b = this.b;
    let p = this.p + 1;
    let v = 0;
    let digits = 0;
    let other = 0;
    for (; ; p++) {
      if (p >= b.length) throw needMore;
      const c = b[p]!;
      if (c === 0x22) break;
      if (c >= 0x30 && c <= 0x39) {
        v = v * 10 + (c - 0x30);
        digits++;
      } else if (c === 0x5c || c < 0x20 || c >= 0x80) throw giveUp;
      else if (c !== 0x2c) other++;
    }
    this.p = p + 1;
    this.textDigits = v;
    return digits > 15 || digits === 0 ? -1 : other;
  }

  /**
   * A text value as `conv` reads it. Digits with ',' (damo's numbers) and, for sizes, digits and " B"
   * are read here; other texts go through the text_to_* function itself.
   */
  private text(conv: Conv): number {
    const b = this.b;
    const s = this.p + 1;
    const other = this.textEnd();
    const e = this.p - 1;
    if (other === 0) return this.textDigits;
    if (other === 2 && conv === Conv.Bytes && b[e - 1] === 0x42 && b[e - 2] === 0x20) return this.textDigits;
    let v: number;
    try {
      v = CONVERT[conv]!(b.toString('latin1', s, e));
    } catch {
      throw giveUp;
    }
    // NaN stands for null in the columns: a text meaning NaN is left to the general path
    if (Number.isNaN(v)) throw giveUp;
    return v;
  }

  /** Moves past any JSON value (objects' keys without escapes). */
  private skip(depth: number): void {
    const c = this.ws();
    if (c === 0x22) {
      this.textEnd();
      return;
    }
    if (c !== 0x5b && c !== 0x7b) {
      this.num(true);
      return;
    }
    if (depth >= MAX_SKIP_DEPTH) throw giveUp;
    this.p++;
    const close = c === 0x5b ? 0x5d : 0x7d;
    if (this.ws() === close) {
      this.p++;
      return;
    }
    do {
      if (close === 0x7d) this.keyAt();
      this.skip(depth + 1);
    } while (this.more(close));
  }

  /** A number that must be exact, or a text read by `conv`; null allowed when `nullable` (returned as NaN). */
  private field(nullable: boolean, conv: Conv): number {
    if (this.ws() === 0x22) return this.text(conv);
    const v = this.num(nullable);
    if (this.big) throw giveUp;
    return v;
  }

  private grow(): void {
    const cap = Math.max(1024, this.cap * 2);
    this.sc = Array.from({ length: 7 }, (_, k) => {
      const a = new Float64Array(cap);
      if (this.sc[k]) a.set(this.sc[k]!);
      return a;
    });
    this.cap = cap;
  }

  private snapshot(): DecodedSnapshot {
    this.expect(0x7b);
    let startTime: number | string | null | undefined;
    let endTime: number | string | undefined;
    let total: number | null | undefined;
    let siu: number | null | undefined;
    let regions: RegionColumns | undefined;
    let seenStats = false;
    if (this.ws() === 0x7d) throw giveUp;
    do {
      const k = this.keyAt();
      if (this.is(k, K.start_time) && startTime === undefined) startTime = this.time(true);
      else if (this.is(k, K.end_time) && endTime === undefined) {
        const t = this.time(false);
        endTime = t!;
      } else if (this.is(k, K.regions) && !regions) regions = this.regions();
      else if (this.is(k, K.total_bytes) && total === undefined) total = this.nullable(Conv.Bytes);
      else if (this.is(k, K.sample_interval_us) && siu === undefined) siu = this.nullable(Conv.Us);
      else if (this.is(k, K.damos_stats) && !seenStats) {
        // only null: damos stats objects take the general path
        if (this.ws() !== 0x6e || !Number.isNaN(this.num(true))) throw giveUp;
        seenStats = true;
      } else throw giveUp;
    } while (this.more(0x7d));
    if (startTime === undefined || endTime === undefined || !regions) throw giveUp;
    return { startTime, endTime, totalBytes: total, sampleIntervalUs: siu, regions };
  }

  private nullable(conv: Conv): number | null {
    const v = this.field(true, conv);
    return Number.isNaN(v) ? null : v;
  }

  private regions(): RegionColumns {
    this.expect(0x5b);
    let n = 0;
    if (this.ws() === 0x5d) {
      this.p++;
      return allocColumns(0);
    }
    for (;;) {
      if (n === this.cap) this.grow();
      // a run stops after a region (before its ',' or the list's end); otherwise the general decoder reads one
      const sc = this.sc;
      const at = this.at;
      const run = templateRun(
        this.b,
        this.dv,
        this.p,
        sc[0]!,
        sc[1]!,
        sc[2]!,
        sc[3]!,
        sc[4]!,
        sc[5]!,
        sc[6]!,
        n,
        this.cap,
        at,
      );
      if (run > 0) {
        n += run;
        this.p = at.end;
      } else this.region(n++);
      if (!this.more(0x5d)) break;
    }
    const sc = this.sc;
    if (this.transient) {
      const view = (k: number): Float64Array => sc[k]!.subarray(0, n);
      return {
        n,
        start: view(0),
        end: view(1),
        samples: view(2),
        percent: view(3),
        usec: view(4),
        aggr: view(5),
        szFilter: view(6),
        breakdown: null,
      };
    }
    const c = allocColumns(n);
    c.start.set(sc[0]!.subarray(0, n));
    c.end.set(sc[1]!.subarray(0, n));
    c.samples.set(sc[2]!.subarray(0, n));
    c.percent.set(sc[3]!.subarray(0, n));
    c.usec.set(sc[4]!.subarray(0, n));
    c.aggr.set(sc[5]!.subarray(0, n));
    c.szFilter.set(sc[6]!.subarray(0, n));
    return c;
  }

  /**
   * An object of two number keys (nr_accesses, age) into columns `ca` and `cb` at `i`; the second is
   * nullable. `seen` bits find duplicates; returns them updated.
   */
  private pair(
    i: number,
    seen: number,
    ka: Uint8Array,
    ca: number,
    nullableA: boolean,
    bitA: number,
    kb: Uint8Array,
    cb: number,
    bitB: number,
    convA: Conv,
    convB: Conv,
  ): number {
    this.expect(0x7b);
    do {
      const k = this.keyAt();
      let bit: number;
      if (this.is(k, ka)) {
        bit = bitA;
        this.sc[ca]![i] = this.field(nullableA, convA);
      } else if (this.is(k, kb)) {
        bit = bitB;
        this.sc[cb]![i] = this.field(true, convB);
      } else throw giveUp;
      if (seen & bit) throw giveUp;
      seen |= bit;
    } while (this.more(0x7d));
    return seen;
  }

  private region(i: number): void {
    const sc = this.sc;
    // bits: start, end, nr_accesses, age, sz_filter_passed; samples, percent; usec, aggr_intervals; probe_hits
    let seen = 0;
    let szf = 0;
    this.expect(0x7b);
    do {
      const k = this.keyAt();
      let bit: number;
      if (this.is(k, K.start)) {
        bit = 1;
        sc[0]![i] = this.field(false, Conv.Bytes);
      } else if (this.is(k, K.end)) {
        bit = 2;
        sc[1]![i] = this.field(false, Conv.Bytes);
      } else if (this.is(k, K.nr_accesses)) {
        bit = 4;
        seen = this.pair(i, seen, K.samples, 2, false, 32, K.percent, 3, 64, Conv.Nr, Conv.Percent);
      } else if (this.is(k, K.age)) {
        bit = 8;
        seen = this.pair(i, seen, K.usec, 4, true, 128, K.aggr_intervals, 5, 256, Conv.Us, Conv.Nr);
      } else if (this.is(k, K.sz_filter_passed)) {
        bit = 16;
        szf = this.field(true, Conv.Bytes);
      } else if (this.is(k, K.probe_hits)) {
        bit = 512;
        this.skip(0);
      } else throw giveUp;
      if (seen & bit) throw giveUp;
      seen |= bit;
    } while (this.more(0x7d));
    // sz_filter_passed and probe_hits may be absent; everything else must be there
    if ((seen | 16 | 512) !== 1023) throw giveUp;
    sc[6]![i] = Number.isNaN(szf) ? 0 : szf;
  }
}
