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
 * Sizes are working-set medians over the snapshots after a 1.5 s warm-up (15 aggregations of 100 ms),
 * within 25 %: the record's own numbers, not timing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, ensureBuilt, root } from '../session/cli-helpers.js';
import { scaled } from '../time-scale.js';
import { fixtureBinary, helperLibrary, skipReason, tracefsMounts } from './kernel-features.js';

const MiB = 1 << 20;
/** Snapshots (100 ms aggregations) left out at the start of each record: the warm-up. */
const WARMUP = 15;
/** Seconds each long-running program runs. */
const SECONDS = '4';
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
}

/** `record` write-only of a launched program, with extra record options. */
async function record(name: string, prog: string[], opts: string[] = []): Promise<Recorded> {
  const file = join(dir, `${name}.data`);
  const args = ['record', '--sample_primitives', 'page_fault', '--exp_ops_write_only', 'y', ...opts];
  const r = await cli([...args, '-o', file, '--', ...prog]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/^damon-ts: live write_only of pid \d+: \d+ reports applied/);
  const exit = /; the program exited with (\S+)$/m.exec(r.stderr)?.[1] ?? null;
  const lines = r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' '));
  return { ...r, file, lines, exit };
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
async function medianWss(file: string): Promise<number> {
  const wss = ['report', 'wss', '-i', file, '--exclude_samples', String(WARMUP), '--raw_number'];
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
 * `report access --by thread`: per snapshot, thread id → the total size of the regions listed in its
 * section (the regions it wrote, each with its own samples as the access frequency).
 */
async function perThread(file: string): Promise<Map<string, number>[]> {
  const out = await cliOk(['report', 'access', '-i', file, '--by', 'thread', '--raw_number']);
  const snaps: Map<string, number>[] = [];
  let section: string | null = null;
  for (const l of out.split('\n')) {
    if (l.startsWith('snapshot time:')) {
      snaps.push(new Map());
      section = null;
      continue;
    }
    const head = /^# by thread (\d+)$/.exec(l);
    if (head) {
      section = head[1]!;
      snaps[snaps.length - 1]!.set(section, 0);
      continue;
    }
    if (!/^\d+\s+addr /.test(l)) {
      section = null;
      continue;
    }
    const m = /^\d+\s+addr (\d+)\s+size (\d+)\s+access (\d+) hz/.exec(l);
    if (!m) throw new Error(`unexpected region line: ${l}`);
    if (section !== null && Number(m[3]) > 0) {
      const s = snaps[snaps.length - 1]!;
      s.set(section, s.get(section)! + Number(m[2]));
    }
  }
  return snaps;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** The median after the warm-up of what `report access --by thread` attributes to `tid`, in MiB. */
function threadMedian(snaps: Map<string, number>[], tid: string): number {
  const after = snaps.slice(WARMUP);
  expect(after.length, 'snapshots after the warm-up').toBeGreaterThanOrEqual(10);
  return median(after.map((s) => s.get(tid) ?? 0)) / MiB;
}

interface RawRegion {
  start: number;
  end: number;
  nrAccesses: number;
}

/** Every snapshot's regions, from `report access --raw_form --raw_number` (damo's raw text form). */
async function rawSnapshots(file: string): Promise<RawRegion[][]> {
  const out = await cliOk(['report', 'access', '-i', file, '--raw_form', '--raw_number']);
  const snaps: RawRegion[][] = [];
  for (const l of out.split('\n')) {
    if (l.startsWith('monitoring_start:')) snaps.push([]);
    const m = /^([0-9a-f]+)-([0-9a-f]+) \(\s*\d+\)\s+(\d+)\s+\d+$/.exec(l);
    if (m)
      snaps[snaps.length - 1]!.push({
        start: parseInt(m[1]!, 16),
        end: parseInt(m[2]!, 16),
        nrAccesses: Number(m[3]),
      });
  }
  return snaps;
}

/** The largest overlap, after the warm-up, of a region with nr_accesses > 0 with [start, end). */
async function maxWrittenOverlap(file: string, ro: { start: number; end: number }): Promise<number> {
  const snaps = await rawSnapshots(file);
  expect(snaps.length - WARMUP, 'snapshots after the warm-up').toBeGreaterThanOrEqual(10);
  let worst = 0;
  for (const s of snaps.slice(WARMUP))
    for (const r of s)
      if (r.nrAccesses > 0) worst = Math.max(worst, Math.min(r.end, ro.end) - Math.max(r.start, ro.start));
  return worst;
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
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip)('write-only record of a single-threaded writer', () => {
  it.each(['mmap', 'malloc'])(
    'the written working set of a %s buffer is its 64 MiB, not the 256 MiB it reads',
    async (kind) => {
      const r = await single(kind);
      expect(r.lines.at(-1)).toEqual(['rounds', 'done']);
      expectNear(await medianWss(r.file), 64, `single ${kind}: report wss median`);
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
      expectNear(await medianWss(r.file), truth, `threads mmap, cpus ${cpus}: report wss median`);
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
      expectNear(await medianWss(r.file), truth, `threads malloc+stack, cpus ${cpus}: report wss median`);
    },
    TEST_MS,
  );

  it(
    'the thread-stack writer gets its 8 MiB in the per-thread view, inside its stack',
    async () => {
      const r = await threads('malloc', 'all');
      const snaps = await perThread(r.file);
      expectNear(threadMedian(snaps, tidOf(r, 'stack')), 8, 'stack thread: report access --by thread');
      // Its stack array is where the program said: the written regions cover it after the warm-up.
      const stack = range(r, 'stack');
      const raw = (await rawSnapshots(r.file)).slice(WARMUP);
      const covered = raw.map((s) =>
        s
          .filter((x) => x.nrAccesses > 0)
          .reduce((n, x) => n + Math.max(0, Math.min(x.end, stack.end) - Math.max(x.start, stack.start)), 0),
      );
      expectNear(median(covered) / MiB, 8, 'stack thread: written regions over its stack array');
    },
    TEST_MS,
  );
});

describe.skipIf(skip)('per-thread view of one write-only record', () => {
  // What a user reads for "how much did thread T write": the sizes of the regions in the
  // "# by thread T" section of `report access --by thread`, per snapshot.
  it(
    'attributes 32 MiB to the CPU-0 writer, 16 MiB to the CPU-1 writer and nothing to the reader',
    async () => {
      const r = await threads('mmap', 'all');
      const snaps = await perThread(r.file);
      const w0 = threadMedian(snaps, tidOf(r, 'w0'));
      const w1 = threadMedian(snaps, tidOf(r, 'w1'));
      const reader = threadMedian(snaps, tidOf(r, 'reader'));
      console.log(
        `per-thread view: w0 ${w0.toFixed(2)} MiB, w1 ${w1.toFixed(2)} MiB, reader ${reader.toFixed(2)} MiB`,
      );
      expect(reader, 'the reader writes nothing').toBeLessThan(SLACK / MiB);
      expect.soft(w0, `w0 (truth 32 MiB) got ${w0.toFixed(2)} MiB`).toBeGreaterThanOrEqual(32 * 0.75);
      expect.soft(w0, `w0 (truth 32 MiB) got ${w0.toFixed(2)} MiB`).toBeLessThanOrEqual(32 * 1.25);
      expect.soft(w1, `w1 (truth 16 MiB) got ${w1.toFixed(2)} MiB`).toBeGreaterThanOrEqual(16 * 0.75);
      expect.soft(w1, `w1 (truth 16 MiB) got ${w1.toFixed(2)} MiB`).toBeLessThanOrEqual(16 * 1.25);
    },
    TEST_MS,
  );
});

describe.skipIf(skip)('nothing read-only shows as written', () => {
  it.each([
    ['single mmap', () => single('mmap'), 'read'],
    ['single malloc', () => single('malloc'), 'read'],
    ['threads mmap', () => threads('mmap', 'all'), 'reader'],
    ['threads malloc', () => threads('malloc', 'all'), 'reader'],
  ] as const)(
    '%s: no written region after the warm-up reaches into the read-only buffer',
    async (what, rec, tag) => {
      const r = await rec();
      const ro = range(r, tag);
      const worst = await maxWrittenOverlap(r.file, ro);
      console.log(`${what}: largest overlap of a written region with the read-only buffer: ${worst} B`);
      expect(worst).toBeLessThanOrEqual(SLACK);
      // And the written buffers do show: the check can see a written region where there is one.
      const w = range(r, tag === 'read' ? 'write' : 'w0');
      expect(await maxWrittenOverlap(r.file, w)).toBeGreaterThan((w.end - w.start) / 2);
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
      const mon = await record(`misc-${mode}`, [prog, mode]);
      expect(mon.stdout).toBe(plain.stdout);
      expect(mon.stdout).toMatch(new RegExp(`^${mode} start\n`));
      // The program's exit status (or signal) as the record's summary reports it.
      expect.soft(mon.exit, `summary: ${mon.stderr}`).toBe(plainEnd);
      // The record is still a valid record: report wss reads it.
      const wss = await cliOk(['report', 'wss', '-i', mon.file, '--exclude_samples', '0', '--raw_number']);
      expect(wss).toMatch(/^# avr:\t\d+$/m);
      expect(leftoverInstances()).toEqual([]);
      expect(leftoverProcesses()).toEqual([]);
    },
    TEST_MS,
  );

  it('no damon-ts tracefs instance and no process of this file is left', () => {
    expect(leftoverInstances()).toEqual([]);
    expect(leftoverProcesses()).toEqual([]);
  });
});
