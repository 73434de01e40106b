import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Machine } from '../../src/backends/sim/machine.js';
import { BinaryTraceWriter } from '../../src/backends/trace/binary-trace.js';
import { traceReports } from '../../src/backends/trace/trace-reports.js';
import { TraceWorkload } from '../../src/backends/trace/trace-workload.js';
import { FakeMachine } from '../workloads/fake-machine.js';

const dir = mkdtempSync(join(tmpdir(), 'damon-ts-tw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 1 instruction per µs (ips 1e6): instruction k runs at k µs.
const LOG = [
  '==300== Lackey',
  'I  04,1',
  ' L 7f0000001008,8', // t=1 µs, main thread
  ' L 7f0000001010,8', // same page, same kind: coalesced
  ' S 7f0000001010,8',
  'I  05,1',
  'SYSCALL[300,1](56) sys_clone ( 3d0f00, 0x1, 0x2, 0x3, 0x4 ) --> [pre-success] Success(0x12d)',
  '--300--   SCHED[2]:  acquired lock (thread_wrapper(starting new thread))',
  'I  06,1',
  ' L 7f0000200000,8', // t=3 µs, thread 301, another 1 MiB window
  ...Array.from({ length: 9 }, () => 'I  07,1'),
  '--300--   SCHED[1]:  acquired lock (VG_(vg_yield))',
  ' S 1000,4', // t=12 µs, main thread again
  '',
].join('\n');

describe('trace replay workload', () => {
  it('replays a lackey log span by span: threads, VMA windows, grouped batches', () => {
    const path = join(dir, 'a.log');
    writeFileSync(path, LOG);
    const m = new FakeMachine();
    const w = new TraceWorkload(path, { instructionsPerSecond: 1e6 });
    w.setup(m);
    const pid = w.mainPid!;
    expect(w.run(m, 100, 104)).toBe(true); // t0 = 100: records at 1 and 3 µs
    expect(m.calls.map((c) => [c.tid, c.start, c.count, c.isWrite])).toEqual([
      [pid, 0x7f0000001008, 2, false],
      [pid, 0x7f0000001010, 1, true],
      [m.threads[1]!.tid, 0x7f0000200000, 1, false],
    ]);
    expect(m.mmaps.map((x) => [x.start, x.length])).toEqual([
      [0x7f0000000000, 1 << 20],
      [0x7f0000200000, 1 << 20],
    ]);
    expect(w.run(m, 104, 112)).toBe(true); // the record at 12 µs is not in [104, 112)
    expect(m.calls).toHaveLength(3);
    expect(w.run(m, 112, 120)).toBe(false);
    expect(m.calls[3]).toMatchObject({ tid: pid, start: 0x1000, count: 1, isWrite: true });
    expect(m.exited).toEqual([pid]);
    expect(w.accesses).toBe(5);
  });

  it('runs on the simulated machine and follows record CPUs', () => {
    const path = join(dir, 'b.trace');
    const bw = new BinaryTraceWriter(path, { pid: 7 });
    for (let i = 0; i < 1000; i++)
      bw.append(i * 10_000, 0x10000000 + (i % 50) * 4096, 8, i % 2 ? 7 : 8, i % 2, i % 3 === 0);
    bw.close();
    const m = new Machine({ accessesPerSecond: 1e8, seed: 1 });
    const w = new TraceWorkload(path);
    m.addWorkload(w);
    for (let t = 0; t < 20_000; t += 1000) m.advance(t, t + 1000);
    expect(w.accesses).toBe(1000);
    expect(m.costs.accesses).toBe(1000);
    expect(m.processAlive(w.mainPid!)).toBe(false);
  });

  it('groups a span by (thread, page, kind) in first-touch order', () => {
    const path = join(dir, 'g.trace');
    const bw = new BinaryTraceWriter(path, { pid: 1 });
    const pages = [5, 9, 5, 5, 9, 7];
    pages.forEach((p, i) => bw.append(i, p * 4096 + i, 4, 1, -1, i === 3));
    bw.close();
    const m = new FakeMachine();
    const w = new TraceWorkload(path);
    w.setup(m);
    expect(w.run(m, 0, 1)).toBe(false);
    expect(m.calls.map((c) => [c.start, c.count, c.isWrite])).toEqual([
      [5 * 4096, 2, false],
      [9 * 4096 + 1, 2, false],
      [5 * 4096 + 3, 1, true],
      [7 * 4096 + 5, 1, false],
    ]);
  });

  it('rejects a VMA window that is not whole pages', () => {
    expect(() => new TraceWorkload('x', { vmaWindowBytes: 1000 })).toThrow(
      /vmaWindowBytes must be a positive multiple of 4096/,
    );
  });
});

describe('trace report stream', () => {
  it('yields report batches with vaddr, tid, tgid, write and µs times', async () => {
    const path = join(dir, 'c.log');
    writeFileSync(path, LOG);
    const got: unknown[] = [];
    for await (const b of traceReports(path, { instructionsPerSecond: 1e6, startUs: 50 })) {
      for (let i = 0; i < b.length; i++)
        got.push([b.time[i], b.vaddr[i], b.paddr[i], b.tid[i], b.tgid[i], b.isWrite[i]]);
    }
    expect(got).toEqual([
      [51, 0x7f0000001008, -1, 300, 300, 0],
      [51, 0x7f0000001010, -1, 300, 300, 0],
      [51, 0x7f0000001010, -1, 300, 300, 1],
      [53, 0x7f0000200000, -1, 0x12d, 300, 0],
      [62, 0x1000, -1, 300, 300, 1],
    ]);
  });

  it('names the file when it cannot be read', async () => {
    await expect(traceReports(join(dir, 'missing.log')).next()).rejects.toThrow(
      /missing\.log: cannot read trace/,
    );
  });
});
