import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/config/errors.js';
import { type MonitoringOptions, deduceTarget, optionsToKdamonds } from '../../src/config/damo-options.js';
import { addMonitoringOptions } from '../../src/interfaces/cli/shared/monitoring-options.js';
import { U32_MAX, U64_MAX } from '../../src/config/units.js';
import { sampleFilterOf } from '../../src/runners/contexts.js';
import { compileSampleFilters, samplePasses } from '../../src/core/sample-filters.js';

const RAM = [{ start: 4096, end: 2 ** 34 }];

function expand(argv: string[]) {
  let result: { opts: MonitoringOptions; target?: string } | null = null;
  const cmd = addMonitoringOptions(
    new Command('t')
      .argument('[target]')
      .exitOverride()
      .action((target: string | undefined, opts: MonitoringOptions) => {
        result = { opts, target };
      }),
  );
  cmd.parse(argv, { from: 'user' });
  const r = result!;
  return optionsToKdamonds(r.opts, deduceTarget(r.target), { paddrRegions: () => RAM });
}

describe('damo DAMON control options → kdamonds configuration', () => {
  it("no options: one paddr kdamond with damo's defaults and the System RAM span", () => {
    const c = expand([]);
    expect(c.kdamonds).toHaveLength(1);
    const ctx = c.kdamonds[0]!.contexts[0]!;
    expect(ctx).toMatchObject({
      ops: 'paddr',
      targets: [{ pid: null, regions: RAM }],
      nr_regions: { min: 10, max: 1000 },
      schemes: [],
    });
    expect(ctx.intervals).toMatchObject({ sample_us: 5000, aggr_us: 100000, ops_update_us: 1000000 });
  });

  it('a pid target means vaddr; -s/-a/-u/-n/-m and regions with units', () => {
    const ctx = expand([
      '1234',
      '-s',
      '10ms',
      '-a',
      '200 ms',
      '-u',
      '2s',
      '-n',
      '20',
      '-m',
      '2000',
      '-r',
      '4096-8192 1M-2M',
    ]).kdamonds[0]!.contexts[0]!;
    expect(ctx.ops).toBe('vaddr');
    expect(ctx.targets).toEqual([
      {
        pid: 1234,
        obsolete: false,
        regions: [
          { start: 4096, end: 8192 },
          { start: 2 ** 20, end: 2 ** 21 },
        ],
      },
    ]);
    expect(ctx.intervals).toMatchObject({ sample_us: 10000, aggr_us: 200000, ops_update_us: 2000000 });
    expect(ctx.nr_regions).toEqual({ min: 20, max: 2000 });
  });

  it('--monitoring_* groups and autotune', () => {
    const ctx = expand([
      '--monitoring_intervals',
      '1ms',
      '20ms',
      '1s',
      '--monitoring_nr_regions_range',
      '100',
      '5000',
      '--monitoring_intervals_autotune',
    ]).kdamonds[0]!.contexts[0]!;
    expect(ctx.intervals).toEqual({
      sample_us: 1000,
      aggr_us: 20000,
      ops_update_us: 1000000,
      intervals_goal: { access_bp: 400, aggrs: 3, min_sample_us: 5000, max_sample_us: 10000000 },
    });
    expect(ctx.nr_regions).toEqual({ min: 100, max: 5000 });
    expect(() => expand(['--monitoring_intervals', '1ms', '20ms'])).toThrow(
      /--monitoring_intervals: expected 3 values per use, got 2/,
    );
  });

  it('sample primitives and sample filters (write-only, cpus, tids, general form)', () => {
    const ctx = expand([
      '--sample_primitives',
      'page_fault',
      '--exp_ops_write_only',
      '--exp_ops_cpus',
      '0-1,3',
      '--exp_ops_tids',
      '12,13',
      '--sample_filter',
      'reject',
      'none',
      'threads',
      '7,8',
      '--sample_filter',
      'allow',
      'write',
    ]).kdamonds[0]!.contexts[0]!;
    expect(ctx.sample.primitives).toEqual({ page_table: false, page_fault: true });
    // The narrowing options combine as AND under first-match: reject non-writes, reject other CPUs,
    // allow these threads (the default of the last allow filter rejects the rest).
    expect(ctx.sample.filters).toEqual([
      { type: 'write', matching: false, allow: false },
      { type: 'cpumask', matching: false, allow: false, cpumask: [0, 1, 3] },
      { type: 'threads', matching: true, allow: true, tid_arr: [12, 13] },
      { type: 'threads', matching: false, allow: false, tid_arr: [7, 8] },
      { type: 'write', matching: true, allow: true },
    ]);
    expect(() => expand(['--sample_filter', 'allow', 'cpumask'])).toThrow(UsageError);
    expect(() => expand(['--sample_primitives', 'pebs'])).toThrow(
      /--sample_primitives: expected page_table or page_fault, got "pebs"/,
    );
  });

  it('--exp_ops_write_only/--exp_ops_cpus/--exp_ops_tids narrow together: writes by those CPUs and threads', () => {
    const passes = (args: string[], cpu: number, tid: number, write: boolean): boolean => {
      const f = expand(['--sample_primitives', 'page_fault', ...args]).kdamonds[0]!.contexts[0]!.sample
        .filters;
      return samplePasses(compileSampleFilters(f.map(sampleFilterOf)), cpu, tid, write);
    };
    const wc = ['--exp_ops_write_only', '--exp_ops_cpus', '0'];
    expect([passes(wc, 0, 5, true), passes(wc, 1, 5, true), passes(wc, 0, 5, false)]).toEqual([
      true,
      false,
      false,
    ]);
    const all = [...wc, '--exp_ops_tids', '5'];
    expect([passes(all, 0, 5, true), passes(all, 0, 6, true), passes(all, 1, 5, true)]).toEqual([
      true,
      false,
      false,
    ]);
    const ct = ['--exp_ops_cpus', '1', '--exp_ops_tids', '9'];
    expect([passes(ct, 1, 9, false), passes(ct, 0, 9, false), passes(ct, 1, 8, true)]).toEqual([
      true,
      false,
      false,
    ]);
    // Each alone is damo's single allow filter.
    expect(expand(['--exp_ops_cpus', '2']).kdamonds[0]!.contexts[0]!.sample.filters).toEqual([
      { type: 'cpumask', matching: true, allow: true, cpumask: [2] },
    ]);
  });

  it('DAMOS options: two schemes, patterns, quotas, goals, watermarks, filters split per scheme', () => {
    const c = expand([
      '--damos_action',
      'pageout',
      '--damos_action',
      'migrate_hot',
      '1',
      '--damos_access_rate',
      '0',
      '0',
      '--damos_access_rate',
      '50%',
      '100%',
      '--damos_age',
      '5s',
      'max',
      '--damos_age',
      '0',
      'max',
      '--damos_sz_region',
      '4KiB',
      'max',
      '--damos_sz_region',
      '2MiB',
      '1GiB',
      '--damos_quotas',
      '10',
      '128MiB',
      '1s',
      '1',
      '2',
      '3',
      '--damos_quotas',
      '20',
      '0',
      '1000',
      '0',
      '0',
      '0',
      '--damos_wmarks',
      'free_mem_rate',
      '5s',
      '500',
      '400',
      '200',
      '--damos_wmarks',
      'none',
      '0',
      '0',
      '0',
      '0',
      '--damos_filter',
      'reject',
      'anon',
      '--damos_filter',
      'allow',
      'none',
      'addr',
      '4096',
      '8192',
      '--damos_filter',
      'reject',
      'memcg',
      '/a',
      '--damos_nr_filters',
      '2',
      '--damos_nr_filters',
      '1',
      '--damos_quota_goal',
      'some_mem_psi_us',
      '1000',
      '--damos_apply_interval',
      '1s',
    ]);
    const [a, b] = c.kdamonds[0]!.contexts[0]!.schemes;
    expect(a).toMatchObject({ action: 'pageout', target_nid: null, apply_interval_us: 1000000 });
    expect(a!.access_pattern).toMatchObject({
      sz_bytes: { min: 4096, max: U64_MAX },
      nr_accesses: { min: 0, max: 0 },
      age: { min: 5000000, max: U64_MAX },
    });
    expect(a!.quotas).toMatchObject({
      time_ms: 10,
      sz_bytes: 128 * 2 ** 20,
      reset_interval_ms: 1000,
      weights: { sz_permil: 1, nr_accesses_permil: 2, age_permil: 3 },
    });
    expect(a!.quotas.goals).toEqual([
      { metric: 'some_mem_psi_us', target_value: 1000, current_value: 0, nid: null, memcg_path: null },
    ]);
    expect(a!.watermarks).toEqual({
      metric: 'free_mem_rate',
      interval_us: 5000000,
      high_permil: 500,
      mid_permil: 400,
      low_permil: 200,
    });
    // one list in the order given, as damo writes it
    expect(a!.filters).toEqual([
      expect.objectContaining({ type: 'anon', allow: false, matching: true }),
      expect.objectContaining({
        type: 'addr',
        allow: true,
        matching: false,
        address_range: { start: 4096, end: 8192 },
      }),
    ]);
    expect(b).toMatchObject({ action: 'migrate_hot', target_nid: 1, apply_interval_us: 0 });
    expect(b!.access_pattern.nr_accesses).toEqual({ min: 50, max: 100 });
    expect(b!.filters).toEqual([expect.objectContaining({ type: 'memcg', memcg_path: '/a' })]);
    expect(b!.quotas.time_ms).toBe(20);
  });

  it('--schemes JSON and --kdamonds JSON', () => {
    const s = expand([
      '--schemes',
      '[{"action":"stat","access_pattern":{"nr_accesses":{"min":0,"max":"' +
        U32_MAX +
        '"},"nr_accesses_unit":"sample_intervals"}}]',
    ]);
    expect(s.kdamonds[0]!.contexts[0]!.schemes[0]!.access_pattern.nr_accesses.max).toBe(U32_MAX);
    const k = expand(['--kdamonds', '{"kdamonds":[{"contexts":[{"ops":"fvaddr","targets":[{"pid":1}]}]}]}']);
    expect(k.kdamonds[0]!.contexts[0]!.ops).toBe('fvaddr');
    expect(() => expand(['--schemes', '[{"action":"boom"}]'])).toThrow(
      /--schemes[\s\S]*\[0\]\.action: expected one of/,
    );
  });

  it('several contexts: one kdamond each, per-context values, --nr_targets', () => {
    const c = expand([
      '--ops',
      'vaddr',
      '--ops',
      'paddr',
      '--target_pid',
      '10',
      '--target_pid',
      '11',
      '--nr_targets',
      '2',
      '--nr_targets',
      '0',
      '-s',
      '1ms',
      '-s',
      '2ms',
    ]);
    expect(c.kdamonds).toHaveLength(2);
    expect(c.kdamonds[0]!.contexts[0]!.targets.map((t) => t.pid)).toEqual([10, 11]);
    expect(c.kdamonds[0]!.contexts[0]!.intervals.sample_us).toBe(1000);
    expect(c.kdamonds[1]!.contexts[0]).toMatchObject({
      ops: 'paddr',
      targets: [],
      intervals: { sample_us: 2000 },
    });
    expect(() => expand(['--nr_ctxs', '2'])).toThrow(/--nr_ctxs: the kernel allows one context per kdamond/);
  });

  it('usage errors name the option', () => {
    expect(() => expand(['-s', 'soon'])).toThrow(/^-s\/--sample: expected a time/);
    expect(() => expand(['-r', '100'])).toThrow(/-r\/--regions: expected "start-end", got "100"/);
    expect(() => expand(['--damos_filter', 'maybe', 'anon'])).toThrow(/--damos_filter: unexpected "maybe"/);
    expect(() => expand(['--damos_quotas', '1', '2'])).toThrow(
      /--damos_quotas: expected 3 or 6 values per scheme/,
    );
    expect(() => expand(['-n', '2'])).toThrow(UsageError);
    expect(() => expand(['-n', '2'])).toThrow(/-n\/--minr.*nr_regions\.min\): expected min >= 3/);
  });

  it('deduces the positional target as damo does', () => {
    expect(deduceTarget('paddr')).toEqual({ kind: 'paddr' });
    expect(deduceTarget('42')).toEqual({ kind: 'pid', pid: 42 });
    expect(deduceTarget('sleep 10')).toEqual({ kind: 'cmd', cmd: 'sleep 10' });
    expect(deduceTarget('{"kdamonds":[]}')).toEqual({ kind: 'kdamonds', config: { kdamonds: [] } });
    expect(deduceTarget(undefined)).toBeUndefined();
  });
});

describe("configuration in the core's terms", async () => {
  const { contextAttrs, contextPrimitives, contextSampleFilters } =
    await import('../../src/config/core-attrs.js');
  it('maps attributes, primitives and sample filters', () => {
    const ctx = expand([
      '-s',
      '1ms',
      '-a',
      '20ms',
      '--monitoring_intervals_autotune',
      '--sample_primitives',
      'page_fault',
      '--exp_ops_cpus',
      '1',
      '--sample_filter',
      'reject',
      'none',
      'write',
    ]).kdamonds[0]!.contexts[0]!;
    expect(contextAttrs(ctx)).toEqual({
      sampleInterval: 1000,
      aggrInterval: 20000,
      opsUpdateInterval: 1000000,
      minNrRegions: 10,
      maxNrRegions: 1000,
      intervalsGoal: { accessBp: 400, aggrs: 3, minSampleUs: 5000, maxSampleUs: 10000000 },
    });
    expect(contextPrimitives(ctx)).toEqual({ pageTable: false, pageFault: true });
    expect(contextSampleFilters(ctx)).toEqual([
      { type: 'cpumask', matching: true, allow: true, cpus: [1] },
      { type: 'write', matching: false, allow: false },
    ]);
  });
});
