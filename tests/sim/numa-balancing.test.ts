/**
 * NUMA balancing on the simulated machine (scanner, hinting faults, two-stage filter, scan period)
 * and the exact remote-access counts of numa-truth, on hand-built machines whose answers are known.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/backends/sim/machine.js';
import { NumaBalancing } from '../../src/backends/sim/numa-balancing.js';
import { remoteFraction, trackRemoteAccesses } from '../../src/backends/sim/numa-truth.js';

const MiB = 1 << 20;
const PAGE = 4096;
const BASE = 0x10000000;

/** 2 nodes, CPU 0 on node 0 and CPU 1 on node 1; a process with a thread on each CPU. */
function twoNodes(extra: { numaBalancing?: boolean; groundTruth?: boolean } = {}) {
  const m = new Machine({
    memoryBytes: 64 * MiB,
    nodes: 2,
    cpus: 2,
    tlbEntries: 0,
    numaBalancing: extra.numaBalancing ?? false,
    groundTruth: extra.groundTruth ? { intervalUs: 1000, windowUs: 10_000 } : false,
  });
  const pid = m.createProcess('p');
  m.setThreadCpu(pid, 0);
  const t1 = m.createThread(pid, { cpu: 1 });
  m.mmap(pid, BASE, 4 * MiB);
  return { m, pid, t0: pid, t1 };
}

describe('NUMA balancing on the simulated machine', () => {
  it('needs a machine whose protection faults are hinting faults', () => {
    const { m } = twoNodes();
    expect(() => new NumaBalancing(m)).toThrow(/numaBalancing: true/);
  });

  it('scans after the delay, then migrates a remote page to the faulting CPU on its first hinting fault', () => {
    const { m, pid, t1 } = twoNodes({ numaBalancing: true });
    // 16 pages first touched by node 1's thread: they live on node 1.
    m.access(t1, BASE, 16 * PAGE, PAGE, 16, true);
    expect(m.nodeOf(m.translate(pid, BASE))).toBe(1);
    const nb = new NumaBalancing(m, { scanDelayUs: 1000, scanPeriodMinUs: 1000 });
    m.advance(0, 999);
    expect(nb.stats.pteUpdates).toBe(0);
    m.advance(999, 1001);
    expect(nb.stats.pteUpdates).toBe(16);
    expect(m.pte(pid, BASE)!.protection).toBe('none');
    // Node 0's thread touches 4 of them: 4 hinting faults, 4 pages moved to node 0.
    m.access(pid, BASE, 4 * PAGE, PAGE, 4, false);
    expect(nb.stats).toMatchObject({ hintFaults: 4, hintFaultsLocal: 0, pagesMigrated: 4 });
    expect(m.costs.numaHintingFaults).toBe(4);
    expect(m.costs.migrations).toBe(4);
    for (let i = 0; i < 4; i++) expect(m.nodeOf(m.translate(pid, BASE + i * PAGE))).toBe(0);
    // Node 1's thread touches the next 4: local faults, nothing moves.
    m.access(t1, BASE + 4 * PAGE, 4 * PAGE, PAGE, 4, false);
    expect(nb.stats).toMatchObject({ hintFaults: 8, hintFaultsLocal: 4, pagesMigrated: 4 });
    nb.stop();
  });

  it('two-stage filter: a page whose previous hinting fault came from another node stays', () => {
    const { m, pid, t1 } = twoNodes({ numaBalancing: true });
    m.access(t1, BASE, PAGE, PAGE, 1, true); // on node 1
    const nb = new NumaBalancing(m, { scanDelayUs: 10, scanPeriodMinUs: 10 });
    m.advance(0, 11); // pass 1 at 10
    m.access(t1, BASE, PAGE, PAGE, 1, false); // local fault, last = node 1
    m.advance(11, 22); // pass 2 at 20 (then the period grows to 13: all faults were local)
    m.access(pid, BASE, PAGE, PAGE, 1, false); // node 0 faults, last was node 1: stays
    expect(m.nodeOf(m.translate(pid, BASE))).toBe(1);
    m.advance(22, 34); // pass 3 at 33
    m.access(pid, BASE, PAGE, PAGE, 1, false); // node 0 again: moves
    expect(m.nodeOf(m.translate(pid, BASE))).toBe(0);
    expect(nb.stats).toMatchObject({ hintFaults: 3, hintFaultsLocal: 1, pagesMigrated: 1 });
  });

  it('a pass makes at most scanSizeBytes of present pages PROT_NONE and the next continues after it', () => {
    const m = new Machine({ memoryBytes: 64 * MiB, nodes: 2, numaBalancing: true });
    const pid = m.createProcess('p');
    m.mmap(pid, BASE, 64 * PAGE);
    m.access(pid, BASE, 64 * PAGE, PAGE, 64, true);
    const nb = new NumaBalancing(m, { scanDelayUs: 10, scanPeriodMinUs: 10, scanSizeBytes: 40 * PAGE });
    m.advance(0, 11);
    expect(nb.stats.pteUpdates).toBe(40);
    expect(m.pte(pid, BASE + 39 * PAGE)!.protection).toBe('none');
    expect(m.pte(pid, BASE + 40 * PAGE)!.protection).toBe(null);
    m.advance(11, 19);
    expect(nb.stats.pteUpdates).toBe(40);
    // Pass 2 at 20 protects the 24 remaining pages, wraps and finds the first 40 still protected.
    m.advance(19, 21);
    expect(nb.stats.pteUpdates).toBe(64);
    // No fault in between: the period doubled to 20, so nothing happens before 40; then the pass
    // starts over from the first page, which a fault has unprotected.
    m.access(pid, BASE, PAGE, PAGE, 1, false);
    m.advance(21, 39);
    expect(nb.stats.pteUpdates).toBe(64);
    m.advance(39, 41);
    expect(nb.stats.pteUpdates).toBe(65);
  });

  it('a process started later waits for its own scan delay; stop() ends scanning', () => {
    const { m, pid } = twoNodes({ numaBalancing: true });
    m.access(pid, BASE, 4 * PAGE, PAGE, 4, true);
    const nb = new NumaBalancing(m, { scanDelayUs: 100, scanPeriodMinUs: 1000 });
    m.advance(0, 101);
    expect(nb.stats).toMatchObject({ scans: 1, pteUpdates: 4 });
    const late = m.createProcess('late');
    m.mmap(late, BASE, 4 * PAGE);
    m.access(late, BASE, 4 * PAGE, PAGE, 4, true);
    // Found by the tick at 200, scanned after its own delay, at 300.
    m.advance(101, 299);
    expect(nb.stats.scans).toBe(1);
    expect(m.pte(late, BASE)!.protection).toBe(null);
    m.advance(299, 301);
    expect(m.pte(late, BASE)!.protection).toBe('none');
    expect(nb.stats.scans).toBe(2);
    nb.stop();
    m.advance(301, 5000);
    expect(nb.stats.scans).toBe(2);
  });

  it('the scan period grows while the faults are local', () => {
    const { m, pid } = twoNodes({ numaBalancing: true });
    m.access(pid, BASE, 16 * PAGE, PAGE, 16, true); // all on node 0, touched by node 0
    const nb = new NumaBalancing(m, { scanDelayUs: 100, scanPeriodMinUs: 100 });
    const passes: number[] = [];
    for (let t = 0; t < 600; t++) {
      const before = nb.stats.pteUpdates;
      m.advance(t, t + 1);
      if (nb.stats.pteUpdates > before) passes.push(t);
      m.access(pid, BASE, 16 * PAGE, PAGE, 16, false);
    }
    const gaps = passes.slice(1).map((p, i) => p - passes[i]!);
    // All local: each update adds 3 tenths of the period (100, 130, 169).
    expect(gaps.slice(0, 3)).toEqual([100, 130, 169]);
    expect(nb.stats.hintFaultsLocal).toBe(nb.stats.hintFaults);
    expect(nb.stats.pagesMigrated).toBe(0);
  });
});

describe('exact remote-access counts (numa-truth)', () => {
  it('counts page accesses per CPU and interval, remote when the CPU is on another node than the frame', () => {
    const { m, pid, t1 } = twoNodes({ groundTruth: true });
    const tr = trackRemoteAccesses(m);
    // 10 pages on node 0 (first touch by CPU 0), 6 on node 1 (CPU 1).
    m.access(pid, BASE, 10 * PAGE, PAGE, 10, true);
    m.access(t1, BASE + 10 * PAGE, 6 * PAGE, PAGE, 6, true);
    m.advance(0, 1000);
    // Interval 1: CPU 1 reads the 10 node-0 pages (remote) twice (one count), CPU 0 reads 3 of them.
    m.access(t1, BASE, 10 * PAGE, PAGE, 20, false);
    m.access(pid, BASE, 3 * PAGE, PAGE, 3, false);
    m.advance(1000, 2000);
    // Interval 2: CPU 0 reads the 6 node-1 pages (remote).
    m.access(pid, BASE + 10 * PAGE, 6 * PAGE, PAGE, 6, false);
    m.advance(2000, 10_000);
    m.groundTruth!.finish(10_000);
    expect(tr.windows).toHaveLength(1);
    const w = tr.windows[0]!;
    // Interval 0: 16 local first touches; interval 1: 10 remote + 3 local; interval 2: 6 remote.
    expect(w.accesses).toBe(16 + 13 + 6);
    expect(w.remote).toBe(16);
    expect(w.byNode).toEqual([
      [10 + 3, 6],
      [10, 6],
    ]);
    expect(remoteFraction(w)).toBeCloseTo(16 / 35, 12);
  });

  it('refuses a machine without ground truth or with custom views', () => {
    expect(() => trackRemoteAccesses(twoNodes().m)).toThrow(/no groundTruth/);
    const m = new Machine({
      memoryBytes: 64 * MiB,
      nodes: 2,
      groundTruth: { intervalUs: 1000, windowUs: 10_000, views: [{ name: 'x', cpus: [0] }] },
    });
    expect(() => trackRemoteAccesses(m)).toThrow(/default per-CPU views/);
  });
});
