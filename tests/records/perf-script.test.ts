import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PerfScriptParser } from '../../src/records/perf-script.js';
import { readRecords } from '../../src/records/reader.js';
import { recordsToBytes } from '../../src/records/write-file.js';
import { recordHeader } from '../../src/records/types.js';
import { region, tmpDir } from './helpers.js';

const line = (ts: string, tid: number, n: number, s: number, e: number, nr: number, age?: number): string =>
  `kdamond.0 4242 [001] ${ts}: damon:damon_aggregated: target_id=${tid} nr_regions=${n} ${s}-${e}: ${nr}${age === undefined ? '' : ' ' + age}`;

function parse(lines: string[]) {
  const p = new PerfScriptParser('t.perf');
  for (const l of lines) p.line(l);
  return p.finish();
}

describe('perf_script reader (damo-report-math §1.3)', () => {
  it('groups lines into snapshots by nr_regions; end = the first line time, start = previous end', () => {
    const recs = parse([
      line('1.000000', 7, 2, 0, 4096, 3, 0),
      line('1.000001', 7, 2, 4096, 8192, 0, 5),
      line('1.100000', 7, 2, 0, 4096, 1, 1),
      line('1.100000', 7, 2, 4096, 8192, 2, 0),
      line('1.200000', 7, 1, 0, 8192, 4, 0),
    ]);
    expect(recs).toHaveLength(1);
    const s = recs[0]!.snapshots;
    expect(s.map((x) => x.end_time)).toEqual([1000000000, 1100000000, 1200000000]);
    expect(s[1]!.start_time).toBe(1000000000);
    // first start = first end - (last end - first end)/(n-1)
    expect(s[0]!.start_time).toBe(1000000000 - 200000000 / 2);
    expect(s[0]!.start_is_float).toBe(true);
    expect(s.map((x) => x.total_bytes)).toEqual([8192, 8192, 8192]);
    expect(recs[0]!.intervals).toBeNull();
  });
  it('uses the trace-cmd field rule and reads damos_before_apply lines', () => {
    const recs = parse([
      'kdamond.0-4242 [001] 5.000000: damos_before_apply: ctx_idx=0 scheme_idx=0 target_idx=3 nr_regions=1 0-4096: 2 9',
      'kdamond.0-4242 [001] 6.000000: damos_before_apply: ctx_idx=0 scheme_idx=0 target_idx=3 nr_regions=1 0-4096: 4 0',
      'kdamond.0 4242 [001] 6.5: damon_monitor_intervals_tune: sample_us=5000',
    ]);
    expect(recs[0]!.target_id).toBe(3);
    expect(
      recs[0]!.snapshots.map((s) => [s.regions[0]!.nr_accesses.samples, s.regions[0]!.age.aggr_intervals]),
    ).toEqual([
      [2, 9],
      [4, 0],
    ]);
  });
  it('drops the fake snapshot, and stops the first-start pass at a record with fewer than 2 snapshots', () => {
    const recs = parse([
      line('1.000000', 1, 1, 0, 4096, 3, 0),
      line('1.100000', 1, 1, 0, 0, -1, -1),
      line('1.100000', 2, 1, 0, 4096, 3, 0),
      line('1.200000', 3, 1, 0, 4096, 3, 0),
      line('1.300000', 3, 1, 0, 4096, 3, 0),
    ]);
    expect(recs[0]!.snapshots).toHaveLength(1);
    expect(recs[0]!.snapshots[0]!.start_time).toBe(900000000);
    expect(recs[1]!.snapshots[0]!.start_time).toBeNull();
    // record 3 is after the `break`: its first start stays None
    expect(recs[2]!.snapshots[0]!.start_time).toBeNull();
  });
  it('writes the fake snapshot for single-snapshot records and reads it back away', async () => {
    const rec = {
      ...recordHeader({ target_id: 5 }),
      snapshots: [{ start_time: 1e9, end_time: 1.1e9, regions: [region(0, 4096, 2, 1)] }],
    };
    const text = recordsToBytes([rec], 'perf_script').toString();
    expect(text).toBe(
      'kdamond.x xxxx xxxx 1.100000: damon:damon_aggregated: target_id=5 nr_regions=1 0-4096: 2 1\n' +
        'kdamond.x xxxx xxxx 1.200000: damon:damon_aggregated: target_id=5 nr_regions=1 0-0: -1 -1\n',
    );
    const p = join(tmpDir(), 'one.perf');
    writeFileSync(p, text);
    const back = await readRecords(p);
    expect(back[0]!.snapshots).toHaveLength(1);
    expect(back[0]!.snapshots[0]!.start_time).toBe(1e9);
  });
  it('parses what the writer writes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(
            fc.tuple(
              fc.integer({ min: 1, max: 64 }),
              fc.integer({ min: 0, max: 50 }),
              fc.integer({ min: 0, max: 99 }),
            ),
            { minLength: 1, maxLength: 6 },
          ),
          {
            minLength: 2,
            maxLength: 6,
          },
        ),
        (snaps) => {
          const rec = {
            ...recordHeader({ target_id: 9 }),
            snapshots: snaps.map((rs, i) => {
              let a = 0;
              return {
                start_time: i * 1e8,
                end_time: (i + 1) * 1e8,
                regions: rs.map(([pages, nr, age]) => region(a * 4096, (a += pages) * 4096, nr, age)),
              };
            }),
          };
          const p = new PerfScriptParser('p');
          for (const l of recordsToBytes([rec], 'perf_script').toString().split('\n')) p.line(l);
          const back = p.finish()[0]!;
          expect(
            back.snapshots.map((s) =>
              s.regions.map((r) => [r.start, r.end, r.nr_accesses.samples, r.age.aggr_intervals]),
            ),
          ).toEqual(
            rec.snapshots.map((s) =>
              s.regions.map((r) => [r.start, r.end, r.nr_accesses.samples, r.age.aggr_intervals]),
            ),
          );
          expect(back.snapshots.map((s) => s.end_time)).toEqual(rec.snapshots.map((s) => s.end_time));
        },
      ),
      { seed: 11, numRuns: 100 },
    );
  });
});
