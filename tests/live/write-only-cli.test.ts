/**
 * Live write-only monitoring of real multi-threaded C programs, end to end through the CLI as a user
 * runs it: `damon-ts record --sample_primitives page_fault --exp_ops_write_only y [--exp_ops_cpus C]
 * -o FILE -- PROG ARGS` launches the program with the uffd-wp preload helper and records until it
 * exits; `report wss`, `report access --by thread` and `report access --raw_form` read the record.
 * The programs (tests/live/fixtures/wo-*.c, built here) print their buffers' address ranges and their
 * threads' ids, so that every number a report prints is checked against what the program did:
 * - wo-single: one thread writes 64 MiB and reads 256 MiB (mmap'd, or malloc'd);
 * - wo-threads: a writer of 32 MiB pinned to CPU 0, a writer of 16 MiB pinned to CPU 1, a reader of
 *   128 MiB pinned to CPU 0, and (with "stack") a thread pinned to CPU 1 writing an 8 MiB array on its
 *   own 16 MiB stack;
 * - wo-misc: programs that fork, exec, mprotect their buffer, exit with 3 or crash, which must print
 *   and end exactly as they do without monitoring.
 * Sizes are working-set medians over the snapshots after the warm-up, within 25 %: the record's own
 * numbers, not timing. The warm-up is 15 snapshots (1.5 s at the default 100 ms aggregation), or 12
 * snapshots after the program has filled its read-only buffer (that fill is a write, and takes 0.5 to
 * 3.5 s on a loaded VM), whichever is later: a writer that the load stalls for an aggregation lets its
 * region merge with unwritten neighbours, which takes DAMON several aggregations to split again. The
 * programs run 5 s after their fill, so that such an episode cannot move the median.
 * DAMON_TS_TEST_KEEP=1 keeps the records and the programs' output.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { constants as osConstants, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, ensureBuilt, root } from '../cli-helpers.js';
import { scaled } from '../time-scale.js';
import { fixtureBinary, helperLibrary, skipReason, tracefsMounts } from './kernel-features.js';

const MiB = 1 << 20;
/** Snapshots (100 ms aggregations) left out at the start of each record at least: a 1.5 s warm-up. */
const WARMUP = 15;
/**
 * The warm-up also lasts this many snapshots after the program has filled its read-only buffer
 * (which it writes once, at start: 0.5 to 3.5 s on a loaded VM): the regions adapt to the write set.
 */
const SETTLE = 12;
/** Seconds each long-running program runs after its fill. */
const SECONDS = '5';
/** How far a region written after the warm-up may reach into a read-only buffer. */
const SLACK = 2 * MiB;
const TEST_MS = scaled(60_000);

const skip = skipReason('write-only CLI tests', ['root', 'tracefs', 'cc', 'userfaultfd']) !== null;

interface CliResult {
  pid: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The pids of every CLI this file ran (their tracefs instances are named after them). */
const cliPids: number[] = [];

/** Runs the built CLI without blocking this process. */
function cli(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    cliPids.push(p.pid!);
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), TEST_MS);
    p.once('error', reject);
    p.once('close', (code) => {
      clearTimeout(timer);
      resolve({ pid: p.pid!, code, stdout, stderr });
    });
  });
}

/** Runs the CLI and expects it to succeed. */
async function cliOk(args: string[]): Promise<string> {
  const r = await cli(args);
  expect(r.stderr, `damon-ts ${args.join(' ')}`).toBe('');
  expect(r.code, `damon-ts ${args.join(' ')}`).toBe(0);
  return r.stdout;
}

let dir = '';

interface Recorded extends CliResult {
  file: string;
  /** What the program printed (record passes its stdout through). */
  lines: string[][];
  /** The summary's "the program exited with X", or null when the summary lacks it. */
  exit: string | null;
  /** Every snapshot of the record, from its raw form. */
  snaps: RawSnapshot[];
  /** The snapshots to leave out at the start: WARMUP, or SETTLE after the program's fill. */
  warmup: number;
}

/** `record` write-only of a launched program, with extra record options. */
async function record(name: string, prog: string[], opts: string[] = [], status = 0): Promise<Recorded> {
  const file = join(dir, `${name}.data`);
  const args = ['record', '--sample_primitives', 'page_fault', '--exp_ops_write_only', 'y', ...opts];
  const r = await cli([...args, '-o', file, '--', ...prog]);
  writeFileSync(`${file}.out`, r.stdout + r.stderr);
  // record passes on the program's exit status
  expect(r.code, r.stderr).toBe(status);
  expect(r.stderr).toMatch(/^damon-ts: live write_only of pid \d+: \d+ reports applied/m);
  const exit = /; the program exited with (\S+)$/m.exec(r.stderr)?.[1] ?? null;
  const lines = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' '));
  const snaps = await rawSnapshots(file);
  // Record time 0 is when the program was let go (its main starts then): the snapshots that started
  // before the program said "filled" may hold the fill's writes.
  const filled = lines.find((l) => l[0] === 'filled');
  const fillSnaps = filled ? snaps.filter((x) => x.startNs < Number(filled[1]) * 1e9).length : 0;
  const warmup = Math.max(WARMUP, fillSnaps + SETTLE);
  if (filled)
    console.log(`${name}: filled after ${filled[1]} s; ${snaps.length} snapshots, warm-up ${warmup}`);
  return { ...r, file, lines, exit, snaps, warmup };
}

/** Each long record is made once and shared by the tests that read it. */
const memo = new Map<string, Promise<Recorded>>();
function recordOnce(name: string, prog: string[], opts: string[] = []): Promise<Recorded> {
  if (!memo.has(name)) memo.set(name, record(name, prog, opts));
  return memo.get(name)!;
}

const single = (kind: string) =>
  recordOnce(`single-${kind}`, [fixtureBinary('wo-single'), kind, '64', '256', SECONDS]);
/** wo-threads with mmap'd write sets, or malloc'd ones plus the stack thread; cpus: --exp_ops_cpus. */
const threads = (kind: 'mmap' | 'malloc', cpus: 'all' | '0' | '1') =>
  recordOnce(
    `threads-${kind}-${cpus}`,
    [fixtureBinary('wo-threads'), kind, SECONDS, ...(kind === 'malloc' ? ['stack'] : [])],
    cpus === 'all' ? [] : ['--exp_ops_cpus', cpus],
  );

/** An address range the program printed: the line starting with `tag` ("<tag> ... <start> <end>"). */
function range(r: Recorded, tag: string): { start: number; end: number } {
  const l = r.lines.find((x) => x[0] === tag);
  if (!l) throw new Error(`the program printed no "${tag}" line: ${JSON.stringify(r.stdout)}`);
  return { start: parseInt(l[l.length - 2]!, 16), end: parseInt(l[l.length - 1]!, 16) };
}

/** The thread id the program printed for thread `name` ("<name> <tid> <start> <end>"). */
function tidOf(r: Recorded, name: string): string {
  const l = r.lines.find((x) => x[0] === name);
  if (!l) throw new Error(`the program printed no "${name}" line: ${JSON.stringify(r.stdout)}`);
  return l[1]!;
}

/** The median written working set after the warm-up, in MiB, as `report wss` prints it. */
async function medianWss(r: Recorded): Promise<number> {
  const wss = ['report', 'wss', '-i', r.file, '--exclude_samples', String(r.warmup), '--raw_number'];
  const all = await cliOk([...wss, '--all_wss', '--sortby', 'time']);
  const n = all.split('\n').filter((l) => /^\d+ \d+$/.test(l)).length;
  expect(n, 'snapshots after the warm-up').toBeGreaterThanOrEqual(10);
  const out = await cliOk([...wss, '-r', '50', '51', '1']);
  const m = /^\s*50\s+(\d+)\s/m.exec(out);
  if (!m) throw new Error(`report wss printed no median:\n${out}`);
  return Number(m[1]) / MiB;
}

/** Within 25 % of the truth. */
function expectNear(actual: number, truth: number, what: string): void {
  console.log(`${what}: ${actual.toFixed(2)} MiB (truth ${truth} MiB)`);
  expect(actual, `${what}: ${actual.toFixed(2)} MiB, truth ${truth} MiB`).toBeGreaterThanOrEqual(
    truth * 0.75,
  );
  expect(actual, `${what}: ${actual.toFixed(2)} MiB, truth ${truth} MiB`).toBeLessThanOrEqual(truth * 1.25);
}

/**
 * `report access --by thread`: per snapshot, thread id → the working set its section heads with
 * ("# by thread T: working set N": each region's size times the thread's share of its samples).
 */
async function perThread(file: string): Promise<Map<string, number>[]> {
  const out = await cliOk(['report', 'access', '-i', file, '--by', 'thread', '--raw_number']);
  const snaps: Map<string, number>[] = [];
  for (const l of out.split('\n')) {
    if (l.startsWith('snapshot time:')) snaps.push(new Map());
    const head = /^# by thread (\d+): working set (\d+)/.exec(l);
    if (head) snaps[snaps.length - 1]!.set(head[1]!, Number(head[2]));
  }
  return snaps;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** The median after the warm-up of what `report access --by thread` attributes to `tid`, in MiB. */
function threadMedian(r: Recorded, snaps: Map<string, number>[], tid: string): number {
  expect(snaps.length).toBe(r.snaps.length);
  const after = snaps.slice(r.warmup);
  expect(after.length, 'snapshots after the warm-up').toBeGreaterThanOrEqual(10);
  return median(after.map((s) => s.get(tid) ?? 0)) / MiB;
}

interface RawRegion {
  start: number;
  end: number;
  nrAccesses: number;
}

interface RawSnapshot {
  /** monitoring_start: ns since the record's first snapshot began. */
  startNs: number;
  regions: RawRegion[];
}

/** Every snapshot's regions, from `report access --raw_form --raw_number` (damo's raw text form). */
async function rawSnapshots(file: string): Promise<RawSnapshot[]> {
  const out = await cliOk(['report', 'access', '-i', file, '--raw_form', '--raw_number']);
  const snaps: RawSnapshot[] = [];
  for (const l of out.split('\n')) {
    const start = /^monitoring_start:\s+(\d+)$/.exec(l);
    if (start) snaps.push({ startNs: Number(start[1]), regions: [] });
    const m = /^([0-9a-f]+)-([0-9a-f]+) \(\s*\d+\)\s+(\d+)\s+\d+$/.exec(l);
    if (m)
      snaps[snaps.length - 1]!.regions.push({
        start: parseInt(m[1]!, 16),
        end: parseInt(m[2]!, 16),
        nrAccesses: Number(m[3]),
      });
  }
  return snaps;
}

/** Per snapshot after the warm-up: the bytes of [start, end) inside regions with nr_accesses > 0. */
function writtenBytesIn(r: Recorded, range: { start: number; end: number }): number[] {
  const after = r.snaps.slice(r.warmup);
  expect(after.length, 'snapshots after the warm-up').toBeGreaterThanOrEqual(10);
  return after.map((s) =>
    s.regions
      .filter((x) => x.nrAccesses > 0)
      .reduce((n, x) => n + Math.max(0, Math.min(x.end, range.end) - Math.max(x.start, range.start)), 0),
  );
}

/** Our tracefs instances left behind: damon-ts-<pid>-<n> of a CLI this file ran, or of a dead pid. */
function leftoverInstances(): string[] {
  const left: string[] = [];
  for (const mnt of tracefsMounts()) {
    const inst = join(mnt, 'instances');
    if (!existsSync(inst)) continue;
    for (const name of readdirSync(inst)) {
      const m = /^damon-ts-(\d+)-/.exec(name);
      if (m && (cliPids.includes(Number(m[1])) || !existsSync(`/proc/${m[1]}`))) left.push(join(inst, name));
    }
  }
  return left;
}

/** Processes still running the fixtures or the CLIs this file started. */
function leftoverProcesses(): string[] {
  const fixtures = dirname(fixtureBinary('wo-misc'));
  const left: string[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (state === 'Z') continue; // a zombie is no longer running (its parent reaps it)
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ');
      let exe = '';
      try {
        exe = readlinkSync(`/proc/${p}/exe`);
      } catch {
        // a kernel thread, or gone
      }
      if (exe.startsWith(fixtures) || (cliPids.includes(Number(p)) && cmd.includes(bin)))
        left.push(`${p}: ${cmd}`);
    } catch {
      // exited while we looked
    }
  }
  return left;
}

beforeAll(() => {
  if (skip) return;
  ensureBuilt();
  helperLibrary(); // builds native/build/libdamon-ts-uffd-wp.so, which record preloads
  dir = mkdtempSync(join(tmpdir(), 'damon-ts-wo-cli-'));
}, 120_000);

afterAll(() => {
  // DAMON_TS_TEST_KEEP=1 keeps the records for a look with the CLI.
  if (dir && process.env.DAMON_TS_TEST_KEEP) console.log(`records kept in ${dir}`);
  else if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip)('write-only record of a single-threaded writer', () => {
  it.each(['mmap', 'malloc'])(
    'the written working set of a %s buffer is its 64 MiB, not the 256 MiB it reads',
    async (kind) => {
      const r = await single(kind);
      expect(r.lines.at(-1)).toEqual(['rounds', 'done']);
      expectNear(await medianWss(r), 64, `single ${kind}: report wss median`);
    },
    TEST_MS,
  );
});

describe.skipIf(skip)('write-only record of threads pinned to CPUs', () => {
  // mmap: w0 32 MiB on CPU 0, w1 16 MiB on CPU 1, a reader of 128 MiB on CPU 0.
  it.each([
    ['all', 48],
    ['0', 32],
    ['1', 16],
  ] as const)(
    'mmap write sets: with --exp_ops_cpus %s the working set is %i MiB',
    async (cpus, truth) => {
      const r = await threads('mmap', cpus);
      expect(r.lines.at(-1)).toEqual(['done']);
      expectNear(await medianWss(r), truth, `threads mmap, cpus ${cpus}: report wss median`);
    },
    TEST_MS,
  );

  // malloc: the same, plus the stack thread on CPU 1 writing 8 MiB of its own 16 MiB stack.
  it.each([
    ['all', 32 + 16 + 8],
    ['0', 32],
    ['1', 16 + 8],
  ] as const)(
    'malloc write sets and a thread stack: with --exp_ops_cpus %s the working set is %i MiB',
    async (cpus, truth) => {
      const r = await threads('malloc', cpus);
      expect(r.lines.at(-1)).toEqual(['done']);
      expectNear(await medianWss(r), truth, `threads malloc+stack, cpus ${cpus}: report wss median`);
    },
    TEST_MS,
  );

  it(
    'the thread-stack writer: 8 MiB in the per-thread view, written regions over its stack array',
    async () => {
      const r = await threads('malloc', 'all');
      const snaps = await perThread(r.file);
      expectNear(threadMedian(r, snaps, tidOf(r, 'stack')), 8, 'stack thread: report access --by thread');
      const covered = median(writtenBytesIn(r, range(r, 'stack'))) / MiB;
      expectNear(covered, 8, 'stack thread: written regions over its stack array');
    },
    TEST_MS,
  );
});

describe.skipIf(skip)('per-thread view of one write-only record', () => {
  // What a user reads for "how much did thread T write": the working set heading the "# by thread T"
  // section of `report access --by thread`. The writers' mmap'd buffers are adjacent and written at
  // the same rate, so DAMON often merges them into one region of 48 MiB: each thread's part of it is
  // its share of the region's samples.
  it(
    'attributes 32 MiB to the CPU-0 writer, 16 MiB to the CPU-1 writer and nothing to the reader',
    async () => {
      const r = await threads('mmap', 'all');
      const snaps = await perThread(r.file);
      const w0 = threadMedian(r, snaps, tidOf(r, 'w0'));
      const w1 = threadMedian(r, snaps, tidOf(r, 'w1'));
      const reader = threadMedian(r, snaps, tidOf(r, 'reader'));
      console.log(
        `per-thread view: w0 ${w0.toFixed(2)} MiB, w1 ${w1.toFixed(2)} MiB, reader ${reader.toFixed(2)} MiB`,
      );
      expect(reader, 'the reader writes nothing').toBeLessThan(SLACK / MiB);
      expectNear(w0, 32, 'CPU-0 writer: report access --by thread');
      expectNear(w1, 16, 'CPU-1 writer: report access --by thread');
    },
    TEST_MS,
  );
});

describe.skipIf(skip)('nothing read-only shows as written', () => {
  // A region reports the writes of its sampling pages, so a region reaching over the boundary of a
  // written buffer into the read-only one counts as written as a whole (DAMON's region granularity,
  // the "1 region boundary" slack). A written region that lies inside the read-only buffer would be
  // reads reported as writes.
  it.each([
    ['single mmap', () => single('mmap'), 'read', ['write']],
    ['single malloc', () => single('malloc'), 'read', ['write']],
    ['threads mmap', () => threads('mmap', 'all'), 'reader', ['w0', 'w1']],
    ['threads malloc', () => threads('malloc', 'all'), 'reader', ['w0', 'w1', 'stack']],
  ] as const)(
    '%s: after the warm-up, no written region inside the read-only buffer; its boundary mostly exact',
    async (what, rec, readTag, writeTags) => {
      const r = await rec();
      const ro = range(r, readTag);
      const after = r.snaps.slice(r.warmup);
      expect(after.length, 'snapshots after the warm-up').toBeGreaterThanOrEqual(10);
      // Per snapshot: the bytes of written regions that lie inside the read-only buffer.
      const inside = after.map((s) =>
        s.regions
          .filter((x) => x.nrAccesses > 0 && x.start >= ro.start && x.end <= ro.end)
          .reduce((n, x) => n + x.end - x.start, 0),
      );
      // Per snapshot: the read-only bytes of all written regions (those reaching over a boundary too).
      const over = writtenBytesIn(r, ro);
      console.log(
        `${what}: written regions inside the read-only buffer: max ${Math.max(...inside)} B; ` +
          `read-only bytes in written regions: median ${median(over)} B, max ${Math.max(...over)} B, ` +
          `above 2 MiB in ${over.filter((n) => n > SLACK).length} of ${over.length} snapshots`,
      );
      expect(Math.max(...inside), 'written regions inside the read-only buffer').toBeLessThanOrEqual(SLACK);
      expect(median(over), 'read-only bytes in written regions, median').toBeLessThanOrEqual(SLACK);
      // And the written buffers do show: the check sees written regions where there are some.
      for (const tag of writeTags) {
        const w = range(r, tag);
        expect(median(writtenBytesIn(r, w)), tag).toBeGreaterThan((w.end - w.start) * 0.75);
      }
    },
    TEST_MS,
  );
});

describe.skipIf(skip)('the monitored program is unharmed', () => {
  it.each(['fork', 'exec', 'mprotect', 'exit3', 'segv'])(
    '%s: same output and end with and without monitoring; a valid record; nothing left behind',
    async (mode) => {
      const prog = fixtureBinary('wo-misc');
      const plain = spawnSync(prog, [mode], { encoding: 'utf8', timeout: TEST_MS });
      const plainEnd = plain.signal ?? String(plain.status);
      const status = plain.signal ? 128 + osConstants.signals[plain.signal] : plain.status!;
      const mon = await record(`misc-${mode}`, [prog, mode], [], status);
      expect(mon.stdout).toBe(plain.stdout);
      expect(mon.stdout).toMatch(new RegExp(`^${mode} start\n`));
      // The program's exit status (or signal) as the record's summary reports it.
      expect.soft(mon.exit, `summary: ${mon.stderr}`).toBe(plainEnd);
      // The record is still a valid record: report wss reads it.
      const wss = await cliOk(['report', 'wss', '-i', mon.file, '--exclude_samples', '0', '--raw_number']);
      expect(wss).toMatch(/^# avr:\t\d+$/m);
      expect(mon.snaps.length).toBeGreaterThan(0);
      // Its tracefs instance is gone, and so are the program and its children.
      expect(leftoverInstances()).toEqual([]);
      expect(leftoverProcesses()).toEqual([]);
    },
    TEST_MS,
  );
});

describe.skipIf(skip)('after everything', () => {
  it('no damon-ts tracefs instance and no process of this file is left', () => {
    expect(leftoverInstances()).toEqual([]);
    expect(leftoverProcesses()).toEqual([]);
  });
});
