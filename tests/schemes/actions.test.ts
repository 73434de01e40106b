import { describe, expect, it } from 'vitest';
import { SchemesEngine } from '../../src/schemes/engine.js';
import { Scheme } from '../../src/schemes/scheme.js';
import {
  schemeSupportOf,
  checkActionSupported,
  destNode,
  MAJOR_FAULT_STALL_US,
} from '../../src/ops/actions/index.js';
import { hotScore, coldScore } from '../../src/ops/actions/score.js';
import type { SchemeSpec } from '../../src/schemes/types.js';
import { BASE, MiB, applyOnce, damosCtx, machineWithProcess } from './machine-helpers.js';
import { ctxWith, setRegion } from './helpers.js';

function runScheme(
  kind: 'vaddr' | 'paddr',
  spec: SchemeSpec,
  opts: Parameters<typeof machineWithProcess>[0] = {},
) {
  const env = machineWithProcess(opts);
  const { m, pid, len } = env;
  const ctx =
    kind === 'vaddr'
      ? damosCtx(m, 'vaddr', pid, BASE, BASE + len)
      : damosCtx(m, 'paddr', pid, 0, m.memoryBytes);
  const e = new SchemesEngine(ctx, [spec], { metrics: schemeSupportOf(m).metrics });
  applyOnce(ctx, () => e.applySchemes());
  return { ...env, ctx, s: e.schemes[0]! };
}

function pagesOnNode(
  m: ReturnType<typeof machineWithProcess>['m'],
  pid: number,
  len: number,
  node: number,
): number {
  let n = 0;
  for (let a = BASE; a < BASE + len; a += 4096) if (m.nodeOf(m.translate(pid, a)) === node) n++;
  return n;
}

describe('actions on the simulated machine', () => {
  for (const kind of ['vaddr', 'paddr'] as const) {
    it(`${kind} pageout frees the frames; the next access is a major fault`, () => {
      const { m, pid, len, s } = runScheme(kind, { action: 'pageout' });
      expect(s.stat.szApplied).toBe(len);
      expect(m.nodeStats()[0]!.usedFrames).toBe(0);
      expect(m.pte(pid, BASE)!.swapped).toBe(true);
      const before = m.costs.majorFaults;
      m.access(pid, BASE, 4096 * 3, 4096, 3, false);
      expect(m.costs.majorFaults - before).toBe(3);
    });

    it(`${kind} migrate_hot moves pages to target_nid; dests interleave by weight`, () => {
      const one = runScheme(kind, { action: 'migrate_hot', targetNid: 1 }, { nodes: 2 });
      expect(pagesOnNode(one.m, one.pid, one.len, 1)).toBe(one.len / 4096);
      const two = runScheme(
        kind,
        {
          action: 'migrate_cold',
          dests: [
            { nid: 0, weight: 1 },
            { nid: 1, weight: 3 },
          ],
        },
        { nodes: 2 },
      );
      const onNode1 = pagesOnNode(two.m, two.pid, two.len, 1);
      // Interleave by the page index of the source frame: 3 of every 4 go to node 1.
      expect(onNode1).toBe(((two.len / 4096) * 3) / 4);
    });
  }

  it('paddr lru_prio / lru_deprio move frames between the LRU lists', () => {
    const d = runScheme('paddr', { action: 'lru_deprio' });
    expect(d.m.isActive(d.m.translate(d.pid, BASE))).toBe(false);
    expect(d.m.nodeStats()[0]!.inactiveFrames).toBe(d.len / 4096);
    const p = runScheme('paddr', { action: 'lru_prio' });
    expect(p.m.nodeStats()[0]!.activeFrames).toBe(p.len / 4096);
    expect(p.s.stat.szApplied).toBe(p.len);
  });

  it('vaddr cold clears Accessed and deactivates', () => {
    const { m, pid, len } = runScheme('vaddr', { action: 'cold' });
    expect(m.pte(pid, BASE)!.young).toBe(false);
    expect(m.nodeStats()[0]!.activeFrames).toBe(0);
    expect(m.nodeStats()[0]!.usedFrames).toBe(len / 4096);
  });

  it('stat applies nothing; with ops filters it counts the bytes passing them', () => {
    const { s } = runScheme('paddr', { action: 'stat' });
    expect([s.stat.szApplied, s.stat.szOpsFilterPassed, s.stat.nrTried]).toEqual([0, 0, 1]);
    const f = runScheme('paddr', {
      action: 'stat',
      filters: [{ type: 'anon', matching: true, allow: true }],
    });
    expect(f.s.stat.szOpsFilterPassed).toBe(f.len);
  });

  it('unsupported pairings are a clear EINVAL error', () => {
    expect(() => checkActionSupported('vaddr', 'lru_prio')).toThrow(
      /'lru_prio' is not supported by the vaddr operations set/,
    );
    expect(() => checkActionSupported('paddr', 'cold')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => checkActionSupported('paddr', 'willneed')).toThrow(/supported: pageout, lru_prio/);
    expect(() => runScheme('vaddr', { action: 'lru_deprio' })).toThrow(/not supported/);
  });

  it('destNode: target_nid without dests, weighted interleave with, -1 when no weight', () => {
    const s = new Scheme({ action: 'migrate_hot', targetNid: 2 });
    expect(destNode(s, 0)).toBe(2);
    const w = new Scheme({
      action: 'migrate_hot',
      dests: [
        { nid: 0, weight: 2 },
        { nid: 1, weight: 1 },
      ],
    });
    expect([0, 1, 2, 3].map((p) => destNode(w, p * 4096))).toEqual([0, 0, 1, 0]);
    expect(destNode(new Scheme({ action: 'migrate_hot', dests: [{ nid: 1, weight: 0 }] }), 0)).toBe(-1);
  });
});

describe('ops filters on the machine (verdict table)', () => {
  it('anon vs page cache, unmapped, memcg, young, hugepage_size', () => {
    const env = machineWithProcess({ mib: 2 });
    const { m, pid } = env;
    // A shared (page-cache) mapping of 1 MiB, touched, then half of it unmapped (frames stay cached).
    const SH = BASE + 64 * MiB;
    m.mmap(pid, SH, MiB, { shared: 'file' });
    m.access(pid, SH, MiB, 4096, 256, false);
    for (let a = SH; a < SH + MiB / 2; a += 4096) m.unmap(pid, a);
    const sup = schemeSupportOf(m);
    const other = m.createProcess('other');
    m.mmap(other, BASE, MiB);
    m.access(other, BASE, MiB, 4096, 256, true);
    sup.cgroups.assign(other, '/batch');
    const passed = (filters: SchemeSpec['filters']) => {
      const ctx = damosCtx(m, 'paddr', pid, 0, m.memoryBytes);
      const e = new SchemesEngine(ctx, [{ action: 'stat', filters }], { metrics: sup.metrics });
      applyOnce(ctx, () => e.applySchemes());
      return e.schemes[0]!.stat.szOpsFilterPassed / MiB;
    };
    // anon: 2 MiB (pid) + 1 MiB (other); page cache: 1 MiB, half unmapped
    expect(passed([{ type: 'anon', matching: true, allow: true }])).toBe(3);
    expect(passed([{ type: 'anon', matching: false, allow: true }])).toBe(1);
    expect(passed([{ type: 'anon', matching: true, allow: false }])).toBe(1); // reject anon; default allow
    expect(passed([{ type: 'unmapped', matching: true, allow: true }])).toBe(0.5);
    expect(passed([{ type: 'memcg', memcgPath: '/batch', matching: true, allow: true }])).toBe(1);
    expect(passed([{ type: 'memcg', memcgPath: '/nonexistent', matching: true, allow: true }])).toBe(0);
    expect(
      passed([{ type: 'hugepage_size', sizeMin: 4096, sizeMax: 4096, matching: true, allow: true }]),
    ).toBe(4);
    // young: everything was touched since (never mkold'ed): first pass young, and the filter clears it.
    expect(passed([{ type: 'young', matching: true, allow: true }])).toBe(3.5);
    expect(passed([{ type: 'young', matching: true, allow: true }])).toBe(0);
    // first matching filter decides: reject memcg /batch, then allow anon
    expect(
      passed([
        { type: 'memcg', memcgPath: '/batch', matching: true, allow: false },
        { type: 'anon', matching: true, allow: true },
      ]),
    ).toBe(2);
  });

  it('hugepage_size sees 2 MiB folios on a THP machine', () => {
    const { s } = runScheme(
      'paddr',
      {
        action: 'stat',
        filters: [{ type: 'hugepage_size', sizeMin: 2 * MiB, sizeMax: 2 * MiB, matching: true, allow: true }],
      },
      { thp: true },
    );
    expect(s.stat.szOpsFilterPassed).toBe(4 * MiB);
  });
});

describe('scores (ops-common)', () => {
  it('hot/cold from frequency and age, weighted', () => {
    const ctx = ctxWith([
      [0, 100],
      [100, 200],
      [200, 300],
    ]);
    ctx.attrs.aggrInterval = 1_000_000; // age in seconds = age
    ctx.attrs.sampleInterval = 100_000; // 10 samples per aggregation
    const s = new Scheme({ action: 'pageout', quota: { sz: 1, weights: { nrAccesses: 1, age: 1 } } });
    ctx.passedSampleIntervals = 10;
    ctx.nextAggregationSis = 10;
    setRegion(ctx, 0, 10, 0); // freq 100, age 0 → age_log 0 → age_sub 50 → hot (100+50)/2 = 75 → 74
    setRegion(ctx, 1, 0, 8); // freq 0, age 8 s → log 4 → -4 → (28*100/32)/2 = 43 → hot 21 → 20
    setRegion(ctx, 2, 5, 1023); // freq 50, age log 10 → (42*100/32)/2 = 65 → hot 57 → 56
    const t = ctx.targets[0]!;
    expect([0, 1, 2].map((i) => hotScore(ctx, t, i, s))).toEqual([74, 20, 56]);
    expect(coldScore(ctx, t, 1, s)).toBe(79);
  });
});

describe('machine metrics (goals and watermarks)', () => {
  it('free_mem_rate, node used/free bp, active bp, PSI model, bytes on node, memcg', () => {
    const { m, pid, len } = machineWithProcess({ nodes: 2, mib: 8 });
    const sup = schemeSupportOf(m);
    const mm = sup.metrics;
    // 8 MiB used of 64 MiB, all on node 0 (the process runs on CPU 0)
    expect(mm.freeMemRate()).toBe(Math.floor(((16384 - 2048) * 1000) / 16384));
    expect(mm.nodeMemUsedBp(0)).toBe(Math.floor((2048 * 10000) / 8192));
    expect(mm.nodeMemUsedBp(1)).toBe(0);
    expect(mm.nodeMemUsedBp(7)).toBe(0); // invalid node
    m.lruScan();
    expect(mm.activeMemBp()).toBe(10000); // all touched since the last scan
    m.lruScan();
    expect(mm.activeMemBp()).toBe(0); // nothing touched since
    const ctx = damosCtx(m, 'vaddr', pid, BASE, BASE + len);
    expect(mm.bytesOnNode(ctx, ctx.targets[0]!, BASE, BASE + len, 0)).toBe(len);
    expect(mm.nodeMemcgUsedBp(0, '/')).toBe(mm.nodeMemUsedBp(0));
    expect(mm.nodeMemcgUsedBp(0, '/none')).toBe(0);
    sup.cgroups.assign(pid, '/a/b');
    expect(mm.nodeMemcgUsedBp(0, 'a/b/')).toBe(mm.nodeMemUsedBp(0));
    // PSI: every major fault stalls 25 µs
    const psi0 = mm.psiSomeTotalUs();
    for (let a = BASE; a < BASE + 10 * 4096; a += 4096) m.pageOut(pid, a);
    m.access(pid, BASE, 10 * 4096, 4096, 10, false);
    expect(mm.psiSomeTotalUs() - psi0).toBe(10 * MAJOR_FAULT_STALL_US);
  });
});
