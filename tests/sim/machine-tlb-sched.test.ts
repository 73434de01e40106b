import { describe, expect, it } from 'vitest';
import type { AccessReport } from '../../src/core/types.js';
import { Machine, PAGE_SIZE, type Workload } from '../../src/backends/sim/machine.js';

const MiB = 1 << 20;
const HOT = 0x20000000;

/**
 * One sample of each primitive on a small hot set that the thread touches all the time: the
 * Accessed-bit primitive (mkold, run, check young) and the fault primitive (protect, run, count
 * reports). Returns how many of the hot pages each primitive saw accessed.
 */
function sampleHotSet(tlbEntries: number): { pageTable: number; pageFault: number } {
  const m = new Machine({ memoryBytes: 64 * MiB, tlbEntries });
  const pid = m.createProcess('hot');
  const pages = 16;
  m.mmap(pid, HOT, pages * PAGE_SIZE);
  const run = () => m.access(pid, HOT, pages * PAGE_SIZE, 64, 10_000, false);
  run();
  let pageTable = 0;
  for (let i = 0; i < pages; i++) m.mkold(pid, HOT + i * PAGE_SIZE);
  run();
  for (let i = 0; i < pages; i++) if (m.young(pid, HOT + i * PAGE_SIZE).young) pageTable++;
  const seen = new Set<number>();
  m.onDamonFault((r) => seen.add(r.vaddr - (r.vaddr % PAGE_SIZE)));
  for (let i = 0; i < pages; i++) m.protect(pid, HOT + i * PAGE_SIZE, 'none');
  run();
  return { pageTable, pageFault: seen.size };
}

describe('TLB model', () => {
  it('Accessed-bit sampling misses a TLB-resident hot set (mkold does not flush)', () => {
    expect(sampleHotSet(1536)).toEqual({ pageTable: 0, pageFault: 16 });
  });

  it('without a TLB model both primitives see every hot page', () => {
    expect(sampleHotSet(0)).toEqual({ pageTable: 16, pageFault: 16 });
  });

  it('pages evicted by a larger working set are walked again and become young', () => {
    const m = new Machine({ memoryBytes: 64 * MiB, tlbEntries: 64 });
    const pid = m.createProcess();
    m.mmap(pid, HOT, 8 * MiB);
    m.access(pid, HOT, PAGE_SIZE, 64, 1, false);
    m.mkold(pid, HOT);
    m.access(pid, HOT + PAGE_SIZE, 4 * MiB, PAGE_SIZE, 1024, false); // 1024 other pages evict it
    m.access(pid, HOT, PAGE_SIZE, 64, 1, false);
    expect(m.young(pid, HOT).young).toBe(true);
  });

  it('unmap flushes: the next access faults again instead of using a stale translation', () => {
    const m = new Machine({ memoryBytes: 64 * MiB });
    const pid = m.createProcess();
    m.mmap(pid, HOT, MiB);
    m.access(pid, HOT, PAGE_SIZE, 64, 1, false);
    expect(m.unmap(pid, HOT)).toBe(true);
    expect(m.translate(pid, HOT)).toBe(-1);
    m.access(pid, HOT, PAGE_SIZE, 64, 1, false);
    expect(m.costs.minorFaults).toBe(2);
    expect(m.costs.tlbFlushes).toBe(1);
  });
});

describe('scheduler', () => {
  it('places unpinned threads round-robin, honours pins, and reports the CPU of each access', () => {
    const m = new Machine({ memoryBytes: 64 * MiB, cpus: 4 });
    const pid = m.createProcess();
    const t1 = m.createThread(pid);
    const t2 = m.createThread(pid, { cpu: 3 });
    const t3 = m.createThread(pid);
    expect([pid, t1, t2, t3].map((t) => m.threadCpu(t))).toEqual([0, 1, 3, 2]);
    expect(m.threadsOf(pid)).toEqual([pid, t1, t2, t3]);
    expect(() => m.createThread(pid, { cpu: 4 })).toThrow(/CPU/);
    m.mmap(pid, HOT, MiB);
    const cpus: number[] = [];
    m.onDamonFault((r) => cpus.push(r.cpu));
    for (const [i, t] of [pid, t1, t2, t3].entries()) {
      m.access(t, HOT + i * PAGE_SIZE, PAGE_SIZE, 64, 1, false);
      m.protect(pid, HOT + i * PAGE_SIZE, 'none');
      m.access(t, HOT + i * PAGE_SIZE, PAGE_SIZE, 64, 1, false);
    }
    expect(cpus).toEqual([0, 1, 3, 2]);
    m.setThreadCpu(t1, 2);
    expect(m.threadCpu(t1)).toBe(2);
  });

  it('is deterministic: the same seed gives the same reports and costs', () => {
    const run = (seed: number) => {
      const m = new Machine({ memoryBytes: 64 * MiB, cpus: 2, seed });
      const pid = m.createProcess();
      const t2 = m.createThread(pid);
      m.mmap(pid, HOT, 4 * MiB);
      const reports: AccessReport[] = [];
      m.onDamonFault((r) => reports.push(r));
      const w: Workload = {
        name: 'rand',
        setup: () => undefined,
        run: (mm, from, to) => {
          const n = ((to - from) * mm.config.accessesPerSecond) / 1e6;
          mm.accessRandom(pid, HOT, 4 * MiB, 64, n / 2, false);
          mm.accessRandom(t2, HOT, 4 * MiB, 64, n / 2, true);
          return true;
        },
      };
      m.addWorkload(w);
      for (let t = 0; t < 50_000; t += 5_000) {
        for (let i = 0; i < 64; i++) m.protect(pid, HOT + i * 64 * 1024, i % 2 ? 'write' : 'none');
        m.advance(t, t + 5_000);
      }
      return { reports, costs: { ...m.costs } };
    };
    const a = run(7);
    expect(a.reports.length).toBeGreaterThan(50);
    expect(run(7)).toEqual(a);
    expect(run(8).reports).not.toEqual(a.reports);
  });
});

describe('virtual time', () => {
  it('report times are the faulting access time, spread over the span at the access rate', () => {
    const m = new Machine({ memoryBytes: 64 * MiB, accessesPerSecond: 1e6 }); // 1 access per µs
    const pid = m.createProcess();
    m.mmap(pid, HOT, MiB);
    m.access(pid, HOT, 64 * PAGE_SIZE, PAGE_SIZE, 64, false);
    const times = new Map<number, number>();
    m.onDamonFault((r) => times.set((r.vaddr - HOT) / PAGE_SIZE, r.time));
    for (let i = 0; i < 64; i++) m.protect(pid, HOT + i * PAGE_SIZE, 'none');
    m.addWorkload({
      name: 'seq',
      setup: () => undefined,
      // 1000 accesses in [1000, 2000): access j at 1000 + j µs; page i first touched by access i.
      run: (mm, from, to) => (mm.access(pid, HOT, 64 * PAGE_SIZE, PAGE_SIZE, to - from, false), true),
    });
    m.advance(1000, 2000);
    expect(times.get(0)).toBe(1000);
    expect(times.get(10)).toBe(1010);
    expect(times.get(63)).toBe(1063);
    expect(m.now).toBe(2000);
    expect(() => m.advance(1500, 2500)).toThrow(/before machine time/);
  });

  it('clamps the times of an over-budget batch into the span', () => {
    const m = new Machine({ memoryBytes: 64 * MiB, accessesPerSecond: 1e6 });
    const pid = m.createProcess();
    m.mmap(pid, HOT, MiB);
    m.access(pid, HOT, MiB, PAGE_SIZE, 256, false);
    const times: number[] = [];
    m.onDamonFault((r) => times.push(r.time));
    m.protect(pid, HOT + 255 * PAGE_SIZE, 'none');
    m.addWorkload({
      name: 'x',
      setup: () => undefined,
      run: (mm) => (mm.access(pid, HOT, MiB, PAGE_SIZE, 256, false), false),
    });
    m.advance(0, 100);
    expect(times).toEqual([99]);
    expect(m.workloadsFinished).toBe(true);
  });
});

describe('TLB replacement', () => {
  it('a hot set re-touched every span stays resident while a cold random stream passes through', () => {
    const m = new Machine({ memoryBytes: 256 * MiB });
    const pid = m.createProcess();
    const COLD = 0x40000000;
    m.mmap(pid, HOT, 16 * PAGE_SIZE);
    m.mmap(pid, COLD, 128 * MiB);
    const span = () => {
      m.access(pid, HOT, 16 * PAGE_SIZE, 64, 50_000, false);
      m.accessRandom(pid, COLD, 128 * MiB, 64, 20_000, false); // ~20k distinct cold pages: 13x the TLB
    };
    span();
    span();
    for (let i = 0; i < 16; i++) m.mkold(pid, HOT + i * PAGE_SIZE);
    span();
    let young = 0;
    for (let i = 0; i < 16; i++) if (m.young(pid, HOT + i * PAGE_SIZE).young) young++;
    expect(young).toBe(0);
    // The cold pages, used once each, did not stay: most of them walk again.
    const walks = m.costs.pageWalks;
    m.accessRandom(pid, COLD, 128 * MiB, 64, 1000, false);
    expect(m.costs.pageWalks - walks).toBeGreaterThan(900);
  });
});
