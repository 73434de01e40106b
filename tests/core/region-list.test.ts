/** RegionList storage: capacity doubling, insert-after, remove, bulk rewrite through the scratch list. */
import { describe, expect, it } from 'vitest';
import { RegionList } from '../../src/core/region-list.js';
import { rec } from './helpers.js';

const spans = (l: RegionList): number[][] => l.toRecords().map((r) => [r.start, r.end]);

describe('RegionList', () => {
  it('doubles its capacity and keeps the contents', () => {
    const l = new RegionList(2);
    for (let i = 0; i < 9; i++) {
      l.push(i * 10, i * 10 + 10);
      l.nrAccesses[i] = i;
    }
    expect(l.capacity).toBe(16);
    expect(Array.from(l.nrAccesses.subarray(0, 9))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(l.totalSize()).toBe(90);
  });

  it('inserts after an index (zeroed) and removes', () => {
    const l = RegionList.fromRecords([rec(0, 10, 5), rec(20, 30, 6)]);
    l.insertAfter(0, 10, 20);
    l.insertAfter(-1, -10, 0);
    expect(spans(l)).toEqual([
      [-10, 0],
      [0, 10],
      [10, 20],
      [20, 30],
    ]);
    expect(Array.from(l.nrAccesses.subarray(0, 4))).toEqual([0, 5, 0, 6]);
    l.removeAt(1);
    expect(spans(l)).toEqual([
      [-10, 0],
      [10, 20],
      [20, 30],
    ]);
  });

  it('rewrites through the scratch list and bumps the version on structural changes', () => {
    const l = RegionList.fromRecords([rec(0, 10, 1, 2, 3)]);
    const v = l.version;
    const out = l.scratch();
    out.pushPiece(l, 0, 0, 4);
    out.pushPiece(l, 0, 4, 10);
    l.adopt(out);
    expect(l.toRecords()).toEqual([rec(0, 4, 1, 2, 3), rec(4, 10, 1, 2, 3)]);
    expect(l.version).toBeGreaterThan(v);
    expect(l.scratch().length).toBe(0);
    const v2 = l.version;
    l.length = 1;
    expect(l.version).toBeGreaterThan(v2);
  });
});
