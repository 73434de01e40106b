import { describe, expect, it } from 'vitest';
import type { GroundTruthInterval, GroundTruthWindow } from '../../src/backends/sim/ground-truth.js';
import { Machine, PAGE_SIZE } from '../../src/backends/sim/machine.js';

const MiB = 1 << 20;
const A = 0x30000000;

/**
 * A tiny workload with a known answer, 8 intervals of 1000 µs, windows of 4 intervals:
 * page 0 read every interval by the main thread (CPU 0), page 1 read in even intervals, page 2
 * written in interval 1 only by the second thread (CPU 1), page 3 never.
 */
function run(views?: { name: string; cpus?: number[]; tids?: number[] }[]) {
  const m = new Machine({
    memoryBytes: 64 * MiB,
    groundTruth: { intervalUs: 1000, windowUs: 4000, ...(views ? { views } : {}) },
  });
  const pid = m.createProcess('gt');
  const t2 = m.createThread(pid);
  m.mmap(pid, A, 4 * PAGE_SIZE);
  const windows: GroundTruthWindow[] = [];
  const intervals: GroundTruthInterval[] = [];
  m.groundTruth!.onWindow((w) => windows.push(w));
  m.groundTruth!.onInterval((i) => intervals.push(i));
  m.addWorkload({
    name: 'tiny',
    setup: () => undefined,
    run: (mm, from) => {
      const i = from / 1000;
      mm.access(pid, A, PAGE_SIZE, 64, 100, false);
      if (i % 2 === 0) mm.access(pid, A + PAGE_SIZE, PAGE_SIZE, 8, 3, false);
      if (i === 1) mm.access(t2, A + 2 * PAGE_SIZE, PAGE_SIZE, 64, 5, true);
      return true;
    },
  });
  m.advance(0, 3000);
  m.advance(3000, 8000); // one call spanning intervals: the machine cuts it at boundaries
  return { m, pid, t2, windows, intervals };
}

describe('ground truth', () => {
  it('counts per page the intervals of each window in which it was accessed, read or written', () => {
    const { m, pid, windows } = run();
    expect(windows.map((w) => [w.index, w.start, w.end, w.intervals])).toEqual([
      [0, 0, 4000, 4],
      [1, 4000, 8000, 4],
    ]);
    const [w0, w1] = windows as [GroundTruthWindow, GroundTruthWindow];
    expect(w0.virt.length).toBe(3);
    expect([...w0.virt.tgid]).toEqual([pid, pid, pid]);
    expect([...w0.virt.vpn]).toEqual([0, 1, 2].map((i) => A / PAGE_SIZE + i));
    const all0 = w0.virt.views[0]!;
    expect(all0.name).toBe('all');
    expect([...all0.accesses]).toEqual([4, 2, 1]);
    expect([...all0.reads]).toEqual([4, 2, 0]);
    expect([...all0.writes]).toEqual([0, 0, 1]);
    expect([...w1.virt.views[0]!.accesses]).toEqual([4, 2]);
    // Default views: one per CPU. Page 2 was written from CPU 1 only.
    expect(w0.virt.views.map((v) => v.name)).toEqual(['all', 'cpu0', 'cpu1']);
    expect([...w0.virt.views[1]!.accesses]).toEqual([4, 2, 0]);
    expect([...w0.virt.views[2]!.accesses]).toEqual([0, 0, 1]);
    // Physical side: the same counts, keyed by frame.
    const pfns = [0, 1, 2].map((i) => m.translate(pid, A + i * PAGE_SIZE) / PAGE_SIZE);
    const byPfn = new Map([...w0.phys.pfn].map((p, k) => [p, w0.phys.views[0]!.accesses[k]]));
    expect(pfns.map((p) => byPfn.get(p))).toEqual([4, 2, 1]);
    expect([...w0.phys.pfn]).toEqual([...w0.phys.pfn].sort((x, y) => x - y));
  });

  it("filters views by thread and lists every interval's accesses with thread and CPU", () => {
    // pids are deterministic: the process is 100, its second thread 101.
    const { pid, t2, windows, intervals } = run([
      { name: 'main', tids: [100] },
      { name: 't2', tids: [101] },
    ]);
    expect([pid, t2]).toEqual([100, 101]);
    expect(windows[0]!.virt.views.map((v) => v.name)).toEqual(['all', 'main', 't2']);
    expect([...windows[0]!.virt.views[1]!.accesses]).toEqual([4, 2, 0]);
    expect([...windows[0]!.virt.views[2]!.accesses]).toEqual([0, 0, 1]);
    expect(intervals).toHaveLength(8);
    const i1 = intervals[1]!;
    expect(i1.index).toBe(1);
    const rows = [...i1.vpn].map((v, k) => [v - A / PAGE_SIZE, i1.tid[k], i1.cpu[k], i1.isWrite[k]]);
    expect(rows).toEqual([
      [0, pid, 0, 0],
      [2, t2, 1, 1],
    ]);
    expect(intervals[2]!.length).toBe(2);
  });

  it('thread views count only that thread; finish() flushes a partial window', () => {
    const m = new Machine({
      memoryBytes: 64 * MiB,
      groundTruth: { intervalUs: 1000, windowUs: 4000, views: [] },
    });
    const pid = m.createProcess();
    m.mmap(pid, A, PAGE_SIZE);
    const windows: GroundTruthWindow[] = [];
    m.groundTruth!.onWindow((w) => windows.push(w));
    m.addWorkload({
      name: 'x',
      setup: () => undefined,
      run: (mm) => (mm.access(pid, A, PAGE_SIZE, 64, 1, true), true),
    });
    m.advance(0, 2500);
    expect(windows).toHaveLength(0);
    m.groundTruth!.finish(m.now);
    expect(windows.map((w) => [w.intervals, [...w.virt.views[0]!.writes]])).toEqual([[3, [3]]]);
  });

  it('memory follows touched pages: a sparse 1 GiB-apart pattern allocates one table per touch', () => {
    const m = new Machine({ memoryBytes: 64 * MiB, groundTruth: { intervalUs: 1000, windowUs: 1000 } });
    const pid = m.createProcess();
    m.mmap(pid, 0, 2 ** 45);
    let pages = 0;
    m.groundTruth!.onWindow((w) => (pages += w.virt.length));
    for (let i = 0; i < 100; i++) m.access(pid, i * 2 ** 30, PAGE_SIZE, 64, 1, false);
    m.advance(0, 1000);
    expect(pages).toBe(100);
  });
});
