/**
 * `damon-ts record` on the simulated machine writes damo's <out>.mem_footprint beside the record,
 * and `damon-ts report footprints` prints what damo 3.3 prints on it, byte for byte.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMemFootprints } from '../../src/records/mem-footprint.js';
import { footprintValues } from '../../src/reports/footprints.js';
import { damo, damoAbsent, dts } from './damo-golden.js';

const dir = mkdtempSync(join(tmpdir(), 'damon-ts-footprints-'));
const rec = join(dir, 'z.data');
const fp = `${rec}.mem_footprint`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  const r = dts(['record', '--workload', 'zigzag', '--timeout', '8', '-o', rec]);
  expect(r.code, r.stderr).toBe(0);
}, 300_000);

describe('footprints of a simulated zigzag record', () => {
  it('samples once a virtual second: vsz constant, rss growing to at most vsz, sys_used covering rss', () => {
    const snaps = readMemFootprints(fp);
    expect(snaps.map((s) => s.time)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const vsz = footprintValues(snaps, 'vsz', false);
    const rss = footprintValues(snaps, 'rss', false);
    const used = footprintValues(snaps, 'sys_used', false);
    expect(new Set(vsz).size).toBe(1);
    expect(rss[0]).toBe(0);
    expect(rss[rss.length - 1]).toBeGreaterThan(0);
    rss.forEach((r, i) => {
      expect(r).toBeLessThanOrEqual(vsz[i]!);
      expect(used[i]).toBeGreaterThanOrEqual(r);
      if (i > 0) expect(r).toBeGreaterThanOrEqual(rss[i - 1]!);
    });
  });

  it('--do_record access leaves the footprints out; unknown kinds are refused by name', () => {
    const only = join(dir, 'a.data');
    expect(
      dts(['record', '--workload', 'zigzag', '--timeout', '1', '-o', only, '--do_record', 'access']).code,
    ).toBe(0);
    expect(existsSync(only)).toBe(true);
    expect(existsSync(`${only}.mem_footprint`)).toBe(false);
    const bad = dts([
      'record',
      '--workload',
      'zigzag',
      '--timeout',
      '1',
      '-o',
      only,
      '--do_record',
      'access',
      'cpu_profile',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--do_record cpu_profile');
  });

  it('a missing footprint file is named', () => {
    const r = dts(['report', 'footprints', '-i', join(dir, 'none.mem_footprint')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('none.mem_footprint: cannot read (ENOENT)');
  });

  const why = damoAbsent();
  if (why) console.log(`skipping the comparison with damo: ${why}`);
  it
    .skipIf(why !== null)
    .each([
      [[]],
      [['rss', '-s', 'time']],
      [['vsz', '--raw_number']],
      [['all', '-r', '0', '101', '10', '--nr_cols_bar', '20']],
      [['sys_used', '--all_footprint']],
    ])('report footprints %j = damo', (args: string[]) => {
    const want = damo(['report', 'footprints', '-i', fp, ...args]);
    const got = dts(['report', 'footprints', '-i', fp, ...args]);
    expect(want.code).toBe(0);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toBe(want.stdout);
    expect(got.stdout).toMatch(/MiB|\d{6}/);
  });
});
