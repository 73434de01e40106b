import { describe, expect, it } from 'vitest';
import { Machine, PAGE_SIZE, HUGE_PAGE_SIZE } from '../../src/backends/sim/machine.js';
import { estimateOverhead, zeroCosts, DEFAULT_COST_MODEL } from '../../src/backends/sim/costs.js';

const MiB = 1 << 20;
const A = 0x40000000;

function twoNodes(cfg = {}) {
  const m = new Machine({ memoryBytes: 64 * MiB, nodes: 2, cpus: 2, ...cfg });
  const pid = m.createProcess();
  m.mmap(pid, A, 8 * MiB);
  return { m, pid };
}

describe('NUMA nodes and free lists', () => {
  it("allocates on the faulting CPU's node and keeps per-node counts", () => {
    const { m, pid } = twoNodes();
    const t1 = m.createThread(pid); // round-robin: CPU 1, node 1
    expect([m.cpuNode(0), m.cpuNode(1)]).toEqual([0, 1]);
    m.access(pid, A, 4 * PAGE_SIZE, PAGE_SIZE, 4, true);
    m.access(t1, A + MiB, 2 * PAGE_SIZE, PAGE_SIZE, 2, true);
    expect(m.nodeOf(m.translate(pid, A))).toBe(0);
    expect(m.nodeOf(m.translate(pid, A + MiB))).toBe(1);
    expect(m.nodeStats().map((s) => [s.node, s.usedFrames, s.freeFrames])).toEqual([
      [0, 4, 8192 - 4],
      [1, 2, 8192 - 2],
    ]);
  });

  it('falls back to the next node when one is full, and fails clearly when all are', () => {
    const m = new Machine({ memoryBytes: 4 * MiB, nodes: 2, cpus: 2 });
    const pid = m.createProcess();
    m.mmap(pid, A, 8 * MiB);
    m.access(pid, A, 4 * MiB, PAGE_SIZE, 1024, false);
    expect(m.nodeStats().map((s) => s.usedFrames)).toEqual([512, 512]);
    expect(() => m.access(pid, A + 4 * MiB, PAGE_SIZE, 64, 1, false)).toThrow(/out of simulated memory/);
  });
});

describe('page out, unmap, migrate', () => {
  it('a paged-out page comes back with a major fault', () => {
    const { m, pid } = twoNodes();
    m.access(pid, A, PAGE_SIZE, 64, 1, true);
    expect(m.pageOut(pid, A)).toBe(true);
    expect(m.pte(pid, A)).toMatchObject({ present: false, swapped: true });
    expect(m.nodeStats()[0]!.usedFrames).toBe(0);
    m.access(pid, A, PAGE_SIZE, 64, 1, false);
    expect(m.costs).toMatchObject({ minorFaults: 1, majorFaults: 1, unmaps: 1 });
    expect(m.pte(pid, A)).toMatchObject({ present: true, swapped: false });
    expect(m.pageOut(pid, A + PAGE_SIZE)).toBe(false);
  });

  it('paging out a shared frame unmaps it everywhere; the next touch from either is major', () => {
    const m = new Machine({ memoryBytes: 64 * MiB });
    const a = m.createProcess();
    const b = m.createProcess();
    m.mmap(a, A, MiB, { shared: 's' });
    m.mmap(b, A, MiB, { shared: 's' });
    m.access(a, A, PAGE_SIZE, 64, 1, false);
    m.access(b, A, PAGE_SIZE, 64, 1, false);
    expect(m.pageOutPhys(m.translate(a, A))).toBe(true);
    expect([m.translate(a, A), m.translate(b, A)]).toEqual([-1, -1]);
    m.access(b, A, PAGE_SIZE, 64, 1, false);
    m.access(a, A, PAGE_SIZE, 64, 1, false);
    expect(m.costs.majorFaults).toBe(1); // b brought it back; a finds it in the page cache
    expect(m.translate(a, A)).toBe(m.translate(b, A));
  });

  it('migrates a frame to another node, repointing every mapping', () => {
    const { m, pid } = twoNodes();
    m.access(pid, A, PAGE_SIZE, 64, 1, true);
    const old = m.translate(pid, A);
    const nu = m.migratePhys(old + 5, 1);
    expect(m.nodeOf(nu)).toBe(1);
    expect(m.translate(pid, A + 5)).toBe(nu);
    expect(m.pte(pid, A)).toMatchObject({ present: true, dirty: true });
    expect(m.nodeStats().map((s) => s.usedFrames)).toEqual([0, 1]);
    expect(m.migratePhys(nu, 1)).toBe(nu);
    expect(m.migratePhys(old, 0)).toBe(-1); // freed frame
    expect(() => m.migratePhys(nu, 2)).toThrow(/no node 2/);
    expect(m.costs.migrations).toBe(1);
  });

  it('describes a frame: folio, mappings, node, LRU state', () => {
    const m = new Machine({ memoryBytes: 64 * MiB, thp: true });
    const a = m.createProcess();
    const b = m.createProcess();
    m.mmap(a, A, 2 * MiB);
    m.mmap(a, A + 4 * MiB, MiB, { shared: 'f' });
    m.mmap(b, A, MiB, { shared: 'f' });
    m.access(a, A, PAGE_SIZE, 64, 1, false);
    m.access(a, A + 4 * MiB, PAGE_SIZE, 64, 1, false);
    m.access(b, A, PAGE_SIZE, 64, 1, false);
    const huge = m.translate(a, A);
    expect(m.frameInfo(huge + 3 * PAGE_SIZE)).toEqual({
      head: huge,
      folioSize: HUGE_PAGE_SIZE,
      fileBacked: false,
      mappings: [{ tgid: a, vaddr: A }],
      node: 0,
      active: false,
    });
    const shared = m.frameInfo(m.translate(b, A))!;
    expect(shared.fileBacked).toBe(true);
    expect(shared.mappings).toEqual([
      { tgid: a, vaddr: A + 4 * MiB },
      { tgid: b, vaddr: A },
    ]);
    expect(m.frameInfo(60 * MiB)).toBe(null);
    expect(m.frameInfo(1e12)).toBe(null);
  });

  it('migrates and pages out a THP as a whole folio', () => {
    const m = new Machine({ memoryBytes: 64 * MiB, nodes: 2, cpus: 2, thp: true });
    const pid = m.createProcess();
    m.mmap(pid, A, 4 * MiB);
    m.access(pid, A, 2 * MiB, PAGE_SIZE, 512, false);
    const nu = m.migratePhys(m.translate(pid, A + 3 * PAGE_SIZE), 1);
    expect(m.translate(pid, A + 3 * PAGE_SIZE)).toBe(nu);
    expect(m.translate(pid, A) % HUGE_PAGE_SIZE).toBe(0);
    expect(m.nodeStats().map((s) => s.usedFrames)).toEqual([0, 512]);
    expect(m.pageOut(pid, A)).toBe(true);
    expect(m.nodeStats().map((s) => s.usedFrames)).toEqual([0, 0]);
    m.access(pid, A + PAGE_SIZE, PAGE_SIZE, 64, 1, false);
    expect(m.costs.majorFaults).toBe(1);
    expect(m.young(pid, A + PAGE_SIZE).folioSize).toBe(PAGE_SIZE);
  });
});

describe('LRU lists', () => {
  it('frames walked since the last scan are active, the others inactive (TLB hits are invisible)', () => {
    const withTlb = twoNodes();
    withTlb.m.access(withTlb.pid, A, PAGE_SIZE, 64, 1, false);
    withTlb.m.lruScan();
    withTlb.m.access(withTlb.pid, A, PAGE_SIZE, 64, 1, false); // TLB hit: no walk, no reference
    withTlb.m.lruScan();
    expect(withTlb.m.isActive(withTlb.m.translate(withTlb.pid, A))).toBe(false);
    const { m, pid } = twoNodes({ tlbEntries: 0 });
    m.access(pid, A, 4 * PAGE_SIZE, PAGE_SIZE, 4, false);
    m.lruScan();
    const frames = [0, 1, 2, 3].map((i) => m.translate(pid, A + i * PAGE_SIZE));
    expect(m.lruList(0, 'active')).toEqual([...frames].sort((x, y) => x - y));
    m.access(pid, A + PAGE_SIZE, PAGE_SIZE, 64, 1, false);
    expect(m.lruScan(0)).toBe(4);
    expect(m.lruList(0, 'active')).toEqual([frames[1]]);
    expect(m.nodeStats()[0]).toMatchObject({ activeFrames: 1, inactiveFrames: 3 });
    m.setLruActive(frames[2]!, true);
    expect(m.isActive(frames[2]!)).toBe(true);
    m.setLruActive(frames[1]!, false);
    expect(m.lruList(0, 'inactive')).toEqual([frames[0], frames[1], frames[3]].sort((x, y) => x! - y!));
  });
});

describe('cost model', () => {
  it('prices each counted event and separates what monitoring induced', () => {
    const c = zeroCosts();
    c.minorFaults = 2;
    c.damonFaults = 3;
    c.mkold = 10;
    c.tlbFlushes = 1;
    const e = estimateOverhead(c);
    expect(e.byKind.damonFault).toBe(3 * DEFAULT_COST_MODEL.damonFault);
    expect(e.monitoringNs).toBe(
      3 * DEFAULT_COST_MODEL.damonFault + 10 * DEFAULT_COST_MODEL.mkold + DEFAULT_COST_MODEL.tlbFlush,
    );
    expect(e.totalNs).toBe(e.monitoringNs + 2 * DEFAULT_COST_MODEL.minorFault);
    expect(estimateOverhead(c, { ...DEFAULT_COST_MODEL, mkold: 0 }).byKind.mkold).toBe(0);
  });

  it('counts shootdown IPIs for the CPUs running the address space', () => {
    const m = new Machine({ memoryBytes: 64 * MiB, cpus: 4 });
    const pid = m.createProcess();
    m.createThread(pid);
    m.createThread(pid);
    m.mmap(pid, A, MiB);
    m.access(pid, A, PAGE_SIZE, 64, 1, false);
    m.protect(pid, A, 'none');
    expect(m.costs.tlbShootdownIpis).toBe(2);
  });
});
