import { describe, expect, it } from 'vitest';
import type { SampleFilter } from '../../src/core/types.js';
import type { SimOpsOptions } from '../../src/ops/sim-binding.js';
import { A, B, runOn, steady, TouchWorkload } from './helpers.js';

const FULL = 20; // samples per aggregation at 5 ms / 100 ms

describe('fvaddr on the simulated machine', () => {
  it('page_table: a region touched every sample reaches 20, an untouched one stays 0', () => {
    const r = runOn(new TouchWorkload([{ region: A, write: false, thread: 0 }]), { ops: 'fvaddr' });
    const w = steady(r);
    expect(w.length).toBeGreaterThanOrEqual(2);
    for (const x of w) {
      expect(x.a.length).toBeGreaterThan(0);
      expect(x.a.every((n) => n === FULL)).toBe(true);
      expect(x.b.every((n) => n === 0)).toBe(true);
    }
    expect(r.machine.costs.mkold).toBeGreaterThan(0);
    expect(r.machine.costs.youngChecks).toBeGreaterThan(0);
  });

  it('page_fault (PAGE_NONE): same answer, through protection-fault reports', () => {
    const r = runOn(new TouchWorkload([{ region: A, write: false, thread: 0 }]), {
      ops: 'fvaddr',
      primitives: { pageFault: true },
    });
    for (const x of steady(r)) {
      expect(x.a.every((n) => n === FULL)).toBe(true);
      expect(x.b.every((n) => n === 0)).toBe(true);
    }
    expect(r.machine.costs.damonFaults).toBeGreaterThan(0);
    expect(r.ctx.stats.reportsApplied).toBeGreaterThan(0);
    expect(r.machine.costs.mkold).toBe(0);
  });

  it('write-only filter ignores reads', () => {
    const w = new TouchWorkload([
      { region: A, write: false, thread: 0 },
      { region: B, write: true, thread: 0 },
    ]);
    const r = runOn(w, {
      ops: 'fvaddr',
      primitives: { pageFault: true },
      sampleFilters: [{ type: 'write', matching: true, allow: true }],
    });
    for (const x of steady(r)) {
      expect(x.a.every((n) => n === 0)).toBe(true);
      expect(x.b.every((n) => n === FULL)).toBe(true);
    }
  });

  it("a cpumask filter sees only its CPU's threads", () => {
    const w = new TouchWorkload(
      [
        { region: A, write: false, thread: 0 },
        { region: B, write: false, thread: 1 },
      ],
      [0, 1],
    );
    const r = runOn(w, {
      ops: 'fvaddr',
      primitives: { pageFault: true },
      sampleFilters: [{ type: 'cpumask', matching: true, allow: true, cpus: [1] }],
    });
    for (const x of steady(r)) {
      expect(x.a.every((n) => n === 0)).toBe(true);
      expect(x.b.every((n) => n === FULL)).toBe(true);
    }
    expect(r.ctx.stats.reportsFiltered).toBeGreaterThan(0);
  });

  it('per-CPU and per-thread filters under sharing: the first CPU to touch does not hide the next one', () => {
    // Threads on CPUs 0 and 1 both touch A every sample, CPU 0 first.
    const w = () =>
      new TouchWorkload(
        [
          { region: A, write: false, thread: 0 },
          { region: A, write: false, thread: 1 },
        ],
        [0, 1],
      );
    const cpu1 = [{ type: 'cpumask' as const, matching: true, allow: true, cpus: [1] }];
    const on = (sim: SimOpsOptions, filters: SampleFilter[]) =>
      runOn(w(), { ops: 'fvaddr', primitives: { pageFault: true }, sampleFilters: filters }, { sim });
    const rfc = on({ rearm: false }, cpu1);
    const fixed = on({}, cpu1);
    for (const x of steady(rfc)) expect(x.a.every((n) => n === 0)).toBe(true);
    for (const x of steady(fixed)) expect(x.a.every((n) => n === FULL)).toBe(true);
    // one extra fault (CPU 0's) per sampling page (region) per sample, no more
    expect(fixed.binding.counts.rearms).toBeGreaterThan(0);
    expect(fixed.binding.counts.rearms).toBeLessThanOrEqual(fixed.binding.counts.protections);
    expect(fixed.ctx.stats.reportsFiltered).toBe(fixed.binding.counts.rearms);
    // the same for a threads filter (the second thread's tid)
    const tw = w();
    const probe = on({}, []);
    const tid1 = probe.machine.threadsOf(probe.ctx.targets[0]!.pid!)[1]!;
    const byTid = runOn(
      tw,
      {
        ops: 'fvaddr',
        primitives: { pageFault: true },
        sampleFilters: [{ type: 'threads', matching: true, allow: true, tids: [tid1] }],
      },
      {},
    );
    for (const x of steady(byTid)) expect(x.a.every((n) => n === FULL)).toBe(true);
    // unfiltered contexts never re-arm: the first touch takes the sample, as in the kernel
    expect(probe.binding.counts.rearms).toBe(0);
  });

  it('write-only: PAGE_NONE without re-arming misses a write that follows a read of the same page; re-armed or write-protect does not', () => {
    const w = () =>
      new TouchWorkload([
        { region: A, write: false, thread: 0 },
        { region: A, write: true, thread: 0 },
      ]);
    const filters = [{ type: 'write' as const, matching: true, allow: true }];
    const none = runOn(
      w(),
      { ops: 'fvaddr', primitives: { pageFault: true }, sampleFilters: filters },
      { sim: { protection: 'none', rearm: false } },
    );
    const rearmed = runOn(
      w(),
      { ops: 'fvaddr', primitives: { pageFault: true }, sampleFilters: filters },
      { sim: { protection: 'none' } },
    );
    const wp = runOn(
      w(),
      { ops: 'fvaddr', primitives: { pageFault: true }, sampleFilters: filters },
      { sim: { protection: 'write' } },
    );
    const auto = runOn(w(), { ops: 'fvaddr', primitives: { pageFault: true }, sampleFilters: filters });
    for (const x of steady(none)) expect(x.a.every((n) => n === 0)).toBe(true);
    for (const x of steady(wp)) expect(x.a.every((n) => n === FULL)).toBe(true);
    // the filtered read re-arms the protection: the write faults too, one extra fault per sample
    expect(steady(rearmed)).toEqual(steady(wp));
    expect(rearmed.binding.counts.rearms).toBeGreaterThan(0);
    expect(none.binding.counts.rearms).toBe(0);
    // the write-only view picks write-protect by default
    expect(steady(auto)).toEqual(steady(wp));
  });

  it('NUMA balancing on: protection faults go to NUMA balancing, DAMON gets no reports', () => {
    const r = runOn(
      new TouchWorkload([{ region: A, write: false, thread: 0 }]),
      { ops: 'fvaddr', primitives: { pageFault: true } },
      { machine: { numaBalancing: true } },
    );
    for (const x of steady(r)) expect(x.a.every((n) => n === 0)).toBe(true);
    expect(r.ctx.stats.reportsReceived).toBe(0);
    expect(r.machine.costs.numaHintingFaults).toBeGreaterThan(0);
  });

  it('TLB: page_table misses a TLB-resident hot set that page_fault sees', () => {
    const w = () => new TouchWorkload([{ region: A, write: false, thread: 0 }]);
    const tlb = { machine: { tlbEntries: 1536 } };
    const pt = runOn(w(), { ops: 'fvaddr' }, tlb);
    const pf = runOn(w(), { ops: 'fvaddr', primitives: { pageFault: true } }, tlb);
    const sum = (r: typeof pt) => steady(r).reduce((s, x) => s + x.a.reduce((p, n) => p + n, 0), 0);
    expect(sum(pt)).toBeLessThan(sum(pf) / 4);
    for (const x of steady(pf)) expect(x.a.every((n) => n === FULL)).toBe(true);
  });
});

describe('vaddr on the simulated machine', () => {
  it('builds three regions from the VMAs, samples them, and stops when the process exits', () => {
    const w = new TouchWorkload([{ region: A, write: true, thread: 0 }]);
    const r = runOn(
      w,
      {
        ops: 'vaddr',
        attrs: { sampleInterval: 5000, aggrInterval: 100000, minNrRegions: 3, maxNrRegions: 100 },
      },
      { noRegions: true, aggrs: 2 },
    );
    const t = r.ctx.targets[0]!.regions;
    // VMAs: text at 0x1000, A, B, stack: the two biggest gaps are B..stack and text..A
    expect(t.start[0]).toBe(0x1000);
    expect(t.end[t.length - 1]).toBe(0x7f0000000000 + 4 * 4096);
    expect(r.windows.length).toBe(2);
    // the gap between the text page and A is one of the two biggest: no region covers it
    for (let i = 0; i < t.length; i++) expect(t.end[i]! <= 0x2000 || t.start[i]! >= A).toBe(true);
    expect(r.windows[1]!.overlapA.length).toBeGreaterThan(0);
    r.machine.exitProcess(w.pid!);
    expect(r.ctx.needStop()).toBe(true);
  });

  it('eligibleReport takes only reports of the target process', () => {
    const w = new TouchWorkload([{ region: A, write: false, thread: 0 }]);
    const r = runOn(w, { ops: 'vaddr', primitives: { pageFault: true } }, { aggrs: 1 });
    const t = r.ctx.targets[0]!;
    const rep = { paddr: 0, vaddr: A, size: 1, cpu: 0, tid: 1, tgid: w.pid!, isWrite: false, time: 0 };
    expect(r.ctx.ops.eligibleReport!(rep, t)).toBe(true);
    expect(r.ctx.ops.eligibleReport!({ ...rep, tgid: w.pid! + 1 }, t)).toBe(false);
  });
});
