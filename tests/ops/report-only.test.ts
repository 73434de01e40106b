import { describe, expect, it } from 'vitest';
import { DamonContext } from '../../src/core/context.js';
import { runVirtual } from '../../src/core/drivers.js';
import { makeReportOps } from '../../src/ops/report-only.js';

const vmas = [
  { start: 0x1000, end: 0x2000 },
  { start: 0x100000, end: 0x200000 },
  { start: 0x7f0000000000, end: 0x7f0000004000 },
];

describe('report-only operations set', () => {
  it('lays out three regions from a VMA source, picks sampling addresses, and takes reports of its pid only', () => {
    let alive = true;
    const ops = makeReportOps({ vmas: () => vmas, sampling: true, alive: () => alive });
    const ctx = new DamonContext({
      ops: ops as never,
      targets: [{ pid: 42 }],
      attrs: { sampleInterval: 5000, aggrInterval: 100000 },
    });
    expect(ctx.reportFed).toBe(true);
    const seen: number[] = [];
    ctx.onAggregated(({ targets }) => {
      const r = targets[0]!.regions;
      for (let i = 0; i < r.length; i++)
        if (r.start[i]! <= 0x150000 && 0x150000 < r.end[i]!) seen.push(r.nrAccesses[i]!);
    });
    const env = {
      advance(from: number, to: number) {
        ctx.reportAccess({
          paddr: -1,
          vaddr: 0x150000,
          size: 1,
          cpu: 0,
          tid: 42,
          tgid: 42,
          isWrite: true,
          time: to,
        });
        ctx.reportAccess({
          paddr: -1,
          vaddr: 0x150000,
          size: 1,
          cpu: 0,
          tid: 7,
          tgid: 7,
          isWrite: true,
          time: to,
        });
        void from;
      },
    };
    runVirtual([ctx], env, 200000);
    const r = ctx.targets[0]!.regions;
    expect(r.start[0]).toBe(0x1000);
    expect(r.end[r.length - 1]).toBe(0x7f0000004000);
    for (let i = 0; i < r.length; i++) {
      expect(r.samplingAddr[i]!).toBeGreaterThanOrEqual(r.start[i]!);
      expect(r.samplingAddr[i]!).toBeLessThan(r.end[i]!);
    }
    expect(seen.at(-1)).toBe(20);
    // tgid 7 is not the target's: never applied
    expect(ctx.stats.reportsApplied).toBe(ctx.stats.reportsReceived / 2);
    const rep = { paddr: -1, vaddr: 0, size: 1, cpu: 0, tid: 7, tgid: 7, isWrite: false, time: 0 };
    expect(ops.eligibleReport!(rep, ctx.targets[0]!)).toBe(false);
    expect(ops.eligibleReport!({ ...rep, tgid: 42 }, ctx.targets[0]!)).toBe(true);
    alive = false;
    expect(ctx.needStop()).toBe(true);
  });
});
