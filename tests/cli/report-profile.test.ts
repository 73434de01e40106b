/**
 * `damon-ts report profile` against damo 3.3 on a simulated stairs record: the perf report command
 * it runs (seen through a stand-in perf that prints its arguments) and, where perf is installed, the
 * report of a real profile.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { damo, damoAbsent, dts } from './damo-golden.js';

const dir = mkdtempSync(join(tmpdir(), 'damon-ts-profile-'));
const rec = join(dir, 's.data');
const fakePerf = join(dir, 'perf-args');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  const r = dts(['record', '--workload', 'stairs', '--timeout', '16', '-o', rec]);
  expect(r.code, r.stderr).toBe(0);
  writeFileSync(fakePerf, '#!/bin/sh\necho "$@"\n');
  chmodSync(fakePerf, 0o755);
}, 300_000);

describe('report profile', () => {
  it('passes perf the times of the access pattern, as damo', () => {
    const r = dts([
      'report',
      'profile',
      '--inputs',
      rec,
      'p.data',
      '--perf_path',
      fakePerf,
      '--age',
      '0',
      '2s',
      '--access_rate',
      '1',
      'max',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('report -i p.data --time 0.0,2.1 --time 10.0,11.8 --time 15.0,16.0\n');
  });

  it('says so when no snapshot has the pattern, and when perf is missing', () => {
    const none = dts([
      'report',
      'profile',
      '--inputs',
      rec,
      'p.data',
      '--perf_path',
      fakePerf,
      '--sz_region',
      '1T',
      'max',
    ]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no snapshot of the condition found');
    const noPerf = dts(['report', 'profile', '--inputs', rec, 'p.data', '--perf_path', join(dir, 'no-perf')]);
    expect(noPerf.code).toBe(1);
    expect(noPerf.stderr).toContain('perf not found at');
  });

  const why = damoAbsent();
  if (why) console.log(`skipping the comparison with damo: ${why}`);
  it
    .skipIf(why !== null)
    .each([
      [[]],
      [['--access_rate', '5', '100', '--sz_region', '0', '4M']],
      [['--snapshot_time', '3s', '9s', '--snapshot_idx', '10', '40']],
    ])('%j: the perf command = damo', (args: string[]) => {
    const want = damo(['report', 'profile', '--inputs', rec, 'p.data', '--perf_path', fakePerf, ...args]);
    const got = dts(['report', 'profile', '--inputs', rec, 'p.data', '--perf_path', fakePerf, ...args]);
    expect(want.code).toBe(0);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toBe(want.stdout);
    expect(got.stdout).toMatch(/--time \d/);
  });

  const perf = spawnSync('perf', ['record', '-q', '-o', join(dir, 'real.profile'), '--', 'sleep', '0.05']);
  const noPerf =
    why ?? (perf.error ? 'perf is not installed' : perf.status !== 0 ? 'perf record failed' : null);
  it.skipIf(noPerf !== null)('perf report of a real profile = damo', () => {
    const args = ['report', 'profile', '--inputs', rec, join(dir, 'real.profile')];
    const tips = (s: string): string => s.replace(/^# \(Tip:.*\n/m, '');
    const want = damo(args);
    const got = dts(args);
    expect(got.code).toBe(want.code);
    expect(tips(got.stdout)).toBe(tips(want.stdout));
  });
});
