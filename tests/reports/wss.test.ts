import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordHeader } from '../../src/records/types.js';
import { writeRecordsFile } from '../../src/records/write-file.js';
import { stringSink } from '../../src/reports/output.js';
import { percentileIndex, pyRange } from '../../src/reports/percentile.js';
import { computeWss, formatWss, WSS_DEFAULTS } from '../../src/reports/wss.js';
import { reportNrRegions } from '../../src/reports/nr-regions.js';
import { region, tmpDir } from '../records/helpers.js';

describe('percentiles', () => {
  it('index = trunc((p/100.0)*n), clamped, negative from the end', () => {
    expect(percentileIndex(57, 100)).toBe(56); // 56.99999999999999
    expect(percentileIndex(50, 523)).toBe(261);
    expect(percentileIndex(100, 523)).toBe(522);
    expect(percentileIndex(-10, 10)).toBe(9);
    expect(percentileIndex(101, 10)).toBe(9); // 10 == n is clamped
    expect(() => percentileIndex(150, 10)).toThrow(/out of range/);
    expect(pyRange(0, 101, 25)).toEqual([0, 25, 50, 75, 100]);
  });
});

describe('report wss (damo-report-math §4)', () => {
  it('draws the §10 p50 bar: 28 stars for 100024320 under a 206434304 maximum', () => {
    const list = Array.from({ length: 523 }, (_, i) => (i < 261 ? 1000 : i < 522 ? 100024320 : 206434304));
    const { sink, text } = stringSink();
    formatWss(new Map([['0', list]]), { ...WSS_DEFAULTS, percentiles: [50, 100], rawNumber: true }, sink);
    const lines = text().split('\n');
    expect(lines[3]).toBe(' 50       100024320 |' + '*'.repeat(28) + ' '.repeat(31) + '|');
    expect(lines[4]).toBe('100       206434304 |' + '*'.repeat(59) + '|');
    // avr is %d of the true division
    const sum = 261 * 1000 + 261 * 100024320 + 206434304;
    expect(lines[2]).toBe(`# avr:\t${Math.trunc(sum / 523)}`);
  });

  it('skips 20 snapshots, thresholds, sorts and collapses targets as damo', async () => {
    const dir = tmpDir();
    const mk = (tid: number, sizes: number[][]) => ({
      ...recordHeader({ target_id: tid }),
      snapshots: sizes.map((rs, i) => {
        let a = 0;
        return {
          start_time: i * 1000,
          end_time: i * 1000 + 1000,
          regions: rs.map((v, k) => region((a += 8) * 4096, (a + (v % 7) + 1) * 4096, k % 2 === 0 ? v : 0)),
        };
      }),
    });
    // 22 snapshots: the first 20 are dropped
    const snaps = Array.from({ length: 22 }, (_, i) => [i, i + 1]);
    const rec = mk(1, snaps);
    const path = join(dir, 'wss.json');
    writeRecordsFile(path, [rec, mk(2, snaps)], 'json');
    const o = { ...WSS_DEFAULTS, rawNumber: true, collapseTargets: false, percentiles: [0, 100] };
    const lists = await computeWss(path, o);
    // snapshot 20: region 0 has samples 20 (size (20%7+1) pages = 7 pages), region 1 samples 0
    // snapshot 21: region 0 samples 21, size 1 page
    expect(lists.get('1')).toEqual([4096, 7 * 4096]);
    expect((await computeWss(path, { ...o, sortBy: 'time' })).get('1')).toEqual([7 * 4096, 4096]);
    expect((await computeWss(path, { ...o, collapseTargets: true })).get('0')).toEqual([8192, 14 * 4096]);
    expect((await computeWss(path, { ...o, accThres: 21 })).get('1')).toEqual([0, 4096]);
    expect((await computeWss(path, { ...o, szThres: 8192 })).get('1')).toEqual([0, 7 * 4096]);
    const { sink, text } = stringSink();
    formatWss(lists, o, sink);
    expect(text()).toBe(
      [
        '# target_id\t1',
        '# <percentile> <wss>',
        `# avr:\t${(4096 + 7 * 4096) / 2}`,
        `  0            4096 |${'*'.repeat(8)}${' '.repeat(51)}|`,
        `100           28672 |${'*'.repeat(59)}|`,
        '# target_id\t2',
        '# <percentile> <wss>',
        `# avr:\t${(4096 + 7 * 4096) / 2}`,
        `  0            4096 |${'*'.repeat(8)}${' '.repeat(51)}|`,
        `100           28672 |${'*'.repeat(59)}|`,
        '',
      ].join('\n'),
    );
  });

  it('merges windows with --work_time and drops the leftover window', async () => {
    const dir = tmpDir();
    const rec = {
      ...recordHeader({ target_id: 0 }),
      snapshots: [0, 1, 2, 3, 4].map((i) => ({
        start_time: i * 100,
        end_time: i * 100 + 100,
        regions: [region(0, 4096 * (i + 1), i % 2)],
      })),
    };
    const path = join(dir, 'w.json');
    writeRecordsFile(path, [rec], 'json');
    // windows of ≥ 0.2 µs: [s0,s1], [s2,s3]; s4 is dropped
    const lists = await computeWss(path, {
      ...WSS_DEFAULTS,
      excludeSamples: 0,
      workTimeUs: 0.2,
      sortBy: 'time',
    });
    // [s0,s1]: s0's region [0,4096) samples 0, then + max samples of s1 intersecting (1); s1's right piece [4096, 8192) samples 1
    expect(lists.get('0')).toEqual([8192, 16384]);
  });

  it('prints "# no snapshot" for an empty list', () => {
    const { sink, text } = stringSink();
    formatWss(new Map([['0', []]]), WSS_DEFAULTS, sink);
    expect(text()).toBe('# target_id\t0\n# <percentile> <wss>\n# no snapshot\n');
  });
});

describe('report nr_regions (§5)', () => {
  it('skips 20 snapshots per record and prints avr and percentiles', async () => {
    const dir = tmpDir();
    const rec = {
      ...recordHeader({ target_id: 3 }),
      snapshots: Array.from({ length: 24 }, (_, i) => ({
        start_time: i,
        end_time: i + 1,
        regions: Array.from({ length: i < 20 ? 1 : i - 17 }, (_, k) => region(k * 4096, k * 4096 + 4096, 1)),
      })),
    };
    const path = join(dir, 'n.json');
    writeRecordsFile(path, [rec], 'json');
    const { sink, text } = stringSink();
    await reportNrRegions(path, [0, 50, 100], false, sink);
    // counts after the skip: 3, 4, 5, 6 → avr %d(4.5) = 4
    expect(text()).toBe('# <percentile> <# regions>\n# target_id\t3\n# avr:\t4\n0\t3\n50\t5\n100\t6\n');
  });
});
