import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/reader.js';
import { recordHeader } from '../../src/records/types.js';
import { writeRecordsFile } from '../../src/records/write-file.js';
import {
  ACCESS_DEFAULTS,
  formatAccess,
  MissingIntervalsError,
  temperature,
} from '../../src/reports/access.js';
import { fillAccessUnits } from '../../src/reports/access-filter.js';
import { adjustRecords, mergeSnapshots } from '../../src/reports/adjust.js';
import { stringSink } from '../../src/reports/output.js';
import { reportRawForm } from '../../src/reports/raw-form.js';
import { region, tmpDir } from '../records/helpers.js';

const IV = { sample_us: 5000, aggr_us: 100000, ops_update_us: 1000000 };

describe('report access --raw_form (§2)', () => {
  it('prints damo raw form with the pager newline rule', async () => {
    const dir = tmpDir();
    const rec = {
      ...recordHeader({ target_id: 42, data_source: 'sim page_table' }),
      snapshots: [
        {
          start_time: 539809434100,
          end_time: 539913424943,
          regions: [
            region(0x7f9381923000, 0x7f938db29000, 6, null),
            region(0x7f938db29000, 0x7f938db2a000, 0, 3),
          ],
        },
      ],
    };
    const path = join(dir, 'r.json');
    writeRecordsFile(path, [rec], 'json');
    const { sink, text } = stringSink();
    await reportRawForm(path, false, sink);
    expect(text()).toBe(
      [
        'base_time_absolute: 8 m 59.809 s',
        'data source: sim page_table',
        '',
        'monitoring_start:    ' + ' '.repeat(12) + '0 ns',
        'monitoring_end:      ' + ' '.repeat(6) + '103.991 ms',
        'monitoring_duration: ' + ' '.repeat(6) + '103.991 ms',
        'target_id: 42',
        'nr_regions: 2',
        '# start_addr     end_addr        length  nr_accesses   age',
        '7f9381923000-7f938db29000 ( 194.023 MiB)           6    -1',
        '7f938db29000-7f938db2a000 (   4.000 KiB)           0     3',
        '',
        '',
      ].join('\n') + '\n',
    );
    const raw = stringSink();
    await reportRawForm(path, true, raw.sink);
    expect(raw.text()).toContain('base_time_absolute: 539809434100\n');
    expect(raw.text()).toContain('7f9381923000-7f938db29000 (   203448320)           6    -1\n');
  });

  it('drops the final newline above 50 lines, as damo through less', async () => {
    const dir = tmpDir();
    for (const [n, tail] of [
      [5, '\n\n\n'],
      [6, '\n\n'],
    ] as const) {
      const rec = {
        ...recordHeader({ target_id: 1 }),
        snapshots: Array.from({ length: n }, (_, i) => ({
          start_time: i * 10,
          end_time: i * 10 + 10,
          regions: [region(0, 4096, i), region(4096, 8192, 1)],
        })),
      };
      const path = join(dir, `p${n}.json`);
      writeRecordsFile(path, [rec], 'json');
      const { sink, text } = stringSink();
      await reportRawForm(path, true, sink);
      const t = text();
      // 3 head lines, 9 per snapshot, 1 final empty element; > 50 newlines loses the trailing one
      expect(t.split('\n').length - 1).toBe(3 + n * 9 + (n === 5 ? 1 : 0));
      expect(t.endsWith('(        4096)           1     0' + tail)).toBe(true);
    }
  });
});

describe('adjust (§3, §6)', () => {
  it('merges windows: boundaries frozen at first sight, max samples of intersecting regions added', () => {
    const m = mergeSnapshots([
      { start_time: 0, end_time: 10, regions: [region(0, 100, 2, 5), region(100, 200, 1, 6)] },
      { start_time: 10, end_time: 20, regions: [region(50, 150, 4, 0), region(150, 300, 3, 1)] },
    ]);
    expect(m.regions.map((r) => [r.start, r.end, r.nr_accesses.samples, r.age.aggr_intervals])).toEqual([
      [0, 100, 2 + 4, 5],
      [100, 200, 1 + 4, 6],
      [200, 300, 3, 1],
    ]);
    expect([m.start_time, m.end_time, m.total_bytes]).toEqual([0, 20, 300]);
  });

  it('fills percent/usec, re-aggregates and writes damo JSON layout', async () => {
    const dir = tmpDir();
    const rec = {
      ...recordHeader({ target_id: 1, intervals: IV }),
      snapshots: Array.from({ length: 6 }, (_, i) => ({
        start_time: i * 1e8,
        end_time: (i + 1) * 1e8,
        regions: [region(0x1000, 0x3000, i, 1)],
      })),
    };
    fillAccessUnits([rec]);
    expect(rec.snapshots[2]!.regions[0]!.nr_accesses.percent).toBe(10);
    expect(rec.snapshots[2]!.regions[0]!.age.usec).toBe(100000);
    const adj = adjustRecords([rec], 200000, 1);
    expect(adj[0]!.intervals!.aggr_us).toBe(200000);
    expect(
      adj[0]!.snapshots.map((s) => [s.start_time, s.end_time, s.regions[0]!.nr_accesses.samples]),
    ).toEqual([
      [1e8, 3e8, 1 + 2],
      [3e8, 5e8, 3 + 4],
    ]);
    const out = join(dir, 'adj.data');
    writeRecordsFile(out, adj, 'json_compressed');
    const json = inflateSync(readFileSync(out)).toString();
    expect(json).toContain(
      [
        '        "snapshots": [',
        '            {',
        '                "start_time": "100000000",',
        '                "end_time": "300000000",',
        '                "regions": [',
        '                    {',
        '                        "start": "4,096",',
        '                        "end": "12,288",',
        '                        "nr_accesses": {',
        '                            "samples": 3,',
        '                            "percent": 5',
        '                        },',
        '                        "age": {',
        '                            "usec": "100 ms",',
        '                            "aggr_intervals": "1"',
        '                        },',
        '                        "probe_hits": [],',
        '                        "sz_filter_passed": "0 B"',
        '                    }',
        '                ],',
        '                "total_bytes": "8192",',
      ].join('\n'),
    );
    expect(
      json.startsWith(
        '[\n    {\n        "kdamond_idx": null,\n        "context_idx": null,\n        "intervals": {\n            "sample_us": "5000",',
      ),
    ).toBe(true);
    expect(json).toContain('"access_bp": "0.000000"');
    const back = await readRecords(out);
    expect(back[0]!.snapshots[1]!.regions[0]!.age.usec).toBe(100000);
    expect(back[0]!.snapshots[1]!.start_time).toBe(3e8);
  });
});

describe('report access styles', () => {
  it('needs intervals, as damo', async () => {
    const rec = { ...recordHeader({ target_id: 1 }), snapshots: [] };
    expect(() => formatAccess([rec], ACCESS_DEFAULTS)).toThrow(MissingIntervalsError);
  });

  it('prints the detailed style with hz, ages, bandwidth and total size', () => {
    const rec = {
      ...recordHeader({ target_id: 1, intervals: IV }),
      snapshots: [
        {
          start_time: 0,
          end_time: 1e8,
          regions: [region(0x100000, 0x200000, 5, 0), region(0x200000, 0x201000, 0, 30)],
        },
      ],
    };
    fillAccessUnits([rec]);
    expect(temperature(rec.snapshots[0]!.regions[1]!, [0, 100, 100])).toBe(-300000000);
    const opts = { ...ACCESS_DEFAULTS, format: { ...ACCESS_DEFAULTS.format, color: false } };
    const t = formatAccess([rec], opts).split('\n');
    // the last column is a partial one, as in damo (column size 1.004 MiB / 80 leaves a remainder)
    expect(t[0]).toBe('heatmap: ' + '9'.repeat(79) + '08');
    expect(t[2]).toBe('intervals: sample 5 ms aggr 100 ms (max access hz 200)');
    expect(t[3]).toBe('0   addr 1024.000 KiB size 1024.000 KiB access 50 hz  age ' + '0 ns'.padEnd(13));
    expect(t[4]).toBe('1   addr 2.000 MiB    size 4.000 KiB   access 0 hz   age ' + '3 s'.padEnd(13));
    expect(t[5]).toBe('memory bw estimate: 50.000 MiB per second');
    expect(t[6]).toBe('total size: 1.004 MiB');
    expect(t[7]).toBe('record DAMON intervals: sample 5 ms, aggr 100 ms');
    const pct = formatAccess([rec], {
      ...opts,
      style: 'temperature-percentiles',
      format: { ...opts.format, percentilesRange: [0, 101, 100] },
    }).split('\n');
    expect(pct.slice(0, 4)).toEqual([
      '# total temperature percentiles',
      '<percentile> <temperature (weights: [0, 100, 100])>',
      '  0  -300,000,000  |                    |',
      '100         2,500  |********************|',
    ]);
  });

  it('breaks regions down by write from damon_ts', () => {
    const r = region(0x1000, 0x2000, 10, 0);
    r.damon_ts = { writes: 4, cpus: { '1': 10 }, tids: { '7': 6, '8': 4 } };
    const rec = {
      ...recordHeader({ target_id: 1, intervals: IV }),
      snapshots: [{ start_time: 0, end_time: 1e8, regions: [r] }],
    };
    fillAccessUnits([rec]);
    const t = formatAccess([rec], { ...ACCESS_DEFAULTS, by: 'write' }).replace(/ +\n/g, '\n');
    expect(t).toContain(
      '# by read: working set 2.400 KiB\n0   addr 4.000 KiB    size 4.000 KiB   access 60 hz  age 0 ns\n# by write: working set 1.600 KiB\n0   addr 4.000 KiB    size 4.000 KiB   access 40 hz  age 0 ns',
    );
    // A region two threads hit is theirs in proportion to their samples (6 and 4 of 10).
    const byThread = formatAccess([rec], { ...ACCESS_DEFAULTS, by: 'thread' }).replace(/ +\n/g, '\n');
    expect(byThread).toContain(
      '# by thread 7: working set 2.400 KiB\n0   addr 4.000 KiB    size 4.000 KiB   access 60 hz',
    );
    expect(byThread).toContain(
      '# by thread 8: working set 1.600 KiB\n0   addr 4.000 KiB    size 4.000 KiB   access 40 hz',
    );
  });
});
