/**
 * The madvise family on the simulated machine: hugepage / nohugepage advice honoured by later
 * faults, collapse into 2 MiB folios, willneed reading swapped-out pages back; and the vaddr
 * DAMOS actions doing them (paddr keeps refusing them).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/backends/sim/machine.js';
import { ThpAdviceMap } from '../../src/backends/sim/thp-advice.js';
import { checkActionSupported, schemeHandlers, schemeSupportOf } from '../../src/ops/actions/index.js';
import { SchemesEngine } from '../../src/schemes/engine.js';
import { Scheme } from '../../src/schemes/scheme.js';
import type { SchemeSpec } from '../../src/schemes/types.js';
import { BASE, MiB, applyOnce, damosCtx } from './machine-helpers.js';

const PAGE = 4096;
const HUGE = 2 * MiB;

function machine(opts: { thp?: boolean; nodes?: number; memMiB?: number; tlb?: number } = {}) {
  const m = new Machine({
    memoryBytes: (opts.memMiB ?? 64) * MiB,
    nodes: opts.nodes ?? 1,
    cpus: 2,
    thp: opts.thp ?? false,
    tlbEntries: opts.tlb ?? 0,
  });
  const pid = m.createProcess('t');
  return { m, pid };
}

const touch = (m: Machine, tid: number, start: number, len: number, write = true) =>
  m.access(tid, start, len, PAGE, len / PAGE, write);
const folioAt = (m: Machine, pid: number, a: number) => m.pte(pid, a)!.folioSize;
const used = (m: Machine) => m.nodeStats().reduce((s, n) => s + n.usedFrames, 0);

describe('hugepage / nohugepage advice', () => {
  it('hugepage makes later faults in the range huge on a thp=false (madvise) machine', () => {
    const { m, pid } = machine();
    m.mmap(pid, BASE, 8 * MiB);
    expect(m.madvise(pid, BASE, BASE + 4 * MiB, 'hugepage')).toBe(4 * MiB);
    // Advice starting one page into a 2 MiB range: that range straddles two "VMAs" (not eligible).
    expect(m.madvise(pid, BASE + 4 * MiB + PAGE, BASE + 8 * MiB, 'hugepage')).toBe(4 * MiB - PAGE);
    touch(m, pid, BASE, 8 * MiB);
    expect([0, 1, 2, 3].map((i) => folioAt(m, pid, BASE + i * HUGE))).toEqual([HUGE, HUGE, PAGE, HUGE]);
    expect(m.costs.minorFaults).toBe(3 + 512);
    expect(m.translate(pid, BASE + HUGE + 5 * PAGE + 7)).toBe(m.translate(pid, BASE + HUGE) + 5 * PAGE + 7);
  });

  it('nohugepage keeps faults small on a thp=true (always) machine; existing huge folios are not split', () => {
    const { m, pid } = machine({ thp: true });
    m.mmap(pid, BASE, 6 * MiB);
    touch(m, pid, BASE, HUGE);
    expect(folioAt(m, pid, BASE)).toBe(HUGE);
    expect(m.madvise(pid, BASE, BASE + 4 * MiB, 'nohugepage')).toBe(4 * MiB);
    touch(m, pid, BASE + HUGE, 4 * MiB);
    expect(folioAt(m, pid, BASE)).toBe(HUGE); // not split
    expect(folioAt(m, pid, BASE + HUGE)).toBe(PAGE);
    expect(folioAt(m, pid, BASE + 2 * HUGE)).toBe(HUGE); // not advised: THP always
  });

  it('the last advice wins; shared mappings never get huge folios; advice outside VMAs is not counted', () => {
    const { m, pid } = machine();
    m.mmap(pid, BASE, 4 * MiB);
    m.mmap(pid, BASE + 8 * MiB, 2 * MiB, { shared: 'f' });
    m.madvise(pid, BASE, BASE + 4 * MiB, 'hugepage');
    expect(m.madvise(pid, BASE, BASE + HUGE, 'nohugepage')).toBe(HUGE);
    expect(m.madvise(pid, BASE, BASE + 16 * MiB, 'hugepage')).toBe(6 * MiB);
    m.madvise(pid, BASE + HUGE, BASE + 4 * MiB, 'nohugepage');
    touch(m, pid, BASE, 4 * MiB);
    touch(m, pid, BASE + 8 * MiB, HUGE);
    expect([folioAt(m, pid, BASE), folioAt(m, pid, BASE + HUGE), folioAt(m, pid, BASE + 8 * MiB)]).toEqual([
      HUGE,
      PAGE,
      PAGE,
    ]);
    expect(() => m.madvise(pid, BASE + 1, BASE + HUGE, 'hugepage')).toThrow(
      /madvise\(tgid \d+, .*page-aligned/,
    );
  });

  it('advice runs answer like per-page advice (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ a: fc.nat(63), b: fc.nat(63), huge: fc.boolean() }), { maxLength: 12 }),
        fc.nat(63),
        fc.nat(63),
        (ops, x, y) => {
          const map = new ThpAdviceMap();
          const pages: (string | null)[] = new Array(64).fill(null);
          for (const o of ops) {
            const [lo, hi] = o.a <= o.b ? [o.a, o.b + 1] : [o.b, o.a + 1];
            const adv = o.huge ? 'hugepage' : 'nohugepage';
            map.set(lo * PAGE, hi * PAGE, adv);
            pages.fill(adv, lo, hi);
          }
          const [lo, hi] = x <= y ? [x, y + 1] : [y, x + 1];
          const seen = new Set(pages.slice(lo, hi));
          const want = seen.size > 1 ? 'mixed' : [...seen][0];
          expect(map.over(lo * PAGE, hi * PAGE)).toBe(want);
        },
      ),
      { seed: 5, numRuns: 300 },
    );
  });
});

describe('collapse (MADV_COLLAPSE)', () => {
  it('turns 512 present small pages into one huge folio mapping the same addresses', () => {
    const { m, pid } = machine({ tlb: 1536 });
    m.mmap(pid, BASE, 4 * MiB);
    touch(m, pid, BASE, 4 * MiB);
    const free0 = m.nodeStats()[0]!.freeFrames;
    const old = m.translate(pid, BASE + 3 * PAGE);
    const flushes = m.costs.tlbFlushes;
    expect(m.madvise(pid, BASE, BASE + 3 * MiB, 'collapse')).toBe(HUGE); // only whole 2 MiB ranges
    expect(m.costs.collapses).toBe(1);
    expect(m.costs.tlbFlushes - flushes).toBe(512);
    expect(m.nodeStats()[0]!.freeFrames).toBe(free0); // 512 frames freed, one 2 MiB block taken
    expect(m.frameInfo(old)).toBeNull();
    const head = m.translate(pid, BASE);
    expect(head % HUGE).toBe(0);
    for (let i = 0; i < 512; i++) {
      const a = BASE + i * PAGE + 123;
      expect(m.translate(pid, a)).toBe(head + i * PAGE + 123);
      const f = m.frameInfo(m.translate(pid, a))!;
      expect([f.head, f.folioSize]).toEqual([head, HUGE]);
      expect(f.mappings).toEqual([{ tgid: pid, vaddr: BASE }]);
    }
    expect(m.pte(pid, BASE)).toMatchObject({
      present: true,
      young: true,
      dirty: true,
      writable: true,
      folioSize: HUGE,
    });
    expect(folioAt(m, pid, BASE + HUGE)).toBe(PAGE);
    // Later accesses go through the PMD: no fault; a second collapse finds it done.
    const faults = m.costs.minorFaults;
    touch(m, pid, BASE, HUGE);
    expect(m.costs.minorFaults).toBe(faults);
    expect(m.madvise(pid, BASE, BASE + 4 * MiB, 'collapse')).toBe(HUGE);
    expect(m.madvise(pid, BASE, BASE + 4 * MiB, 'collapse')).toBe(0);
    // The reverse map works on the new folio: paging it out frees all 512 frames.
    m.pageOutPhys(head);
    expect(used(m)).toBe(512);
  });

  it('fills empty entries and reads swapped ones back; LRU state follows', () => {
    const { m, pid } = machine();
    m.mmap(pid, BASE, HUGE);
    touch(m, pid, BASE, 300 * PAGE);
    for (let i = 0; i < 10; i++) m.pageOut(pid, BASE + i * PAGE);
    m.lruScan();
    expect(m.isActive(m.translate(pid, BASE + 20 * PAGE))).toBe(true);
    const majors = m.costs.majorFaults;
    expect(m.madvise(pid, BASE, BASE + HUGE, 'collapse')).toBe(HUGE);
    expect(used(m)).toBe(512);
    expect(m.costs.swapIns).toBe(10);
    expect(m.costs.majorFaults).toBe(majors);
    expect(m.isActive(m.translate(pid, BASE))).toBe(true);
    expect(m.translate(pid, BASE + 511 * PAGE)).toBe(m.translate(pid, BASE) + 511 * PAGE);
  });

  it('goes to the node of most pages; skips nohugepage, read-only and untouched ranges', () => {
    const { m, pid } = machine({ nodes: 2 });
    const t1 = m.createThread(pid, { cpu: 1 });
    m.setThreadCpu(pid, 0);
    m.mmap(pid, BASE, 8 * MiB);
    m.mmap(pid, BASE + 16 * MiB, HUGE, { prot: 'r' });
    touch(m, pid, BASE, 200 * PAGE);
    touch(m, t1, BASE + 200 * PAGE, 300 * PAGE);
    touch(m, pid, BASE + HUGE, PAGE);
    touch(m, pid, BASE + 16 * MiB, PAGE, false);
    m.madvise(pid, BASE + HUGE, BASE + 2 * HUGE, 'nohugepage');
    expect(m.madvise(pid, BASE, BASE + 18 * MiB, 'collapse')).toBe(HUGE);
    expect(m.nodeOf(m.translate(pid, BASE))).toBe(1);
    expect(folioAt(m, pid, BASE + HUGE)).toBe(PAGE);
    expect(m.pte(pid, BASE + 2 * HUGE)).toBeNull(); // untouched: no page table, nothing made up
    expect(folioAt(m, pid, BASE + 16 * MiB)).toBe(PAGE);
  });

  it('an allocation failure ends the call', () => {
    const { m, pid } = machine({ memMiB: 4 });
    m.mmap(pid, BASE, 6 * MiB);
    for (let i = 0; i < 3; i++) touch(m, pid, BASE + i * HUGE, PAGE);
    expect(m.madvise(pid, BASE, BASE + 6 * MiB, 'collapse')).toBe(HUGE);
    expect([0, 1, 2].map((i) => folioAt(m, pid, BASE + i * HUGE))).toEqual([HUGE, PAGE, PAGE]);
  });
});

describe('willneed (MADV_WILLNEED)', () => {
  it('reads paged-out pages back: present, not young, not dirty; the next access is no fault', () => {
    const { m, pid } = machine();
    m.mmap(pid, BASE, 64 * PAGE);
    touch(m, pid, BASE, 64 * PAGE);
    for (let i = 0; i < 8; i++) m.pageOut(pid, BASE + i * 2 * PAGE);
    expect(used(m)).toBe(56);
    expect(m.madvise(pid, BASE, BASE + 64 * PAGE, 'willneed')).toBe(8 * PAGE);
    expect(used(m)).toBe(64);
    expect(m.costs.swapIns).toBe(8);
    expect(m.pte(pid, BASE + 2 * PAGE)).toMatchObject({
      present: true,
      young: false,
      dirty: false,
      swapped: false,
      writable: true,
    });
    const f = { ...m.costs };
    touch(m, pid, BASE, 64 * PAGE, false);
    expect([m.costs.majorFaults, m.costs.minorFaults]).toEqual([f.majorFaults, f.minorFaults]);
    expect(m.madvise(pid, BASE, BASE + 64 * PAGE, 'willneed')).toBe(0);
  });

  it('skips shared mappings and never-touched pages', () => {
    const { m, pid } = machine();
    m.mmap(pid, BASE, 4 * PAGE, { shared: 'f' });
    m.mmap(pid, BASE + HUGE, 4 * PAGE);
    touch(m, pid, BASE, 4 * PAGE);
    m.pageOut(pid, BASE);
    expect(m.madvise(pid, BASE, BASE + HUGE + 4 * PAGE, 'willneed')).toBe(0);
    expect(m.pte(pid, BASE)!.swapped).toBe(true);
  });
});

describe('the vaddr DAMOS actions', () => {
  function applyScheme(m: Machine, pid: number, spec: SchemeSpec, start: number, end: number) {
    const ctx = damosCtx(m, 'vaddr', pid, start, end);
    const e = new SchemesEngine(ctx, [spec], { metrics: schemeSupportOf(m).metrics });
    applyOnce(ctx, () => e.applySchemes());
    return e.schemes[0]!.stat;
  }

  it('are supported by vaddr and fvaddr, refused by paddr with EINVAL', () => {
    for (const a of ['willneed', 'hugepage', 'nohugepage', 'collapse'] as const) {
      expect(() => checkActionSupported('vaddr', a)).not.toThrow();
      expect(() => checkActionSupported('fvaddr', a)).not.toThrow();
      expect(() => checkActionSupported('paddr', a)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
  });

  it('apply madvise to the region: applied bytes are what changed; ops filters are not consulted', () => {
    const { m, pid } = machine();
    m.mmap(pid, BASE, 4 * MiB);
    touch(m, pid, BASE, 4 * MiB);
    const clock = schemeSupportOf(m).clock;
    const ns0 = clock.ns;
    const col = applyScheme(
      m,
      pid,
      { action: 'collapse', filters: [{ type: 'anon', matching: true, allow: false }] },
      BASE,
      BASE + 4 * MiB,
    );
    expect([col.nrApplied, col.szApplied, col.szOpsFilterPassed]).toEqual([1, 4 * MiB, 0]);
    expect(clock.ns - ns0).toBe(1_000 + 2 * 100_000);
    const hp = applyScheme(m, pid, { action: 'nohugepage' }, BASE, BASE + 4 * MiB);
    expect([hp.nrApplied, hp.szApplied]).toEqual([1, 4 * MiB]);
    expect(folioAt(m, pid, BASE)).toBe(HUGE);
    for (let a = BASE; a < BASE + 4 * MiB; a += HUGE) m.pageOut(pid, a);
    const wn = applyScheme(m, pid, { action: 'willneed' }, BASE, BASE + 4 * MiB);
    expect([wn.nrApplied, wn.szApplied]).toEqual([1, 4 * MiB]);
    expect(m.costs.swapIns).toBe(1024);
    // A target that exited is not valid (not tried); its ops call alone applies nothing, as the
    // kernel's damos_madvise() when damon_get_mm() fails.
    const ctx = damosCtx(m, 'vaddr', pid, BASE, BASE + 4 * MiB);
    m.exitProcess(pid);
    const gone = applyScheme(m, pid, { action: 'willneed' }, BASE, BASE + 4 * MiB);
    expect(gone.nrTried).toBe(0);
    const r = schemeHandlers('vaddr').applyScheme(
      ctx,
      ctx.targets[0]!,
      0,
      new Scheme({ action: 'hugepage' }),
    );
    expect(r).toEqual({ applied: 0, filterPassed: 0 });
  });
});
