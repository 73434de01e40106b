/**
 * `report dirty` on a real program, end to end as a user runs it: `damon-ts record --sample_primitives
 * page_fault --exp_ops_write_only y -o FILE -- dirtier 128 16 SECONDS` (tests/live/fixtures/dirtier.c:
 * 128 MiB written once, then 16 MiB rewritten round after round), then `report dirty --json`. The
 * program dirties 16 MiB in every 1 s window after its fill; the report's median over those windows
 * must be within 25 % of it. Windows are picked by the record's own times (time 0 is when the
 * program starts), not by timing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, ensureBuilt, root } from '../cli-helpers.js';
import { scaled } from '../time-scale.js';
import { fixtureBinary, helperLibrary, skipReason } from './kernel-features.js';

const MiB = 1 << 20;
const HOT_MIB = 16;
const skip = skipReason('report dirty live test', ['root', 'tracefs', 'cc', 'userfaultfd']) !== null;
let dir = '';

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: scaled(120_000),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (skip) return;
  ensureBuilt();
  helperLibrary();
  dir = mkdtempSync(join(tmpdir(), 'damon-ts-dirty-live-'));
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip)('report dirty of a live write-only record', () => {
  it(
    'the dirty rate of a program rewriting 16 MiB is 16 MiB/s within 25 %; the forecast converges on 10 Gbit/s',
    () => {
      const file = join(dir, 'dirtier.data');
      const rec = cli([
        'record',
        '--sample_primitives',
        'page_fault',
        '--exp_ops_write_only',
        'y',
        '-o',
        file,
        '--',
        fixtureBinary('dirtier'),
        '128',
        String(HOT_MIB),
        '7',
      ]);
      expect(rec.code, rec.stderr).toBe(0);
      const filled = /^filled (\S+)/m.exec(rec.stdout);
      expect(filled, rec.stdout).not.toBeNull();
      const r = cli(['report', 'dirty', '-i', file, '--json']);
      expect(r.stderr).toBe('');
      const [t] = JSON.parse(r.stdout) as {
        setup: string;
        windows: { startUs: number; endUs: number; rate: number }[];
        forecast: { converges: boolean; rounds: number };
      }[];
      expect(t!.setup).toMatch(/^damon-ts live write_only/);
      // Windows starting a second after the fill (the regions have adapted), ending before the exit.
      const from = (Number(filled![1]) + 1) * 1e6;
      const to = (Number(filled![1]) + 7) * 1e6;
      const rates = t!.windows.filter((w) => w.startUs >= from && w.endUs <= to).map((w) => w.rate / MiB);
      console.log(`dirtier: ${rates.map((x) => x.toFixed(1)).join(', ')} MiB/s after the fill`);
      expect(rates.length).toBeGreaterThanOrEqual(3);
      const median = [...rates].sort((a, b) => a - b)[rates.length >> 1]!;
      expect(median).toBeGreaterThanOrEqual(HOT_MIB * 0.75);
      expect(median).toBeLessThanOrEqual(HOT_MIB * 1.25);
      expect(t!.forecast.converges).toBe(true);
    },
    scaled(180_000),
  );
});
