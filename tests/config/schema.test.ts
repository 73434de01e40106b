import { describe, expect, it } from 'vitest';
import { accessPatternInKernelUnits } from '../../src/config/access-pattern.js';
import { ConfigError, parseKdamondsConfig } from '../../src/config/load.js';
import { kdamondsToJson } from '../../src/config/serialize.js';
import { U32_MAX, U64_MAX } from '../../src/config/units.js';

function issues(input: unknown): string[] {
  try {
    parseKdamondsConfig(input, 'test.json');
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
}

describe('kdamonds JSON (damo args damon shape)', () => {
  it("fills damo's defaults", () => {
    const c = parseKdamondsConfig({
      kdamonds: [{ contexts: [{ targets: [{ regions: [{ start: 0, end: 4096 }] }], schemes: [{}] }] }],
    });
    const ctx = c.kdamonds[0]!.contexts[0]!;
    expect(ctx.ops).toBe('paddr');
    expect(ctx.intervals).toEqual({
      sample_us: 5000,
      aggr_us: 100000,
      ops_update_us: 1000000,
      intervals_goal: { access_bp: 0, aggrs: 0, min_sample_us: 0, max_sample_us: 0 },
    });
    expect(ctx.nr_regions).toEqual({ min: 10, max: 1000 });
    expect(ctx.sample).toEqual({ primitives: { page_table: true, page_fault: false }, filters: [] });
    const s = ctx.schemes[0]!;
    expect(s.action).toBe('stat');
    expect(s.access_pattern).toEqual({
      sz_bytes: { min: 0, max: U64_MAX },
      nr_accesses: { min: 0, max: U64_MAX },
      nr_accesses_unit: 'percent',
      age: { min: 0, max: U64_MAX },
      age_unit: 'usec',
    });
    expect(s.watermarks.metric).toBe('none');
  });

  it('accepts damo unit strings and its filter_type key; paddr_fault is paddr + page_fault', () => {
    const c = parseKdamondsConfig({
      kdamonds: [
        {
          contexts: [
            {
              ops: 'paddr_fault',
              intervals: {
                sample_us: '10 ms',
                aggr_us: '200 ms',
                ops_update_us: '2 s',
                intervals_goal: { access_bp: '4 %', aggrs: 3, min_sample_us: '5 ms', max_sample_us: '10 s' },
              },
              targets: [{ regions: [{ start: '1 GiB', end: '2 GiB' }] }],
              schemes: [
                {
                  action: 'pageout',
                  quotas: { time_ms: '1 s', sz_bytes: '128 MiB', reset_interval_ms: 1000 },
                  filters: [{ filter_type: 'anon', matching: true }],
                },
              ],
            },
          ],
        },
      ],
    });
    const ctx = c.kdamonds[0]!.contexts[0]!;
    expect(ctx.ops).toBe('paddr');
    expect(ctx.sample.primitives).toEqual({ page_table: false, page_fault: true });
    expect(ctx.intervals.intervals_goal).toEqual({
      access_bp: 400,
      aggrs: 3,
      min_sample_us: 5000,
      max_sample_us: 10_000_000,
    });
    expect(ctx.targets[0]!.regions[0]).toEqual({ start: 2 ** 30, end: 2 ** 31 });
    expect(ctx.schemes[0]!.quotas).toMatchObject({ time_ms: 1000, sz_bytes: 128 * 2 ** 20 });
    expect(ctx.schemes[0]!.filters[0]).toMatchObject({ type: 'anon', matching: true, allow: false });
  });

  it('names the JSON path of every invalid field', () => {
    expect(issues({ kdamonds: [{ contexts: [{ intervals: { sample_us: '5 parsecs' } }] }] })).toEqual([
      'kdamonds[0].contexts[0].intervals.sample_us: expected a time (e.g. 5000, "5 ms", "1 s", "max"), got "5 parsecs"',
    ]);
    const many = issues({
      kdamonds: [
        {
          contexts: [
            { ops: 'xaddr', nr_regions: { min: 2, max: 1 }, schemes: [{ action: 'explode', sampel: 1 }] },
          ],
        },
      ],
    });
    expect(many).toContain(
      'kdamonds[0].contexts[0].ops: expected one of "vaddr", "fvaddr", "paddr", "paddr_fault"',
    );
    expect(many.some((l) => l.startsWith('kdamonds[0].contexts[0].schemes[0].action: expected one of'))).toBe(
      true,
    );
    expect(many).toContain('kdamonds[0].contexts[0].schemes[0]: unknown key(s) "sampel"');
    expect(issues({ kdamonds: [{ contexts: [{ nr_regions: { min: 2, max: 1 } }] }] })).toEqual(
      expect.arrayContaining([
        'kdamonds[0].contexts[0].nr_regions.min: expected min >= 3 (the kernel rejects fewer)',
        'kdamonds[0].contexts[0].nr_regions: expected min <= max, got min 2 > max 1',
      ]),
    );
    expect(
      issues({
        kdamonds: [
          {
            contexts: [
              {
                targets: [
                  {
                    regions: [
                      { start: 10, end: 20 },
                      { start: 15, end: 30 },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    ).toEqual(['kdamonds[0].contexts[0].targets[0].regions[1]: regions must be sorted and not overlap']);
    expect(issues({ kdamonds: [{ contexts: [{ ops: 'vaddr', targets: [{}] }] }] })).toEqual([
      'kdamonds[0].contexts[0].targets[0].pid: ops vaddr needs a target pid',
    ]);
    expect(issues({ kdamonds: [{ contexts: [{}, {}] }] })[0]).toMatch(
      /^kdamonds\[0\]\.contexts: .*one context per kdamond/,
    );
    expect(issues({ kdamonds: [{ contexts: [{ sample: { filters: [{ type: 'cpumask' }] } }] }] })).toEqual([
      'kdamonds[0].contexts[0].sample.filters[0].cpumask: cpumask filter needs "cpumask"',
    ]);
    expect(issues({ kdamonds: [{ contexts: [{ schemes: [{ filters: [{ type: 'memcg' }] }] }] }] })).toEqual([
      'kdamonds[0].contexts[0].schemes[0].filters[0].memcg_path: memcg filter needs "memcg_path"',
    ]);
  });

  it('round trips through its JSON output', () => {
    const c = parseKdamondsConfig({
      kdamonds: [
        {
          refresh_ms: 1000,
          contexts: [
            {
              targets: [{ regions: [{ start: 0, end: 2 ** 40 }] }],
              schemes: [{ action: 'lru_prio', dests: [{ id: 1, weight: 3 }] }],
            },
          ],
        },
      ],
    });
    const text = kdamondsToJson(c);
    expect(text).toContain('"max": "max"');
    expect(parseKdamondsConfig(JSON.parse(text))).toEqual(c);
  });

  it('converts access patterns to the kernel units with floor, as damo does', () => {
    const iv = {
      sample_us: 5000,
      aggr_us: 100000,
      ops_update_us: 1e6,
      intervals_goal: { access_bp: 0, aggrs: 0, min_sample_us: 0, max_sample_us: 0 },
    };
    const p = accessPatternInKernelUnits(
      {
        sz_bytes: { min: 4096, max: U64_MAX },
        nr_accesses: { min: 7, max: 100 },
        nr_accesses_unit: 'percent',
        age: { min: 250000, max: U64_MAX },
        age_unit: 'usec',
      },
      iv,
    );
    expect(p).toEqual({
      sz: { min: 4096, max: U64_MAX },
      nrAccesses: { min: 1, max: 20 },
      age: { min: 2, max: U32_MAX },
    });
    const raw = accessPatternInKernelUnits(
      {
        sz_bytes: { min: 0, max: 1 },
        nr_accesses: { min: 3, max: 9 },
        nr_accesses_unit: 'sample_intervals',
        age: { min: 4, max: 8 },
        age_unit: 'aggr_intervals',
      },
      iv,
    );
    expect(raw).toEqual({ sz: { min: 0, max: 1 }, nrAccesses: { min: 3, max: 9 }, age: { min: 4, max: 8 } });
  });
});
