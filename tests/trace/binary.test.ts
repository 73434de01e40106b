import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BinaryTraceDecoder, BinaryTraceWriter } from '../../src/backends/trace/binary-trace.js';
import type { TraceInfo } from '../../src/backends/trace/trace-batch.js';
import { convertToBinary, openTrace, openTraceSync } from '../../src/backends/trace/trace-file.js';
import { batchRecords, decodeAll, Rec } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'damon-ts-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Records with non-decreasing times, including gaps beyond 32 bits of ns. */
const recordsArb = fc
  .array(
    fc.tuple(
      fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 2 ** 40 })),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      fc.integer({ min: -1, max: 0x7fff }),
      fc.integer({ min: 0, max: 1 }),
    ),
    { maxLength: 300 },
  )
  .map((xs) => {
    let t = 0;
    return xs.map(([dt, a, s, tid, cpu, w]): Rec => [(t += dt), a, s, tid, cpu, w]);
  });

function write(path: string, recs: Rec[], info: TraceInfo): void {
  const w = new BinaryTraceWriter(path, info);
  for (const r of recs) w.append(r[0], r[1], r[2], r[3], r[4], r[5] === 1);
  w.close();
}

describe('binary trace', () => {
  it('write then read gives the same records and header (property, random chunking)', () => {
    let k = 0;
    fc.assert(
      fc.property(
        recordsArb,
        fc.uniqueArray(fc.nat(), { maxLength: 6 }),
        fc.string(),
        (recs, cutSeeds, cmd) => {
          const path = join(dir, `p${k++}.trace`);
          write(path, recs, { pid: 42, source: 'test', command: [cmd] });
          const bytes = readFileSync(path);
          const cuts = [...new Set(cutSeeds.map((c) => c % bytes.length))]
            .filter((c) => c > 0)
            .sort((a, b) => a - b);
          const info: TraceInfo = {};
          expect(decodeAll(new BinaryTraceDecoder(path, info), bytes, cuts)).toEqual(recs);
          expect(info).toEqual({ pid: 42, source: 'test', command: [cmd] });
          rmSync(path);
        },
      ),
      { numRuns: 150, seed: 11 },
    );
  });

  it('reads synchronously and asynchronously through the file readers, in batches', async () => {
    const recs: Rec[] = Array.from({ length: 70_000 }, (_, i) => [
      i * 3,
      0x7f0000000000 + i * 64,
      8,
      1000 + (i % 3),
      i % 2,
      i % 5 === 0 ? 1 : 0,
    ]);
    const path = join(dir, 'big.trace');
    write(path, recs, { pid: 1000 });
    const sync: Rec[] = [];
    const r = openTraceSync(path);
    for (const b of r.batches) sync.push(...batchRecords(b));
    expect(sync).toEqual(recs);
    expect(r.info.pid).toBe(1000);
    const asyncRecs: Rec[] = [];
    for await (const b of openTrace(path).batches) asyncRecs.push(...batchRecords(b));
    expect(asyncRecs).toEqual(recs);
  });

  it('rejects bad magic, a newer version and a truncated record', () => {
    const path = join(dir, 'bad.trace');
    write(path, [[5, 4096, 8, 1, -1, 0]], {});
    const good = readFileSync(path);
    const dec = (b: Uint8Array) => decodeAll(new BinaryTraceDecoder('x.trace', {}), b);
    expect(() => dec(good.subarray(0, good.length - 3))).toThrow(
      /^x\.trace: truncated record 0 \(21 of 24 bytes/,
    );
    const v2 = Buffer.from(good);
    v2.writeUInt32LE(2, 8);
    expect(() => dec(v2)).toThrow(/^x\.trace: binary trace version 2 is not supported/);
    expect(() => dec(good.subarray(0, 10))).toThrow(/truncated binary trace header/);
    const notMagic = Buffer.from(good);
    notMagic.write('XX', 0, 'latin1');
    expect(() => dec(notMagic)).toThrow(/bad magic/);
  });

  it('rejects records that go back in time or do not fit', () => {
    const w = new BinaryTraceWriter(join(dir, 'w.trace'), {});
    w.append(10, 0, 1, 1, -1, false);
    expect(() => w.append(9, 0, 1, 1, -1, false)).toThrow(
      /record 1: time 9 ns is not an integer at or after 10/,
    );
    expect(() => w.append(11, 0, 70000, 1, -1, false)).toThrow(/size 70000 out of 0\.\.65535/);
    w.close();
  });

  it('converts a lackey log to binary with the same records and the pid', () => {
    const log = join(dir, 'x.log');
    writeFileSync(log, '==9== Lackey\nI  04,1\n L 1000,8\nI  05,1\nI  06,1\n M 2000,4\n');
    const out = join(dir, 'x.trace');
    const { records, info } = convertToBinary(log, out, { instructionsPerSecond: 1e8, command: ['./a'] });
    expect(records).toBe(3);
    expect(info.pid).toBe(9);
    const r = openTraceSync(out);
    const got: Rec[] = [];
    for (const b of r.batches) got.push(...batchRecords(b));
    expect(got).toEqual([
      [10, 0x1000, 8, 9, -1, 0],
      [30, 0x2000, 4, 9, -1, 0],
      [30, 0x2000, 4, 9, -1, 1],
    ]);
    expect(r.info).toMatchObject({ pid: 9, source: 'lackey', instructionsPerSecond: 1e8, command: ['./a'] });
  });
});
