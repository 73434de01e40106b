import { describe, expect, it } from 'vitest';
import type { AccessReport } from '../../src/core/types.js';
import * as layout from '../../src/backends/sim/layout.js';
import { HUGE_PAGE_SIZE, Machine, PAGE_SIZE, PTES_PER_TABLE } from '../../src/backends/sim/machine.js';

const MiB = 1 << 20;
const BASE = 0x10000000;

function setup(cfg: ConstructorParameters<typeof Machine>[0] = {}): { m: Machine; pid: number } {
  const m = new Machine({ memoryBytes: 256 * MiB, ...cfg });
  const pid = m.createProcess('t');
  m.mmap(pid, BASE, 8 * MiB);
  return { m, pid };
}

describe('machine geometry', () => {
  it('uses the same page geometry as layout.ts', () => {
    expect(PAGE_SIZE).toBe(layout.PAGE_SIZE);
    expect(PTES_PER_TABLE).toBe(layout.PTES_PER_TABLE);
    expect(HUGE_PAGE_SIZE).toBe(layout.HUGE_PAGE_SIZE);
  });
});

describe('demand paging', () => {
  it('maps a frame on first touch and counts one minor fault per page', () => {
    const { m, pid } = setup();
    expect(m.translate(pid, BASE)).toBe(-1);
    m.access(pid, BASE, 4 * PAGE_SIZE, 64, 4 * 64, false);
    expect(m.costs.minorFaults).toBe(4);
    expect(m.costs.accesses).toBe(256);
    expect(m.costs.pageTouches).toBe(4);
    const frames = new Set([0, 1, 2, 3].map((i) => m.translate(pid, BASE + i * PAGE_SIZE)));
    expect(frames.size).toBe(4);
    expect([...frames].every((p) => p >= 0 && p % PAGE_SIZE === 0)).toBe(true);
    expect(m.translate(pid, BASE + 100)).toBe(m.translate(pid, BASE) + 100);
    m.access(pid, BASE, 4 * PAGE_SIZE, 64, 10, true);
    expect(m.costs.minorFaults).toBe(4);
    expect(m.nodeStats()[0]!.usedFrames).toBe(4);
  });

  it('rejects accesses outside every VMA and writes to read-only VMAs, naming the address', () => {
    const { m, pid } = setup();
    expect(() => m.access(pid, 0x5000, 4096, 64, 1, false)).toThrow(/0x5000.*outside every VMA/);
    m.mmap(pid, 0x40000000, 2 * PAGE_SIZE, { prot: 'r' });
    m.access(pid, 0x40000000, 4096, 64, 1, false);
    expect(() => m.access(pid, 0x40000000, 4096, 64, 1, true)).toThrow(/read-only address 0x40000000/);
    expect(() => m.mmap(pid, BASE + PAGE_SIZE, PAGE_SIZE)).toThrow(/overlaps/);
    expect(() => m.access(pid, BASE, 4096, 0, 1, false)).toThrow(/stride/);
    expect(() => m.access(9999, BASE, 4096, 64, 1, false)).toThrow(/tid 9999/);
    expect(() => new Machine({ cpus: 0 })).toThrow(/cpus/);
    expect(() => new Machine({ bogus: 1 } as never)).toThrow(/unknown key 'bogus'/);
  });
});

describe('young and dirty', () => {
  it('a read sets young, a write sets dirty, mkold clears young only', () => {
    const { m, pid } = setup({ tlbEntries: 0 });
    m.access(pid, BASE, PAGE_SIZE, 64, 1, false);
    expect(m.pte(pid, BASE)).toMatchObject({ present: true, young: true, dirty: false });
    m.mkold(pid, BASE);
    expect(m.young(pid, BASE)).toEqual({ young: false, folioSize: PAGE_SIZE });
    m.access(pid, BASE, PAGE_SIZE, 64, 1, true);
    expect(m.pte(pid, BASE)).toMatchObject({ young: true, dirty: true });
    m.mkold(pid, BASE);
    expect(m.pte(pid, BASE)).toMatchObject({ young: false, dirty: true });
    expect(m.costs.mkold).toBe(2);
    expect(m.costs.youngChecks).toBe(1);
  });

  it('a write through a cached read-only translation walks and sets dirty', () => {
    const { m, pid } = setup();
    m.access(pid, BASE, PAGE_SIZE, 64, 1, false);
    m.access(pid, BASE, PAGE_SIZE, 64, 1, false);
    expect(m.costs.tlbHits).toBe(1);
    m.access(pid, BASE, PAGE_SIZE, 64, 1, true);
    expect(m.pte(pid, BASE)!.dirty).toBe(true);
    expect(m.costs.pageWalks).toBe(2);
  });
});

describe('DAMON protection faults', () => {
  function collect(m: Machine): AccessReport[] {
    const out: AccessReport[] = [];
    m.onDamonFault((r) => out.push(r));
    return out;
  }

  it("'none' faults on the first access of any kind, restores the protection and reports it", () => {
    const { m, pid } = setup();
    const reports = collect(m);
    m.access(pid, BASE + PAGE_SIZE, PAGE_SIZE, 64, 1, false);
    m.protect(pid, BASE + PAGE_SIZE, 'none');
    expect(m.pte(pid, BASE + PAGE_SIZE)!.protection).toBe('none');
    m.access(pid, BASE + PAGE_SIZE + 128, 512, 64, 8, false);
    expect(reports).toEqual([
      {
        vaddr: BASE + PAGE_SIZE + 128,
        paddr: m.translate(pid, BASE + PAGE_SIZE),
        size: 1,
        cpu: m.threadCpu(pid),
        tid: pid,
        tgid: pid,
        isWrite: false,
        time: 0,
      },
    ]);
    expect(m.pte(pid, BASE + PAGE_SIZE)!.protection).toBe(null);
    m.access(pid, BASE + PAGE_SIZE, PAGE_SIZE, 64, 1, true);
    expect(reports).toHaveLength(1);
    expect(m.costs).toMatchObject({
      damonFaults: 1,
      protectionChanges: 1,
      tlbFlushes: 1,
      reportsDelivered: 1,
    });
  });

  it("'write' lets reads pass and faults on the first write only", () => {
    const { m, pid } = setup();
    const reports = collect(m);
    m.access(pid, BASE, PAGE_SIZE, 64, 1, false);
    m.protect(pid, BASE, 'write');
    m.access(pid, BASE, PAGE_SIZE, 64, 4, false);
    expect(reports).toHaveLength(0);
    expect(m.pte(pid, BASE)!.protection).toBe('write');
    m.access(pid, BASE, PAGE_SIZE, 64, 4, true);
    m.access(pid, BASE, PAGE_SIZE, 64, 4, true);
    expect(reports.map((r) => r.isWrite)).toEqual([true]);
    expect(m.pte(pid, BASE)!.protection).toBe(null);
  });

  it('with NUMA balancing on, protection faults are hinting faults and nobody is notified', () => {
    const { m, pid } = setup({ numaBalancing: true });
    const reports = collect(m);
    m.access(pid, BASE, PAGE_SIZE, 64, 1, false);
    m.protect(pid, BASE, 'none');
    m.access(pid, BASE, PAGE_SIZE, 64, 1, false);
    expect(reports).toHaveLength(0);
    expect(m.costs.numaHintingFaults).toBe(1);
    expect(m.costs.damonFaults).toBe(0);
    expect(m.pte(pid, BASE)!.protection).toBe(null);
  });

  it('unsubscribing stops reports; protecting an unmapped page does nothing', () => {
    const { m, pid } = setup();
    const reports: AccessReport[] = [];
    const off = m.onDamonFault((r) => reports.push(r));
    m.protect(pid, BASE, 'none');
    expect(m.costs.protectionChanges).toBe(0);
    m.access(pid, BASE, PAGE_SIZE, 64, 1, false);
    off();
    m.protect(pid, BASE, 'none');
    m.access(pid, BASE, PAGE_SIZE, 64, 1, false);
    expect(reports).toHaveLength(0);
    expect(m.costs.damonFaults).toBe(1);
  });
});

describe('reverse map and shared frames', () => {
  it('two processes mapping one shared key share frames; paddr-side primitives see both mappings', () => {
    const m = new Machine({ memoryBytes: 64 * MiB, tlbEntries: 0 });
    const a = m.createProcess('a');
    const b = m.createProcess('b');
    m.mmap(a, 0x1000000, 4 * PAGE_SIZE, { shared: 'shm' });
    m.mmap(b, 0x7000000, 4 * PAGE_SIZE, { shared: 'shm' });
    expect(m.vmas(a)).toEqual([
      { start: 0x1000000, end: 0x1000000 + 4 * PAGE_SIZE, anon: false, writable: true },
    ]);
    m.access(a, 0x1000000 + PAGE_SIZE, PAGE_SIZE, 64, 1, true);
    m.access(b, 0x7000000 + PAGE_SIZE, PAGE_SIZE, 64, 1, false);
    const p = m.translate(a, 0x1000000 + PAGE_SIZE);
    expect(m.translate(b, 0x7000000 + PAGE_SIZE)).toBe(p);
    expect(m.nodeStats()[0]!.usedFrames).toBe(1);
    expect(m.costs.minorFaults).toBe(2);
    m.mkold(a, 0x1000000 + PAGE_SIZE);
    expect(m.youngPhys(p).young).toBe(true); // b's mapping is still young
    m.mkoldPhys(p);
    expect(m.youngPhys(p).young).toBe(false);
    m.access(b, 0x7000000 + PAGE_SIZE, PAGE_SIZE, 64, 1, false);
    expect(m.youngPhys(p).young).toBe(true);
    const reports: AccessReport[] = [];
    m.onDamonFault((r) => reports.push(r));
    m.protectPhys(p, 'none');
    m.access(a, 0x1000000 + PAGE_SIZE, PAGE_SIZE, 64, 1, false);
    m.access(b, 0x7000000 + PAGE_SIZE, PAGE_SIZE, 64, 1, false);
    expect(reports.map((r) => [r.tgid, r.paddr, r.vaddr])).toEqual([
      [a, p, 0x1000000 + PAGE_SIZE],
      [b, p, 0x7000000 + PAGE_SIZE],
    ]);
    // The frame outlives one process: exit of a keeps b's mapping.
    m.exitProcess(a);
    expect(m.processAlive(a)).toBe(false);
    expect(m.youngPhys(p).young).toBe(true);
    expect(m.translate(b, 0x7000000 + PAGE_SIZE)).toBe(p);
  });

  it('exit frees anonymous frames', () => {
    const { m, pid } = setup();
    expect([m.processes(), m.processName(pid)]).toEqual([[pid], 't']);
    m.access(pid, BASE, 16 * PAGE_SIZE, PAGE_SIZE, 16, true);
    expect(m.nodeStats()[0]!.usedFrames).toBe(16);
    m.exitProcess(pid);
    expect(m.nodeStats()[0]!.usedFrames).toBe(0);
    expect(m.vmas(pid)).toEqual([]);
    expect(m.translate(pid, BASE)).toBe(-1);
    expect(m.processes()).toEqual([]);
  });
});

describe('THP', () => {
  it('maps 2 MiB folios for aligned anonymous ranges, 4 KiB pages elsewhere', () => {
    const m = new Machine({ memoryBytes: 64 * MiB, thp: true });
    const pid = m.createProcess();
    m.mmap(pid, 0x40000000, 4 * MiB); // aligned: two huge pages
    m.mmap(pid, 0x50001000, 2 * MiB); // misaligned: no full aligned 2 MiB inside
    m.mmap(pid, 0x60000000, 2 * MiB, { shared: 'f' });
    m.access(pid, 0x40000000, 2 * MiB, PAGE_SIZE, 512, false);
    expect(m.costs.minorFaults).toBe(1);
    expect(m.young(pid, 0x40000000 + 5 * PAGE_SIZE)).toEqual({ young: true, folioSize: HUGE_PAGE_SIZE });
    const p0 = m.translate(pid, 0x40000000);
    expect(p0 % HUGE_PAGE_SIZE).toBe(0);
    expect(m.translate(pid, 0x40000000 + 7 * PAGE_SIZE + 3)).toBe(p0 + 7 * PAGE_SIZE + 3);
    expect(m.youngPhys(p0 + 9 * PAGE_SIZE).folioSize).toBe(HUGE_PAGE_SIZE);
    m.access(pid, 0x50001000, PAGE_SIZE, 64, 1, false);
    m.access(pid, 0x60000000, PAGE_SIZE, 64, 1, false);
    expect(m.young(pid, 0x50001000).folioSize).toBe(PAGE_SIZE);
    expect(m.young(pid, 0x60000000).folioSize).toBe(PAGE_SIZE);
    // A PMD has one Accessed bit: mkold through any of its pages clears it for all.
    m.mkold(pid, 0x40000000 + 100 * PAGE_SIZE);
    expect(m.young(pid, 0x40000000).young).toBe(false);
    // Protection of a THP page protects the PMD; the report's paddr is the folio head (PFN of the PMD).
    const reports: AccessReport[] = [];
    m.onDamonFault((r) => reports.push(r));
    m.protect(pid, 0x40000000 + 3 * PAGE_SIZE, 'none');
    m.access(pid, 0x40000000 + 9 * PAGE_SIZE, PAGE_SIZE, 64, 1, false);
    expect(reports.map((r) => [r.vaddr, r.paddr])).toEqual([[0x40000000 + 9 * PAGE_SIZE, p0]]);
  });
});
