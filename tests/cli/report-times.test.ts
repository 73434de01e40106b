/**
 * `damon-ts report times` against damo 3.3 on a record of the simulated stairs workload that
 * damon-ts makes: the filter options, alone and together, give damo's spans byte for byte; the
 * deprecated top-level record_info.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/reader.js';
import { filterRecords, NO_FILTER } from '../../src/reports/record-filter.js';
import { formatSpans, snapshotSpans } from '../../src/reports/times.js';
import { damo, damoAbsent, dts } from './damo-golden.js';

const dir = mkdtempSync(join(tmpdir(), 'damon-ts-times-'));
const rec = join(dir, 'stairs.data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  const r = dts(['record', '--workload', 'stairs', '--timeout', '16', '-o', rec]);
  expect(r.code, r.stderr).toBe(0);
}, 300_000);

describe('report times on a simulated stairs record', () => {
  it('joins touching snapshots and splits at gaps (library)', async () => {
    const records = await readRecords(rec);
    filterRecords(records, {
      ...NO_FILTER,
      snapshotIndexRanges: [
        [0, 3],
        [10, 12],
      ],
    });
    const aggrNs = records[0]!.intervals!.aggr_us * 1000;
    const spans = snapshotSpans(records);
    expect(spans).toHaveLength(2);
    expect(Number(spans[0]![1]) - Number(spans[0]![0])).toBe(4 * aggrNs);
    expect(Number(spans[1]![1]) - Number(spans[1]![0])).toBe(3 * aggrNs);
    expect(formatSpans([[0, 1_500_000_000]])).toBe('0.000000-1.500000\n# (seconds)\n');
  });

  it('refuses a filter option with an odd number of values, naming it', () => {
    const r = dts(['report', 'times', '--inputs', rec, 'x', '--address', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--address takes pairs of values');
  });

  const why = damoAbsent();
  if (why) console.log(`skipping the comparison with damo: ${why}`);
  it
    .skipIf(why !== null)
    .each([
      [[]],
      [['--age', '0', '2s', '--access_rate', '1', 'max']],
      [['--access_rate', '5', '100', '--address', '127T', '127.00002T']],
      [['--sz_region', '0', '4M', '--access_rate', '10', '100']],
      [['--snapshot_idx', '0', '3', '--snapshot_idx', '10', '12', '--sz_snapshot', '0', '200M']],
      [['--snapshot_time', '500000000', '1500000000', '--snapshot_time', '3s', '9s']],
      [['--temperature', '100', '1000000000', '--temperature', '-500', '-1']],
    ])('report times %j = damo', (args: string[]) => {
    const want = damo(['report', 'times', '--inputs', rec, 'none', ...args]);
    const got = dts(['report', 'times', '--inputs', rec, 'none', ...args]);
    expect(want.code).toBe(0);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toBe(want.stdout);
  });

  it.skipIf(why !== null)(
    'the deprecated top-level record_info = damo report record_info, with a notice',
    () => {
      const got = dts(['record_info', '-i', rec]);
      expect(got.code).toBe(0);
      expect(got.stdout).toBe(damo(['report', 'record_info', '-i', rec]).stdout);
      expect(got.stdout).toContain('region\t 1: [127.000000 TiB');
      expect(got.stderr).toContain('use "damon-ts report record_info"');
    },
  );
});
