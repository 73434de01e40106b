/** Report-based monitoring semantics (spec §3, design.md "Report intake"). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DamonContext, type ContextOptions } from '../../src/core/context.js';
import { findRegion } from '../../src/core/report-intake.js';
import { compileSampleFilters, samplePasses } from '../../src/core/sample-filters.js';
import type { AccessReport, ReportBatch, SampleFilter } from '../../src/core/types.js';
import { einvalMessage, ensureOps, REPORT_OPS } from './helpers.js';

const SI = 1000;
const PAGE = 4096;

/** A report-fed context of 10 regions of one page each: [0, 40960) for a paddr target. */
function ctx10(opts: Partial<ContextOptions> = {}): DamonContext {
  const c = new DamonContext({
    ops: REPORT_OPS,
    attrs: { sampleInterval: SI, aggrInterval: 10 * SI, minNrRegions: 10, maxNrRegions: 100 },
    targets: [{ regions: [{ start: 0, end: 10 * PAGE }] }],
    ...opts,
  });
  c.start(0);
  return c;
}

function report(over: Partial<AccessReport>): AccessReport {
  return { paddr: 0, vaddr: 0, size: 1, cpu: 0, tid: 1, tgid: 1, isWrite: false, time: 1, ...over };
}

/** Runs one sample [t, t+SI) with the given reports pushed during it. */
function sample(c: DamonContext, t: number, reports: Partial<AccessReport>[]): void {
  c.beginSample(t);
  for (const r of reports) c.reportAccess(report({ time: t + 1, ...r }));
  c.endSample(t + SI);
}

const nr = (c: DamonContext, ti = 0): number[] =>
  Array.from(c.targets[ti]!.regions.nrAccesses.subarray(0, c.targets[ti]!.regions.length));

describe('report application', () => {
  it('starts with 10 one-page regions (apply_min_nr_regions)', () => {
    expect(ctx10().targets[0]!.regions.length).toBe(10);
  });

  it('counts at most one hit per region per sample', () => {
    const c = ctx10();
    sample(c, 0, [{ paddr: 10 }, { paddr: 20 }, { paddr: 4095 }, { paddr: PAGE * 3 }]);
    expect(nr(c)).toEqual([1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(c.stats.reportsApplied).toBe(4);
    sample(c, SI, [{ paddr: 10 }, { paddr: 11 }]);
    expect(nr(c)).toEqual([2, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  });

  it('absence counts as not accessed: nr_accesses at aggregation = samples with a report', () => {
    const c = ctx10();
    let seen: number[] = [];
    c.onAggregated((w) => (seen = Array.from(w.targets[0]!.regions.nrAccesses.subarray(0, 10))));
    for (let s = 0; s < 10; s++) sample(c, s * SI, s % 2 === 0 ? [{ paddr: 5 * PAGE + 1 }] : []);
    expect(seen).toEqual([0, 0, 0, 0, 0, 5, 0, 0, 0, 0]);
  });

  it('uses the window [now - sample interval, now] as the kernel: older is stale, newer waits for its sample', () => {
    const c = ctx10();
    c.beginSample(SI);
    c.reportAccess(report({ paddr: 1, time: 0 })); // before the window: stale
    c.reportAccess(report({ paddr: PAGE, time: SI - 5 })); // before the window: stale
    c.reportAccess(report({ paddr: 4 * PAGE, time: SI })); // == now - si: applied (kernel skips only time < now - si)
    c.reportAccess(report({ paddr: 2 * PAGE, time: 2 * SI })); // == now: applied
    c.reportAccess(report({ paddr: 3 * PAGE, time: 2 * SI + 1 })); // future: next sample
    c.endSample(2 * SI);
    expect(nr(c).slice(0, 5)).toEqual([0, 0, 1, 0, 1]);
    expect(c.stats).toMatchObject({ reportsStale: 2, reportsApplied: 2 });
    expect(c.reportBuffer.length).toBe(1);
    c.beginSample(2 * SI);
    c.endSample(3 * SI);
    expect(nr(c).slice(0, 5)).toEqual([0, 0, 1, 1, 1]);
    expect(c.stats.reportsApplied).toBe(3);
  });

  it('counts a report straddling a region end for the region holding its start', () => {
    const c = ctx10();
    sample(c, 0, [{ paddr: PAGE - 10, size: 100 }]);
    expect(nr(c).slice(0, 2)).toEqual([1, 0]);
  });

  it('paddr contexts use paddr / addrUnit; unknown addresses do not match', () => {
    const c = ctx10({ addrUnit: 4 });
    sample(c, 0, [{ paddr: 4 * (2 * PAGE + 3) }, { paddr: -1 }, { paddr: NaN }, { paddr: 4 * 11 * PAGE }]);
    expect(nr(c).slice(0, 3)).toEqual([0, 0, 1]);
    expect(c.stats).toMatchObject({ reportsApplied: 1, reportsUnmatched: 3 });
  });

  it('vaddr contexts match tgid to target pid and use vaddr', () => {
    const c = ctx10({
      targets: [
        { pid: 10, regions: [{ start: 0, end: 5 * PAGE }] },
        { pid: 20, regions: [{ start: 0, end: 5 * PAGE }] },
      ],
    });
    sample(c, 0, [
      { tgid: 20, vaddr: PAGE, paddr: 0 },
      { tgid: 10, vaddr: 4 * PAGE, paddr: PAGE },
      { tgid: 30, vaddr: 0 },
    ]);
    expect(nr(c, 0)).toEqual([0, 0, 0, 0, 1]);
    expect(nr(c, 1)).toEqual([0, 1, 0, 0, 0]);
    expect(c.stats).toMatchObject({ reportsApplied: 2, reportsUnmatched: 1 });
  });

  it('calls onReportHit once per counted hit and counts write samples', () => {
    const c = ctx10();
    const hits: [number, number, number, boolean][] = [];
    c.onReportHit = (_t, i, cpu, tid, w) => hits.push([i, cpu, tid, w]);
    let writes: number[] = [];
    c.onAggregated((w) => (writes = Array.from(w.targets[0]!.regions.nrWriteSamples.subarray(0, 3))));
    for (let s = 0; s < 10; s++) {
      sample(c, s * SI, [
        { paddr: 1, cpu: 3, tid: 7 },
        { paddr: 2, cpu: 4, tid: 8, isWrite: true },
        { paddr: 3, cpu: 5, tid: 9, isWrite: true },
        ...(s < 4 ? [{ paddr: PAGE, isWrite: true, cpu: 1, tid: 2 }] : []),
      ]);
    }
    expect(hits.filter((h) => h[0] === 0)).toEqual(Array(10).fill([0, 3, 7, false]));
    expect(hits.filter((h) => h[0] === 1)).toEqual(Array(4).fill([1, 1, 2, true]));
    expect(writes).toEqual([10, 4, 0]);
  });

  it('runs ops.eligibleReport after the sample filters, with the report fields', () => {
    const seen: number[] = [];
    const ops = ensureOps({
      id: 'test-eligible',
      eligibleReport: (r) => {
        seen.push(r.cpu);
        return r.cpu !== 3;
      },
    });
    const c = ctx10({ ops, sampleFilters: [{ type: 'cpumask', matching: true, allow: false, cpus: [2] }] });
    sample(c, 0, [
      { paddr: 1, cpu: 2 },
      { paddr: PAGE, cpu: 3 },
      { paddr: 2 * PAGE, cpu: 4 },
    ]);
    expect(seen).toEqual([3, 4]);
    expect(nr(c).slice(0, 3)).toEqual([0, 0, 1]);
    expect(c.stats).toMatchObject({ reportsFiltered: 2, reportsApplied: 1 });
  });
});

describe('report intake', () => {
  it('counts overflow drops on both paths', () => {
    const c = ctx10({ reportCapacity: 4 });
    c.beginSample(0);
    const ok = [0, 1, 2, 3, 4, 5].map((i) => c.reportAccess(report({ paddr: i * PAGE })));
    expect(ok).toEqual([true, true, true, true, false, false]);
    c.endSample(SI);
    expect(c.stats).toMatchObject({ reportsReceived: 6, reportsDropped: 2, reportsApplied: 4 });
    const b = batch(6, (i) => ({ paddr: i * PAGE, time: SI + 1 }));
    c.beginSample(SI);
    expect(c.reportAccesses(b)).toBe(4);
    c.endSample(2 * SI);
    expect(c.stats).toMatchObject({ reportsReceived: 12, reportsDropped: 4, reportsApplied: 8 });
    expect(nr(c)).toEqual([2, 2, 2, 2, 0, 0, 0, 0, 0, 0]);
  });

  it('drops (and counts) reports sent to a context that is not report-fed', () => {
    const ops = ensureOps({ id: 'test-pt', checkAccesses: () => 0 });
    const c = ctx10({ ops });
    expect(c.reportFed).toBe(false);
    expect(c.reportAccess(report({}))).toBe(false);
    expect(c.reportAccesses(batch(3, () => ({})))).toBe(0);
    expect(c.stats).toMatchObject({ reportsReceived: 4, reportsDropped: 4 });
  });

  it('is report-fed with the page_fault primitive even when ops can check accesses', () => {
    const ops = ensureOps({ id: 'test-pt', checkAccesses: () => 0 });
    expect(ctx10({ ops, primitives: { pageTable: false, pageFault: true } }).reportFed).toBe(true);
  });

  it('rejects invalid sample primitives at start with EINVAL', () => {
    for (const p of [
      { pageTable: true, pageFault: true },
      { pageTable: false, pageFault: false },
    ]) {
      const c = new DamonContext({ ops: REPORT_OPS, primitives: p });
      expect(einvalMessage(() => c.start(0))).toMatch(/exactly one of pageTable and pageFault/);
    }
  });
});

function batch(n: number, f: (i: number) => Partial<AccessReport>): ReportBatch {
  const b: ReportBatch = {
    length: n,
    paddr: new Float64Array(n),
    vaddr: new Float64Array(n),
    size: new Uint32Array(n),
    cpu: new Int32Array(n),
    tid: new Int32Array(n),
    tgid: new Int32Array(n),
    isWrite: new Uint8Array(n),
    time: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = report({ time: 1, ...f(i) });
    b.paddr[i] = r.paddr;
    b.vaddr[i] = r.vaddr;
    b.size[i] = r.size;
    b.cpu[i] = r.cpu;
    b.tid[i] = r.tid;
    b.tgid[i] = r.tgid;
    b.isWrite[i] = r.isWrite ? 1 : 0;
    b.time[i] = r.time;
  }
  return b;
}

describe('sample filter verdicts (first match decides; none matches → !last.allow; none → accept)', () => {
  const W = (matching: boolean, allow: boolean): SampleFilter => ({ type: 'write', matching, allow });
  const C = (cpus: number[], matching: boolean, allow: boolean): SampleFilter => ({
    type: 'cpumask',
    cpus,
    matching,
    allow,
  });
  const T = (tids: number[], matching: boolean, allow: boolean): SampleFilter => ({
    type: 'threads',
    tids,
    matching,
    allow,
  });
  const table: [string, SampleFilter[], { cpu: number; tid: number; w: boolean }, boolean][] = [
    ['no filters accept', [], { cpu: 0, tid: 1, w: false }, true],
    ['write-only: write', [W(true, true)], { cpu: 0, tid: 1, w: true }, true],
    ['write-only: read', [W(true, true)], { cpu: 0, tid: 1, w: false }, false],
    ['read-only: read', [W(false, true)], { cpu: 0, tid: 1, w: false }, true],
    ['read-only: write', [W(false, true)], { cpu: 0, tid: 1, w: true }, false],
    ['reject writes: write', [W(true, false)], { cpu: 0, tid: 1, w: true }, false],
    ['reject writes: read', [W(true, false)], { cpu: 0, tid: 1, w: false }, true],
    ['cpus 0,1 allowed: cpu 1', [C([0, 1], true, true)], { cpu: 1, tid: 1, w: false }, true],
    ['cpus 0,1 allowed: cpu 2', [C([0, 1], true, true)], { cpu: 2, tid: 1, w: false }, false],
    ['not cpu 0 rejected: cpu 1', [C([0], false, false)], { cpu: 1, tid: 1, w: false }, false],
    ['not cpu 0 rejected: cpu 0', [C([0], false, false)], { cpu: 0, tid: 1, w: false }, true],
    [
      'tid 5 rejected first, cpu 0 allowed: tid 5 cpu 0',
      [T([5], true, false), C([0], true, true)],
      { cpu: 0, tid: 5, w: false },
      false,
    ],
    [
      'tid 5 rejected first, cpu 0 allowed: tid 6 cpu 0',
      [T([5], true, false), C([0], true, true)],
      { cpu: 0, tid: 6, w: false },
      true,
    ],
    [
      'tid 5 rejected first, cpu 0 allowed: tid 6 cpu 1',
      [T([5], true, false), C([0], true, true)],
      { cpu: 1, tid: 6, w: false },
      false,
    ],
    ['threads 9,3,7 allowed: tid 7', [T([9, 3, 7], true, true)], { cpu: 0, tid: 7, w: false }, true],
    ['threads 9,3,7 allowed: tid 4', [T([9, 3, 7], true, true)], { cpu: 0, tid: 4, w: false }, false],
    [
      'allow cpu 1 then reject writes: write on cpu 1',
      [C([1], true, true), W(true, false)],
      { cpu: 1, tid: 1, w: true },
      true,
    ],
    [
      'allow cpu 1 then reject writes: read on cpu 2',
      [C([1], true, true), W(true, false)],
      { cpu: 2, tid: 1, w: false },
      true,
    ],
    [
      'allow cpu 1 then reject writes: write on cpu 2',
      [C([1], true, true), W(true, false)],
      { cpu: 2, tid: 1, w: true },
      false,
    ],
  ];
  for (const [name, filters, r, verdict] of table) {
    it(name, () => {
      expect(samplePasses(compileSampleFilters(filters), r.cpu, r.tid, r.w)).toBe(verdict);
      // The same verdict through the context's report path.
      const c = ctx10({ sampleFilters: filters });
      sample(c, 0, [{ paddr: 1, cpu: r.cpu, tid: r.tid, isWrite: r.w }]);
      expect(nr(c)[0]).toBe(verdict ? 1 : 0);
      expect(c.stats.reportsFiltered).toBe(verdict ? 0 : 1);
    });
  }

  it('names the bad filter in errors', () => {
    expect(
      einvalMessage(() => compileSampleFilters([W(true, true), { type: 'cpus' } as unknown as SampleFilter])),
    ).toMatch(/sampleFilters\[1\]\.matching|sampleFilters\[1\]\.type/);
    expect(einvalMessage(() => compileSampleFilters([C([0, -1], true, true)]))).toMatch(
      /sampleFilters\[0\]\.cpus\[1\]/,
    );
  });
});

describe('region lookup', () => {
  it('finds the same region as a linear scan, for any layout with gaps (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 40 })), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 3, max: 50 }),
        (layout, addrs, minNr) => {
          let at = 0;
          const ranges = layout.map(([gap, len]) => ({ start: (at += gap), end: (at += len) }));
          const c = new DamonContext({
            ops: REPORT_OPS,
            minRegionSz: 1,
            attrs: { sampleInterval: SI, aggrInterval: 100 * SI, minNrRegions: minNr, maxNrRegions: 1000 },
            targets: [{ regions: ranges }],
          });
          c.start(0);
          sample(
            c,
            0,
            addrs.map((a) => ({ paddr: a })),
          );
          const r = c.targets[0]!.regions;
          const expected: number[] = [];
          for (let i = 0; i < r.length; i++)
            expected.push(addrs.some((a) => r.start[i]! <= a && a < r.end[i]!) ? 1 : 0);
          expect(nr(c)).toEqual(expected);
          const inside = addrs.filter((a) => ranges.some((g) => g.start <= a && a < g.end)).length;
          expect(c.stats.reportsApplied).toBe(inside);
          expect(c.stats.reportsUnmatched).toBe(addrs.length - inside);
        },
      ),
      { seed: 7, numRuns: 150 },
    );
  });

  it('stays correct when region bounds are written directly (stale lookup table)', () => {
    const c = ctx10();
    sample(c, 0, [{ paddr: 1 }]); // builds the table
    const r = c.targets[0]!.regions;
    // Move the boundary between regions 0 and 1 without going through RegionList methods.
    r.end[0] = PAGE / 2;
    r.start[1] = PAGE / 2;
    sample(c, SI, [{ paddr: PAGE / 2 + 10 }, { paddr: 10 * PAGE - 1 }]);
    expect(nr(c).slice(0, 2)).toEqual([1, 1]);
    expect(nr(c)[9]).toBe(1);
  });

  it('handles vaddr targets with huge gaps between regions', () => {
    const hi = 2 ** 47;
    const c = ctx10({
      targets: [
        {
          pid: 5,
          regions: [
            { start: 0x400000, end: 0x800000 },
            { start: hi - 2 ** 33, end: hi - 2 ** 32 },
            { start: hi - 2 ** 20, end: hi },
          ],
        },
      ],
    });
    sample(c, 0, [
      { tgid: 5, vaddr: 0x400000 + 5 },
      { tgid: 5, vaddr: hi - 2 ** 32 - 1 },
      { tgid: 5, vaddr: hi - 1 },
      { tgid: 5, vaddr: 2 ** 40 },
    ]);
    const r = c.targets[0]!.regions;
    const holding = [0x400005, hi - 2 ** 32 - 1, hi - 1].map((a) => findRegion(r, a));
    expect(holding.every((i) => i >= 0 && r.nrAccesses[i] === 1)).toBe(true);
    expect(nr(c).reduce((x, y) => x + y, 0)).toBe(3);
    expect(c.stats).toMatchObject({ reportsApplied: 3, reportsUnmatched: 1 });
  });
});
