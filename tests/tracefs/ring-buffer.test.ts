import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HEADER_PAGE } from '../../src/backends/tracefs/format.js';
import { decodeSubbuffer } from '../../src/backends/tracefs/ring-buffer.js';

/** Items of a synthetic ring-buffer page, as the kernel writes them. */
type Item =
  | { kind: 'data'; delta: number; payload: number[] } // payload: u32 words
  | { kind: 'big'; delta: number; payload: number[] } // type_len 0 form
  | { kind: 'extend'; delta: number }
  | { kind: 'abs'; ts: number }
  | { kind: 'pad'; bytes: number };

const PAGE = 4096;
const SHIFT = 2 ** 27;

function buildPage(ts: number, items: Item[], flags = 0, missedCount?: number): Buffer {
  const b = Buffer.alloc(PAGE);
  b.writeUInt32LE(ts % 2 ** 32, 0);
  b.writeUInt32LE(Math.floor(ts / 2 ** 32), 4);
  let i = 16;
  const hdr = (typeLen: number, delta: number): void => {
    b.writeUInt32LE(((delta << 5) | typeLen) >>> 0, i);
    i += 4;
  };
  for (const it of items) {
    if (it.kind === 'data') {
      hdr(it.payload.length, it.delta);
      for (const w of it.payload) {
        b.writeUInt32LE(w >>> 0, i);
        i += 4;
      }
    } else if (it.kind === 'big') {
      hdr(0, it.delta);
      b.writeUInt32LE(it.payload.length * 4 + 4, i);
      i += 4;
      for (const w of it.payload) {
        b.writeUInt32LE(w >>> 0, i);
        i += 4;
      }
    } else if (it.kind === 'extend') {
      hdr(30, it.delta % SHIFT);
      b.writeUInt32LE(Math.floor(it.delta / SHIFT), i);
      i += 4;
    } else if (it.kind === 'abs') {
      hdr(31, it.ts % SHIFT);
      b.writeUInt32LE(Math.floor(it.ts / SHIFT), i);
      i += 4;
    } else {
      hdr(29, 1); // a discarded event: non-zero delta, skipped without adding time
      b.writeUInt32LE(it.bytes + 4, i); // array[0]: the bytes after the header, itself included
      i += 4 + it.bytes;
    }
  }
  const len = i - 16;
  let commit = len | flags;
  if (missedCount !== undefined) {
    b.writeUInt32LE(missedCount, i);
    commit |= 0x40000000;
  }
  b.writeUInt32LE(commit >>> 0, 8);
  return b;
}

/** What a correct decoder must produce for the items: [timeNs, first payload word] per data event. */
function expected(ts: number, items: Item[]): [number, number][] {
  const out: [number, number][] = [];
  let t = ts;
  for (const it of items) {
    if (it.kind === 'data' || it.kind === 'big') {
      t += it.delta;
      out.push([t, it.payload[0]!]);
    } else if (it.kind === 'extend') t += it.delta;
    else if (it.kind === 'abs') t = it.ts;
  }
  return out;
}

function decode(page: Buffer): { events: [number, number][]; info: ReturnType<typeof decodeSubbuffer> } {
  const events: [number, number][] = [];
  const info = decodeSubbuffer(page, 0, PAGE, DEFAULT_HEADER_PAGE, (buf, off, _len, t) =>
    events.push([t, buf.readUInt32LE(off)]),
  );
  return { events, info };
}

describe('decodeSubbuffer', () => {
  it('decodes data events with their deltas and lengths', () => {
    const items: Item[] = [
      { kind: 'data', delta: 5, payload: [190, 1, 2, 3] },
      { kind: 'data', delta: 100, payload: [191, 7] },
    ];
    const page = buildPage(1_000_000, items);
    const lens: number[] = [];
    decodeSubbuffer(page, 0, PAGE, DEFAULT_HEADER_PAGE, (_b, _o, len) => lens.push(len));
    expect(decode(page).events).toEqual([
      [1_000_005, 190],
      [1_000_105, 191],
    ]);
    expect(lens).toEqual([16, 8]);
  });

  it('applies time extends (delta above 27 bits) and absolute stamps', () => {
    const items: Item[] = [
      { kind: 'extend', delta: 3 * SHIFT + 17 },
      { kind: 'data', delta: 1, payload: [1] },
      { kind: 'abs', ts: 5 * SHIFT + 9 },
      { kind: 'data', delta: 2, payload: [2] },
    ];
    expect(decode(buildPage(2 ** 40, items)).events).toEqual([
      [2 ** 40 + 3 * SHIFT + 18, 1],
      [5 * SHIFT + 11, 2],
    ]);
  });

  it('skips padding without adding its delta, and stops at null padding', () => {
    const page = buildPage(10, [
      { kind: 'data', delta: 1, payload: [1] },
      { kind: 'pad', bytes: 12 },
      { kind: 'data', delta: 1, payload: [2] },
    ]);
    expect(decode(page).events).toEqual([
      [11, 1],
      [12, 2],
    ]);
    // Null padding (type 29, delta 0) ends the page even if the commit length says more.
    const p2 = buildPage(0, [{ kind: 'data', delta: 1, payload: [1] }]);
    p2.writeUInt32LE(29, 16 + 8);
    p2.writeUInt32LE(200, 8);
    expect(decode(p2).events).toEqual([[1, 1]]);
  });

  it('decodes the long (type_len 0) event form', () => {
    const payload = Array.from({ length: 40 }, (_, k) => k + 1000);
    const lens: number[] = [];
    const page = buildPage(0, [{ kind: 'big', delta: 3, payload }]);
    decodeSubbuffer(page, 0, PAGE, DEFAULT_HEADER_PAGE, (_b, _o, len) => lens.push(len));
    expect(decode(page).events).toEqual([[3, 1000]]);
    expect(lens).toEqual([160]);
  });

  it('reports the missed-events flag and the stored count', () => {
    const flagged = decode(buildPage(0, [{ kind: 'data', delta: 1, payload: [1] }], 0x80000000, 1234)).info;
    expect(flagged).toEqual({ events: 1, missed: true, missedCount: 1234 });
    const notStored = decode(buildPage(0, [{ kind: 'data', delta: 1, payload: [1] }], 0x80000000)).info;
    expect(notStored).toEqual({ events: 1, missed: true, missedCount: -1 });
    const clean = decode(buildPage(0, [{ kind: 'data', delta: 1, payload: [1] }])).info;
    expect(clean.missed).toBe(false);
  });

  it('names the offset of a corrupt page', () => {
    const page = buildPage(0, [{ kind: 'data', delta: 1, payload: [1, 2] }]);
    page.writeUInt32LE(4, 8); // commit length cuts the event in half
    expect(() => decode(page)).toThrow(/trace page at byte 0: event at offset 20 runs past the data end/);
    page.writeUInt32LE(5000, 8);
    expect(() => decode(page)).toThrow(/data length 5000 exceeds the page size 4096/);
  });

  it('round-trips random pages (property)', () => {
    const item: fc.Arbitrary<Item> = fc.oneof(
      fc.record({
        kind: fc.constant('data' as const),
        delta: fc.integer({ min: 0, max: SHIFT - 1 }),
        payload: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
      }),
      fc.record({
        kind: fc.constant('big' as const),
        delta: fc.integer({ min: 0, max: SHIFT - 1 }),
        payload: fc.array(fc.nat(), { minLength: 29, maxLength: 40 }),
      }),
      fc.record({ kind: fc.constant('extend' as const), delta: fc.integer({ min: SHIFT, max: 2 ** 40 }) }),
      fc.record({
        kind: fc.constant('pad' as const),
        bytes: fc.integer({ min: 0, max: 16 }).map((n) => n * 4),
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.array(item, { maxLength: 20 }), (ts, items) => {
        expect(decode(buildPage(ts, items)).events).toEqual(expected(ts, items));
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});
