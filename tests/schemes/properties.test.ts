import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchemesEngine } from '../../src/schemes/engine.js';
import { applied, atBoundary, ctxWith } from './helpers.js';

describe('DAMOS properties', () => {
  it('per window, applied bytes stay within the size quota; applied regions match the pattern and do not overlap', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            sz: fc.integer({ min: 1, max: 50 }),
            nr: fc.integer({ min: 0, max: 10 }),
            age: fc.integer({ min: 0, max: 20 }),
          }),
          { minLength: 3, maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 0, max: 10 }),
        (regions, quota, maxNr, minAge) => {
          let at = 0;
          const ranges: [number, number][] = regions.map((r) => [at, (at += r.sz * 8)]);
          const ctx = ctxWith(ranges, { minRegionSz: 8 });
          const l = ctx.targets[0]!.regions;
          regions.forEach((r, i) => {
            l.nrAccesses[i] = r.nr;
            l.lastNrAccesses[i] = r.nr;
            l.age[i] = r.age;
          });
          const e = new SchemesEngine(ctx, [
            {
              action: 'pageout',
              pattern: { maxNrAccesses: maxNr, minAge },
              quota: { sz: quota, resetIntervalMs: 1000 },
            },
          ]);
          atBoundary(ctx);
          e.applySchemes();
          const total = applied.reduce((a, x) => a + (x.end - x.start), 0);
          expect(total).toBeLessThanOrEqual(quota);
          expect(e.schemes[0]!.stat.szApplied).toBe(total);
          const sorted = [...applied].sort((a, b) => a.start - b.start);
          for (let i = 1; i < sorted.length; i++)
            expect(sorted[i]!.start).toBeGreaterThanOrEqual(sorted[i - 1]!.end);
          // Every applied byte lies in an original region that matched the pattern.
          for (const a of applied) {
            const k = ranges.findIndex(([s, en]) => s <= a.start && a.end <= en);
            expect(k).toBeGreaterThanOrEqual(0);
            expect(regions[k]!.nr).toBeLessThanOrEqual(maxNr);
            expect(regions[k]!.age).toBeGreaterThanOrEqual(minAge);
          }
          // Regions still tile the monitored range.
          const recs = l.toRecords();
          expect(recs[0]!.start).toBe(0);
          expect(recs[recs.length - 1]!.end).toBe(at);
          for (let i = 1; i < recs.length; i++) expect(recs[i]!.start).toBe(recs[i - 1]!.end);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });
});
