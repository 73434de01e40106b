/**
 * `damon-ts replay FILE`: the process really touches the memory the record says was accessed. Two
 * 3 s records of the same address space (48 MiB accessed in every sample plus 16 MiB never accessed,
 * and the same with nothing accessed) are replayed; once a progress notice says two snapshots are
 * done, the anonymous resident memory of the first replay exceeds the second's by the 48 MiB.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordHeader, type DamonRecord } from '../../src/records/types.js';
import { writeRecordsFile } from '../../src/records/write-file.js';
import { repo } from '../cli/damo-golden.js';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'damon-ts-replay-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 30 snapshots of 100 ms: [base, +48 MiB) with `samples` accesses, then 16 MiB never accessed. */
function record(path: string, samples: number): void {
  const base = 0x7f0000000000;
  const region = (start: number, end: number, n: number) => ({
    start,
    end,
    nr_accesses: { samples: n, percent: null },
    age: { usec: null, aggr_intervals: 0 },
    sz_filter_passed: 0,
  });
  const rec: DamonRecord = {
    ...recordHeader({
      target_id: 0,
      kdamond_idx: 0,
      context_idx: 0,
      intervals: { sample_us: 5000, aggr_us: 100_000, ops_update_us: 1_000_000 },
    }),
    snapshots: Array.from({ length: 30 }, (_, i) => ({
      start_time: i * 100e6,
      end_time: (i + 1) * 100e6,
      regions: [region(base, base + 48 * MiB, samples), region(base + 48 * MiB, base + 64 * MiB, 0)],
    })),
  };
  writeRecordsFile(path, [rec], 'json');
}

/** Runs the replay; returns its RssAnon (bytes) read when it reported 2 snapshots done, and its output. */
function replayRss(path: string): Promise<{ rss: number; out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(repo, 'dist/interfaces/cli/main.js'), 'replay', '--progress_notice_interval', '0.2', path],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let rss = -1;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const done = [...out.matchAll(/^(\d+)\/30 snapshots replayed/gm)].map((m) => Number(m[1]));
      if (rss < 0 && done.some((n) => n >= 2 && n < 30)) {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        rss = Number(/^RssAnon:\s+(\d+) kB/m.exec(status)![1]) * 1024;
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ rss, out, code }));
  });
}

describe('replay (a real process)', () => {
  it('makes resident the memory the record accessed, and only that', async () => {
    const hot = join(dir, 'hot.data');
    const idle = join(dir, 'idle.data');
    record(hot, 20);
    record(idle, 0);
    const [h, i] = await Promise.all([replayRss(hot), replayRss(idle)]);
    for (const r of [h, i]) {
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/all snapshots are replayed\n$/);
      expect(r.rss, r.out).toBeGreaterThan(0);
    }
    const grown = (h.rss - i.rss) / MiB;
    expect(grown).toBeGreaterThan(44);
    expect(grown).toBeLessThan(56);
  }, 60_000);
});
