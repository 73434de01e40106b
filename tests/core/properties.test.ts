/** Property tests (fast-check) of region adjustment and the loop. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DamonContext } from '../../src/core/context.js';
import { runVirtual } from '../../src/core/drivers.js';
import { resetSharedSplitState } from '../../src/core/region-ops.js';
import type { RegionArrays } from '../../src/core/types.js';
import { primitives } from '../../src/index.js';
import { REPORT_OPS, rec } from './helpers.js';

const SEED = 20261126;

function checkInvariants(r: RegionArrays, m: number, span: [number, number]): void {
  expect(r.length).toBeGreaterThan(0);
  expect(r.start[0]).toBe(span[0]);
  expect(r.end[r.length - 1]).toBe(span[1]);
  for (let i = 0; i < r.length; i++) {
    expect(r.start[i]! < r.end[i]!).toBe(true);
    expect(r.start[i]! % m).toBe(0);
    expect(r.end[i]! % m).toBe(0);
    if (i > 0) expect(r.start[i]).toBe(r.end[i - 1]); // sorted, no overlap, no hole
  }
}

/** A scenario: attrs, span in pages, and per-sample report page lists (accesses to replay). */
const scenario = fc.record({
  pages: fc.integer({ min: 16, max: 4096 }),
  minNr: fc.integer({ min: 3, max: 12 }),
  maxMult: fc.integer({ min: 3, max: 20 }),
  samplesPerAggr: fc.integer({ min: 1, max: 12 }),
  seed: fc.integer({ min: 0, max: 1000 }),
  hotFrac: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 8 }),
  samples: fc.integer({ min: 1, max: 80 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

const PAGE = 4096;

/** Runs a scenario; reports hit random pages within a moving hot fraction of the span. */
function run(s: Scenario, check: boolean): number[] {
  resetSharedSplitState();
  const si = 1000;
  const maxNr = s.minNr * s.maxMult;
  const c = new DamonContext({
    ops: REPORT_OPS,
    seed: s.seed,
    attrs: {
      sampleInterval: si,
      aggrInterval: si * s.samplesPerAggr,
      minNrRegions: s.minNr,
      maxNrRegions: maxNr,
    },
    targets: [{ regions: [{ start: 4 * PAGE, end: (4 + s.pages) * PAGE }] }],
  });
  const span: [number, number] = [4 * PAGE, (4 + s.pages) * PAGE];
  const out: number[] = [];
  let x = s.seed + 1;
  c.onAggregated((w) => {
    const r = w.targets[0]!.regions;
    if (check) {
      expect(r.length).toBeLessThanOrEqual(maxNr);
      for (let i = 0; i < r.length; i++) expect(r.nrAccesses[i]!).toBeLessThanOrEqual(c.aggrSamples);
    }
    for (let i = 0; i < r.length; i++) out.push(r.start[i]!, r.nrAccesses[i]!, r.age[i]!);
  });
  let k = 0;
  runVirtual(
    [c],
    {
      advance(from) {
        const hot = Math.max(1, Math.floor((s.pages * s.hotFrac[k++ % s.hotFrac.length]!) / 100));
        for (let j = 0; j < 20; j++) {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          c.reportAccess({
            paddr: span[0] + (x % hot) * PAGE + (x % 97),
            vaddr: 0,
            size: 8,
            cpu: 0,
            tid: 1,
            tgid: 1,
            isWrite: false,
            time: from + 1,
          });
        }
      },
    },
    s.samples * si,
  );
  if (check) checkInvariants(c.targets[0]!.regions, c.minRegionSz, span);
  return out;
}

describe('loop properties', () => {
  it('regions stay sorted, non-overlapping, aligned, covering the span; nr_accesses <= samples; nr_regions <= max at aggregation', () => {
    fc.assert(
      fc.property(scenario, (s) => void run(s, true)),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('same seed and input give the same results', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        expect(run(s, false)).toEqual(run(s, false));
      }),
      { seed: SEED, numRuns: 25 },
    );
  });
});

describe('primitive properties', () => {
  const regions = fc
    .array(
      fc.record({
        len: fc.integer({ min: 1, max: 200 }),
        nr: fc.integer({ min: 0, max: 20 }),
        age: fc.integer({ min: 0, max: 50 }),
      }),
      {
        minLength: 1,
        maxLength: 40,
      },
    )
    .map((a) => {
      let at = 0;
      return a.map((r) => rec(at, (at += r.len), r.nr, r.nr, r.age));
    });

  it('splitRegionsOf and mergeRegionsOf keep the covered span, alignment and order; inputs untouched', () => {
    fc.assert(
      fc.property(
        regions,
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 0, max: 30 }),
        fc.nat(),
        (rs, subs, thr, seed) => {
          const copy = structuredClone(rs);
          const span: [number, number] = [rs[0]!.start, rs.at(-1)!.end];
          const split = primitives.splitRegionsOf(rs, subs, 1, seed);
          expect(split.length).toBeLessThanOrEqual(rs.length * subs);
          const merged = primitives.mergeRegionsOf(split, thr, 1000, true);
          expect(merged.length).toBeLessThanOrEqual(split.length);
          for (const out of [split, merged]) {
            const l = { length: out.length, start: out.map((r) => r.start), end: out.map((r) => r.end) };
            checkInvariants(l as unknown as RegionArrays, 1, span);
          }
          expect(rs).toEqual(copy);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('setRegions covers exactly the aligned ranges', () => {
    fc.assert(
      fc.property(
        regions,
        fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 100 })), {
          minLength: 1,
          maxLength: 5,
        }),
        (rs, gaps) => {
          let at = 0;
          const ranges = gaps.map(([g, len]) => ({ start: (at += g), end: (at += len) }));
          const out = primitives.setRegions(rs, ranges, 1);
          let k = 0;
          for (const r of ranges) {
            expect(out[k]!.start).toBe(r.start);
            while (out[k]!.end < r.end) {
              expect(out[k + 1]!.start).toBe(out[k]!.end);
              k++;
            }
            expect(out[k]!.end).toBe(r.end);
            k++;
          }
          expect(k).toBe(out.length);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});
