/**
 * The kdamonds configuration: damo's `args damon --format json` shape (kdamonds → contexts →
 * targets, intervals, nr_regions, schemes), plus the seed's sample control (primitives and sample
 * filters). Numbers may be written as damo does, with units ("5 ms", "4 KiB", "max", "4 %"); after
 * parsing every value is a plain integer in the kernel's unit. Unknown keys are errors (typos must
 * not be silently ignored); the read-only keys damo emits (state, pid, stats, tried_regions, ...)
 * are accepted and ignored.
 */
import { z } from 'zod';
import { DAMOS_ACTIONS } from '../schemes/types.js';
import {
  type NumberText,
  U32_MAX,
  U64_MAX,
  UnitError,
  textToBp,
  textToBytes,
  textToMs,
  textToNr,
  textToPercent,
  textToPermil,
  textToUs,
} from './units.js';

function unitNumber(parse: (t: NumberText) => number, min = 0) {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    try {
      const n = parse(v);
      if (n < min) {
        ctx.addIssue({ code: 'custom', message: `expected a value >= ${min}, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return n;
    } catch (e) {
      if (!(e instanceof UnitError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message });
      return z.NEVER;
    }
  });
}

const us = () => unitNumber(textToUs);
const ms = () => unitNumber(textToMs);
const bytes = () => unitNumber(textToBytes);
const nr = () => unitNumber(textToNr);
const permil = () => unitNumber(textToPermil);
/** Ignored read-only output of damo (status values). */
const ignored = z
  .unknown()
  .optional()
  .transform(() => undefined);

export const OPS = ['vaddr', 'fvaddr', 'paddr'] as const;
export type OpsName = (typeof OPS)[number];

// The action keywords are the schemes layer's (one list for the engine and the configuration).
export { DAMOS_ACTIONS, type DamosAction } from '../schemes/types.js';

export const DAMOS_FILTER_TYPES = [
  'anon',
  'active',
  'memcg',
  'young',
  'hugepage_size',
  'unmapped',
  'addr',
  'target',
] as const;
export type DamosFilterType = (typeof DAMOS_FILTER_TYPES)[number];

export const QUOTA_GOAL_METRICS = [
  'user_input',
  'some_mem_psi_us',
  'node_mem_used_bp',
  'node_mem_free_bp',
  'memcg_mem_used_bp',
  'memcg_mem_free_bp',
  'active_mem_bp',
  'inactive_mem_bp',
  'node_eligible_mem_bp',
] as const;

/** A {min, max} pair; an inverted one is refused (it would silently match nothing). */
const range = <T extends z.ZodType<number>>(item: T) =>
  z.strictObject({ min: item, max: item }).superRefine((r, ctx) => {
    const { min, max } = r as { min: number; max: number };
    if (min > max)
      ctx.addIssue({
        code: 'custom',
        message: `expected min <= max, got min ${fmtNum(min)} > max ${fmtNum(max)}`,
      });
  });

/** A parsed value as the user may have written it ("max" for 2^64-1). */
function fmtNum(v: number): string {
  return v >= U64_MAX ? 'max' : String(v);
}

const regionSchema = z.strictObject({ start: bytes(), end: bytes() }).superRefine((r, ctx) => {
  if (r.start >= r.end)
    ctx.addIssue({
      code: 'custom',
      message: `expected start < end, got ${fmtNum(r.start)} >= ${fmtNum(r.end)}`,
    });
});

const targetSchema = z.strictObject({
  pid: z
    .union([z.number().int().nonnegative(), z.null()], {
      error: 'expected a pid (a non-negative integer) or null',
    })
    .default(null),
  obsolete: z.boolean().default(false),
  regions: z.array(regionSchema).default([]),
});

const intervalsGoalSchema = z
  .strictObject({
    access_bp: unitNumber(textToBp).default(0),
    aggrs: nr().default(0),
    min_sample_us: us().default(0),
    max_sample_us: us().default(0),
  })
  .superRefine((g, ctx) => {
    if (g.min_sample_us > g.max_sample_us)
      ctx.addIssue({
        code: 'custom',
        message: `expected min_sample_us <= max_sample_us, got ${fmtNum(g.min_sample_us)} > ${fmtNum(g.max_sample_us)}`,
      });
  });

const intervalsSchema = z.strictObject({
  sample_us: us().default(5000),
  aggr_us: us().default(100000),
  ops_update_us: us().default(1000000),
  intervals_goal: intervalsGoalSchema.default(() => intervalsGoalSchema.parse({})),
});

const sampleFilterSchema = z
  .strictObject({
    type: z.enum(['cpumask', 'threads', 'write']),
    // damo's name of "type" when both are given (they must agree)
    filter_type: z.enum(['cpumask', 'threads', 'write']).optional(),
    matching: z.boolean().default(true),
    allow: z.boolean().default(true),
    cpumask: z.array(z.number().int().nonnegative()).optional(),
    tid_arr: z.array(z.number().int().nonnegative()).optional(),
  })
  .superRefine((f, ctx) => {
    if (f.filter_type !== undefined && f.filter_type !== f.type)
      ctx.addIssue({
        code: 'custom',
        message: 'expected "type" and "filter_type" to agree',
        path: ['filter_type'],
      });
    if (f.type === 'cpumask' && !f.cpumask)
      ctx.addIssue({ code: 'custom', message: 'cpumask filter needs "cpumask"', path: ['cpumask'] });
    if (f.type === 'threads' && !f.tid_arr)
      ctx.addIssue({ code: 'custom', message: 'threads filter needs "tid_arr"', path: ['tid_arr'] });
  })
  .transform((f) => {
    const { filter_type, ...rest } = f;
    void filter_type; // checked above, not kept
    // a cpumask is a set of CPUs: sorted, each once (as the kernel's cpulist reads it)
    return rest.cpumask ? { ...rest, cpumask: [...new Set(rest.cpumask)].sort((a, b) => a - b) } : rest;
  });

const sampleSchema = z
  .strictObject({
    primitives: z
      .strictObject({ page_table: z.boolean().default(true), page_fault: z.boolean().default(false) })
      .default({ page_table: true, page_fault: false }),
    filters: z.array(sampleFilterSchema).default([]),
  })
  .refine((s) => s.primitives.page_table !== s.primitives.page_fault, {
    message: 'exactly one of primitives.page_table and primitives.page_fault must be true',
  });

const accessPatternSchema = z.strictObject({
  sz_bytes: range(bytes()).default({ min: 0, max: U64_MAX }),
  // damo's defaults: every region (max is 2^64-1 percent, as damo writes it)
  nr_accesses: range(unitNumber(textToPercent)).default({ min: 0, max: U64_MAX }),
  nr_accesses_unit: z.enum(['percent', 'sample_intervals']).default('percent'),
  age: range(us()).default({ min: 0, max: U64_MAX }),
  age_unit: z.enum(['usec', 'aggr_intervals']).default('usec'),
});

const quotaGoalSchema = z.strictObject({
  metric: z.enum(QUOTA_GOAL_METRICS),
  target_value: nr(),
  current_value: nr().default(0),
  nid: z.number().int().nonnegative().nullable().default(null),
  memcg_path: z.string().nullable().default(null),
});

const quotasSchema = z.strictObject({
  time_ms: ms().default(0),
  sz_bytes: bytes().default(0),
  // damo's default: no reset (damo refuses quota goals without an interval)
  reset_interval_ms: ms().default(U64_MAX),
  goals: z.array(quotaGoalSchema).default([]),
  goal_tuner: z.enum(['consist', 'temporal']).default('consist'),
  effective_sz_bytes: ignored,
  weights: z
    .strictObject({
      sz_permil: permil().default(0),
      nr_accesses_permil: permil().default(0),
      age_permil: permil().default(0),
    })
    .default({ sz_permil: 0, nr_accesses_permil: 0, age_permil: 0 }),
  fail_charge_num: nr().default(0),
  fail_charge_denom: nr().default(0),
});

const watermarksSchema = z
  .strictObject({
    metric: z.enum(['none', 'free_mem_rate']).default('none'),
    interval_us: us().default(0),
    high_permil: permil().default(0),
    mid_permil: permil().default(0),
    low_permil: permil().default(0),
  })
  .superRefine((w, ctx) => {
    if (!(w.high_permil >= w.mid_permil && w.mid_permil >= w.low_permil))
      ctx.addIssue({
        code: 'custom',
        message: `expected high_permil >= mid_permil >= low_permil, got ${fmtNum(w.high_permil)}, ${fmtNum(w.mid_permil)}, ${fmtNum(w.low_permil)}`,
      });
  });

const damosFilterSchema = z
  .strictObject({
    type: z.enum(DAMOS_FILTER_TYPES).optional(),
    filter_type: z.enum(DAMOS_FILTER_TYPES).optional(),
    matching: z.boolean().default(true),
    allow: z.boolean().default(false),
    memcg_path: z.string().nullable().optional(),
    address_range: z
      .strictObject({ start: bytes(), end: bytes() })
      .superRefine((r, ctx) => {
        if (r.start >= r.end)
          ctx.addIssue({
            code: 'custom',
            message: `expected start < end, got ${fmtNum(r.start)} >= ${fmtNum(r.end)}`,
          });
      })
      .nullable()
      .optional(),
    damon_target_idx: z.number().int().nonnegative().nullable().optional(),
    hugepage_size: range(bytes()).nullable().optional(),
  })
  .superRefine((f, ctx) => {
    const type = f.type ?? f.filter_type;
    if (!type)
      ctx.addIssue({ code: 'custom', message: 'expected "type" (or damo\'s "filter_type")', path: ['type'] });
    if (type === 'memcg' && !f.memcg_path)
      ctx.addIssue({ code: 'custom', message: 'memcg filter needs "memcg_path"', path: ['memcg_path'] });
    if (type === 'addr' && !f.address_range)
      ctx.addIssue({ code: 'custom', message: 'addr filter needs "address_range"', path: ['address_range'] });
    if (type === 'target' && f.damon_target_idx == null)
      ctx.addIssue({
        code: 'custom',
        message: 'target filter needs "damon_target_idx"',
        path: ['damon_target_idx'],
      });
    if (type === 'hugepage_size' && !f.hugepage_size)
      ctx.addIssue({
        code: 'custom',
        message: 'hugepage_size filter needs "hugepage_size"',
        path: ['hugepage_size'],
      });
  })
  .transform((f) => ({
    type: (f.type ?? f.filter_type)!,
    matching: f.matching,
    allow: f.allow,
    memcg_path: f.memcg_path ?? null,
    address_range: f.address_range ?? null,
    damon_target_idx: f.damon_target_idx ?? null,
    hugepage_size: f.hugepage_size ?? null,
  }));

const schemeSchema = z.strictObject({
  action: z.enum(DAMOS_ACTIONS).default('stat'),
  target_nid: z.number().int().nonnegative().nullable().default(null),
  apply_interval_us: us().default(0),
  access_pattern: accessPatternSchema.default(() => accessPatternSchema.parse({})),
  quotas: quotasSchema.default(() => quotasSchema.parse({})),
  watermarks: watermarksSchema.default(() => watermarksSchema.parse({})),
  filters: z.array(damosFilterSchema).default([]),
  core_filters: z.array(damosFilterSchema).default([]),
  ops_filters: z.array(damosFilterSchema).default([]),
  dests: z.array(z.strictObject({ id: z.number().int().nonnegative(), weight: nr() })).default([]),
  max_nr_snapshots: nr().default(0),
  stats: ignored,
  tried_regions: ignored,
  tried_bytes: ignored,
});

const contextSchema = z
  .strictObject({
    // The seed's "paddr_fault" is paddr with the page_fault primitive (design.md).
    ops: z.enum([...OPS, 'paddr_fault']).default('paddr'),
    // damo writes "1 B"; 1 is the kernel's default, kept as null (nothing to write).
    addr_unit: unitNumber(textToBytes, 1)
      .nullable()
      .default(null)
      .transform((u) => (u === 1 ? null : u)),
    pause: z.boolean().default(false),
    targets: z.array(targetSchema).default([]),
    intervals: intervalsSchema.default(() => intervalsSchema.parse({})),
    nr_regions: range(nr()).default({ min: 10, max: 1000 }),
    sample: sampleSchema.default(() => sampleSchema.parse({})),
    schemes: z.array(schemeSchema).default([]),
    probes: ignored,
  })
  .superRefine((c, ctx) => {
    if (c.nr_regions.min < 3)
      ctx.addIssue({
        code: 'custom',
        message: 'expected min >= 3 (the kernel rejects fewer)',
        path: ['nr_regions', 'min'],
      });
    if (c.intervals.sample_us > c.intervals.aggr_us)
      ctx.addIssue({ code: 'custom', message: 'expected sample_us <= aggr_us', path: ['intervals'] });
    c.targets.forEach((t, i) => {
      for (let r = 1; r < t.regions.length; r++) {
        if (t.regions[r]!.start < t.regions[r - 1]!.end) {
          ctx.addIssue({
            code: 'custom',
            message: 'regions must be sorted and not overlap',
            path: ['targets', i, 'regions', r],
          });
        }
      }
      if (c.ops !== 'paddr' && c.ops !== 'paddr_fault' && t.pid === null) {
        ctx.addIssue({
          code: 'custom',
          message: `ops ${c.ops} needs a target pid`,
          path: ['targets', i, 'pid'],
        });
      }
    });
  })
  .transform((c) => {
    if (c.ops !== 'paddr_fault') return { ...c, ops: c.ops as OpsName };
    return {
      ...c,
      ops: 'paddr' as OpsName,
      sample: { ...c.sample, primitives: { page_table: false, page_fault: true } },
    };
  });

const kdamondSchema = z.strictObject({
  state: ignored,
  pid: ignored,
  refresh_ms: ms().default(0),
  contexts: z.array(contextSchema).max(1, 'the kernel allows at most one context per kdamond'),
});

export const kdamondsConfigSchema = z.strictObject({ kdamonds: z.array(kdamondSchema) });

export type KdamondsConfig = z.output<typeof kdamondsConfigSchema>;
export type KdamondConfig = KdamondsConfig['kdamonds'][number];
export type ContextConfig = KdamondConfig['contexts'][number];
export type TargetConfig = ContextConfig['targets'][number];
export type IntervalsConfig = ContextConfig['intervals'];
export type SampleConfig = ContextConfig['sample'];
export type SampleFilterConfig = SampleConfig['filters'][number];
export type SchemeConfig = ContextConfig['schemes'][number];
export type AccessPatternConfig = SchemeConfig['access_pattern'];
export type QuotasConfig = SchemeConfig['quotas'];
export type QuotaGoalConfig = QuotasConfig['goals'][number];
export type WatermarksConfig = SchemeConfig['watermarks'];
export type DamosFilterConfig = SchemeConfig['filters'][number];

/** Input shapes (what a user may write) for building configs in code. */
export type KdamondsConfigInput = z.input<typeof kdamondsConfigSchema>;
export type ContextConfigInput = z.input<typeof contextSchema>;
export type SchemeConfigInput = z.input<typeof schemeSchema>;
export type DamosFilterConfigInput = z.input<typeof damosFilterSchema>;

export const schemeConfigSchema = schemeSchema;
export const contextConfigSchema = contextSchema;
export const damosFilterConfigSchema = damosFilterSchema;
export const sampleFilterConfigSchema = sampleFilterSchema;

export { U32_MAX, U64_MAX };
