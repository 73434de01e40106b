/**
 * Seeded fuzzing of the configuration loaders (kdamonds JSON and YAML, inline or from a file, and the
 * DAMON control options): every input either loads to a configuration that satisfies the kernel's
 * invariants, or is refused with a ConfigError/UsageError (one clear message, which the CLI prints
 * without a stack trace) naming the key or the option; inputs made invalid on purpose are never
 * accepted. Runs are seeded: a failure prints the seed and the shrunk input.
 */
import { Command, CommanderError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/config/errors.js';
import { ConfigError, parseConfigText, parseKdamondsConfig } from '../../src/config/load.js';
import { type MonitoringOptions, deduceTarget, optionsToKdamonds } from '../../src/config/damo-options.js';
import { addMonitoringOptions } from '../../src/interfaces/cli/shared/monitoring-options.js';
import { spreadFixedArity } from '../../src/interfaces/cli/shared/arity.js';
import type { KdamondsConfig } from '../../src/config/schema.js';
import { kdamondsToJson } from '../../src/config/serialize.js';
import { stringify as stringifyYaml } from 'yaml';
import { U64_MAX } from '../../src/config/units.js';
import { Machine } from '../../src/backends/sim/machine.js';
import { SimSession } from '../../src/runners/sim-session.js';

const RAM = [{ start: 4096, end: 2 ** 34 }];

/** What the kernel (and the engine) rely on, checked on every configuration a loader accepts. */
function violations(c: KdamondsConfig): string[] {
  const bad: string[] = [];
  const u64 = (v: number, where: string) => {
    if (!(Number.isInteger(v) && v >= 0 && v <= U64_MAX)) bad.push(`${where} = ${v}`);
  };
  const ordered = (r: { min: number; max: number }, where: string) => {
    if (!(r.min <= r.max)) bad.push(`${where}: ${r.min} > ${r.max}`);
  };
  c.kdamonds.forEach((k, ki) => {
    u64(k.refresh_ms, `k${ki}.refresh_ms`);
    k.contexts.forEach((x, ci) => {
      const at = `k${ki}.c${ci}`;
      const iv = x.intervals;
      for (const [n, v] of Object.entries({ ...iv, ...iv.intervals_goal }))
        if (typeof v === 'number') u64(v, `${at}.${n}`);
      if (iv.sample_us > iv.aggr_us) bad.push(`${at}: sample_us > aggr_us`);
      ordered(x.nr_regions, `${at}.nr_regions`);
      if (x.nr_regions.min < 3) bad.push(`${at}.nr_regions.min < 3`);
      if (x.sample.primitives.page_table === x.sample.primitives.page_fault) bad.push(`${at}: primitives`);
      for (const t of x.targets)
        t.regions.forEach((r, i) => {
          u64(r.start, `${at}.region`);
          u64(r.end, `${at}.region`);
          if (r.start >= r.end) bad.push(`${at}: region ${r.start}-${r.end}`);
          if (i > 0 && r.start < t.regions[i - 1]!.end) bad.push(`${at}: regions overlap`);
        });
      x.schemes.forEach((s, si) => {
        const sa = `${at}.s${si}`;
        const p = s.access_pattern;
        ordered(p.sz_bytes, `${sa}.sz_bytes`);
        ordered(p.nr_accesses, `${sa}.nr_accesses`);
        ordered(p.age, `${sa}.age`);
        if (!(p.nr_accesses.min >= 0)) bad.push(`${sa}.nr_accesses.min < 0`);
        const w = s.watermarks;
        if (!(w.high_permil >= w.mid_permil && w.mid_permil >= w.low_permil)) bad.push(`${sa}.watermarks`);
        for (const q of [s.quotas.time_ms, s.quotas.sz_bytes, s.quotas.reset_interval_ms])
          u64(q, `${sa}.quotas`);
        for (const f of [...s.filters, ...s.core_filters, ...s.ops_filters]) {
          if (f.address_range && f.address_range.start >= f.address_range.end) bad.push(`${sa}: addr filter`);
          if (f.hugepage_size) ordered(f.hugepage_size, `${sa}.hugepage_size`);
        }
      });
    });
  });
  return bad;
}

/** Runs a loader: a configuration, or the refusal's message; any other throw fails the test. */
function load(fn: () => KdamondsConfig): KdamondsConfig | string {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConfigError || e instanceof UsageError) return e.message;
    if (e instanceof CommanderError) return e.message;
    throw new Error(`crash (not a clear refusal): ${(e as Error)?.stack ?? String(e)}`);
  }
}

// Values as users and damo write them, including wrong ones.
// Values as users and damo write them: mostly valid (so that whole configurations get accepted and
// the invariants are checked on them), sometimes wrong.
const numberText = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 2 ** 40 }), weight: 100 },
  {
    arbitrary: fc.constantFrom(
      'max',
      'min',
      '5 ms',
      '1 s',
      '4 KiB',
      '1,000',
      '26,843,545,600',
      '50 %',
      '1 B',
    ),
    weight: 6,
  },
  {
    arbitrary: fc.constantFrom(
      '0.1 %',
      '3 samples',
      '2 aggr_intervals',
      '18446744073709551615',
      '18446744073709551616',
      '99999999999999999999',
      '-1',
      '1e30',
      'NaN',
      '',
      ' ',
      'x',
      '16 EiB',
    ),
    weight: 1,
  },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.string({ maxLength: 8 }), weight: 1 },
  { arbitrary: fc.constantFrom(null, true, [], {}), weight: 1 },
);
/** Mostly valid by construction (a sorted pair), sometimes any two values. */
const sorted = (n: number, min = 0) =>
  fc
    .array(fc.integer({ min, max: 2 ** 40 }), { minLength: n, maxLength: n })
    .map((a) => a.sort((x, y) => x - y));
const range = fc.oneof(
  { arbitrary: sorted(2).map(([min, max]) => ({ min, max })), weight: 6 },
  { arbitrary: fc.record({ min: numberText, max: numberText }), weight: 1 },
);
const filterArb = fc.record(
  {
    filter_type: fc.constantFrom(
      'anon',
      'addr',
      'addr',
      'hugepage_size',
      'young',
      'memcg',
      'target',
      'bogus',
    ),
    matching: fc.boolean(),
    allow: fc.boolean(),
    memcg_path: fc.string({ maxLength: 6 }),
    address_range: fc.record({ start: numberText, end: numberText }),
    damon_target_idx: numberText,
    hugepage_size: fc.oneof(fc.tuple(numberText, numberText), range),
  },
  { requiredKeys: ['filter_type', 'address_range', 'hugepage_size', 'memcg_path', 'damon_target_idx'] },
);
const schemeArb = fc.record(
  {
    action: fc.constantFrom('stat', 'pageout', 'migrate_hot', 'nohugepage', 'stat', 'pageout', 'bogus'),
    access_pattern: fc.record({ sz_bytes: range, nr_accesses: range, age: range }, { requiredKeys: [] }),
    apply_interval_us: numberText,
    quotas: fc.record(
      {
        time_ms: numberText,
        sz_bytes: numberText,
        reset_interval_ms: numberText,
        weights: fc.record({ sz_permil: numberText, age_permil: numberText }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    ),
    watermarks: fc.oneof(
      {
        arbitrary: fc
          .tuple(fc.constantFrom('none', 'free_mem_rate'), numberText, sorted(3))
          .map(([metric, interval_us, [low, mid, high]]) => ({
            metric,
            interval_us,
            high_permil: high,
            mid_permil: mid,
            low_permil: low,
          })),
        weight: 4,
      },
      {
        arbitrary: fc.record(
          {
            metric: fc.constantFrom('none', 'free_mem_rate', 'bogus'),
            interval_us: numberText,
            high_permil: numberText,
            mid_permil: numberText,
            low_permil: numberText,
          },
          { requiredKeys: [] },
        ),
        weight: 1,
      },
    ),
    filters: fc.array(filterArb, { maxLength: 3 }),
  },
  { requiredKeys: [] },
);
const contextArb = fc.record(
  {
    ops: fc.constantFrom('paddr', 'paddr', 'vaddr', 'fvaddr', 'paddr_fault', 'bogus'),
    addr_unit: fc.oneof(fc.constant(null), numberText),
    targets: fc.array(
      fc.record(
        {
          pid: fc.oneof(
            fc.constant(null),
            fc.integer({ min: -5, max: 1 << 20 }),
            fc.string({ maxLength: 4 }),
          ),
          regions: fc.oneof(
            {
              arbitrary: sorted(4).map(([a, b, c, d]) => [
                { start: a, end: b + 1 },
                { start: c + 1, end: d + 2 },
              ]),
              weight: 4,
            },
            {
              arbitrary: fc.array(fc.record({ start: numberText, end: numberText }), { maxLength: 3 }),
              weight: 1,
            },
          ),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 2 },
    ),
    intervals: fc.record(
      {
        sample_us: fc.oneof(
          { arbitrary: fc.integer({ min: 0, max: 5000 }), weight: 4 },
          { arbitrary: numberText, weight: 1 },
        ),
        aggr_us: fc.oneof(
          { arbitrary: fc.integer({ min: 5000, max: 2 ** 40 }), weight: 4 },
          { arbitrary: numberText, weight: 1 },
        ),
        ops_update_us: numberText,
        intervals_goal: fc.record(
          { access_bp: numberText, aggrs: numberText, min_sample_us: numberText, max_sample_us: numberText },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
    nr_regions: fc.oneof(
      { arbitrary: sorted(2, 3).map(([min, max]) => ({ min, max })), weight: 4 },
      { arbitrary: range, weight: 1 },
    ),
    sample_control: fc.record(
      {
        primitives_enabled: fc.constantFrom(
          { page_table: true, page_fault: false },
          { page_table: false, page_fault: true },
          { page_table: false, page_fault: true },
          { page_table: true, page_fault: true },
        ),
        sample_filters: fc.array(
          fc.record({
            filter_type: fc.constantFrom('cpumask', 'threads', 'write', 'bogus'),
            matching: fc.boolean(),
            allow: fc.boolean(),
            cpumask: fc.oneof(
              fc.constant(null),
              fc.constantFrom('0-3,6', '1', '3-1', 'x'),
              fc.array(fc.nat(8)),
            ),
            tid_arr: fc.oneof(fc.constant(null), fc.constantFrom('5,6', '7', ''), fc.array(fc.nat(99))),
          }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: [] },
    ),
    schemes: fc.array(schemeArb, { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const kdamondsArb = fc.record({
  kdamonds: fc.array(
    fc.record(
      { refresh_ms: numberText, contexts: fc.array(contextArb, { maxLength: 1 }) },
      { requiredKeys: ['contexts'] },
    ),
    {
      maxLength: 3,
    },
  ),
});

describe('configuration loaders under fuzzing (seeded)', () => {
  it('kdamonds JSON and YAML: a valid configuration or a clear refusal, never a crash or an invalid accept', () => {
    let accepted = 0;
    let refused = 0;
    let withSchemes = 0;
    fc.assert(
      fc.property(kdamondsArb, fc.boolean(), (input, asYaml) => {
        // through the text parsers too: JSON, or YAML for half of the inputs
        const text = asYaml ? kdamondsYamlText(input) : JSON.stringify(input);
        const r = load(() =>
          parseKdamondsConfig(parseConfigText(text, asYaml ? 'fuzz.yaml' : 'fuzz.json'), 'fuzz'),
        );
        if (typeof r === 'string') {
          refused++;
          expect(r).toMatch(/^invalid configuration in fuzz:\n {2}\S/);
          return;
        }
        accepted++;
        if (r.kdamonds.some((k) => k.contexts.some((c) => c.schemes.length > 0))) withSchemes++;
        expect(violations(r)).toEqual([]);
        // what is accepted writes out and reads back to itself, in damo's form and raw
        for (const raw of [false, true])
          expect(parseKdamondsConfig(JSON.parse(kdamondsToJson(r, { raw })))).toEqual(r);
      }),
      { numRuns: 1500, seed: 1616 },
    );
    // the generator reaches both outcomes (a fuzz that only ever refuses would test nothing)
    expect(accepted).toBeGreaterThan(20);
    expect(withSchemes).toBeGreaterThanOrEqual(5);
    expect(refused).toBeGreaterThan(20);
  }, 120_000);

  it('garbage text: refused with the source named, never a crash', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.constantFrom('kdamonds:\n  - [', '{"kdamonds": [', 'kdamonds: !!binary x', '\ufeff{}', '- - -'),
        ),
        (text) => {
          const r = load(() => parseKdamondsConfig(parseConfigText(text, 'garbage'), 'garbage'));
          if (typeof r === 'string') expect(r).toContain('garbage');
          else expect(violations(r)).toEqual([]);
        },
      ),
      { numRuns: 400, seed: 15 },
    );
  }, 60_000);

  // A valid base with exactly one thing made invalid: each must be refused, naming where and what.
  const BASE = () => ({
    kdamonds: [
      {
        contexts: [
          {
            ops: 'paddr',
            targets: [{ regions: [{ start: 4096, end: 1 << 30 }] }],
            schemes: [
              {
                action: 'pageout',
                access_pattern: {
                  sz_bytes: { min: 0, max: 'max' },
                  nr_accesses: { min: 0, max: 10 },
                  age: { min: '1 s', max: 'max' },
                },
                watermarks: {
                  metric: 'free_mem_rate',
                  interval_us: '1 s',
                  high_permil: 800,
                  mid_permil: 500,
                  low_permil: 200,
                },
                filters: [
                  {
                    filter_type: 'addr',
                    matching: true,
                    allow: true,
                    address_range: { start: 0, end: 4096 },
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  });
  type Mutation = [name: string, mutate: (c: ReturnType<typeof BASE>) => void, expected: RegExp];
  // mutations write any shape into the input (it is what users may write)
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ctx0 = (c: ReturnType<typeof BASE>) => c.kdamonds[0]!.contexts[0]! as Record<string, any>;
  const MUTATIONS: Mutation[] = [
    [
      'region end beyond 2^64-1',
      (c) => (ctx0(c).targets[0].regions[0].end = '18446744073709551616'),
      /regions\[0\]\.end: "18446744073709551616" is larger than 2\^64-1/,
    ],
    [
      'nr_regions max of 20 digits',
      (c) => (ctx0(c).nr_regions = { min: 10, max: '99999999999999999999' }),
      /nr_regions\.max: "99999999999999999999" is larger/,
    ],
    [
      'negative sample interval',
      (c) => (ctx0(c).intervals = { sample_us: -5 }),
      /intervals\.sample_us: expected a non-negative value, got -5/,
    ],
    [
      'inverted access rate',
      (c) => (ctx0(c).schemes[0].access_pattern.nr_accesses = { min: 50, max: 10 }),
      /access_pattern\.nr_accesses: expected min <= max, got min 50 > max 10/,
    ],
    [
      'inverted age',
      (c) => (ctx0(c).schemes[0].access_pattern.age = { min: 'max', max: 0 }),
      /access_pattern\.age: expected min <= max, got min max > max 0/,
    ],
    [
      'inverted size',
      (c) => (ctx0(c).schemes[0].access_pattern.sz_bytes = { min: '1 GiB', max: '4 KiB' }),
      /sz_bytes: expected min <= max/,
    ],
    [
      'watermarks high < mid < low',
      (c) =>
        Object.assign(ctx0(c).schemes[0].watermarks, { high_permil: 100, mid_permil: 500, low_permil: 900 }),
      /watermarks: expected high_permil >= mid_permil >= low_permil, got 100, 500, 900/,
    ],
    [
      'addr filter 100-50',
      (c) => (ctx0(c).schemes[0].filters[0].address_range = { start: 100, end: 50 }),
      /filters\[0\]\.address_range: expected start < end, got 100 >= 50/,
    ],
    [
      'hugepage_size inverted',
      (c) =>
        (ctx0(c).schemes[0].filters[0] = {
          filter_type: 'hugepage_size',
          matching: true,
          allow: true,
          hugepage_size: ['1G', '2M'],
        }),
      /hugepage_size: expected min <= max/,
    ],
    [
      'inverted nr_regions',
      (c) => (ctx0(c).nr_regions = { min: 100, max: 10 }),
      /nr_regions: expected min <= max, got min 100 > max 10/,
    ],
    [
      'inverted intervals goal',
      (c) =>
        (ctx0(c).intervals = {
          intervals_goal: { access_bp: 400, aggrs: 3, min_sample_us: '1 s', max_sample_us: '1 ms' },
        }),
      /intervals_goal: expected min_sample_us <= max_sample_us/,
    ],
    ['unknown key', (c) => (ctx0(c).sample_contrl = {}), /unknown key\(s\) "sample_contrl"/],
    ['unit typo', (c) => (ctx0(c).intervals = { aggr_us: '100 mss' }), /intervals\.aggr_us: expected a time/],
    [
      'both primitives',
      (c) =>
        (ctx0(c).sample_control = {
          primitives_enabled: { page_table: true, page_fault: true },
          sample_filters: [],
        }),
      /exactly one of primitives/,
    ],
  ];

  it.each(MUTATIONS)('refuses %s, naming the key and the value', (_name, mutate, expected) => {
    const c = BASE();
    expect(violations(parseKdamondsConfig(c))).toEqual([]); // the base is valid
    mutate(c);
    for (const text of [JSON.stringify(c), kdamondsYamlText(c)]) {
      const r = load(() => parseKdamondsConfig(parseConfigText(text, 'mutated'), 'mutated'));
      expect(typeof r).toBe('string');
      expect(r).toMatch(expected);
    }
  });

  /** The options as the CLI parses them (with damo's fixed arities), expanded. */
  function expand(argv: string[]): KdamondsConfig {
    let got: { opts: MonitoringOptions; target?: string } | null = null;
    const cmd = addMonitoringOptions(
      new Command('t')
        .argument('[target]')
        .exitOverride()
        .configureOutput({ writeErr: () => {}, writeOut: () => {} })
        .action((target: string | undefined, opts: MonitoringOptions) => {
          got = { opts, target };
        }),
    );
    cmd.parse(spreadFixedArity(argv), { from: 'user' });
    const r = got!;
    return optionsToKdamonds(r.opts, deduceTarget(r.target), { paddrRegions: () => RAM });
  }

  const word = fc.oneof(
    fc.constantFrom(
      '0',
      '1',
      '3',
      '10',
      '50',
      '100',
      'max',
      'min',
      '5ms',
      '1s',
      '4K',
      '1G',
      '-1',
      'x',
      '0-3',
      '5-2',
      '18446744073709551616',
      '99999999999999999999',
      'allow',
      'reject',
      'none',
      'anon',
      'addr',
      'memcg',
      'write',
      'cpumask',
      'threads',
      'pageout',
      'stat',
      'migrate_hot',
      'free_mem_rate',
      'some_mem_psi_us',
      'paddr',
      'vaddr',
      'page_fault',
      'y',
      'n',
      '4096-8192',
      '8192-4096',
    ),
    fc.string({ maxLength: 6 }),
  );
  const option = fc.constantFrom(
    '-s',
    '-a',
    '-u',
    '-n',
    '-m',
    '-r',
    '--ops',
    '--target_pid',
    '--monitoring_intervals',
    '--monitoring_nr_regions_range',
    '--monitoring_intervals_goal',
    '--sample_primitives',
    '--exp_ops_write_only',
    '--exp_ops_cpus',
    '--exp_ops_tids',
    '--sample_filter',
    '--damos_action',
    '--damos_sz_region',
    '--damos_access_rate',
    '--damos_age',
    '--damos_quotas',
    '--damos_quota_goal',
    '--damos_wmarks',
    '--damos_filter',
    '--damos_nr_filters',
    '--damon_addr_unit',
    '--nr_targets',
    '--nr_schemes',
    '--refresh_stat',
    '--numa_node',
  );

  it('DAMON control options: a valid configuration or a usage error, never a crash or an invalid accept', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(option, fc.array(word, { minLength: 0, maxLength: 5 })), { maxLength: 6 }),
        (opts) => {
          const argv = opts.flatMap(([o, ws]) => [o, ...ws]);
          const r = load(() => expand(argv));
          if (typeof r !== 'string') {
            accepted++;
            expect(violations(r)).toEqual([]);
          }
        },
      ),
      { numRuns: 1500, seed: 1515 },
    );
    expect(accepted).toBeGreaterThan(10);
  }, 120_000);

  it.each([
    [['-r', '0-18446744073709551616'], /-r\/--regions: "18446744073709551616" is larger than 2\^64-1/],
    [['-m', '99999999999999999999'], /-m\/--maxr: "99999999999999999999" is larger than 2\^64-1/],
    [['--damos_action', 'stat', '--damos_access_rate', '50', '10'], /--damos_access_rate .*min 50 > max 10/],
    [['--damos_action', 'stat', '--damos_age', 'max', '0'], /--damos_age .*min max > max 0/],
    [
      ['--damos_action', 'stat', '--damos_wmarks', 'free_mem_rate', '1s', '100', '500', '900'],
      /--damos_wmarks .*got 100, 500, 900/,
    ],
    [
      ['--damos_action', 'stat', '--damos_filter', 'allow', 'addr', '100', '50'],
      /--damos_filter .*got 100 >= 50/,
    ],
    [['-n', '100', '-m', '10'], /-n\/--minr.*min 100 > max 10/],
  ])('refuses %j naming the option and the value', (argv, expected) => {
    const r = load(() => expand(argv));
    expect(typeof r).toBe('string');
    expect(r).toMatch(expected);
  });

  it('a fixed-arity option leaves the next word to the target; a list option takes one word', () => {
    const c = expand(['--damos_action', 'stat', '--damos_age', '0', 'max', '1234']);
    expect(c.kdamonds[0]!.contexts[0]!.targets[0]!.pid).toBe(1234);
    const p = expand(['--exp_ops_cpus', '0', 'paddr']);
    expect(p.kdamonds[0]!.contexts[0]!.ops).toBe('paddr');
    expect(p.kdamonds[0]!.contexts[0]!.sample.filters).toEqual([
      { type: 'cpumask', matching: true, allow: true, cpumask: [0] },
    ]);
  });

  it('"max" regions or intervals: refused by the simulated machine naming the key and the option', () => {
    const config = expand(['-m', 'max']);
    expect(config.kdamonds[0]!.contexts[0]!.nr_regions.max).toBe(U64_MAX); // valid for the kernel
    expect(() => new SimSession({ config, machine: new Machine({ seed: 1 }) })).toThrow(
      'kdamonds[0].contexts[0].nr_regions.max (-m/--maxr): "max" is more than damon-ts\'s engine counts',
    );
  });

  it('10,000 kdamonds: loaded quickly, and the simulated machine refuses them instead of crawling', () => {
    const many = {
      kdamonds: Array.from({ length: 10_000 }, () => ({
        contexts: [{ ops: 'paddr', targets: [{ regions: [{ start: 0, end: 1 << 20 }] }] }],
      })),
    };
    const config = parseKdamondsConfig(many);
    expect(config.kdamonds).toHaveLength(10_000);
    expect(() => new SimSession({ config, machine: new Machine({ seed: 1 }) })).toThrow(
      'kdamonds: the simulated machine runs at most 256 kdamonds, the configuration has 10000',
    );
  });
});

/** YAML of any value (the input may be anything, so not the configuration serializer). */
function kdamondsYamlText(v: unknown): string {
  return stringifyYaml(v);
}
