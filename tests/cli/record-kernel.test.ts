/** `record paddr` on the real kernel's DAMON; skipped (with the reason) where it cannot run. */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DamonSysfs } from '../../src/backends/kernel/sysfs.js';
import { treeListing } from '../../src/backends/kernel/tree.js';
import { readRecords } from '../../src/records/reader.js';
import { bin, ensureBuilt, run, smallWorkloadDir } from '../cli-helpers.js';
import { scaled } from '../time-scale.js';

/** What record prints on stderr off a terminal: progress lines (runs over 5 s), then what it wrote. */
const RECORD_DONE = /^(record: .*\n)*damon-ts: wrote \S+: \d+ snapshots, [\d.]+ s( virtual)?\n$/;

const admin = '/sys/kernel/mm/damon/admin/kdamonds';
function whyNot(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync(admin)) return 'no DAMON sysfs interface';
  const n = Number(readFileSync(join(admin, 'nr_kdamonds'), 'utf8'));
  for (let i = 0; i < n; i++) {
    if (readFileSync(join(admin, String(i), 'state'), 'utf8').trim() === 'on')
      return `kdamond ${i} is already running (not ours; record would need --force)`;
  }
  return null;
}
const reason = whyNot();
if (reason) console.log(`record-kernel tests skipped: ${reason}`);

/** A running kdamond's index and aggregation interval (µs), for `record ongoing`. */
function runningKdamond(): { index: number; aggrUs: number } | null {
  if (process.getuid?.() !== 0 || !existsSync(admin)) return null;
  const n = Number(readFileSync(join(admin, 'nr_kdamonds'), 'utf8'));
  for (let i = 0; i < n; i++) {
    if (readFileSync(join(admin, String(i), 'state'), 'utf8').trim() !== 'on') continue;
    const aggr = readFileSync(
      join(admin, String(i), 'contexts/0/monitoring_attrs/intervals/aggr_us'),
      'utf8',
    );
    return { index: i, aggrUs: Number(aggr) };
  }
  return null;
}
const running = runningKdamond();
if (!running) console.log('record ongoing test skipped: no kdamond is running (or not root / no DAMON)');
const { dir } = smallWorkloadDir();
beforeAll(ensureBuilt, 120_000);

describe('damon-ts record on the kernel', () => {
  it.skipIf(reason !== null)(
    'records paddr for a second and leaves DAMON as found',
    { tags: ['vm-must-pass'] },
    async () => {
      const before = readFileSync(join(admin, 'nr_kdamonds'), 'utf8');
      const out = join(dir, 'k.data');
      const r = run(['record', 'paddr', '--timeout', '1', '-o', out]);
      expect(r.stderr).toMatch(RECORD_DONE);
      expect(r.code).toBe(0);
      const recs = await readRecords(out);
      expect(recs.length).toBeGreaterThan(0);
      expect(recs[0]!.snapshots.length).toBeGreaterThan(3);
      expect(readFileSync(join(admin, 'nr_kdamonds'), 'utf8')).toBe(before);
    },
  );

  // Read only: works on a kdamond damon-ts did not start, and must leave it exactly as found.
  it.skipIf(running === null || running.aggrUs > 10_000_000)(
    'record ongoing reads the running kdamond without changing it',
    async () => {
      const { index, aggrUs } = running!;
      const state = () =>
        ['state', 'pid', 'contexts/0/monitoring_attrs/intervals/aggr_us'].map((f) =>
          readFileSync(join(admin, String(index), f), 'utf8'),
        );
      const before = state();
      const out = join(dir, 'ongoing.data');
      const r = run(['record', 'ongoing', '--timeout', String((2.5 * aggrUs) / 1e6), '-o', out]);
      expect(r.code).toBe(0);
      const recs = await readRecords(out);
      expect(recs.reduce((n, rec) => n + rec.snapshots.length, 0)).toBeGreaterThan(0);
      expect(recs[0]!.snapshots[0]!.regions.length).toBeGreaterThan(0);
      expect(state()).toEqual(before);
    },
    60_000,
  );

  // Where DAMON is free (here in the VM tests): the control commands one after the other, as an
  // operator runs them, and the reports read both kinds of kernel records.
  it.skipIf(reason !== null)(
    'start, report damon, tune, record ongoing, DAMOS stats, stop; record --snapshot; reports read the records',
    { tags: ['vm-must-pass'], timeout: scaled(60_000) },
    async () => {
      const before = treeListing(new DamonSysfs());
      const ok = (args: string[]) => {
        const r = run(args);
        expect(r.code, `damon-ts ${args.join(' ')}: ${r.stderr}`).toBe(0);
        return r.stdout;
      };
      const snap = join(dir, 'snap.data');
      ok(['record', 'paddr', '--snapshot', '200ms', '3', '-o', snap]);
      const snaps = (await readRecords(snap)).flatMap((r) => r.snapshots);
      expect(snaps.length).toBe(3);
      expect(snaps.every((s) => s.regions.length > 0)).toBe(true);
      expect(ok(['report', 'wss', '-i', snap, '--exclude_samples', '0'])).toMatch(/^# avr:\t/m);
      expect(treeListing(new DamonSysfs())).toEqual(before);

      ok(['start', 'paddr', '--damos_action', 'stat']);
      try {
        expect(ok(['report', 'damon', '--kdamonds_summary'])).toMatch(
          /^kdamond 0: state on, pid \d+, ops paddr, targets 1, schemes 1 \(started by damon-ts\)$/m,
        );
        ok(['tune', 'paddr', '--damos_action', 'stat', '-a', '200ms']);
        expect(
          readFileSync(join(admin, '0/contexts/0/monitoring_attrs/intervals/aggr_us'), 'utf8').trim(),
        ).toBe('200000');
        const ongoing = join(dir, 'ongoing-own.data');
        ok(['record', 'ongoing', '--timeout', '1', '-o', ongoing]);
        expect((await readRecords(ongoing)).flatMap((r) => r.snapshots).length).toBeGreaterThan(0);
        expect(ok(['report', 'access', '-i', ongoing])).toMatch(/^total size: /m);
        // DAMOS on the kernel: the stat scheme's stats and tried regions, read back.
        const damos = JSON.parse(ok(['report', 'damon', '--damos_stats', '--tried_regions', '--json'])) as {
          damos_stats: { action: string; stats: Record<string, number>; tried_regions: unknown[] }[];
        };
        expect(damos.damos_stats[0]!.action).toBe('stat');
        expect(damos.damos_stats[0]!.stats.nr_tried).toBeGreaterThan(0);
        expect(damos.damos_stats[0]!.tried_regions.length).toBeGreaterThan(0);
      } finally {
        ok(['stop']);
      }
      expect(treeListing(new DamonSysfs())).toEqual(before);
    },
  );

  // What the user had is kept on the kernel path too (here where DAMON is free: in the VM tests).
  it.skipIf(reason !== null)(
    'record paddr: a refused command and an output that is not a file leave everything as it was',
    { tags: ['vm-must-pass'], timeout: scaled(60_000) },
    () => {
      const before = treeListing(new DamonSysfs());
      const prev = join(dir, 'prev.data');
      writeFileSync(prev, 'the previous record');
      const fifo = join(dir, 'k.fifo');
      execFileSync('mkfifo', [fifo]);
      const f = run(['record', 'paddr', '--timeout', '1', '-o', fifo]);
      expect(f.code).toBe(1);
      expect(f.stderr).toMatch(/k\.fifo is a FIFO/);
      expect(lstatSync(fifo).isFIFO()).toBe(true);
      expect(treeListing(new DamonSysfs())).toEqual(before);
      const ok = (args: string[]) => expect(run(args).code).toBe(0);
      ok(['start', 'paddr']);
      try {
        // damon-ts already runs a kdamond: refused
        const r = run(['record', 'paddr', '--timeout', '1', '-o', prev]);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/already runs/);
        expect(readFileSync(prev, 'utf8')).toBe('the previous record');
        expect(existsSync(`${prev}.old`)).toBe(false);
        expect(readdirSync(dir).filter((x) => x.includes('.tmp-'))).toEqual([]);
      } finally {
        ok(['stop']);
      }
      expect(treeListing(new DamonSysfs())).toEqual(before);
    },
  );

  it.skipIf(reason !== null)(
    'record paddr: SIGINT in the middle leaves a valid record with every aggregation read, the previous one as .old, DAMON as found',
    { tags: ['vm-must-pass'], timeout: scaled(90_000) },
    async () => {
      const before = treeListing(new DamonSysfs());
      const out = join(dir, 'sig.data');
      writeFileSync(out, 'the previous record');
      const child = spawn(process.execPath, [bin, 'record', 'paddr', '-o', out], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
      const snapshots = async () => {
        try {
          return (await readRecords(out)).reduce((n, r) => n + r.snapshots.length, 0);
        } catch {
          return 0;
        }
      };
      let seen = 0;
      const deadline = Date.now() + scaled(60_000);
      while (!(existsSync(`${out}.old`) && (seen = await snapshots()) >= 3)) {
        if (Date.now() > deadline) throw new Error(`no flushed snapshots in time: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill('SIGINT');
      expect(await exited, stderr).toBe(130);
      const recs = await readRecords(out);
      for (const r of recs)
        r.snapshots.forEach((s, i) => i > 0 && expect(s.start_time).toBe(r.snapshots[i - 1]!.end_time));
      expect(recs.reduce((n, r) => n + r.snapshots.length, 0)).toBeGreaterThanOrEqual(seen);
      expect(readFileSync(`${out}.old`, 'utf8')).toBe('the previous record');
      expect(treeListing(new DamonSysfs())).toEqual(before);
    },
  );

  it('a command that cannot be started fails with its name, exit 1', () => {
    const r = run(['record', '-o', join(dir, 'never.data'), '--', 'damon-ts-no-such-program']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot start damon-ts-no-such-program/);
  });
});
