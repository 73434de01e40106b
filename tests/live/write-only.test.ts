import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTracefs } from '../../src/backends/tracefs/mount.js';
import { processRunning } from '../../src/backends/live/proc-maps.js';
import {
  HELPER_ENV,
  launchWithUffdHelper,
  type LaunchedProgram,
} from '../../src/backends/live/uffd-helper.js';
import { WriteOnlySource } from '../../src/backends/live/write-only-source.js';
import { recordLiveWriteOnly } from '../../src/backends/live/live-record.js';
import type { ReportBatch } from '../../src/core/types.js';
import {
  fixtureBinary,
  helperLibrary,
  lines,
  REPO,
  skipReason,
  spawnTs,
  tracefsMounts,
} from './kernel-features.js';

const skip = skipReason('write-only source tests', ['root', 'tracefs', 'cc', 'userfaultfd']) !== null;
/** Whether the page holding addr is write-protected by userfaultfd (pagemap bit 57). */
function uffdProtected(pid: number, addr: number): boolean {
  const fd = openSync(`/proc/${pid}/pagemap`, 'r');
  try {
    const e = Buffer.alloc(8);
    readSync(fd, e, 0, 8, Math.floor(addr / PAGE) * 8);
    return (e.readBigUInt64LE(0) & (1n << 57n)) !== 0n;
  } finally {
    closeSync(fd);
  }
}

const NW = 64;
const NR = 32;
const PAGE = 4096;

interface Seen {
  vaddr: number;
  size: number;
  cpu: number;
  tid: number;
  tgid: number;
  isWrite: number;
}

function recorder(): { sink: (b: ReportBatch) => void; seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    sink: (b) => {
      for (let i = 0; i < b.length; i++)
        seen.push({
          vaddr: b.vaddr[i]!,
          size: b.size[i]!,
          cpu: b.cpu[i]!,
          tid: b.tid[i]!,
          tgid: b.tgid[i]!,
          isWrite: b.isWrite[i]!,
        });
    },
  };
}

/** Launches the writer child with the helper; returns it, its buffer base and a line reader. */
async function launchWriter(
  protect: 'none' | 'all',
): Promise<{ prog: LaunchedProgram; next: () => Promise<string> }> {
  const prog = await launchWithUffdHelper(fixtureBinary('writer'), [String(NW), String(NR)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    protect,
  });
  return { prog, next: lines(prog.child) };
}

/** Lets the writer's threads run; returns thread k → {tid, cpu}. */
async function runThreads(
  prog: LaunchedProgram,
  next: () => Promise<string>,
): Promise<Map<number, { tid: number; cpu: number }>> {
  prog.child.stdin!.write('go\n');
  const threads = new Map<number, { tid: number; cpu: number }>();
  for (let l = await next(); l !== 'done'; l = await next()) {
    const [, k, tid, cpu] = l.split(' ').map(Number);
    threads.set(k!, { tid: tid!, cpu: cpu! });
  }
  return threads;
}

describe.skipIf(skip)('write-only monitoring with the uffd-wp helper', () => {
  beforeAll(() => {
    process.env[HELPER_ENV] = helperLibrary();
  });
  afterAll(() => {
    delete process.env[HELPER_ENV];
  });

  it('exact mode reports exactly the written pages, with their threads and CPUs', async () => {
    const { prog, next } = await launchWriter('all');
    const r = recorder();
    const src = new WriteOnlySource({ pid: prog.pid, exact: true });
    try {
      src.start(r.sink);
      prog.go();
      const base = parseInt((await next()).split(' ')[1]!, 16);
      src.sample(); // the program's start-up writes
      r.seen.length = 0;
      const threads = await runThreads(prog, next);
      src.sample();
      const inBuf = r.seen.filter((s) => s.vaddr >= base && s.vaddr < base + (NW + NR) * PAGE);
      const pages = inBuf.map((s) => (s.vaddr - base) / PAGE).sort((a, b) => a - b);
      expect(pages).toEqual(Array.from({ length: NW }, (_, i) => i)); // all written, none of the read-only
      for (const s of inBuf) {
        const t = threads.get((s.vaddr - base) / PAGE < NW / 2 ? 0 : 1)!;
        expect(s).toMatchObject({ size: PAGE, isWrite: 1, tid: t.tid, cpu: t.cpu, tgid: prog.pid });
      }
      expect(new Set([...threads.values()].map((t) => t.cpu))).toEqual(new Set([0, 1]));
      // Nothing written since: the next interval reports nothing in the buffer.
      r.seen.length = 0;
      src.sample();
      expect(r.seen.filter((s) => s.vaddr >= base && s.vaddr < base + (NW + NR) * PAGE)).toEqual([]);
      const stats = src.stop();
      expect(stats.lost).toBe(0);
      expect(stats.pagesWritten).toBeGreaterThanOrEqual(NW);
    } finally {
      src.stop();
      prog.child.kill('SIGKILL');
    }
  });

  it('sampling mode: only the armed pages are protected, and an armed page is reported iff written', async () => {
    const { prog, next } = await launchWriter('none');
    const r = recorder();
    const src = new WriteOnlySource({ pid: prog.pid });
    try {
      src.start(r.sink);
      prog.go();
      const base = parseInt((await next()).split(' ')[1]!, 16);
      // Armed: inside written page 3 and 40 (threads 0 and 1), a read-only page, an unmapped one.
      const addrs = [
        base + 3 * PAGE + 123,
        base + 40 * PAGE + 8,
        base + (NW + 5) * PAGE + 1,
        base - 100 * PAGE,
      ];
      src.arm(Float64Array.from(addrs), addrs.length);
      const threads = await runThreads(prog, next);
      src.sample(1234);
      expect(r.seen.map((s) => s.vaddr)).toEqual([addrs[0], addrs[1]]);
      expect(r.seen.map((s) => [s.tid, s.cpu, s.size])).toEqual([
        [threads.get(0)!.tid, threads.get(0)!.cpu, 1],
        [threads.get(1)!.tid, threads.get(1)!.cpu, 1],
      ]);
      const st = src.stats();
      // One write fault per armed page that was written; the other 62 written pages never faulted.
      expect(st.faultsSeen).toBe(2);
      expect(st.armed).toBe(3); // the unmapped address cannot be armed
      // Re-armed on the same pages without new writes: nothing is reported.
      r.seen.length = 0;
      src.arm(Float64Array.from(addrs), addrs.length);
      src.sample(2345);
      expect(r.seen).toEqual([]);
      // Armed pages only: an unarmed written page is writable, the armed unwritten one protected;
      // once monitoring stops, nothing the monitor protected stays protected.
      expect([10, NW + 5].map((p) => uffdProtected(prog.pid, base + p * PAGE))).toEqual([false, true]);
      src.stop();
      expect(uffdProtected(prog.pid, addrs[2]!)).toBe(false);
    } finally {
      src.stop();
      prog.child.kill('SIGKILL');
    }
  });

  it('names the helper failure for a program that cannot take it', async () => {
    process.env[HELPER_ENV] = '/nonexistent/helper.so';
    try {
      await expect(launchWithUffdHelper('true', [])).rejects.toThrow(
        /needs the preload helper \/nonexistent\/helper.so: build it with 'bash scripts\/build-native.sh'/,
      );
    } finally {
      process.env[HELPER_ENV] = helperLibrary();
    }
  });

  it('kills the program and removes its trace instance when the monitor gets SIGINT', async () => {
    const mounts = tracefsMounts();
    const mon = spawnTs(join(REPO, 'tests/live/fixtures/monitor-write-only.mts'));
    mon.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
    const info = JSON.parse(await lines(mon)()) as { pid: number; instances: string[] };
    expect(info.instances.length).toBe(1);
    expect(processRunning(info.pid)).toBe(true);
    const exited = new Promise((r) => mon.once('exit', (_c, s) => r(s)));
    mon.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    // Killed (a zombie until its new parent reaps it counts as gone).
    for (let i = 0; i < 100 && processRunning(info.pid); i++) await new Promise((r) => setTimeout(r, 20));
    expect(processRunning(info.pid)).toBe(false);
    const root = findTracefs();
    if (root)
      expect(readdirSync(join(root, 'instances')).filter((n) => info.instances.includes(n))).toEqual([]);
    expect(tracefsMounts()).toEqual(mounts);
  });
});

describe.skipIf(skip)('recordLiveWriteOnly (the record command entry point)', () => {
  beforeAll(() => {
    process.env[HELPER_ENV] = helperLibrary();
  });
  afterAll(() => {
    delete process.env[HELPER_ENV];
  });

  it('launches, reports every written page of the program in exact mode, and kills it on stop', async () => {
    const r = recorder();
    let launched = -1;
    let reportsBeforeLaunch = 0;
    const run = await recordLiveWriteOnly(
      {
        cmd: fixtureBinary('hotset'),
        args: ['8', '4'],
        exact: true,
        stdio: 'pipe',
        onLaunched: (pid) => {
          launched = pid;
          reportsBeforeLaunch = r.seen.length;
        },
      },
      r.sink,
    );
    expect(launched).toBe(run.pid);
    expect(reportsBeforeLaunch).toBe(0);
    const base = parseInt((await lines(run.child!)()).split(' ')[1]!, 16);
    await new Promise((res) => setTimeout(res, 200));
    run.source.sample();
    const stats = await run.stop(true);
    expect(await run.exited).toBe(0); // hotset ends cleanly on SIGTERM
    const pages = new Set(
      r.seen.filter((s) => s.vaddr >= base && s.vaddr < base + (8 << 20)).map((s) => s.vaddr),
    );
    expect(pages.size).toBe(2048); // the prefault wrote all 8 MiB
    expect(r.seen.every((s) => s.tgid === run.pid && s.isWrite === 1)).toBe(true);
    expect(stats.reports).toBe(r.seen.length);
    expect(stats.samples).toBe(1);
  });
});
