/**
 * Per-CPU and per-thread write monitoring of a real program whose threads share memory, through the
 * CLI as a user runs it: `damon-ts record --sample_primitives page_fault --exp_ops_write_only y
 * --exp_ops_cpus 1 (or --exp_ops_tids T) -- ./wo-shared`, then `report wss`.
 * The program (tests/live/fixtures/wo-shared.c) runs thread A on CPU 0 and thread B on CPU 1; both
 * write a shared 16 MiB buffer, A 8 MiB and B 4 MiB of their own, every 150-250 ms, B 20 ms after A. A is
 * thus nearly always the first writer of an armed sampling page, and its write would consume the
 * protection that B's needs: without re-arming, the CPU-1 (thread-B) view sees B's own 4 MiB and
 * little of the shared buffer. The live source write-protects a page again after a write by a CPU or
 * thread the filters drop, so the view must show B's 20 MiB (shared + own) within 25 %.
 * The intervals (200 ms samples, 400 ms aggregations) make the loss show: with many samples per
 * aggregation the few that catch B by chance (a sample starting between A's and B's writes) would
 * mark the buffer written anyway. B's 20 ms lag leaves the monitor, loaded or not, time to re-arm.
 * B runs as a thread whose id the test chooses (clone3 set_tid), so that --exp_ops_tids can name it
 * before it starts. Without re-arming, both views measured 4.0 to 5.1 MiB.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runAsync } from '../cli-helpers.js';
import { scaled } from '../time-scale.js';
import { fixtureBinary, helperLibrary, skipReason } from './kernel-features.js';

const MiB = 1 << 20;
const TEST_MS = scaled(60_000);
/** Aggregations (400 ms) left out at the start: the regions adapt to the written buffers. */
const WARMUP = 3;
const skip =
  skipReason('write sharing per-CPU/thread CLI test', ['root', 'tracefs', 'cc', 'userfaultfd']) !== null;
let dir = '';

beforeAll(() => {
  if (skip) return;
  ensureBuilt();
  helperLibrary();
  dir = mkdtempSync(join(tmpdir(), 'damon-ts-wo-shared-'));
}, 120_000);

afterAll(() => {
  if (dir && !process.env.DAMON_TS_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => runAsync(args, TEST_MS);

/**
 * A thread id no task has, behind the kernel's last allocated pid: the allocator comes back to it
 * only after going round pid_max.
 */
function freeTid(): number {
  const last = Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
  const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  for (let k = 1; k < max; k++) {
    const t = (((last - k - 300) % max) + max) % max;
    if (t > 300 && !existsSync(`/proc/${t}`)) return t;
  }
  throw new Error('no free thread id');
}

/**
 * Records wo-shared with the filter options; returns B's written working set median and the truth
 * (the sizes of the shared buffer and B's own, as the program printed them), in MiB.
 */
async function bView(
  name: string,
  filter: (tid: number) => string[],
): Promise<{ median: number; truth: number }> {
  const file = join(dir, `${name}.data`);
  const tid = freeTid();
  const rec = await cli([
    'record',
    '--sample_primitives',
    'page_fault',
    '--exp_ops_write_only',
    'y',
    ...filter(tid),
    '-s',
    '200ms',
    '-a',
    '400ms',
    '-n',
    '200',
    '-m',
    '400',
    '-o',
    file,
    '--',
    fixtureBinary('wo-shared'),
    '5',
    String(tid),
  ]);
  expect(rec.code, rec.stderr).toBe(0);
  expect(rec.stdout).toContain(`B ${tid}\n`);
  expect(rec.stdout).toMatch(/done\n$/);
  const size = (tag: string): number => {
    const l = rec.stdout.split('\n').find((x) => x.startsWith(`${tag} `));
    if (!l) throw new Error(`wo-shared printed no ${tag} line:\n${rec.stdout}`);
    const [, start, end] = l.split(' ');
    return (parseInt(end!, 16) - parseInt(start!, 16)) / MiB;
  };
  const truth = size('shared') + size('ownB');
  const rearmed = /, (\d+) pages re-armed after writes by CPUs\/threads filtered out/.exec(rec.stderr);
  expect(rearmed, rec.stderr).not.toBeNull();
  expect(Number(rearmed![1])).toBeGreaterThan(0);
  // The record keeps the run's counts with its source.
  const info = await cli(['report', 'record_info', '-i', file]);
  expect(info.code, info.stderr).toBe(0);
  expect(info.stdout).toContain(`; this run: `);
  expect(info.stdout).toContain(`, ${rearmed![1]} pages re-armed after writes by CPUs/threads filtered out`);
  const wss = ['report', 'wss', '-i', file, '--exclude_samples', String(WARMUP), '--raw_number'];
  const all = await cli([...wss, '--all_wss', '--sortby', 'time']);
  const n = all.stdout.split('\n').filter((l) => /^\d+ \d+$/.test(l)).length;
  expect(n, 'aggregations after the warm-up').toBeGreaterThanOrEqual(7);
  const out = await cli([...wss, '-r', '50', '51', '1']);
  expect(out.code, out.stderr).toBe(0);
  const m = /^\s*50\s+(\d+)\s/m.exec(out.stdout);
  if (!m) throw new Error(`report wss printed no median:\n${out.stdout}`);
  const median = Number(m[1]) / MiB;
  console.log(
    `${name}: report wss median ${median.toFixed(2)} MiB (truth ${truth} MiB); ${rearmed![1]} re-armed`,
  );
  return { median, truth };
}

describe.skipIf(skip)("a CPU's and a thread's written working set when threads share a buffer", () => {
  it.each([
    ['--exp_ops_cpus 1', () => ['--exp_ops_cpus', '1']],
    ['--exp_ops_tids of thread B', (tid: number) => ['--exp_ops_tids', String(tid)]],
  ] as const)(
    "%s: the shared 16 MiB and B's own 4 MiB, although A writes the shared pages first",
    async (name, filter) => {
      const { median, truth } = await bView(name.replace(/\W+/g, '-'), filter);
      expect(truth).toBe(20);
      expect(median).toBeGreaterThanOrEqual(truth * 0.75);
      expect(median).toBeLessThanOrEqual(truth * 1.25);
    },
    TEST_MS,
  );
});
