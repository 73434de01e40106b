/**
 * Write sharing of a real multi-threaded C program through the CLI, as a user runs it:
 * `damon-ts record --sample_primitives page_fault --exp_ops_write_only y -n 200 -m 400 -- ./wo-pairs 8`
 * then `damon-ts report sharing --json`. The program (tests/live/fixtures/wo-pairs.c) runs two pairs
 * of threads, each pair writing one shared buffer (16 MiB and 8 MiB) and each thread 4 MiB of its
 * own; it prints every thread's id and its shared buffer's range. The report must group exactly the
 * threads that share a buffer, and estimate each group's shared memory (what `group N: ... shared X`
 * prints) within 25 % of the buffer's size. The live write-only source attributes a region's sample
 * to the first writer of its sampling page, so the breakdown sees both writers of a shared buffer
 * because their order varies, and it resolves buffers only as finely as the regions: a minimum of
 * 200 regions keeps them small, and the program leaves unwritten gaps between its buffers (each thread
 * writes all its buffers at the same rate, so DAMON would merge adjacent ones into regions that all
 * four threads write).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, ensureBuilt, root } from '../cli-helpers.js';
import { scaled } from '../time-scale.js';
import { fixtureBinary, helperLibrary, skipReason } from './kernel-features.js';

const skip = skipReason('write sharing CLI test', ['root', 'tracefs', 'cc', 'userfaultfd']) !== null;
let dir = '';

beforeAll(() => {
  if (skip) return;
  ensureBuilt();
  helperLibrary();
  dir = mkdtempSync(join(tmpdir(), 'damon-ts-sharing-cli-'));
}, 120_000);

afterAll(() => {
  if (dir && !process.env.DAMON_TS_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: scaled(120_000),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(skip)('report sharing of a live write-only record', () => {
  it(
    'groups the two threads of each pair, and estimates what each pair shares within 25 % of its buffer',
    () => {
      const file = join(dir, 'pairs.data');
      const rec = cli([
        'record',
        '--sample_primitives',
        'page_fault',
        '--exp_ops_write_only',
        'y',
        '-n',
        '200',
        '-m',
        '400',
        '-o',
        file,
        '--',
        fixtureBinary('wo-pairs'),
        '8',
      ]);
      expect(rec.code, rec.stderr).toBe(0);
      // "<name> <tid> <shared start> <shared end>"
      const tid = new Map(
        rec.stdout
          .split('\n')
          .map((l) => l.split(' '))
          .filter((l) => l.length === 4)
          .map((l) => [l[0]!, Number(l[1])]),
      );
      expect([...tid.keys()].sort()).toEqual(['a1', 'a2', 'b1', 'b2']);
      // the size of each thread's shared buffer, from the range it printed
      const buffer = new Map(
        rec.stdout
          .split('\n')
          .map((l) => l.split(' '))
          .filter((l) => l.length === 4)
          .map((l) => [l[0]!, parseInt(l[3]!, 16) - parseInt(l[2]!, 16)]),
      );
      const r = cli(['report', 'sharing', '-i', file, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as {
        source: string;
        slices: { id: number }[];
        shared_bytes: number[][];
        groups: { threads: number[]; shared_bytes: number }[];
      };
      expect(j.source).toBe('breakdown');
      const sorted = (g: number[]) => [...g].sort((x, y) => x - y);
      expect(j.groups.map((g) => sorted(g.threads)).sort((x, y) => x[0]! - y[0]!)).toEqual(
        [sorted([tid.get('a1')!, tid.get('a2')!]), sorted([tid.get('b1')!, tid.get('b2')!])].sort(
          (x, y) => x[0]! - y[0]!,
        ),
      );
      const at = (a: string, b: string) => {
        const i = j.slices.findIndex((s) => s.id === tid.get(a));
        const k = j.slices.findIndex((s) => s.id === tid.get(b));
        return j.shared_bytes[i]![k]!;
      };
      const cross = Math.max(at('a1', 'b1'), at('a1', 'b2'), at('a2', 'b1'), at('a2', 'b2'));
      console.log(
        `shared: a1-a2 ${at('a1', 'a2') / 2 ** 20} MiB (16 written), b1-b2 ${at('b1', 'b2') / 2 ** 20} MiB (8 written), across pairs at most ${cross / 2 ** 20} MiB`,
      );
      expect(at('a1', 'a2')).toBeGreaterThan(cross);
      expect(at('b1', 'b2')).toBeGreaterThan(cross);
      // Each group's shared memory, against the size of the buffer its pair shares.
      for (const [x, y] of [
        ['a1', 'a2'],
        ['b1', 'b2'],
      ] as const) {
        const g = j.groups.find((k) => k.threads.includes(tid.get(x)!))!;
        const truth = buffer.get(x)!;
        console.log(
          `group of ${x} and ${y}: shared ${g.shared_bytes / 2 ** 20} MiB (truth ${truth / 2 ** 20})`,
        );
        expect(g.shared_bytes, `${x}-${y}`).toBeGreaterThanOrEqual(truth * 0.75);
        expect(g.shared_bytes, `${x}-${y}`).toBeLessThanOrEqual(truth * 1.25);
      }
    },
    scaled(180_000),
  );
});
