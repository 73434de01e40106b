/**
 * `damon-ts record --replay FILE`: a record of the simulated phase-change workload, replayed on the
 * simulated machine and recorded again, gives back the original's working set and hot memory; a
 * record that cannot be replayed is refused naming the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/reader.js';
import type { DamonRecord, Snapshot } from '../../src/records/types.js';
import { snapshotWss } from '../../src/reports/wss.js';
import { damo, damoAbsent, dts } from './damo-golden.js';

const dir = mkdtempSync(join(tmpdir(), 'damon-ts-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const orig = join(dir, 'orig.data');
const replayed = join(dir, 'replayed.data');
let a: DamonRecord;
let b: DamonRecord;

beforeAll(async () => {
  // 5 s of an 8 MiB sequential hot set, then 1 s of a 256 MiB random one.
  let r = dts(['record', '--workload', 'phase-change', '--timeout', '6', '-o', orig]);
  expect(r.code, r.stderr).toBe(0);
  r = dts(['record', '--replay', orig, '-o', replayed]);
  expect(r.code, r.stderr).toBe(0);
  a = (await readRecords(orig))[0]!;
  b = (await readRecords(replayed))[0]!;
}, 300_000);

/** Bytes of the regions accessed at least once, as sorted [start, end) ranges. */
function hotRanges(s: Snapshot): [number, number][] {
  return s.regions.filter((r) => r.nr_accesses.samples > 0).map((r) => [r.start, r.end]);
}

function overlap(x: [number, number][], y: [number, number][]): number {
  let n = 0;
  for (const [s1, e1] of x) for (const [s2, e2] of y) n += Math.max(0, Math.min(e1, e2) - Math.max(s1, s2));
  return n;
}

const MiB = 1024 * 1024;

describe('record --replay on the simulated machine', () => {
  it('is monitored with the original intervals, snapshot for snapshot', () => {
    expect(b.intervals).toEqual(a.intervals);
    expect(b.snapshots.length).toBe(a.snapshots.length);
  });

  it('reproduces the working set of every phase within 5 %', () => {
    const wss = (s: Snapshot) => snapshotWss(s, 1, 1);
    // Skip the first second: DAMON's regions are still splitting towards the pattern.
    for (const [from, to, expectMiB] of [
      [10, 50, 8],
      [52, 60, 256],
    ] as const) {
      const avg = (r: DamonRecord) =>
        r.snapshots.slice(from, to).reduce((n, s) => n + wss(s), 0) / (to - from);
      expect(avg(a) / MiB).toBeGreaterThan(expectMiB * 0.95);
      expect(avg(a) / MiB).toBeLessThan(expectMiB * 1.1);
      expect(Math.abs(avg(b) - avg(a)) / avg(a)).toBeLessThan(0.05);
    }
  });

  it('finds the hot memory at the original addresses', () => {
    let agree = 0;
    const n = a.snapshots.length - 10;
    for (let i = 10; i < a.snapshots.length; i++) {
      const x = hotRanges(a.snapshots[i]!);
      const y = hotRanges(b.snapshots[i]!);
      const bx = overlap(x, x);
      const by = overlap(y, y);
      // Jaccard index of the hot bytes.
      if (overlap(x, y) / (bx + by - overlap(x, y)) >= 0.9) agree++;
    }
    expect(agree / n).toBeGreaterThanOrEqual(0.9);
  });

  const why = damoAbsent();
  it.skipIf(why !== null)("replay takes damo's options", () => {
    const d = damo(['replay', '--help']);
    const ours = dts(['replay', '--help']);
    expect(ours.code).toBe(0);
    const options = [...d.stdout.matchAll(/^\s+(--\w+)/gm)].map((m) => m[1]!);
    expect(options.length).toBeGreaterThan(3);
    for (const opt of options) expect(ours.stdout, opt).toContain(opt);
  });

  it('refuses a record without intervals, and a missing file, naming them', () => {
    const trace = join(dir, 'trace.json');
    writeFileSync(
      trace,
      JSON.stringify([
        {
          kdamond_idx: null,
          context_idx: null,
          intervals: null,
          scheme_idx: null,
          target_id: 0,
          snapshots: [{ start_time: 0, end_time: 1000, regions: [] }],
        },
      ]),
    );
    let r = dts(['record', '--replay', trace, '-o', join(dir, 'x.data')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${trace}: the record has no monitoring intervals`);
    r = dts(['replay', join(dir, 'none.data')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('none.data: record file not found');
    r = dts(['record', '--replay', orig, '--workload', 'stairs']);
    expect(r.code).toBe(2);
  });
});
