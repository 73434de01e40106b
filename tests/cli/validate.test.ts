/**
 * `validate --allow_error` as damo means it: a percent of each record's snapshots, for out-of-range
 * durations and region counts only (each kind counted on its own); everything else fails at once.
 * Every case is also given to damo's own validate when python3 and damo are there, and must agree.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { damoSrc } from '../damo.js';
import { ensureBuilt, root, run } from '../cli-helpers.js';
import { tmpDir } from '../records/helpers.js';
import { writeSynthetic } from '../records/synthetic.js';

interface JSnap {
  start_time: number;
  end_time: number;
  regions: { nr_accesses: { samples: number } }[];
}

describe('validate --allow_error (percent of snapshots, durations and region counts)', () => {
  const dir = tmpDir();
  let base: { snapshots: JSnap[] }[] = [];
  const cases: { name: string; file: string; args: string[]; valid: boolean }[] = [];

  beforeAll(() => {
    ensureBuilt();
    // 100 snapshots of 100 ms and 20 regions: 2 % allows 2 snapshots of each kind
    const p = writeSynthetic(join(dir, 'base.json'), 'json', { seed: 3, snapshots: 100, regions: 20 });
    base = JSON.parse(readFileSync(p, 'utf8')) as typeof base;
    const add = (name: string, valid: boolean, f: (s: JSnap[]) => void, args: string[] = []): void => {
      const recs = JSON.parse(JSON.stringify(base)) as typeof base;
      f(recs[0]!.snapshots);
      const file = join(dir, `${cases.length}.data`);
      // compressed, so that damo reads it too (it reads plain JSON only when `file` calls it "JSON data")
      writeFileSync(file, deflateSync(JSON.stringify(recs)));
      cases.push({ name, file, args, valid });
    };
    const long = (s: JSnap[], ...is: number[]): void => is.forEach((i) => (s[i]!.start_time -= 1e9));
    const few = (s: JSnap[], ...is: number[]): void => is.forEach((i) => s[i]!.regions.splice(2));
    add('intact', true, () => {});
    add('2 long snapshots', true, (s) => long(s, 10, 50));
    add('3 long snapshots', false, (s) => long(s, 10, 50, 90));
    add('2 long and 2 with 2 regions (counted apart)', true, (s) => (long(s, 10, 50), few(s, 20, 60)));
    add('3 with 2 regions', false, (s) => few(s, 20, 60, 70));
    add('3 long, --allow_error 3', true, (s) => long(s, 10, 50, 90), ['--allow_error', '3']);
    add('1 long, --allow_error 0', false, (s) => long(s, 10), ['--allow_error', '0']);
    add('1 long, --allow_error 0.5 (0.5 snapshots: the first passes)', true, (s) => long(s, 10), [
      '--allow_error',
      '0.5',
    ]);
    add('one nr_accesses 25 (never tolerated)', false, (s) => (s[5]!.regions[3]!.nr_accesses.samples = 25));
    add('nr_accesses 25 with --nr_accesses 0 30', true, (s) => (s[5]!.regions[3]!.nr_accesses.samples = 25), [
      '--nr_accesses',
      '0',
      '30',
    ]);
  });

  it('tolerates what damo tolerates and no more', () => {
    const got = cases.map((c) => {
      const r = run(['validate', '-i', c.file, ...c.args]);
      if (!c.valid) expect(r.stderr, c.name).toMatch(/^damon-ts: invalid: .*\.data: record 0 /);
      return { name: c.name, valid: r.code === 0 };
    });
    expect(got).toEqual(cases.map((c) => ({ name: c.name, valid: c.valid })));
    const tolerated = run(['validate', '-i', cases[1]!.file]);
    expect(tolerated.stdout).toContain(
      'tolerated: record 0 snapshot 10: duration 1100000 us is out of [75000, 125000]',
    );
    expect(tolerated.stdout).toContain('tolerated: record 0 snapshot 50: duration 1100000 us');
  });

  it('agrees with damo validate on each case', (ctx) => {
    if (spawnSync('python3', ['--version']).status !== 0 || !damoSrc) {
      console.log(`skipped: ${damoSrc ? 'python3 is absent' : 'damo is not in ../shared/reference/damo'}`);
      ctx.skip();
      return;
    }
    // damo's own --allow_error comes in as a string and fails (str * float): its default, 2, is the one
    // damo can apply, so only the cases without options are compared
    const plain = cases.filter((c) => c.args.length === 0);
    const d = spawnSync(
      'python3',
      [join(root, 'tests', 'records', 'fixtures', 'damo-validate.py'), damoSrc, ...plain.map((c) => c.file)],
      { encoding: 'utf8' },
    );
    expect(d.status, d.stderr).toBe(0);
    const damo = d.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { code: number });
    expect(damo.map((r, i) => ({ name: plain[i]!.name, valid: r.code === 0 }))).toEqual(
      plain.map((c) => ({ name: c.name, valid: c.valid })),
    );
  });
});
