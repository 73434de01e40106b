/** `damon-ts trace` under the real valgrind (skipped, with the reason, where valgrind or cc is missing). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkValgrind } from '../../src/backends/trace/capture.js';
import { openTraceSync } from '../../src/backends/trace/trace-file.js';
import { runCli } from '../../src/interfaces/cli/program.js';

const has = (cmd: string) => !spawnSync(cmd, ['--version']).error;
const missing = ['valgrind', 'cc'].filter((c) => !has(c));
if (missing.length) console.log(`trace CLI tests skipped: ${missing.join(' and ')} not found`);

const dir = mkdtempSync(join(tmpdir(), 'damon-ts-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const prog = join(dir, 'two-threads');

describe.skipIf(missing.length > 0)('damon-ts trace (real valgrind)', () => {
  it('captures a two-thread program as a binary trace with per-thread records', async () => {
    const src = fileURLToPath(new URL('./fixtures/two-threads.c', import.meta.url));
    const cc = spawnSync('cc', ['-O1', '-pthread', '-o', prog, src], { encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);
    const out = join(dir, 'tt.trace');
    expect(await runCli(['trace', '-o', out, '--', prog])).toBe(0);
    const r = openTraceSync(out);
    const writesByTid = new Map<number, Set<number>>();
    let n = 0;
    let last = 0;
    for (const b of r.batches) {
      for (let i = 0; i < b.length; i++) {
        expect(b.timeNs[i]!).toBeGreaterThanOrEqual(last);
        last = b.timeNs[i]!;
        n++;
        if (b.isWrite[i]) {
          let s = writesByTid.get(b.tid[i]!);
          if (!s) writesByTid.set(b.tid[i]!, (s = new Set()));
          s.add(Math.floor(b.addr[i]! / 4096));
        }
      }
    }
    expect(r.info.source).toBe('lackey');
    expect(r.info.command).toEqual([prog]);
    expect(n).toBeGreaterThan(10_000);
    const tids = [...writesByTid.keys()];
    // The main thread (tid = pid) and two workers with real OS tids (no unknown, negative tids).
    expect(tids).toContain(r.info.pid);
    expect(tids.filter((t) => t !== r.info.pid && t > 0)).toHaveLength(2);
    expect(tids.every((t) => t > 0)).toBe(true);
  });

  it('keeps the lackey text with --format lackey', async () => {
    const out = join(dir, 'tt.log');
    expect(await runCli(['trace', '-o', out, '--format', 'lackey', '--', prog])).toBe(0);
    const head = readFileSync(out, 'latin1').slice(0, 4000);
    expect(head).toMatch(/^==\d+== Lackey/);
    expect(head).toMatch(/SCHED\[1\]/);
  });

  it('is a usage error with a bad --instructions_per_second, and a clear error without valgrind', async () => {
    expect(await runCli(['trace', '--instructions_per_second', 'x', '--', 'true'])).toBe(2);
    const path = process.env.PATH;
    try {
      process.env.PATH = dir;
      expect(() => checkValgrind()).toThrow(/valgrind is not available .*install valgrind/);
    } finally {
      process.env.PATH = path;
    }
  });
});
