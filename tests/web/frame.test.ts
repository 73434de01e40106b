import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  coarsen,
  decodeFrames,
  encodeFrames,
  F_NR,
  FrameStore,
  mergeFrames,
  REGION_FIELDS,
  regionAt,
  type Frame,
} from '../../src/interfaces/web/shared/frame.js';

/** A frame of contiguous regions from (size, nr) pairs starting at base. */
function frame(t0: number, t1: number, parts: [number, number][], base = 0, s = 0): Frame {
  const r = new Float64Array(parts.length * REGION_FIELDS);
  let a = base;
  parts.forEach(([sz, nr], i) => {
    r.set([a, a + sz, nr, i, nr > 0 ? 1 : -1], i * REGION_FIELDS);
    a += sz;
  });
  return {
    meta: { s, t0, t1, si: 5000, ai: 100000, maxNr: 20, wss: 0, nr: parts.length, n: parts.length, m: 1 },
    regions: r,
  };
}

/** Σ nr × size × duration: what merging must preserve (time-weighted means over the same span). */
function mass(f: Frame): number {
  let m = 0;
  for (let o = 0; o < f.regions.length; o += REGION_FIELDS)
    m += f.regions[o + F_NR]! * (f.regions[o + 1]! - f.regions[o]!);
  return m * (f.meta.t1 - f.meta.t0);
}

const parts = fc.array(
  fc.tuple(
    fc.integer({ min: 1, max: 64 }).map((x) => x * 4096),
    fc.integer({ min: 0, max: 20 }),
  ),
  { minLength: 1, maxLength: 30 },
);

describe('frame batches', () => {
  it('round-trip metadata and region numbers exactly', () => {
    const a = frame(0, 100, [
      [4096, 3],
      [8192, 0],
    ]);
    a.meta.bd = { write: 10, read: 2.5, 'cpu 1': 7 };
    a.meta.ds = [{ action: 'stat', nrTried: 1, szTried: 2, nrApplied: 3, szApplied: 4, qtExceeds: 5 }];
    const b = frame(100, 200, [[4096, 20]], 1 << 40, 1);
    const out = decodeFrames(encodeFrames([a, b]).slice().buffer);
    expect(out.map((f) => f.meta)).toEqual([a.meta, b.meta]);
    expect(Array.from(out[0]!.regions)).toEqual(Array.from(a.regions));
    expect(Array.from(out[1]!.regions)).toEqual(Array.from(b.regions));
  });

  it('rejects a batch whose region data is short', () => {
    const bytes = encodeFrames([
      frame(0, 1, [
        [4096, 1],
        [4096, 2],
      ]),
    ]);
    expect(() => decodeFrames(bytes.slice(0, bytes.length - 8))).toThrow(/too short/);
  });
});

describe('mergeFrames / coarsen', () => {
  it('keep the access mass, the span, and never grow the region count (property)', () => {
    fc.assert(
      fc.property(
        parts,
        parts,
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 1000 }),
        (pa, pb, da, db) => {
          const a = frame(0, da, pa);
          const b = frame(da, da + db, pb);
          const m = mergeFrames(a, b);
          expect(m.meta.t0).toBe(0);
          expect(m.meta.t1).toBe(da + db);
          expect(m.meta.m).toBe(2);
          expect(m.meta.n).toBeLessThanOrEqual(Math.max(pa.length, pb.length));
          expect(m.regions.length).toBe(m.meta.n * REGION_FIELDS);
          // sorted, non-overlapping
          for (let o = REGION_FIELDS; o < m.regions.length; o += REGION_FIELDS)
            expect(m.regions[o]!).toBeGreaterThanOrEqual(m.regions[o - REGION_FIELDS + 1]!);
          expect(mass(m)).toBeCloseTo(mass(a) + mass(b), 3);
        },
      ),
      { seed: 8, numRuns: 200 },
    );
  });

  it('coarsen joins the most similar neighbours first', () => {
    const f = frame(0, 1, [
      [4096, 10],
      [4096, 11],
      [4096, 0],
      [4096, 20],
    ]);
    const c = coarsen(f.regions, 3);
    expect(c.length / REGION_FIELDS).toBe(3);
    expect(c[F_NR]).toBeCloseTo(10.5);
    expect(c[REGION_FIELDS + F_NR]).toBe(0);
  });

  it('regionAt finds the region holding an address', () => {
    const f = frame(
      0,
      1,
      [
        [4096, 1],
        [8192, 2],
      ],
      4096,
    );
    expect(regionAt(f.regions, 4096)).toBe(0);
    expect(regionAt(f.regions, 8191)).toBe(0);
    expect(regionAt(f.regions, 8192)).toBe(1);
    expect(regionAt(f.regions, 4095)).toBe(-1);
    expect(regionAt(f.regions, 16384)).toBe(-1);
  });
});

describe('FrameStore', () => {
  it('stays within its bounds for any run length, keeps time order and the newest frames as recorded (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 12 }), (count, nregions) => {
        const st = new FrameStore(64, 400);
        for (let i = 0; i < count; i++)
          st.push(
            frame(
              i * 10,
              (i + 1) * 10,
              Array.from({ length: nregions }, (_, k) => [4096, (i + k) % 21] as [number, number]),
            ),
          );
        expect(st.frames.length).toBeLessThanOrEqual(64);
        expect(st.regionCount).toBeLessThanOrEqual(Math.max(400, 4 * nregions));
        // contiguous coverage of the whole run
        expect(st.frames[0]!.meta.t0).toBe(0);
        expect(st.frames.at(-1)!.meta.t1).toBe(count * 10);
        for (let i = 1; i < st.frames.length; i++)
          expect(st.frames[i]!.meta.t0).toBe(st.frames[i - 1]!.meta.t1);
        expect(st.frames.reduce((s, f) => s + f.meta.m, 0)).toBe(count);
        expect(st.frames.at(-1)!.meta.m).toBe(1);
      }),
      { seed: 3, numRuns: 40 },
    );
  });
});
