import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/reader.js';
import { captureStderr, tmpDir } from './helpers.js';
import { writeSynthetic } from './synthetic.js';

describe('malformed record files', () => {
  const dir = tmpDir();
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const snap = (regions: string): string => `{"start_time":0,"end_time":10,"regions":[${regions}]}`;
  const good =
    '{"start":0,"end":4096,"nr_accesses":{"samples":1,"percent":null},"age":{"usec":null,"aggr_intervals":0}}';

  it('names the file, record, snapshot and region of a bad value', async () => {
    const p = write(
      'badregion.json',
      `[{"target_id":1,"snapshots":[${snap(good)},${snap(`${good},{"start":"x","end":1,"nr_accesses":{"samples":1,"percent":null},"age":{"usec":null,"aggr_intervals":0}}`)}]}]`,
    );
    await expect(readRecords(p)).rejects.toThrow(
      `${p}: record 0 snapshot 1 region 1 (start): invalid bytes value "x"`,
    );
  });
  it('names a missing key', async () => {
    const p = write('noend.json', `[{"target_id":1,"snapshots":[{"start_time":0,"regions":[]}]}]`);
    await expect(readRecords(p)).rejects.toThrow(`${p}: record 0 snapshot 0: missing 'end_time'`);
    const q = write('notarget.json', `[{"snapshots":[]}]`);
    await expect(readRecords(q)).rejects.toThrow(`${q}: record 0: missing 'target_id'`);
    const r = write(
      'noage.json',
      `[{"target_id":1,"snapshots":[${snap('{"start":0,"end":4096,"nr_accesses":{"samples":1,"percent":null},"age":{"usec":null}}')}]}]`,
    );
    await expect(readRecords(r)).rejects.toThrow(
      `${r}: record 0 snapshot 0 region 0: missing 'aggr_intervals'`,
    );
  });
  it('names the byte offset of broken JSON syntax', async () => {
    const p = write('syntax.json', `[{"target_id":1,"snapshots":[${snap(good)} ${snap(good)}]}]`);
    await expect(readRecords(p)).rejects.toThrow(
      /syntax\.json: byte \d+, record 0, snapshot 1: expected ',' or ']' after a snapshot/,
    );
    const q = write(
      'junk.json',
      `[{"target_id":1,"snapshots":[{"start_time":0,"end_time":10,"regions":[}]}]`,
    );
    await expect(readRecords(q)).rejects.toThrow(
      /junk\.json: byte \d+, record 0, snapshot 0: malformed JSON/,
    );
  });
  it('names the line of a bad perf_script line', async () => {
    const p = write(
      'bad.perf',
      'kdamond.0 123 [000] 10.000000: damon:damon_aggregated: target_id=1 nr_regions=1 0-4096: 3 0\n' +
        'kdamond.0 123 [000] 10.100000: damon:damon_aggregated: target_id=1 nr_regions=1 0-4096: x 0\n',
    );
    await expect(readRecords(p)).rejects.toThrow(`${p}:2: invalid nr_accesses 'x'`);
    const q = write(
      'unsorted.perf',
      'kdamond.0 123 [000] 10.000000: damon:damon_aggregated: target_id=1 nr_regions=1 0-4096: 3 0\n' +
        'kdamond.0 123 [000] 9.000000: damon:damon_aggregated: target_id=1 nr_regions=1 0-4096: 3 0\n',
    );
    await expect(readRecords(q)).rejects.toThrow(`${q}:2: trace is not time-sorted`);
  });
});

describe('truncated record files', () => {
  it('reads a truncated json_compressed file up to its last complete snapshot, with a warning', async () => {
    const dir = tmpDir();
    const p = writeSynthetic(join(dir, 'full.data'), 'json_compressed', {
      seed: 2,
      snapshots: 400,
      regions: 50,
    });
    const full = await readRecords(p);
    const bytes = readFileSync(p);
    const cut = join(dir, 'cut.data');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const { value, stderr } = await captureStderr(() => readRecords(cut));
    const n = value[0]!.snapshots.length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(400);
    expect(value[0]!.snapshots).toEqual(full[0]!.snapshots.slice(0, n));
    expect(stderr).toMatch(
      new RegExp(`warning: ${cut} is truncated in record 0 after ${n} complete snapshots`),
    );
  });
  it('reads any prefix of a json file as the complete snapshots it holds (property)', async () => {
    const dir = tmpDir();
    const p = writeSynthetic(join(dir, 'full.json'), 'json', { seed: 4, snapshots: 12, regions: 3 });
    const text = readFileSync(p, 'utf8');
    const full = await readRecords(p);
    const cut = join(dir, 'cut.json');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: text.length - 1 }), async (len) => {
        writeFileSync(cut, text.slice(0, len));
        const { value, stderr } = await captureStderr(() => readRecords(cut));
        expect(stderr).toContain('is truncated');
        const got = value[0]?.snapshots ?? [];
        expect(got).toEqual(full[0]!.snapshots.slice(0, got.length));
        // every snapshot whose text is complete in the prefix is read
        const complete = text.slice(0, len).split('"sample_interval_us":null}').length - 1;
        expect(got.length).toBe(complete);
      }),
      { numRuns: 60, seed: 9 },
    );
  });
});
