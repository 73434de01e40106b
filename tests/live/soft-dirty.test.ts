/**
 * Write-only monitoring of a process that is already running (soft-dirty bits), through the CLI as a
 * user runs it: the test starts a program of its own (tests/live/fixtures/sd-writers.c: thread A
 * writes 16 MiB over and over, thread B 8 MiB, thread C only reads 32 MiB), then
 * `damon-ts record --sample_primitives page_fault --exp_ops_write_only y PID` records it and
 * `damon-ts report wss` reads the record: the working set is what A and B write. With
 * --exp_ops_tids, what A alone writes. The program runs on unharmed, and exits as it would have.
 *
 * Needs CONFIG_MEM_SOFT_DIRTY, which this machine's kernel may lack: then the record must fail with
 * an error naming it (and the soft-dirty measurements skip, saying why). The VM tests (tests/vm) run
 * this file on a kernel that has it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softDirtyUnsupported } from '../../src/index.js';
import { bin, ensureBuilt, root } from '../cli-helpers.js';
import { scaled, TIME_SCALE } from '../time-scale.js';
import { fixtureBinary, skipReason } from './kernel-features.js';

const MiB = 1 << 20;
const noSoftDirty = softDirtyUnsupported();
if (noSoftDirty) console.log(`[skip] soft-dirty record tests: ${noSoftDirty}`);
const skipSd =
  noSoftDirty !== null || skipReason('soft-dirty record tests', ['root', 'tracefs', 'cc']) !== null;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI without blocking this process (the monitored program's output keeps flowing). */
function cli(args: string[], timeoutMs: number): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('error', reject);
    p.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const show = (r: CliResult): string => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

/** The program under test, started here: every line it prints is kept, in order. */
class Program {
  readonly child: ChildProcess;
  readonly out: string[] = [];
  stderr = '';
  private readonly waiting: ((line: string) => void)[] = [];
  private taken = 0;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;

  constructor(path: string, args: string[]) {
    this.child = spawn(path, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout! }).on('line', (l) => {
      this.out.push(l);
      this.waiting.shift()?.(l);
    });
    this.exited = new Promise((r) => this.child.once('exit', (code, signal) => r({ code, signal })));
  }

  /** The next line not read yet. */
  next(timeoutMs: number): Promise<string> {
    if (this.taken < this.out.length) return Promise.resolve(this.out[this.taken++]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no line from the program in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.push((l) => {
        clearTimeout(timer);
        this.taken++;
        resolve(l);
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Its pass counters and error count, asked on stdin. */
  async check(): Promise<{ passes: number[]; errors: number }> {
    this.child.stdin!.write('check\n');
    const l = await this.next(scaled(10_000));
    const m = /^check (\d+) (\d+) (\d+) (\d+)$/.exec(l);
    if (!m) throw new Error(`unexpected line from the program: ${l}`);
    return { passes: [1, 2, 3].map((i) => Number(m[i])), errors: Number(m[4]) };
  }
}

/** The program keeps running: every thread makes passes, none finds its memory changed. */
async function expectRunsOn(prog: Program): Promise<void> {
  expect(prog.running, `the program ended: ${prog.stderr}`).toBe(true);
  const a = await prog.check();
  await new Promise((r) => setTimeout(r, scaled(500)));
  const b = await prog.check();
  expect(a.errors).toBe(0);
  expect(b.errors).toBe(0);
  for (let k = 0; k < 3; k++)
    expect(b.passes[k], `thread ${'ABC'[k]} made no pass`).toBeGreaterThan(a.passes[k]!);
}

// Five-millisecond samples and 100 ms aggregations (the defaults) for 4 s: 40 snapshots, the first 5
// of which (the regions still adapting) are left out of the distribution. Intervals and duration
// scale with the CPU (emulated in the VM tests). The monitor may take longer than a sample interval
// per sample there (aggregations count samples): fewer snapshots, but enough for a median.
const SAMPLE_US = scaled(5_000);
const AGGR_US = scaled(100_000);
const UPDATE_US = scaled(1_000_000);
const RECORD_S = 4 * TIME_SCALE;
const WARMUP = 5;
const MIN_SNAPSHOTS = 10;
/** The program's buffers (MiB: A and B write theirs, C reads) and its pause between passes (ms). */
const A_MIB = 16;
const B_MIB = 8;
const C_MIB = 32;
const PROGRAM_ARGS = [A_MIB, B_MIB, C_MIB, 20].map(String);

/**
 * Records PID's writes with `extra` options; returns the median WSS after the warm-up, in bytes. A
 * starved monitor (an emulated CPU shared with other work) aggregates slowly: a recording with too
 * few snapshots is made again, twice as long, up to three times.
 */
async function recordWss(dir: string, pid: number, name: string, extra: string[]): Promise<number> {
  const out = join(dir, `${name}.data`);
  let series: number[] = [];
  let rec: Awaited<ReturnType<typeof cli>> | undefined;
  const common = ['report', 'wss', '-i', out, '--exclude_samples', String(WARMUP), '--raw_number'];
  for (let attempt = 0; attempt < 3 && series.length < MIN_SNAPSHOTS; attempt++) {
    const seconds = RECORD_S * 2 ** attempt;
    rec = await cli(
      [
        'record',
        '--sample_primitives',
        'page_fault',
        '--exp_ops_write_only',
        'y',
        ...extra,
        '-s',
        String(SAMPLE_US),
        '-a',
        String(AGGR_US),
        '-u',
        String(UPDATE_US),
        String(pid),
        '--timeout',
        String(seconds),
        '-o',
        out,
      ],
      scaled(60_000) + seconds * 1000,
    );
    expect(rec.code, show(rec)).toBe(0);
    const all = await cli([...common, '--all_wss', '--sortby', 'time'], scaled(30_000));
    expect(all.code, show(all)).toBe(0);
    series = all.stdout
      .split('\n')
      .filter((l) => /^\d+ \d+$/.test(l))
      .map((l) => Number(l.split(' ')[1]) / MiB);
  }
  const med = await cli([...common, '-r', '50', '51', '1'], scaled(30_000));
  expect(med.code, show(med)).toBe(0);
  const m = /^\s*50\s+(\d+)\b/m.exec(med.stdout);
  expect(m, show(med)).not.toBeNull();
  const wss = Number(m![1]);
  // "hot MiB" makes the VM tests print this line on the host (tests/vm/kernel-in-vm.test.ts).
  console.log(
    `[soft-dirty] ${name}: hot MiB (median WSS of ${series.length} snapshots after ${WARMUP}) ` +
      `${(wss / MiB).toFixed(1)}; series ${series.map((v) => v.toFixed(1)).join(' ')}; ` +
      `${rec!.stderr.trim().split('\n')[0]}`,
  );
  expect(series.length, 'snapshots after the warm-up').toBeGreaterThanOrEqual(MIN_SNAPSHOTS);
  return wss;
}

beforeAll(ensureBuilt, 120_000);

describe.skipIf(skipSd)('write-only record of a running process (soft-dirty)', () => {
  let dir = '';
  let prog: Program;
  const tid: Record<string, number> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'damon-ts-soft-dirty-'));
    prog = new Program(fixtureBinary('sd-writers'), PROGRAM_ARGS);
    // Filling its buffers comes first (about a second on an emulated CPU).
    expect(await prog.next(scaled(20_000))).toBe(`pid ${prog.child.pid}`);
    for (const k of 'ABC') {
      const m = new RegExp(`^tid ${k} (\\d+)$`).exec(await prog.next(scaled(10_000)));
      expect(m).not.toBeNull();
      tid[k] = Number(m![1]);
    }
  }, scaled(60_000));

  afterAll(() => {
    if (prog?.running) prog.child.kill('SIGKILL');
  });

  it(
    `write-only: the working set is what threads A and B write (${A_MIB + B_MIB} MiB), not what C reads; the program runs on`,
    { tags: ['vm-must-pass'], timeout: scaled(120_000) },
    async () => {
      const wss = await recordWss(dir, prog.child.pid!, 'write-only', []);
      expect(wss).toBeGreaterThan((A_MIB + B_MIB) * MiB * 0.75);
      expect(wss).toBeLessThan((A_MIB + B_MIB) * MiB * 1.25);
      await expectRunsOn(prog);
    },
  );

  it(
    `--exp_ops_tids <A's tid>: the working set is what thread A writes (${A_MIB} MiB); the program runs on`,
    { tags: ['vm-must-pass'], timeout: scaled(120_000) },
    async () => {
      const wss = await recordWss(dir, prog.child.pid!, 'tids-A', ['--exp_ops_tids', String(tid.A)]);
      expect(wss).toBeGreaterThan(A_MIB * MiB * 0.75);
      expect(wss).toBeLessThan(A_MIB * MiB * 1.25);
      await expectRunsOn(prog);
    },
  );

  it(
    'the monitored program exits 0 when told, every byte of its memory as it wrote it, its output as unmonitored',
    { tags: ['vm-must-pass'], timeout: scaled(60_000) },
    async () => {
      expect(prog.running, `the program ended: ${prog.stderr}`).toBe(true);
      prog.child.stdin!.write('exit\n');
      prog.child.stdin!.end();
      const exit = await prog.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(prog.stderr).toBe('');
      // Exactly what the program prints by itself: its pid and tids, the answers to the checks, the
      // final verification.
      expect(prog.out.slice(0, 4)).toEqual([
        `pid ${prog.child.pid}`,
        `tid A ${tid.A}`,
        `tid B ${tid.B}`,
        `tid C ${tid.C}`,
      ]);
      expect(prog.out.at(-1)).toBe('verified 0 errors');
      const checks = prog.out.slice(4, -1);
      expect(checks.length).toBe(4);
      for (const l of checks) expect(l).toMatch(/^check \d+ \d+ \d+ 0$/);
    },
  );
});

describe.skipIf(noSoftDirty === null)('write-only record of a running process without soft-dirty', () => {
  it(
    'fails with exit 1 and an error naming soft-dirty and CONFIG_MEM_SOFT_DIRTY; the program is left alone',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'damon-ts-soft-dirty-'));
      const out = join(dir, 'sd.data');
      const prog = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      try {
        const r = await cli(
          [
            'record',
            '--sample_primitives',
            'page_fault',
            '--exp_ops_write_only',
            'y',
            String(prog.pid),
            '--timeout',
            '4',
            '-o',
            out,
          ],
          scaled(60_000),
        );
        expect(r.code, show(r)).toBe(1);
        expect(r.stderr).toMatch(/soft-dirty/);
        expect(r.stderr).toMatch(/CONFIG_MEM_SOFT_DIRTY/);
        expect(r.stderr).toMatch(new RegExp(`\\b${prog.pid}\\b`));
        expect(r.stderr, 'a stack trace').not.toMatch(/^\s+at /m);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        // Nothing written: no record file (not even an empty one), no temp files.
        expect(existsSync(out), 'a record file of a refused record').toBe(false);
        expect(readdirSync(dir)).toEqual([]);
        expect(prog.exitCode).toBeNull();
        expect(prog.signalCode).toBeNull();
      } finally {
        prog.kill('SIGKILL');
      }
    },
    scaled(60_000),
  );
});
