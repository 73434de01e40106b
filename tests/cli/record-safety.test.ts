/**
 * `damon-ts record` as an unlucky user meets it: a refused or failed command, an output that is not
 * a regular file, and a recording ended by a signal (SIGINT/SIGTERM/SIGHUP, or SIGKILL). Every path
 * that can run here: the simulated machine (--workload, --trace), a launched program (-- PROG, needs
 * root and tracefs) and `record ongoing` (a running kdamond, read only). The kernel's own `record
 * paddr` runs in tests/cli/record-kernel.test.ts, where DAMON is free.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BinaryTraceWriter } from '../../src/backends/trace/binary-trace.js';
import { readRecords } from '../../src/records/reader.js';
import type { DamonRecord } from '../../src/records/types.js';
import { skipReason } from '../live/kernel-features.js';
import { bin, ensureBuilt, root, smallWorkloadDir } from '../cli-helpers.js';
import { scaled } from '../time-scale.js';

beforeAll(ensureBuilt, 120_000);
const { cfg } = smallWorkloadDir();

/** A fresh directory with a private $TMPDIR for the command's spool. */
function place(): { dir: string; spool: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'damon-ts-record-safety-'));
  const spool = join(dir, 'spool');
  mkdirSync(spool);
  return { dir, spool, env: { ...process.env, TMPDIR: spool } };
}

function run(args: string[], env: NodeJS.ProcessEnv): { code: number; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root, env });
  return { code: r.status ?? -1, stderr: r.stderr };
}

/** A previous record the user has: a real one, so that `.old` is checked byte for byte. */
function previous(dir: string): { path: string; bytes: Buffer } {
  const path = join(dir, 'damon.data');
  const r = spawnSync(process.execPath, [bin, 'record', '--workload', cfg, '--timeout', '0.3', '-o', path]);
  expect(r.status).toBe(0);
  return { path, bytes: readFileSync(path) };
}

/** Nothing of the command is left beside the output or in $TMPDIR. */
function noLeftovers(p: { dir: string; spool: string }): void {
  expect(readdirSync(p.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  expect(readdirSync(p.spool)).toEqual([]);
}

/** Every aggregation from the first on: each snapshot starts where the previous one ended. */
function contiguous(recs: DamonRecord[]): number {
  let n = 0;
  for (const r of recs) {
    r.snapshots.forEach((s, i) => {
      if (i > 0) expect(s.start_time).toBe(r.snapshots[i - 1]!.end_time);
    });
    n += r.snapshots.length;
  }
  return n;
}

async function snapshotsIn(path: string): Promise<number> {
  if (!existsSync(path)) return 0;
  try {
    return (await readRecords(path)).reduce((n, r) => n + r.snapshots.length, 0);
  } catch {
    return 0;
  }
}

async function until(
  what: string,
  cond: () => Promise<boolean> | boolean,
  ms = scaled(60_000),
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Started {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

function start(args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { pid: child.pid!, exited, stderr: () => err };
}

const SIGNO = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

/**
 * Starts a recording, waits until its file holds `atLeast` snapshots (so a flush happened while it
 * ran), signals it, and checks the file: valid, every aggregation from the first, none of those seen
 * before the signal lost; the previous record kept as `.old`.
 */
async function signalled(
  args: string[],
  sig: keyof typeof SIGNO,
  atLeast = 2,
): Promise<{ seen: number; after: number }> {
  const p = place();
  const prev = previous(p.dir);
  // -o before the arguments: what follows `--` is the program's
  const rec = start([args[0]!, '-o', prev.path, ...args.slice(1)], p.env);
  let seen = 0;
  await until(
    `${atLeast} snapshots in the file`,
    // the first flush moves the previous record to .old
    async () => existsSync(`${prev.path}.old`) && (seen = await snapshotsIn(prev.path)) >= atLeast,
  );
  process.kill(rec.pid, sig);
  const end = await rec.exited;
  expect(end.code, rec.stderr()).toBe(128 + SIGNO[sig]);
  expect(rec.stderr()).toContain(`${sig}: recording stopped`);
  const after = contiguous(await readRecords(prev.path));
  expect(after).toBeGreaterThanOrEqual(seen);
  expect(readFileSync(`${prev.path}.old`)).toEqual(prev.bytes);
  noLeftovers(p);
  return { seen, after };
}

describe('record --help', () => {
  it('says what happens to the output, the exit status, and the userfaultfd limitation', () => {
    const r = spawnSync(process.execPath, [bin, 'record', '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(text).toContain('a file it replaces is kept as FILE.old');
    expect(text).toContain("Exit status: the launched program's (128+signal if killed)");
    expect(text).toContain("the program's own UFFDIO_REGISTER of that memory fails with EBUSY");
  });
});

describe('record on the simulated machine: what the user had is kept', () => {
  it('a refused or failed command leaves the existing record byte for byte, with no .old, no temp file, no spool', () => {
    const p = place();
    const prev = previous(p.dir);
    const refusals: [string[], number, RegExp][] = [
      [['--workload', 'zigzga'], 1, /unknown workload 'zigzga'/],
      [['--workload', cfg, '--seed', '-1'], 2, /--seed/],
      [['--workload', cfg, '--output_type', 'xml'], 2, /--output_type/],
      [['--trace', join(p.dir, 'no-such.trace')], 1, /no-such\.trace/],
      [['--workload', cfg, '--ops', 'fvaddr'], 2, /fvaddr/],
    ];
    for (const [args, code, msg] of refusals) {
      const r = run(['record', ...args, '-o', prev.path], p.env);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(readFileSync(prev.path)).toEqual(prev.bytes);
      expect(existsSync(`${prev.path}.old`)).toBe(false);
      noLeftovers(p);
    }
  });

  it('a new record replaces a regular file, which becomes .old; the one before that goes', async () => {
    const p = place();
    const prev = previous(p.dir);
    writeFileSync(`${prev.path}.old`, 'older');
    const r = run(['record', '--workload', cfg, '--timeout', '0.5', '-o', prev.path], p.env);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(`${prev.path}.old`)).toEqual(prev.bytes);
    expect(await snapshotsIn(prev.path)).toBe(5);
    noLeftovers(p);
  });

  it('-o to a FIFO, a symlink, a directory or a device node is refused before anything runs, and left as it was', () => {
    const p = place();
    const fifo = join(p.dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const target = join(p.dir, 'target.data');
    writeFileSync(target, 'the target');
    const link = join(p.dir, 'link.data');
    symlinkSync(target, link);
    const sub = join(p.dir, 'sub');
    mkdirSync(sub);
    const outs: [string, string][] = [
      [fifo, 'a FIFO'],
      [link, 'a symbolic link'],
      [sub, 'a directory'],
      [`${sub}/`, 'a directory'],
    ];
    if (process.getuid?.() === 0) {
      const dev = join(p.dir, 'null');
      execFileSync('mknod', [dev, 'c', '1', '3']);
      outs.push([dev, 'a device']);
    }
    for (const [out, kind] of outs) {
      // --workload with a typo is not reached: the output is checked first
      const r = run(['record', '--workload', cfg, '--timeout', '0.3', '-o', out], p.env);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toBe(
        `damon-ts: ${out} is ${kind}: a record is written only to a regular file; give another path\n`,
      );
    }
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('the target');
    expect(readdirSync(sub)).toEqual([]);
    expect(readdirSync(p.dir).sort()).toEqual(
      ['fifo', 'link.data', 'spool', 'sub', 'target.data', ...(outs.length > 4 ? ['null'] : [])].sort(),
    );
    noLeftovers(p);
  });

  it('-o in a directory that does not exist is refused with the directory named', () => {
    const p = place();
    const r = run(['record', '--workload', cfg, '-o', join(p.dir, 'nope', 'x.data')], p.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the directory .*nope does not exist/);
    noLeftovers(p);
  });

  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(
      `${sig} in the middle: a valid record with every aggregation completed, exit ${128 + SIGNO[sig]}`,
      async () => {
        await signalled(['record', '--workload', 'stairs', '--timeout', '1000000'], sig);
      },
      scaled(120_000),
    );
  }

  it(
    'SIGINT at any moment, from start-up on: the user has either the previous record or .old and a valid new one',
    async () => {
      for (const delayMs of [0, 150, 300, 600, 1200]) {
        const p = place();
        const prev = previous(p.dir);
        const rec = start(['record', '--workload', 'stairs', '--timeout', '1000000', '-o', prev.path], p.env);
        await new Promise((r) => setTimeout(r, delayMs));
        process.kill(rec.pid, 'SIGINT');
        await rec.exited;
        if (existsSync(`${prev.path}.old`)) {
          expect(readFileSync(`${prev.path}.old`)).toEqual(prev.bytes);
          contiguous(await readRecords(prev.path));
        } else {
          expect(readFileSync(prev.path)).toEqual(prev.bytes);
        }
        expect(readdirSync(p.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
      }
    },
    scaled(120_000),
  );

  it(
    'SIGKILL: the file was flushed in place while recording, what it holds is a valid record, and the next recording removes the dead spool',
    async () => {
      const p = place();
      const prev = previous(p.dir);
      const rec = start(['record', '--workload', 'stairs', '--timeout', '1000000', '-o', prev.path], p.env);
      let seen = 0;
      await until(
        'a first flush',
        async () => existsSync(`${prev.path}.old`) && (seen = await snapshotsIn(prev.path)) >= 1,
      );
      const ino = statSync(prev.path).ino;
      let later = 0;
      await until('a later flush', async () => (later = await snapshotsIn(prev.path)) > seen);
      // appended to, not replaced: the same file
      expect(statSync(prev.path).ino).toBe(ino);
      process.kill(rec.pid, 'SIGKILL');
      await rec.exited;
      expect(contiguous(await readRecords(prev.path))).toBeGreaterThanOrEqual(later);
      expect(readFileSync(`${prev.path}.old`)).toEqual(prev.bytes);
      expect(readdirSync(p.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
      // The killed process could not remove its spool; the next recording removes it.
      expect(readdirSync(p.spool)).toHaveLength(1);
      const next = start(
        ['record', '--workload', 'stairs', '--timeout', '1', '-o', join(p.dir, 'next.data')],
        p.env,
      );
      expect(await next.exited).toEqual({ code: 0, signal: null });
      expect(readdirSync(p.spool)).toEqual([]);
    },
    scaled(120_000),
  );
});

describe('record: a write that fails', () => {
  it(
    'a directory put at the output while recording: the write fails with a clear message, no temp file, no spool, the directory as it was',
    async () => {
      const p = place();
      const out = join(p.dir, 'x.data');
      const rec = start(['record', '-o', out, '--workload', 'stairs', '--timeout', '1000000'], p.env);
      // once the recording runs (its spool exists), the output becomes a directory
      await until('the spool', () => readdirSync(p.spool).length > 0);
      for (;;) {
        rmSync(out, { force: true });
        try {
          mkdirSync(out);
          break;
        } catch {
          // a flush put the file back in between: again
        }
      }
      writeFileSync(join(out, 'inside'), 'kept');
      process.kill(rec.pid, 'SIGINT');
      const end = await rec.exited;
      expect(end.code, rec.stderr()).toBe(1);
      expect(rec.stderr()).toMatch(/^damon-ts: cannot write the record .*x\.data: /m);
      expect(rec.stderr()).not.toMatch(/\n\s+at /);
      expect(readFileSync(join(out, 'inside'), 'utf8')).toBe('kept');
      noLeftovers(p);
    },
    scaled(120_000),
  );
});

describe('record --trace: what the user had is kept', () => {
  it(
    'a trace replaces the previous record, kept as .old (signals: the same loop as --workload)',
    async () => {
      const p = place();
      const trace = join(p.dir, 't.bin');
      const tw = new BinaryTraceWriter(trace, { pid: 4242, source: 'test' });
      for (let ms = 0; ms < 400; ms++)
        for (let k = 0; k < 16; k++) tw.append(ms * 1e6 + k, 0x10000000 + k * 4096, 8, 4242, 0, true);
      tw.close();
      const prev = previous(p.dir);
      const r = run(
        ['record', '--trace', trace, '--sample_primitives', 'page_fault', '-o', prev.path],
        p.env,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(`${prev.path}.old`)).toEqual(prev.bytes);
      expect(await snapshotsIn(prev.path)).toBeGreaterThan(0);
      noLeftovers(p);
    },
    scaled(120_000),
  );
});

const liveSkip = skipReason('record -- PROG (live page faults)', ['root', 'tracefs']);

describe.skipIf(liveSkip !== null)(
  "record -- PROG: the program's exit status, and what the user had is kept",
  () => {
    const live = ['record', '--sample_primitives', 'page_fault'];

    it(
      'passes on the exit status of the program, 128+signal for a killed one',
      () => {
        const p = place();
        const out = join(p.dir, 'x.data');
        expect(run([...live, '-o', out, '--', 'sh', '-c', 'exit 7'], p.env).code).toBe(7);
        expect(run([...live, '-o', out, '--', 'sh', '-c', 'exit 0'], p.env).code).toBe(0);
        expect(run([...live, '-o', out, '--', 'sh', '-c', 'kill -KILL $$'], p.env).code).toBe(137);
        expect(run([...live, '-o', out, '--', 'sh', '-c', 'kill -SEGV $$'], p.env).code).toBe(139);
        noLeftovers(p);
      },
      scaled(120_000),
    );

    it(
      'a --timeout that ends the program says so on stderr; the record holds the run',
      async () => {
        const p = place();
        const out = join(p.dir, 'x.data');
        const r = run([...live, '--timeout', '1', '-o', out, '--', 'sleep', '30'], p.env);
        expect(r.stderr).toContain('damon-ts: --timeout 1 s ended the program sleep 30 (signal SIGTERM)\n');
        expect(r.code).toBe(143);
        expect(await snapshotsIn(out)).toBeGreaterThan(0);
        noLeftovers(p);
      },
      scaled(60_000),
    );

    it(
      'a program that cannot start, or an output that is not a file, leaves the previous record and runs nothing',
      () => {
        const p = place();
        const prev = previous(p.dir);
        const r = run([...live, '-o', prev.path, '--', join(p.dir, 'no-such-program')], p.env);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/no-such-program/);
        expect(readFileSync(prev.path)).toEqual(prev.bytes);
        expect(existsSync(`${prev.path}.old`)).toBe(false);
        const fifo = join(p.dir, 'fifo');
        execFileSync('mkfifo', [fifo]);
        const marker = join(p.dir, 'ran');
        const f = run([...live, '-o', fifo, '--', 'touch', marker], p.env);
        expect(f.code).toBe(1);
        expect(f.stderr).toMatch(/fifo is a FIFO/);
        expect(existsSync(marker)).toBe(false);
        noLeftovers(p);
      },
      scaled(60_000),
    );

    it(
      'SIGINT in the middle: a valid record with every completed aggregation, exit 130, the program gone',
      async () => {
        const { after } = await signalled([...live, '--', 'sleep', '600'], 'SIGINT');
        expect(after).toBeGreaterThan(0);
        expect(spawnSync('pgrep', ['-x', '-f', 'sleep 600']).status).toBe(1);
      },
      scaled(120_000),
    );
  },
);

/** A running kdamond (the platform's, here) that `record ongoing` reads without changing it. */
function ongoingSkip(): string | null {
  const admin = '/sys/kernel/mm/damon/admin/kdamonds';
  if (skipReason('record ongoing', ['root', 'tracefs'])) return 'not root or no tracefs';
  if (!existsSync(admin)) return 'no DAMON sysfs interface';
  const n = Number(readFileSync(join(admin, 'nr_kdamonds'), 'utf8'));
  for (let i = 0; i < n; i++) {
    if (readFileSync(join(admin, String(i), 'state'), 'utf8').trim() !== 'on') continue;
    const aggr = Number(
      readFileSync(join(admin, String(i), 'contexts/0/monitoring_attrs/intervals/aggr_us'), 'utf8'),
    );
    return aggr <= 10_000_000 ? null : `kdamond ${i} aggregates every ${aggr / 1e6} s`;
  }
  return 'no kdamond is running';
}
const ongoing = ongoingSkip();
if (ongoing) console.log(`[skip] record ongoing signal test: ${ongoing}`);

describe.skipIf(ongoing !== null)('record ongoing (read only): what the user had is kept', () => {
  it(
    'SIGINT in the middle: a valid record with every aggregation read, exit 130',
    async () => {
      await signalled(['record', 'ongoing'], 'SIGINT', 1);
    },
    scaled(120_000),
  );
});
