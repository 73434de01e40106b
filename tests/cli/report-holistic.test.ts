/**
 * `damon-ts report holistic` against damo 3.3 on records damon-ts makes: a json_compressed record
 * (kdamond and context named: damo draws the axes of its maps only) and a perf_script one of more
 * than 200 snapshots (unnamed: pixels drawn; the distributions thinned), with the footprints record
 * writes and a perf profile of a short command.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { damo, damoAbsent, dts } from './damo-golden.js';

const dir = mkdtempSync(join(tmpdir(), 'damon-ts-holistic-'));
const named = join(dir, 'z.data');
const unnamed = join(dir, 'p.data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function perfProfile(out: string): string | null {
  const r = spawnSync('perf', ['record', '-q', '-o', out, '--', 'sleep', '0.05'], { encoding: 'utf8' });
  if (r.error) return 'perf is not installed';
  return r.status === 0 ? null : `perf record failed: ${r.stderr.trim()}`;
}

let noProfile: string | null = null;
beforeAll(() => {
  for (const [out, extra] of [
    [named, ['--timeout', '8']],
    [unnamed, ['--timeout', '22', '--output_type', 'perf_script']],
  ] as const) {
    const r = dts(['record', '--workload', 'zigzag', ...extra, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
  }
  noProfile = perfProfile(`${named}.profile`);
  if (noProfile === null) copyFileSync(`${named}.profile`, `${unnamed}.profile`);
}, 600_000);

/** perf report prints a random tip line: left out of both. */
const noTips = (s: string): string =>
  s
    .split('\n')
    .filter((l) => !l.startsWith('# (Tip:'))
    .join('\n');

describe('report holistic', () => {
  it('names a missing footprints file', () => {
    const r = dts(['report', 'holistic', '--access_pattern', named, '--footprints', join(dir, 'no.fp')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no.fp: cannot read (ENOENT)');
  });

  const why = damoAbsent() ?? noProfile;
  if (why) console.log(`skipping the comparison with damo: ${why}`);
  it.skipIf(why !== null).each([
    ['named', []],
    ['named', ['--long']],
    ['named', ['--heatmap_time_last_n_sec', '2']],
    ['unnamed', []],
    ['unnamed', ['--long']],
  ])('%s record, %j = damo', (which: string, args: string[]) => {
    const rec = which === 'named' ? named : unnamed;
    const want = damo(['report', 'holistic', '--access_pattern', rec, ...args]);
    const got = dts(['report', 'holistic', '--access_pattern', rec, ...args]);
    expect(want.code).toBe(0);
    expect(got.code, got.stderr).toBe(0);
    expect(noTips(got.stdout)).toBe(noTips(want.stdout));
    expect(got.stdout).toContain('sys_used');
    // pixels (coloured digits) only for the unnamed record
    expect(got.stdout.includes('\x1b[48;5;')).toBe(which === 'unnamed');
  });
});
