/**
 * The byte decoder (fast path) against the general JSON.parse path: the same columns, the same errors,
 * the same truncation handling, on records written by our writer and on hand-made JSON with everything
 * the decoder hands over to the general path (unit strings, ≥ 2^53 integers, other key orders,
 * whitespace, unknown keys, damon_ts breakdowns, floats, epoch-ns times).
 */
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnsToSnapshot, snapshotToColumns, type ColumnarSnapshot } from '../../src/records/columns.js';
import { ColumnarPasses } from '../../src/records/passes.js';
import { readRecords, streamColumnar, type ColumnarStreamOptions } from '../../src/records/reader.js';
import { snapshotToJson } from '../../src/records/serialize.js';
import { GIVE_UP, NEED_MORE, SnapshotDecoder } from '../../src/records/snapshot-decoder.js';
import { captureStderr, region, tmpDir } from './helpers.js';
import { syntheticSnapshots, writeSynthetic } from './synthetic.js';

interface Outcome {
  snapshots: { header: unknown; snap: ColumnarSnapshot }[];
  error?: string;
  truncated?: boolean;
  stderr: string;
}

async function read(path: string, o: ColumnarStreamOptions): Promise<Outcome> {
  const snapshots: Outcome['snapshots'] = [];
  const { value, stderr } = await captureStderr(async () => {
    try {
      const r = await streamColumnar(
        path,
        { snapshot: (snap, header) => snapshots.push({ header, snap }) },
        o,
      );
      return { truncated: r.truncated };
    } catch (e) {
      return { error: (e as Error).message };
    }
  });
  return { snapshots, stderr, ...value };
}

async function expectSameAsGeneral(path: string): Promise<Outcome> {
  const fast = await read(path, {});
  const general = await read(path, { general: true });
  expect(fast).toEqual(general);
  return fast;
}

// ---- hand-made JSON: every value may take a form the decoder leaves to the general path ----

const ws = fc.constantFrom('', ' ', '\n    ', '\t');
const int = fc.integer({ min: 0, max: 2 ** 47 });

/** A JSON value text for a number field: plain, float, unit or comma strings, huge, negative, null. */
function numText(nullable: boolean, units: 'bytes' | 'nr' | 'ns'): fc.Arbitrary<string> {
  const forms: fc.Arbitrary<string>[] = [
    int.map(String),
    int.map(String),
    int.map(String),
    fc.integer({ min: -5, max: -1 }).map(String),
    fc.double({ min: 0, max: 1e6, noNaN: true }).map((v) => JSON.stringify(v)),
    fc.constantFrom('18446744073709551615', '9007199254740993', '1234567890123456'),
    int.map((v) => JSON.stringify(v.toLocaleString('en-US'))),
  ];
  if (units === 'bytes') forms.push(fc.integer({ min: 1, max: 64 }).map((v) => `"${v} KiB"`));
  if (units === 'ns') forms.push(fc.constantFrom('"100 ms"', '1700000000123456789', '"8 m 59.809 s"'));
  if (nullable) forms.push(fc.constant('null'));
  return fc.oneof(...forms);
}

function objText(pairs: [string, string][], sp: string[]): string {
  return `{${pairs.map(([k, v], i) => `${sp[i % sp.length]}"${k}"${sp[(i + 1) % sp.length]}:${v}`).join(',')}}`;
}

const keyOrder = <T>(items: T[]): fc.Arbitrary<T[]> =>
  fc.oneof(
    fc.constant(items),
    fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }),
  );

const regionText = fc
  .record({
    start: numText(false, 'bytes'),
    end: numText(false, 'bytes'),
    samples: numText(false, 'nr'),
    percent: numText(true, 'nr'),
    usec: numText(true, 'nr'),
    aggr: numText(true, 'nr'),
    szf: fc.option(numText(true, 'bytes'), { nil: undefined }),
    extra: fc.constantFrom(
      [],
      [['probe_hits', '[]']],
      [['damon_ts', '{"writes":1,"cpus":{"0":2},"tids":{"7":2}}']],
    ) as fc.Arbitrary<[string, string][]>,
    sp: fc.array(ws, { minLength: 1, maxLength: 3 }),
    order: fc.integer({ min: 0, max: 1 }),
  })
  .chain((r) =>
    keyOrder<[string, string]>([
      ['start', r.start],
      ['end', r.end],
      [
        'nr_accesses',
        objText(
          [
            ['samples', r.samples],
            ['percent', r.percent],
          ],
          r.sp,
        ),
      ],
      [
        'age',
        objText(
          r.order
            ? [
                ['aggr_intervals', r.aggr],
                ['usec', r.usec],
              ]
            : [
                ['usec', r.usec],
                ['aggr_intervals', r.aggr],
              ],
          r.sp,
        ),
      ],
      ...(r.szf === undefined ? [] : ([['sz_filter_passed', r.szf]] as [string, string][])),
      ...r.extra,
    ]).map((pairs) => objText(pairs, r.sp)),
  );

/** Mostly our writer's exact region layout (the decoder's template), sometimes anything. */
const writerRegion = fc
  .record({
    start: int,
    size: fc.integer({ min: 1, max: 2 ** 20 }),
    samples: fc.integer({ min: 0, max: 40 }),
  })
  .map(({ start, size, samples }) => {
    const r = region(start, start + size, samples, samples ? 0 : 3);
    return snapshotToJson({ start_time: 0, end_time: 1, regions: [r] }).match(
      /"regions":\[(.*)\],"total_bytes"/,
    )![1]!;
  });

const snapshotText = fc
  .record({
    start: numText(true, 'ns'),
    end: numText(false, 'ns'),
    regions: fc.array(fc.oneof(writerRegion, writerRegion, regionText), { maxLength: 6 }),
    total: fc.option(numText(true, 'bytes'), { nil: undefined }),
    siu: fc.option(numText(true, 'nr'), { nil: undefined }),
    stats: fc.constantFrom(undefined, 'null', '{"nr_tried":1}'),
    sp: fc.array(ws, { minLength: 1, maxLength: 2 }),
  })
  .chain((s) =>
    keyOrder<[string, string]>([
      ['start_time', s.start],
      ['end_time', s.end],
      ['regions', `[${s.regions.join(`,${s.sp[0]}`)}]`],
      ...(s.total === undefined ? [] : ([['total_bytes', s.total]] as [string, string][])),
      ...(s.stats === undefined ? [] : ([['damos_stats', s.stats]] as [string, string][])),
      ...(s.siu === undefined ? [] : ([['sample_interval_us', s.siu]] as [string, string][])),
    ]).map((pairs) => objText(pairs, s.sp)),
  );

const fileText = fc
  .array(fc.array(snapshotText, { maxLength: 4 }), { minLength: 1, maxLength: 2 })
  .map(
    (records) =>
      `[${records
        .map(
          (snaps, i) =>
            `{"kdamond_idx":0,"context_idx":0,"intervals":{"sample_us":5000,"aggr_us":100000,"ops_update_us":1000000},` +
            `"scheme_idx":null,"target_id":${i},"scheme_filters":[],"snapshots":[${snaps.join(',')}],"data_source":"vaddr"}`,
        )
        .join(',')}]`,
  );

describe('byte decoder vs general path', () => {
  const dir = tmpDir();

  it('gives the same columns, errors and warnings on arbitrary JSON records (json and json_compressed)', async () => {
    await fc.assert(
      fc.asyncProperty(fileText, fc.boolean(), async (text, compressed) => {
        const path = join(dir, compressed ? 'a.data' : 'a.json');
        writeFileSync(path, compressed ? deflateSync(Buffer.from(text)) : text);
        await expectSameAsGeneral(path);
      }),
      { numRuns: 150, seed: 42 },
    );
  });

  it('gives the same result on files cut or corrupted anywhere', async () => {
    await fc.assert(
      fc.asyncProperty(fileText, fc.nat(), fc.constantFrom('cut', 'garbage'), async (text, at, how) => {
        const path = join(dir, 'cut.json');
        const pos = at % (text.length + 1);
        writeFileSync(
          path,
          how === 'cut' ? text.slice(0, pos) : `${text.slice(0, pos)}x${text.slice(pos + 1)}`,
        );
        await expectSameAsGeneral(path);
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it('reads the same snapshots as readRecords on a writer-made file, every region through the template', async () => {
    const path = join(dir, 'syn.data');
    const snaps = [...syntheticSnapshots({ seed: 3, snapshots: 30, regions: 200 })];
    const body = snaps.map((s) => snapshotToJson(s)).join(',');
    writeFileSync(
      path,
      deflateSync(
        `[{"kdamond_idx":0,"context_idx":0,"intervals":null,"scheme_idx":null,"target_id":1,"scheme_filters":[],"snapshots":[${body}],"data_source":"x"}]`,
      ),
    );
    const out = await expectSameAsGeneral(path);
    const [rec] = await readRecords(path);
    expect(out.snapshots.map((s) => columnsToSnapshot(s.snap))).toEqual(
      rec!.snapshots.map((s) => columnsToSnapshot(snapshotToColumns(s))),
    );
    expect(out.snapshots).toHaveLength(30);
  });

  it('warns and keeps the complete snapshots of a truncated json_compressed file, as the general path', async () => {
    const path = join(dir, 'trunc.data');
    const body = [...syntheticSnapshots({ seed: 5, snapshots: 40, regions: 300 })].map((s) =>
      snapshotToJson(s),
    );
    writeFileSync(path, deflateSync(`[{"target_id":1,"snapshots":[${body.join(',')}],"data_source":"x"}]`));
    truncateSync(path, Math.floor(readFileSync(path).length * 0.6));
    const out = await expectSameAsGeneral(path);
    expect(out.truncated).toBe(true);
    expect(out.stderr).toMatch(/truncated in record 0 after \d+ complete snapshots/);
    expect(out.snapshots.length).toBeGreaterThan(5);
    expect(out.snapshots.length).toBeLessThan(40);
  });
});

describe('SnapshotDecoder', () => {
  const decoder = new SnapshotDecoder();
  const snap = {
    start_time: 10,
    end_time: 20,
    regions: [region(4096, 8192, 3, 2), region(8192, 12288, 0, null)],
  };

  it('decodes our writer layout into columns', () => {
    const r = decoder.decode(Buffer.from(snapshotToJson(snap)), 0);
    if (typeof r === 'number') throw new Error(`decode gave ${r}`);
    expect(Array.from(r.snap.regions.start)).toEqual([4096, 8192]);
    expect(Array.from(r.snap.regions.samples)).toEqual([3, 0]);
    expect(Array.from(r.snap.regions.aggr)).toEqual([2, NaN]);
    expect(r.snap.totalBytes).toBe(8192);
    expect(r.snap.startTime).toBe(10);
  });

  it('asks for more input inside the object and gives up on what it does not read', () => {
    const text = snapshotToJson(snap);
    for (const cut of [1, 40, text.length - 1])
      expect(decoder.decode(Buffer.from(text.slice(0, cut)), 0)).toBe(NEED_MORE);
    expect(decoder.decode(Buffer.from(text.replace('"start":4096', '"start":"4 KiX"')), 0)).toBe(GIVE_UP);
    expect(decoder.decode(Buffer.from(text.replace('"start":4096', '"start":"\\u0034"')), 0)).toBe(GIVE_UP);
    expect(decoder.decode(Buffer.from(text.replace('"start":4096', '"start":"nan"')), 0)).toBe(GIVE_UP);
    expect(decoder.decode(Buffer.from(text.replace('"start":4096', '"start":40960000000000000')), 0)).toBe(
      GIVE_UP,
    );
    expect(decoder.decode(Buffer.from(text.replace('"start":4096', '"start":04096')), 0)).toBe(GIVE_UP);
    expect(decoder.decode(Buffer.from(text.replace('"damos_stats":null', '"other":null')), 0)).toBe(GIVE_UP);
  });

  it("reads damo's texts with its text_to_* rules and skips probe_hits", () => {
    const text = snapshotToJson(snap)
      .replace('"start_time":10', '"start_time":"10"')
      .replace('"start":4096', '"start":"4 KiB"')
      .replace('"end":8192', '"end":"8,192"')
      .replace('"sz_filter_passed":0', '"probe_hits":[1,[2,{"x":null}],"y"],\n  "sz_filter_passed":"1,024 B"')
      .replace('"samples":3', '"samples":"3"')
      .replace('"usec":null', '"usec":"1 s 500 ms"');
    const r = decoder.decode(Buffer.from(text), 0);
    if (typeof r === 'number') throw new Error(`decode gave ${r}`);
    expect(r.snap.startTime).toBe('10');
    expect(Array.from(r.snap.regions.start)).toEqual([4096, 8192]);
    expect(Array.from(r.snap.regions.end)).toEqual([8192, 12288]);
    expect(Array.from(r.snap.regions.samples)).toEqual([3, 0]);
    expect(Array.from(r.snap.regions.usec)).toEqual([1_500_000, NaN]);
    expect(Array.from(r.snap.regions.szFilter)).toEqual([1024, 0]);
  });

  it('keeps ≥ 16-digit times as their digits for the exact time rules', () => {
    const text = snapshotToJson(snap).replace('"start_time":10', '"start_time":1700000000123456789');
    const r = decoder.decode(Buffer.from(text), 0);
    if (typeof r === 'number') throw new Error(`decode gave ${r}`);
    expect(r.snap.startTime).toBe('1700000000123456789');
  });
});

describe('ColumnarPasses', () => {
  it('replays the kept snapshots on later passes exactly as a new read delivers them', async () => {
    const path = join(tmpDir(), 'passes.data');
    writeSynthetic(path, 'json_compressed', { seed: 4, snapshots: 30, regions: 25 }, 1);
    const dump = async (p: ColumnarPasses): Promise<string> => {
      const out: unknown[] = [];
      await p.stream({
        recordStart: (h, ri) => out.push(['start', ri, h.target_id]),
        snapshot: (s, h, ri, si) => out.push([ri, si, h.target_id, columnsToSnapshot(s)]),
        recordEnd: (h, ri, nr) => out.push(['end', ri, nr, h.data_source]),
      });
      return JSON.stringify(out, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    };
    const kept = new ColumnarPasses(path);
    const reread = new ColumnarPasses(path, {}, 0);
    const first = await dump(kept);
    expect(first.endsWith('["end",0,30,"synthetic"]]')).toBe(true);
    expect(kept.replays).toBe(true);
    expect(await dump(kept)).toBe(first);
    expect(await dump(kept)).toBe(first);
    expect(await dump(reread)).toBe(first);
    expect(reread.replays).toBe(false);
    expect(await dump(reread)).toBe(first);
  });
});
