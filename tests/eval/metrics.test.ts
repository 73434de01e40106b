import { describe, expect, it } from 'vitest';
import { addAccuracy, emptyAccuracy, summarize, windowAccuracy } from '../../src/eval/metrics.js';

const P = 4096;

describe('window accuracy', () => {
  // Two regions of 4 pages: [0, 4P) estimated 10, [4P, 8P) estimated 0. Truth: pages 0,1 at 20, page 5 at 4.
  const regions = { length: 2, start: [0, 4 * P], end: [4 * P, 8 * P], nrAccesses: [10, 0] };
  const truth = { length: 3, page: [0, 1, 5], count: [20, 20, 4] };

  it('byte-weighted absolute error, hot set and working set, by hand', () => {
    const a = windowAccuracy(regions, truth, 10);
    // region 0: |10-20| ×2 pages + 10 × 2 untouched pages = 40 page-samples; region 1: |0-4| = 4
    expect(a.absErrBytes).toBe(44 * P);
    expect(a.monitoredBytes).toBe(8 * P);
    expect(a.absErrTouchedBytes).toBe(24 * P);
    expect(a.touchedBytes).toBe(3 * P);
    expect(a.predHotBytes).toBe(4 * P);
    expect(a.trueHotBytes).toBe(2 * P);
    expect(a.truePosBytes).toBe(2 * P);
    expect(a.estWssBytes).toBe(4 * P);
    expect(a.trueWssBytes).toBe(3 * P);
    const s = summarize(a, 20, [Math.abs(a.estWssBytes - a.trueWssBytes) / a.trueWssBytes]);
    expect(s.maePct).toBeCloseTo((100 * 44) / 8 / 20);
    expect(s.precision).toBe(0.5);
    expect(s.recall).toBe(1);
    expect(s.f1).toBeCloseTo(2 / 3);
    expect(s.wssErrPct).toBeCloseTo(100 / 3);
  });

  it('pages outside every region count as missed hot bytes', () => {
    const a = windowAccuracy(regions, { length: 1, page: [100], count: [20] }, 10);
    expect(a.trueHotBytes).toBe(P);
    expect(a.truePosBytes).toBe(0);
    expect(summarize(a, 20, []).recall).toBe(0);
  });

  it('addr_unit scales region addresses to bytes', () => {
    const a = windowAccuracy(
      { length: 1, start: [0], end: [P / 4], nrAccesses: [20] },
      { length: 1, page: [0], count: [20] },
      10,
      4,
    );
    expect(a.monitoredBytes).toBe(P);
    expect(a.absErrBytes).toBe(0);
  });

  it('sums windows', () => {
    const sum = emptyAccuracy();
    addAccuracy(sum, windowAccuracy(regions, truth, 10));
    addAccuracy(sum, windowAccuracy(regions, truth, 10));
    expect(sum.absErrBytes).toBe(88 * P);
  });
});
