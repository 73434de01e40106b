import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PageFaultSource } from '../../src/backends/live/fault-source.js';
import { recordLivePageFaults } from '../../src/backends/live/live-record.js';
import type { ReportBatch } from '../../src/core/types.js';
import { fixtureBinary, lines, skipReason, tracefsMounts } from './kernel-features.js';

const skip = skipReason('page-fault source tests', ['root', 'tracefs', 'cc']) !== null;
const NW = 64;
const NR = 32;

/** Per page of the child's buffer: the first report seen. */
function collect(base: () => number) {
  const pages = new Map<number, { write: boolean; cpu: number; tid: number; tgid: number }>();
  let times: number[] = [];
  const sink = (b: ReportBatch): void => {
    for (let i = 0; i < b.length; i++) {
      const p = Math.floor((b.vaddr[i]! - base()) / 4096);
      times.push(b.time[i]!);
      if (p >= 0 && p < NW + NR && !pages.has(p))
        pages.set(p, { write: b.isWrite[i] === 1, cpu: b.cpu[i]!, tid: b.tid[i]!, tgid: b.tgid[i]! });
    }
  };
  return { pages, sink, times: () => times, reset: () => (times = []) };
}

describe.skipIf(skip)('page-fault source on the real kernel', () => {
  it('sees first-touch faults with write flags, threads and CPUs of a running process', async () => {
    const child = spawn(fixtureBinary('writer'), [String(NW), String(NR)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const next = lines(child);
    try {
      const base = parseInt((await next()).split(' ')[1]!, 16);
      const c = collect(() => base);
      const src = new PageFaultSource({ pid: child.pid! });
      const t0 = Number(process.hrtime.bigint() / 1000n);
      src.start(c.sink);
      child.stdin!.write('go\n');
      const threads = new Map<number, { tid: number; cpu: number }>();
      for (let l = await next(); l !== 'done'; l = await next()) {
        const [, k, tid, cpu] = l.split(' ').map(Number);
        threads.set(k!, { tid: tid!, cpu: cpu! });
      }
      const stats = src.stop();
      expect(stats.lost).toBe(0);
      expect(stats.reports).toBeGreaterThanOrEqual(NW + NR);
      for (let p = 0; p < NW + NR; p++) {
        const r = c.pages.get(p);
        expect(r, `page ${p}`).toBeDefined();
        const writer = p < NW ? threads.get(p < NW / 2 ? 0 : 1)! : threads.get(0)!;
        expect(r).toEqual({ write: p < NW, cpu: writer.cpu, tid: writer.tid, tgid: child.pid });
      }
      expect(new Set([threads.get(0)!.cpu, threads.get(1)!.cpu])).toEqual(new Set([0, 1]));
      // Times are CLOCK_MONOTONIC µs: after the start and not in the future.
      const now = Number(process.hrtime.bigint() / 1000n);
      expect(Math.min(...c.times())).toBeGreaterThanOrEqual(t0);
      expect(Math.max(...c.times())).toBeLessThanOrEqual(now);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('traces a launched command from its first instruction and cleans up', async () => {
    let n = 0;
    let writes = 0;
    const mountsBefore = tracefsMounts();
    const run = await recordLivePageFaults(
      { cmd: '/bin/sh', args: ['-c', 'exit 0'], stdio: 'ignore' },
      (b) => {
        n += b.length;
        for (let i = 0; i < b.length; i++) writes += b.isWrite[i]!;
      },
    );
    expect(await run.exited).toBe(0);
    const stats = await run.stop();
    // Loading sh and libc faults in dozens of pages, reads (text) and writes (data, stack).
    expect(n).toBeGreaterThan(20);
    expect(writes).toBeGreaterThan(5);
    expect(writes).toBeLessThan(n);
    expect(stats).toMatchObject({ reports: n, lost: 0 });
    expect(tracefsMounts()).toEqual(mountsBefore);
    expect(existsSync(`/proc/${run.pid}`)).toBe(false);
  });

  it('names a missing process', () => {
    expect(() => new PageFaultSource({ pid: 0x3fffffff }).start(() => undefined)).toThrow(
      /process 1073741823 does not exist/,
    );
  });
});
