/** report dirty's numbers: the window model on hand-built snapshots, and the pre-copy forecast. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dirtyCurve,
  dirtyWindows,
  forecastPrecopy,
  MAX_PRECOPY_ROUNDS,
  type WriteSnapshot,
} from '../../src/reports/dirty.js';

const MiB = 2 ** 20;

function snap(t: number, regions: [number, number, number][], samples = 20): WriteSnapshot {
  return {
    startUs: t * 100_000,
    endUs: (t + 1) * 100_000,
    samples,
    start: regions.map((r) => r[0]),
    end: regions.map((r) => r[1]),
    writes: regions.map((r) => r[2]),
  };
}

describe('dirty windows', () => {
  it('a region written at every sample is dirtied whole; one never written adds nothing', () => {
    const snaps = Array.from({ length: 10 }, (_, t) =>
      snap(t, [
        [0, 4 * MiB, 20],
        [4 * MiB, 64 * MiB, 0],
      ]),
    );
    const w = dirtyWindows(snaps, 1_000_000);
    expect(w).toHaveLength(1);
    expect(w[0]!.dirtyBytes).toBe(4 * MiB);
    expect(w[0]!.rate).toBe(4 * MiB);
  });

  it('a window counts every address under a region with a write sample, across moving regions', () => {
    // The region is split differently in the two snapshots; only [4096, 8192) is hit, in the second.
    const a = snap(0, [[0, 8192, 0]], 2);
    const b = snap(
      1,
      [
        [0, 4096, 0],
        [4096, 8192, 1],
      ],
      2,
    );
    expect(dirtyWindows([a, b], 200_000)[0]!.dirtyBytes).toBe(4096);
  });

  it('the forecast curve: p per sample dirties 1 - (1 - p)^k of a region in k sample intervals', () => {
    // p = 1/2 per 5 ms sample (10 of 20 samples per 100 ms snapshot).
    const d = dirtyCurve([snap(0, [[0, 8192, 10]])]);
    expect(d(5000)).toBeCloseTo(8192 / 2, 6);
    expect(d(20_000)).toBeCloseTo(8192 * (15 / 16), 6);
    expect(d(0)).toBe(0);
  });

  it('drops a trailing partial window', () => {
    const snaps = Array.from({ length: 15 }, (_, t) => snap(t, [[0, 4096, 20]]));
    expect(dirtyWindows(snaps, 1_000_000)).toHaveLength(1);
  });
});

describe('pre-copy forecast', () => {
  it('a dirty rate half the link speed: geometric rounds (hand-computed)', () => {
    // 10 GB at 1 GB/s, 0.5 GB/s dirtied: pending 10, 5, 2.5, 1.25, 0.625, 0.3125 GB are sent live,
    // then 0.15625 GB <= 0.3 s x 1 GB/s is the stop-and-copy round.
    const f = forecastPrecopy(10e9, 1e9, (t) => 0.5e9 * (t / 1e6), 0.3);
    expect(f.converges).toBe(true);
    expect(f.rounds).toBe(7);
    expect(f.finalRoundBytes).toBeCloseTo(0.15625e9, 0);
    expect(f.downtimeS).toBeCloseTo(0.15625, 9);
    expect(f.totalBytes).toBeCloseTo(19.84375e9, 0);
    expect(f.totalTimeS).toBeCloseTo(19.84375, 6);
  });

  it('a hot set larger than the downtime budget never converges; a smaller one does in 2 rounds', () => {
    const stuck = forecastPrecopy(8e9, 1e9, () => 0.5e9, 0.3);
    expect(stuck).toMatchObject({ converges: false, rounds: 2, finalRoundBytes: 0.5e9, downtimeS: null });
    const ok = forecastPrecopy(8e9, 1e9, () => 0.2e9, 0.3);
    expect(ok).toMatchObject({ converges: true, rounds: 2, finalRoundBytes: 0.2e9 });
    expect(ok.downtimeS).toBeCloseTo(0.2, 9);
  });

  it('memory that fits the downtime budget is one stop-and-copy round', () => {
    expect(forecastPrecopy(0.1e9, 1e9, () => 1e12, 0.3)).toMatchObject({ converges: true, rounds: 1 });
  });

  it('dirtying faster than the link does not converge', () => {
    expect(forecastPrecopy(10e9, 1e9, (t) => 2e9 * (t / 1e6), 0.3).converges).toBe(false);
  });

  it('more bandwidth never takes more rounds, nor turns a converging migration into one that does not', () => {
    // Dirty curves: a saturating hot set plus a linear drift, nondecreasing in t.
    const curve = fc.record({
      hot: fc.double({ min: 0, max: 4e9, noNaN: true }),
      rate: fc.double({ min: 0, max: 3e9, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.double({ min: 1e6, max: 64e9, noNaN: true }),
        curve,
        fc.double({ min: 1e6, max: 5e9, noNaN: true }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        (mem, c, b1, factor) => {
          const d = (t: number): number => c.hot * (1 - Math.exp(-t / 1e5)) + c.rate * (t / 1e6);
          const slow = forecastPrecopy(mem, b1, d);
          const fast = forecastPrecopy(mem, b1 * factor, d);
          if (slow.converges) {
            expect(fast.converges).toBe(true);
            expect(fast.rounds).toBeLessThanOrEqual(slow.rounds);
            expect(fast.downtimeS!).toBeLessThanOrEqual(0.3 + 1e-12);
          }
          expect(fast.rounds).toBeLessThanOrEqual(MAX_PRECOPY_ROUNDS + 1);
        },
      ),
      { numRuns: 500, seed: 18 },
    );
  });
});
