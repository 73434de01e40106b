/**
 * The configuration as damo writes it (`damo args damon --format json|yaml`): damo's key names and
 * order (sample_control, filter_type, probes, ...) and damo's value forms ("5 ms", "4,096",
 * "1 B", "0.1 %", "max"). Where damo's human form would round a value (sizes to 3 decimals,
 * fractional percents), the exact number is written instead, so parseKdamondsConfig reads any
 * output back to an equal configuration. `raw` writes plain numbers in each key's own unit (as
 * damo's --raw, except that damo writes some times in ns there) and "max" for 2^64-1.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { fmtNr, fmtSz, fmtSzAccurate, fmtTimeNs, fmtTimeNsExact } from '../records/pyformat.js';
import type {
  ContextConfig,
  DamosFilterConfig,
  KdamondsConfig,
  SampleFilterConfig,
  SchemeConfig,
} from './schema.js';
import { U64_MAX, textToBp, textToBytes, textToMs, textToPermil, textToUs } from './units.js';

export interface SerializeOptions {
  /** Plain numbers (damo's --raw); default: damo's human-readable forms. */
  raw?: boolean;
}

type Fmt = (v: number) => string;

interface Formats {
  nr: Fmt;
  sz: Fmt;
  szAccurate: Fmt;
  us: Fmt;
  usExact: Fmt;
  msExact: Fmt;
  percent: Fmt;
  permil: Fmt;
  bp: Fmt;
}

const isMax = (v: number) => v >= U64_MAX;

/** damo's format_ratio: "12 %", "0.1 %". */
function ratio(r: number): string {
  const over = Math.trunc(r * 100);
  const under = ((r * 100) % 1).toFixed(7).replace(/0+$/, '').slice(2);
  return under === '' ? `${fmtNr(over, false)} %` : `${fmtNr(over, false)}.${under} %`;
}

/** The human form if it reads back to the value, else the exact number (commas, in the key's unit). */
function exactOr(form: string, back: (t: string) => number, v: number): string {
  try {
    if (back(form) === v) return form;
  } catch {
    // falls through to the number
  }
  return fmtNr(v, false);
}

const HUMAN: Formats = {
  nr: (v) => (isMax(v) ? 'max' : fmtNr(v, false)),
  sz: (v) => (isMax(v) ? 'max' : exactOr(fmtSz(v, false), textToBytes, v)),
  szAccurate: (v) => (isMax(v) ? 'max' : exactOr(fmtSzAccurate(v, false), textToBytes, v)),
  us: (v) => (isMax(v) ? 'max' : exactOr(fmtTimeNs(v * 1000, false), textToUs, v)),
  usExact: (v) => (isMax(v) ? 'max' : exactOr(fmtTimeNsExact(BigInt(v) * 1000n, false), textToUs, v)),
  msExact: (v) => (isMax(v) ? 'max' : exactOr(fmtTimeNsExact(BigInt(v) * 1000000n, false), textToMs, v)),
  percent: (v) =>
    isMax(v) ? `${fmtNr(2n ** 64n - 1n, false)} %` : Number.isInteger(v) ? `${fmtNr(v, false)} %` : `${v} %`,
  permil: (v) => (isMax(v) ? 'max' : exactOr(ratio(v / 1000), textToPermil, v)),
  bp: (v) => (isMax(v) ? 'max' : exactOr(ratio(v / 10000), textToBp, v)),
};

const plain: Fmt = (v) => (isMax(v) ? 'max' : String(v));
const RAW: Formats = {
  nr: plain,
  sz: plain,
  szAccurate: plain,
  us: plain,
  usExact: plain,
  msExact: plain,
  percent: (v) => (isMax(v) ? '18446744073709551615 %' : `${v} %`),
  permil: plain,
  bp: plain,
};

/** damo writes node-memcg metric names. */
const GOAL_METRIC_OUT: Record<string, string> = {
  memcg_mem_used_bp: 'node_memcg_used_bp',
  memcg_mem_free_bp: 'node_memcg_free_bp',
};

/** "0-3,6" from [0, 1, 2, 3, 6] (the kernel's cpulist form, as damo writes it). */
function cpulist(ids: readonly number[]): string {
  const sorted = [...ids].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]! <= sorted[j]! + 1) j++;
    parts.push(sorted[i] === sorted[j] ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function sampleFilter(f: SampleFilterConfig) {
  return {
    filter_type: f.type,
    matching: f.matching,
    allow: f.allow,
    cpumask: f.cpumask ? cpulist(f.cpumask) : null,
    tid_arr: f.tid_arr ? f.tid_arr.join(',') : null,
  };
}

function damosFilter(f: DamosFilterConfig, F: Formats) {
  return {
    filter_type: f.type,
    matching: f.matching,
    allow: f.allow,
    memcg_path: f.memcg_path,
    address_range: f.address_range
      ? { start: F.nr(f.address_range.start), end: F.nr(f.address_range.end) }
      : null,
    damon_target_idx: f.damon_target_idx === null ? null : F.nr(f.damon_target_idx),
    hugepage_size: f.hugepage_size ? [F.sz(f.hugepage_size.min), F.sz(f.hugepage_size.max)] : null,
  };
}

function scheme(s: SchemeConfig, F: Formats) {
  const p = s.access_pattern;
  const nrAcc = (v: number) => (p.nr_accesses_unit === 'percent' ? F.percent(v) : `${F.nr(v)} samples`);
  const age = (v: number) => (p.age_unit === 'usec' ? F.us(v) : `${F.nr(v)} aggr_intervals`);
  const q = s.quotas;
  const w = s.watermarks;
  return {
    action: s.action,
    dests: s.dests.map((d) => ({ id: d.id, weight: d.weight })),
    ...(s.action.startsWith('migrate_') ? { target_nid: s.target_nid } : {}),
    access_pattern: {
      sz_bytes: { min: F.sz(p.sz_bytes.min), max: F.sz(p.sz_bytes.max) },
      nr_accesses: { min: nrAcc(p.nr_accesses.min), max: nrAcc(p.nr_accesses.max) },
      age: { min: age(p.age.min), max: age(p.age.max) },
    },
    apply_interval_us: F.us(s.apply_interval_us),
    quotas: {
      time_ms: F.msExact(q.time_ms),
      sz_bytes: F.sz(q.sz_bytes),
      reset_interval_ms: F.msExact(q.reset_interval_ms),
      fail_charge_num: F.nr(q.fail_charge_num),
      fail_charge_denom: F.nr(q.fail_charge_denom),
      goals: q.goals.map((g) => ({
        metric: GOAL_METRIC_OUT[g.metric] ?? g.metric,
        nid: g.nid === null ? null : F.nr(g.nid),
        memcg_path: g.memcg_path,
        target_value: F.nr(g.target_value),
        current_value: F.nr(g.current_value),
      })),
      goal_tuner: q.goal_tuner,
      effective_sz_bytes: F.sz(0), // a status value damo writes with the parameters
      weights: {
        sz_permil: F.permil(q.weights.sz_permil),
        nr_accesses_permil: F.permil(q.weights.nr_accesses_permil),
        age_permil: F.permil(q.weights.age_permil),
      },
    },
    watermarks: {
      metric: w.metric,
      interval_us: F.usExact(w.interval_us),
      high_permil: F.permil(w.high_permil),
      mid_permil: F.permil(w.mid_permil),
      low_permil: F.permil(w.low_permil),
    },
    // damo has one list; the kernel applies core filters, then ops filters, then this list.
    filters: [...s.core_filters, ...s.ops_filters, ...s.filters].map((f) => damosFilter(f, F)),
    ...(s.max_nr_snapshots !== 0 ? { max_nr_snapshots: F.nr(s.max_nr_snapshots) } : {}),
  };
}

function context(c: ContextConfig, F: Formats) {
  const iv = c.intervals;
  const g = iv.intervals_goal;
  return {
    ops: c.ops,
    addr_unit: F.szAccurate(c.addr_unit ?? 1),
    targets: c.targets.map((t) => ({
      pid: t.pid,
      obsolete: t.obsolete,
      regions: t.regions.map((r) => ({ start: F.nr(r.start), end: F.nr(r.end) })),
    })),
    intervals: {
      sample_us: F.us(iv.sample_us),
      aggr_us: F.us(iv.aggr_us),
      ops_update_us: F.us(iv.ops_update_us),
      intervals_goal: {
        access_bp: F.bp(g.access_bp),
        aggrs: F.nr(g.aggrs),
        min_sample_us: F.us(g.min_sample_us),
        max_sample_us: F.us(g.max_sample_us),
      },
    },
    nr_regions: { min: F.nr(c.nr_regions.min), max: F.nr(c.nr_regions.max) },
    probes: [],
    sample_control: {
      primitives_enabled: { ...c.sample.primitives },
      sample_filters: c.sample.filters.map(sampleFilter),
    },
    pause: c.pause,
    schemes: c.schemes.map((s) => scheme(s, F)),
  };
}

/** damo's key-value form of the configuration (what `damo args damon` prints). */
export function kdamondsToDamo(config: KdamondsConfig, o: SerializeOptions = {}): unknown {
  const F = o.raw ? RAW : HUMAN;
  return {
    kdamonds: config.kdamonds.map((k) => ({
      refresh_ms: k.refresh_ms,
      contexts: k.contexts.map((c) => context(c, F)),
    })),
  };
}

export function kdamondsToJson(config: KdamondsConfig, o: SerializeOptions = {}): string {
  return JSON.stringify(kdamondsToDamo(config, o), null, 4);
}

export function kdamondsToYaml(config: KdamondsConfig, o: SerializeOptions = {}): string {
  // Loaded here only: most commands never write YAML, and start faster without it.
  return (createRequire(import.meta.url)('yaml') as typeof Yaml).stringify(kdamondsToDamo(config, o));
}
