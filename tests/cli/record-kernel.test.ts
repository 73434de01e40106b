/** `record paddr` on the real kernel's DAMON; skipped (with the reason) where it cannot run. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/reader.js';
import { ensureBuilt, run, smallWorkloadDir } from '../session/cli-helpers.js';

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
  it.skipIf(reason !== null)('records paddr for a second and leaves DAMON as found', async () => {
    const before = readFileSync(join(admin, 'nr_kdamonds'), 'utf8');
    const out = join(dir, 'k.data');
    const r = run(['record', 'paddr', '--timeout', '1', '-o', out]);
    expect(r.code).toBe(0);
    const recs = await readRecords(out);
    expect(recs.length).toBeGreaterThan(0);
    expect(recs[0]!.snapshots.length).toBeGreaterThan(3);
    expect(readFileSync(join(admin, 'nr_kdamonds'), 'utf8')).toBe(before);
  });

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

  it('a command that cannot be started fails with its name, exit 1', () => {
    const r = run(['record', '-o', join(dir, 'never.data'), '--', 'damon-ts-no-such-program']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot start damon-ts-no-such-program/);
  });
});
