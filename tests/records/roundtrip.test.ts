import fc from 'fast-check';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readRecords, sniffRecordFile } from '../../src/records/reader.js';
import type { DamonRecord, RecordFormat } from '../../src/records/types.js';
import { recordHeader } from '../../src/records/types.js';
import { writeRecordsFile } from '../../src/records/write-file.js';
import { RecordWriter } from '../../src/records/writer.js';
import { plain, region, tmpDir } from './helpers.js';
import { syntheticHeader, syntheticSnapshots, writeSynthetic } from './synthetic.js';

const FORMATS: RecordFormat[] = ['json_compressed', 'json', 'perf_script'];

describe('RecordWriter', () => {
  it('leaves a valid, complete file after every flush, in every format', async () => {
    const dir = tmpDir();
    for (const fmt of FORMATS) {
      const path = join(dir, `w.${fmt}`);
      const w = RecordWriter.open(path, fmt, { flushIntervalMs: 0 });
      expect(existsSync(path)).toBe(false); // nothing until the first flush
      const h = syntheticHeader({ seed: 1, snapshots: 0, regions: 0 });
      let n = 0;
      for (const s of syntheticSnapshots({ seed: 7, snapshots: 5, regions: 4 })) {
        w.addSnapshot(h, s);
        w.flush();
        n++;
        const back = await readRecords(path);
        // perf_script drops the last snapshot's... nothing: fake snapshots only for single-snapshot records
        expect(back[0]!.snapshots.length).toBe(n);
      }
      w.close();
    }
  });

  it('keeps the file it replaces as .old, and abort() of an empty run leaves the file as it was', async () => {
    const dir = tmpDir();
    const path = join(dir, 'd.data');
    writeFileSync(path, 'previous');
    const failed = RecordWriter.open(path, 'json', { flushIntervalMs: 0 });
    failed.abort();
    expect(readFileSync(path, 'utf8')).toBe('previous');
    const w = RecordWriter.open(path, 'json', { flushIntervalMs: 0 });
    w.addSnapshot(
      syntheticHeader({ seed: 1, snapshots: 1, regions: 1 }),
      [...syntheticSnapshots({ seed: 2, snapshots: 1, regions: 2 })][0]!,
    );
    w.abort(); // what was recorded is kept
    expect((await readRecords(path))[0]!.snapshots.length).toBe(1);
    expect(readFileSync(`${path}.old`, 'utf8')).toBe('previous');
  });

  it('writes zlib (78 9c) that plain inflate accepts, with two records grouped', async () => {
    const dir = tmpDir();
    const path = join(dir, 'two.data');
    const w = RecordWriter.open(path, 'json_compressed', { flushIntervalMs: 0 });
    const a = recordHeader({ target_id: 1 });
    const b = recordHeader({ target_id: 2 });
    for (let i = 0; i < 3; i++) {
      w.addSnapshot(a, { start_time: i * 10, end_time: i * 10 + 10, regions: [region(0, 4096, i)] });
      w.addSnapshot(b, { start_time: i * 10, end_time: i * 10 + 10, regions: [region(8192, 12288, i + 1)] });
    }
    w.close();
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 2).toString('hex')).toBe('789c');
    const json = JSON.parse(inflateSync(bytes).toString()) as { target_id: number; snapshots: unknown[] }[];
    expect(json.map((r) => [r.target_id, r.snapshots.length])).toEqual([
      [1, 3],
      [2, 3],
    ]);
    expect(sniffRecordFile(path)).toBe('json_compressed');
  });
});

describe('format round trips', () => {
  it('json_compressed → json → perf_script → json_compressed keeps what perf_script can hold', async () => {
    const dir = tmpDir();
    const src = writeSynthetic(join(dir, 'src.data'), 'json_compressed', {
      seed: 3,
      snapshots: 6,
      regions: 5,
    });
    const orig = await readRecords(src);
    writeRecordsFile(join(dir, 'a.json'), orig, 'json');
    const viaJson = await readRecords(join(dir, 'a.json'));
    // damo's layout adds a zero intervals_goal (autotune off); everything else survives exactly
    expect(viaJson[0]!.intervals!.intervals_goal).toEqual({
      access_bp: 0,
      aggrs: 0,
      min_sample_us: 0,
      max_sample_us: 0,
    });
    delete viaJson[0]!.intervals!.intervals_goal;
    expect(plain(viaJson)).toEqual(plain(orig));
    writeRecordsFile(join(dir, 'b.perf'), viaJson, 'perf_script');
    const viaPerf = await readRecords(join(dir, 'b.perf'));
    const s0 = viaPerf[0]!.snapshots;
    expect(s0.length).toBe(6);
    // perf_script keeps end times (µs precision), regions, samples and ages
    s0.forEach((s, i) => {
      const o = orig[0]!.snapshots[i]!;
      expect(s.end_time).toBe(o.end_time);
      expect(s.regions.map((r) => [r.start, r.end, r.nr_accesses.samples, r.age.aggr_intervals])).toEqual(
        o.regions.map((r) => [r.start, r.end, r.nr_accesses.samples, r.age.aggr_intervals]),
      );
    });
    // the first start is inferred from the mean snapshot duration, as a float
    expect(s0[0]!.start_time).toBe(orig[0]!.snapshots[0]!.start_time);
    expect(s0[0]!.start_is_float).toBe(true);
    writeRecordsFile(join(dir, 'c.data'), viaPerf, 'json_compressed');
    expect(readFileSync(join(dir, 'c.data')).subarray(0, 2).toString('hex')).toBe('789c');
    expect((await readRecords(join(dir, 'c.data')))[0]!.snapshots.map((s) => s.regions.length)).toEqual(
      s0.map((s) => s.regions.length),
    );
  });

  it('keeps integers above 2^53 exact (epoch ns times, target ids)', async () => {
    const dir = tmpDir();
    const base = 1700000000123456789n;
    const text = JSON.stringify([
      {
        kdamond_idx: 0,
        context_idx: 0,
        intervals: null,
        scheme_idx: 0,
        target_id: 'TID',
        scheme_filters: [],
        snapshots: [
          {
            start_time: 'S0',
            end_time: 'S1',
            regions: [
              {
                start: 4096,
                end: 8192,
                nr_accesses: { samples: 3, percent: null },
                age: { usec: null, aggr_intervals: 2 },
              },
            ],
          },
        ],
        data_source: 'kernel tried_regions',
      },
    ])
      .replace('"TID"', '18446623435582458880')
      .replace('"S0"', String(base))
      .replace('"S1"', String(base + 100000001n));
    writeFileSync(join(dir, 'big.json'), text);
    const recs = await readRecords(join(dir, 'big.json'));
    expect(recs[0]!.target_id).toBe(18446623435582458880n);
    expect(recs[0]!.time_base_ns).toBe(base);
    expect(recs[0]!.snapshots[0]!.end_time - recs[0]!.snapshots[0]!.start_time!).toBe(100000001);
    for (const fmt of ['json', 'json_compressed'] as const) {
      writeRecordsFile(join(dir, `out.${fmt}`), recs, fmt);
      const back = await readRecords(join(dir, `out.${fmt}`));
      expect(back[0]!.time_base_ns).toBe(base);
      expect(back[0]!.target_id).toBe(18446623435582458880n);
    }
    const raw = readFileSync(join(dir, 'out.json'), 'utf8');
    expect(raw).toContain(`"start_time": "${base}"`);
    expect(raw).toContain('"target_id": 18446623435582458880');
  });

  it('keeps epoch ns times exact on the fast snapshot path too', async () => {
    const dir = tmpDir();
    const base = 1700000000123456789n;
    const snaps = [0n, 1n, 2n].map(
      (i) =>
        `{"start_time":${base + i * 100000001n},"end_time":${base + (i + 1n) * 100000001n},"regions":[{"start":4096,"end":8192,"nr_accesses":{"samples":1,"percent":null},"age":{"usec":null,"aggr_intervals":0}}]}`,
    );
    writeFileSync(
      join(dir, 'fast.json'),
      `[{"target_id":1,"snapshots":[${snaps.join(',')}],"data_source":"x"}]`,
    );
    const recs = await readRecords(join(dir, 'fast.json'));
    expect(recs[0]!.time_base_ns).toBe(base);
    expect(recs[0]!.snapshots.map((s) => [s.start_time, s.end_time])).toEqual([
      [0, 100000001],
      [100000001, 200000002],
      [200000002, 300000003],
    ]);
  });

  it('json ↔ json_compressed round trip any record (property)', async () => {
    const dir = tmpDir();
    const regionArb = fc.record({
      start: fc.integer({ min: 0, max: 2 ** 40 }),
      len: fc.integer({ min: 1, max: 2 ** 30 }),
      samples: fc.integer({ min: 0, max: 200 }),
      age: fc.option(fc.integer({ min: 0, max: 1e6 }), { nil: null }),
    });
    const recArb = fc.record({
      target: fc.oneof(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.bigInt({ min: 2n ** 54n, max: 2n ** 64n - 1n }),
      ),
      snaps: fc.array(fc.array(regionArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }),
    });
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(recArb, { minLength: 1, maxLength: 3 }), async (arb) => {
        const records: DamonRecord[] = arb.map((a, ri) => ({
          ...recordHeader({ target_id: a.target, kdamond_idx: 0, context_idx: 0, scheme_idx: ri }),
          snapshots: a.snaps.map((rs, si) => ({
            start_time: si * 1000,
            end_time: si * 1000 + 1000,
            regions: rs.map((r) => region(r.start, r.start + r.len, r.samples, r.age)),
          })),
        }));
        for (const fmt of ['json', 'json_compressed'] as const) {
          const p = join(dir, `p${k++}.${fmt}`);
          writeRecordsFile(p, records, fmt);
          const back = await readRecords(p);
          expect(back.map((r) => r.target_id)).toEqual(records.map((r) => r.target_id));
          expect(
            back.map((r) =>
              r.snapshots.map((s) =>
                s.regions.map((g) => [g.start, g.end, g.nr_accesses.samples, g.age.aggr_intervals]),
              ),
            ),
          ).toEqual(
            records.map((r) =>
              r.snapshots.map((s) =>
                s.regions.map((g) => [g.start, g.end, g.nr_accesses.samples, g.age.aggr_intervals]),
              ),
            ),
          );
        }
      }),
      { numRuns: 40, seed: 42 },
    );
  });

  it('keeps the damon_ts breakdown through the writer and damo-layout conversion', async () => {
    const dir = tmpDir();
    const src = writeSynthetic(join(dir, 'bd.data'), 'json_compressed', {
      seed: 5,
      snapshots: 2,
      regions: 3,
      breakdown: true,
    });
    const recs = await readRecords(src);
    expect(recs[0]!.snapshots[0]!.regions[0]!.damon_ts).toBeDefined();
    writeRecordsFile(join(dir, 'bd.json'), recs, 'json');
    const back = await readRecords(join(dir, 'bd.json'));
    expect(back[0]!.snapshots[1]!.regions.map((r) => r.damon_ts)).toEqual(
      recs[0]!.snapshots[1]!.regions.map((r) => r.damon_ts),
    );
  });
});
