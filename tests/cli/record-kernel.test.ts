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
});
