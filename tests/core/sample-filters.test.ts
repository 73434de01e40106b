import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSampleFilters, filtersAdmitReads, samplePasses } from '../../src/core/sample-filters.js';
import type { SampleFilter } from '../../src/core/types.js';

const ids = fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 });
const filter: fc.Arbitrary<SampleFilter> = fc.oneof(
  fc.record({ type: fc.constant('write' as const), matching: fc.boolean(), allow: fc.boolean() }),
  fc.record({
    type: fc.constant('cpumask' as const),
    matching: fc.boolean(),
    allow: fc.boolean(),
    cpus: ids,
  }),
  fc.record({
    type: fc.constant('threads' as const),
    matching: fc.boolean(),
    allow: fc.boolean(),
    tids: ids,
  }),
);

describe('filtersAdmitReads (which live source a filter list needs)', () => {
  it('is true iff some read, of any CPU and thread, passes the filters', () => {
    fc.assert(
      fc.property(fc.array(filter, { maxLength: 4 }), (filters) => {
        const c = compileSampleFilters(filters);
        let any = false;
        for (let cpu = -1; cpu <= 8; cpu++)
          for (let tid = -1; tid <= 8; tid++) any ||= samplePasses(c, cpu, tid, false);
        expect(filtersAdmitReads(filters)).toBe(any);
      }),
    );
  });

  it('write-only however spelled', () => {
    expect(filtersAdmitReads([{ type: 'write', matching: true, allow: true }])).toBe(false);
    expect(
      filtersAdmitReads([
        { type: 'write', matching: false, allow: false },
        { type: 'cpumask', matching: true, allow: true, cpus: [0] },
      ]),
    ).toBe(false);
    // damo's list for write-only + cpus is "write OR CPU 0" under first match: reads of CPU 0 pass.
    expect(
      filtersAdmitReads([
        { type: 'write', matching: true, allow: true },
        { type: 'cpumask', matching: true, allow: true, cpus: [0] },
      ]),
    ).toBe(true);
    expect(filtersAdmitReads([])).toBe(true);
  });
});
