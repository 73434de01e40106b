/**
 * damo's DAMON control options (damo:src/_damon_args.py), shared by record, start, tune and
 * `args damon`, and their expansion into a validated kdamonds configuration.
 *
 * Repetition: options that configure one context (--ops, -s, -a, -u, -n, -m, --monitoring_*,
 * --sample_primitives, --damon_addr_unit) may repeat, the i-th value going to the i-th context; a
 * context without its own value takes the last one given. Each context gets its own kdamond (the
 * kernel allows one context per kdamond; --nr_ctxs values other than 1 are refused).
 * Multi-value options collect their words; repeated uses are split into groups:
 * by fixed arity (--monitoring_intervals 3, --monitoring_nr_regions_range 2, --monitoring_intervals_goal
 * 4, --damos_sz_region/--damos_access_rate/--damos_age 2, --damos_wmarks 5), at keywords
 * (--damos_action at an action name, --damos_filter and --sample_filter at allow|reject,
 * --damos_quota_goal at a metric name), and --damos_quotas by 3 or 6 values per scheme.
 */
import { UsageError } from './errors.js';
import { optionValue as value, parseDamosFilter } from './option-text.js';
import {
  ConfigError,
  loadKdamondsConfig,
  parseKdamondsConfig,
  parseSchemes,
  readConfigArgument,
} from './load.js';
import { DAMOS_ACTIONS, type KdamondsConfig, QUOTA_GOAL_METRICS, type SchemeConfig } from './schema.js';
import {
  U64_MAX,
  textToBp,
  textToBytes,
  textToMs,
  textToNr,
  textToPercent,
  textToPermil,
  textToUs,
} from './units.js';

/** What commander gives for the options added by addMonitoringOptions. */
export interface MonitoringOptions {
  ops?: string[];
  target_pid?: string[];
  regions?: string[];
  numa_node?: string;
  sample?: string[];
  aggr?: string[];
  updr?: string[];
  minr?: string[];
  maxr?: string[];
  monitoring_intervals?: string[];
  monitoring_nr_regions_range?: string[];
  monitoring_intervals_goal?: string[];
  monitoring_intervals_autotune?: boolean;
  sample_primitives?: string[];
  exp_ops_use_reports?: boolean;
  exp_ops_write_only?: boolean;
  exp_ops_cpus?: string[];
  exp_ops_tids?: string[];
  sample_filter?: string[];
  damos_action?: string[];
  damos_sz_region?: string[];
  damos_access_rate?: string[];
  damos_age?: string[];
  damos_apply_interval?: string[];
  damos_quotas?: string[];
  damos_quota_goal?: string[];
  damos_wmarks?: string[];
  damos_filter?: string[];
  damos_nr_filters?: string[];
  damos_max_nr_snapshots?: string[];
  schemes?: string;
  kdamonds?: string;
  damon_addr_unit?: string[];
  nr_targets?: string[];
  nr_ctxs?: string[];
  nr_schemes?: string[];
  refresh_stat?: string;
  pause_ctx?: boolean;
}

/**
 * --exp_ops_write_only, --exp_ops_cpus and --exp_ops_tids each narrow what is monitored, so together
 * they mean "writes by these CPUs and threads". Under first-match semantics (the default verdict is
 * the opposite of the last filter's allow) that is: reject what fails each narrowing but the last,
 * then allow what passes the last. Alone, each is the single "allow" filter damo writes.
 */
function narrowingFilters(o: MonitoringOptions): Record<string, unknown>[] {
  const parts: Record<string, unknown>[] = [
    ...(o.exp_ops_write_only ? [{ type: 'write' }] : []),
    ...(o.exp_ops_cpus
      ? [{ type: 'cpumask', cpumask: parseIdList('--exp_ops_cpus', o.exp_ops_cpus.join(',')) }]
      : []),
    ...(o.exp_ops_tids
      ? [{ type: 'threads', tid_arr: parseIdList('--exp_ops_tids', o.exp_ops_tids.join(',')) }]
      : []),
  ];
  return parts.map((f, i) =>
    i < parts.length - 1 ? { ...f, matching: false, allow: false } : { ...f, matching: true, allow: true },
  );
}

/** What the positional target resolved to; a command is launched by the caller, giving a pid. */
export type DeducedTarget =
  | { kind: 'paddr' }
  | { kind: 'pid'; pid: number }
  | { kind: 'kdamonds'; config: KdamondsConfig }
  | { kind: 'cmd'; cmd: string };

/** damo's "simple target argument": paddr, a pid, kdamonds JSON or YAML (inline or file), else a command. */
export function deduceTarget(arg: string | undefined): DeducedTarget | undefined {
  if (arg === undefined) return undefined;
  if (arg === 'paddr') return { kind: 'paddr' };
  if (/^\d+$/.test(arg)) return { kind: 'pid', pid: Number(arg) };
  const t = arg.trim();
  if (t.startsWith('{') || /\.(json|ya?ml)$/i.test(t) || /^kdamonds\s*:/m.test(t)) {
    const { value, source } = readConfigArgument(arg, 'target');
    return { kind: 'kdamonds', config: parseKdamondsConfig(value, source) };
  }
  return { kind: 'cmd', cmd: arg };
}

export interface ExpandExtras {
  /**
   * Regions for paddr targets without -r: damo's System RAM span of /proc/iomem, or with a node id
   * (--numa_node) that node's System RAM ([] for a node without memory).
   */
  paddrRegions?: (numaNode?: number) => { start: number; end: number }[];
}

function parseNumaNode(text: string): number {
  if (!/^\d+$/.test(text.trim()))
    throw new UsageError(`--numa_node: expected a non-negative integer (a NUMA node id), got "${text}"`);
  return Number(text);
}

/** The provider's regions, with --numa_node named in its errors and a node without memory refused. */
function defaultPaddrRegions(extras: ExpandExtras, numaNode: number | undefined) {
  if (numaNode === undefined) return extras.paddrRegions?.() ?? [];
  if (!extras.paddrRegions)
    throw new UsageError(`--numa_node: this backend cannot tell the memory of a NUMA node; use -r/--regions`);
  let regions;
  try {
    regions = extras.paddrRegions(numaNode);
  } catch (e) {
    if (e instanceof Error && !(e instanceof UsageError)) e.message = `--numa_node ${numaNode}: ${e.message}`;
    throw e;
  }
  if (regions.length === 0)
    throw new UsageError(
      `--numa_node ${numaNode}: node ${numaNode} has no System RAM (no such node, or a node without memory)`,
    );
  return regions;
}

function groupsOf(option: string, words: string[] | undefined, n: number): string[][] {
  if (!words) return [];
  if (words.length % n !== 0)
    throw new UsageError(`${option}: expected ${n} values per use, got ${words.length} in total`);
  const out: string[][] = [];
  for (let i = 0; i < words.length; i += n) out.push(words.slice(i, i + n));
  return out;
}

function groupsAt(words: string[] | undefined, starts: (w: string) => boolean, option: string): string[][] {
  const out: string[][] = [];
  for (const w of words ?? []) {
    if (starts(w)) out.push([w]);
    else if (out.length === 0) throw new UsageError(`${option}: unexpected "${w}" before the first entry`);
    else out[out.length - 1]!.push(w);
  }
  return out;
}

/** The option that sets a configuration path, for errors in what the options expanded to. */
const OPTION_OF_PATH: [RegExp, string][] = [
  [/access_pattern\.sz_bytes/, '--damos_sz_region'],
  [/access_pattern\.nr_accesses/, '--damos_access_rate'],
  [/access_pattern\.age/, '--damos_age'],
  [/watermarks/, '--damos_wmarks'],
  [/quotas\.goals/, '--damos_quota_goal'],
  [/quotas/, '--damos_quotas'],
  [/filters/, '--damos_filter'],
  [/nr_regions/, '-n/--minr, -m/--maxr or --monitoring_nr_regions_range'],
  [/intervals_goal/, '--monitoring_intervals_goal'],
  [/intervals/, '-s/--sample, -a/--aggr, -u/--updr or --monitoring_intervals'],
  [/regions/, '-r/--regions'],
];

/** A configuration error of expanded options, as a usage error naming the options. */
function optionError(e: ConfigError): UsageError {
  const lines = e.issues.map((line) => {
    const path = line.slice(0, line.indexOf(':'));
    const option = OPTION_OF_PATH.find(([re]) => re.test(path))?.[1];
    return option ? `${option} (${path}): ${line.slice(path.length + 2)}` : line;
  });
  return new UsageError(lines.length === 1 ? lines[0]! : `invalid options:\n  ${lines.join('\n  ')}`);
}

/** Value i of a per-context option, or the last one given. */
function nth<T>(list: T[] | undefined, i: number): T | undefined {
  if (!list || list.length === 0) return undefined;
  return list[Math.min(i, list.length - 1)];
}

/** "0-3,6" → [0,1,2,3,6] */
export function parseIdList(option: string, text: string): number[] {
  const out: number[] = [];
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new UsageError(`${option}: expected numbers or ranges like 0-3,6, got "${text}"`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new UsageError(`${option}: range "${part}" ends before it starts`);
    for (let x = a; x <= b; x++) out.push(x);
  }
  return out;
}

function parseRegions(option: string, text: string): { start: number; end: number }[] {
  return text
    .split(/\s+/)
    .filter(Boolean)
    .map((r) => {
      const m = /^([^-]+)-([^-]+)$/.exec(r);
      if (!m) throw new UsageError(`${option}: expected "start-end", got "${r}"`);
      return { start: value(option, m[1]!, textToBytes), end: value(option, m[2]!, textToBytes) };
    });
}

function parseSampleFilter(option: string, words: string[]) {
  const [verdict, ...rest] = words;
  if (verdict !== 'allow' && verdict !== 'reject')
    throw new UsageError(`${option}: expected allow or reject, got "${verdict}"`);
  const matching = rest[0] !== 'none';
  if (!matching) rest.shift();
  const [type, ...args] = rest;
  const base = { matching, allow: verdict === 'allow' };
  if (type === 'write' && args.length === 0) return { type, ...base };
  if (type === 'cpumask' && args.length > 0)
    return { type, ...base, cpumask: parseIdList(option, args.join(',')) };
  if (type === 'threads' && args.length > 0)
    return { type, ...base, tid_arr: parseIdList(option, args.join(',')) };
  throw new UsageError(
    `${option}: expected "<allow|reject> [none] <cpumask CPUS | threads TIDS | write>", got "${words.join(' ')}"`,
  );
}

function intList(option: string, list: string[] | undefined): number[] | undefined {
  return list?.map((v) => {
    const n = value(option, v, textToNr);
    if (!Number.isInteger(n) || n < 0)
      throw new UsageError(`${option}: expected a non-negative integer, got "${v}"`);
    return n;
  });
}

/** Splits `items` into consecutive chunks of the given sizes (or gives every owner all items). */
function distribute<T>(option: string, items: T[], counts: number[] | undefined, owners: number): T[][] {
  if (!counts) return Array.from({ length: owners }, () => items);
  if (counts.length !== owners)
    throw new UsageError(`${option}: expected ${owners} values, got ${counts.length}`);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== items.length)
    throw new UsageError(`${option}: the counts add up to ${total}, but ${items.length} were given`);
  let at = 0;
  return counts.map((c) => items.slice(at, (at += c)));
}

function cliSchemes(o: MonitoringOptions): SchemeConfig[] {
  const actions = groupsAt(
    o.damos_action,
    (w) => (DAMOS_ACTIONS as readonly string[]).includes(w),
    '--damos_action',
  );
  const sz = groupsOf('--damos_sz_region', o.damos_sz_region, 2);
  const rate = groupsOf('--damos_access_rate', o.damos_access_rate, 2);
  const age = groupsOf('--damos_age', o.damos_age, 2);
  const wmarks = groupsOf('--damos_wmarks', o.damos_wmarks, 5);
  const count = Math.max(
    actions.length,
    sz.length,
    rate.length,
    age.length,
    wmarks.length,
    o.damos_apply_interval?.length ?? 0,
    o.damos_quotas ? 1 : 0,
    o.damos_filter ? 1 : 0,
    o.damos_quota_goal ? 1 : 0,
  );
  if (count === 0) return [];
  const quotaWords = o.damos_quotas ?? [];
  const per = quotaWords.length === count * 6 ? 6 : quotaWords.length === count * 3 ? 3 : 0;
  if (quotaWords.length && !per)
    throw new UsageError(
      `--damos_quotas: expected 3 or 6 values per scheme (${count} schemes), got ${quotaWords.length}`,
    );
  const filters = groupsAt(o.damos_filter, (w) => w === 'allow' || w === 'reject', '--damos_filter').map(
    (g) => parseDamosFilter('--damos_filter', g),
  );
  const filtersOf = distribute(
    '--damos_nr_filters',
    filters,
    intList('--damos_nr_filters', o.damos_nr_filters),
    count,
  );
  const goals = groupsAt(
    o.damos_quota_goal,
    (w) => (QUOTA_GOAL_METRICS as readonly string[]).includes(w),
    '--damos_quota_goal',
  ).map((g) => {
    if (g.length < 2 || g.length > 3)
      throw new UsageError(
        `--damos_quota_goal: expected <metric> <target value> [nid|memcg path], got "${g.join(' ')}"`,
      );
    const extra = g[2];
    return {
      metric: g[0] as (typeof QUOTA_GOAL_METRICS)[number],
      target_value: value('--damos_quota_goal', g[1]!, textToNr),
      nid: extra !== undefined && /^\d+$/.test(extra) ? Number(extra) : null,
      memcg_path: extra !== undefined && !/^\d+$/.test(extra) ? extra : null,
    };
  });
  const raw = Array.from({ length: count }, (_, i) => {
    const act = nth(actions, i);
    const q = per ? quotaWords.slice(i * per, (i + 1) * per) : undefined;
    const w = wmarks[i];
    const s: Record<string, unknown> = {
      action: act?.[0] ?? 'stat',
      target_nid: act?.[1] !== undefined ? value('--damos_action', act[1], textToNr) : null,
      access_pattern: {
        sz_bytes: sz[i]
          ? {
              min: value('--damos_sz_region', sz[i]![0]!, textToBytes),
              max: value('--damos_sz_region', sz[i]![1]!, textToBytes),
            }
          : undefined,
        nr_accesses: rate[i]
          ? {
              min: value('--damos_access_rate', rate[i]![0]!, textToPercent),
              max: value('--damos_access_rate', rate[i]![1]!, textToPercent),
            }
          : undefined,
        age: age[i]
          ? {
              min: value('--damos_age', age[i]![0]!, textToUs),
              max: value('--damos_age', age[i]![1]!, textToUs),
            }
          : undefined,
      },
      apply_interval_us:
        o.damos_apply_interval?.[i] !== undefined
          ? value('--damos_apply_interval', o.damos_apply_interval[i]!, textToUs)
          : 0,
      quotas: {
        time_ms: q ? value('--damos_quotas', q[0]!, textToMs) : 0,
        sz_bytes: q ? value('--damos_quotas', q[1]!, textToBytes) : 0,
        reset_interval_ms: q ? value('--damos_quotas', q[2]!, textToMs) : U64_MAX,
        goals,
        weights:
          q && per === 6
            ? {
                sz_permil: value('--damos_quotas', q[3]!, textToPermil),
                nr_accesses_permil: value('--damos_quotas', q[4]!, textToPermil),
                age_permil: value('--damos_quotas', q[5]!, textToPermil),
              }
            : undefined,
      },
      watermarks: w
        ? {
            metric: w[0],
            interval_us: value('--damos_wmarks', w[1]!, textToUs),
            high_permil: value('--damos_wmarks', w[2]!, textToPermil),
            mid_permil: value('--damos_wmarks', w[3]!, textToPermil),
            low_permil: value('--damos_wmarks', w[4]!, textToPermil),
          }
        : undefined,
      // one list in the order given, as damo (the kernel's deprecated single list keeps that order)
      filters: filtersOf[i]!,
      max_nr_snapshots:
        o.damos_max_nr_snapshots?.[i] !== undefined
          ? value('--damos_max_nr_snapshots', o.damos_max_nr_snapshots[i]!, textToNr)
          : 0,
    };
    return JSON.parse(JSON.stringify(s)) as unknown; // drops the undefined keys: defaults apply
  });
  try {
    return parseSchemes(raw, 'DAMOS command-line options');
  } catch (e) {
    if (e instanceof ConfigError) throw optionError(e);
    throw e;
  }
}

/**
 * Expands the options (and the deduced positional target) into a validated configuration, with
 * damo's defaults. A kdamonds JSON (--kdamonds or the positional argument) is returned as is.
 */
export function optionsToKdamonds(
  o: MonitoringOptions,
  target?: DeducedTarget,
  extras: ExpandExtras = {},
): KdamondsConfig {
  const numaNode = o.numa_node === undefined ? undefined : parseNumaNode(o.numa_node);
  if (numaNode !== undefined && (o.kdamonds || target?.kind === 'kdamonds'))
    throw new UsageError('--numa_node: not with a kdamonds configuration (give the regions in it)');
  if (o.kdamonds) return loadKdamondsConfig(o.kdamonds);
  if (target?.kind === 'kdamonds') return target.config;
  if (target?.kind === 'cmd')
    throw new UsageError(
      `target "${target.cmd}": the command must be started by the caller and given as a pid`,
    );

  const pids = intList('--target_pid', o.target_pid) ?? [];
  if (target?.kind === 'pid') pids.unshift(target.pid);
  const regionLists = (o.regions ?? []).map((r) => parseRegions('-r/--regions', r));
  if (numaNode !== undefined && regionLists.length)
    throw new UsageError('--numa_node: not with -r/--regions (the node gives the regions)');
  let paddrDefault: { start: number; end: number }[] | undefined; // asked for once, shared by the targets
  const intervals = groupsOf('--monitoring_intervals', o.monitoring_intervals, 3);
  const nrRange = groupsOf('--monitoring_nr_regions_range', o.monitoring_nr_regions_range, 2);
  const goals = groupsOf('--monitoring_intervals_goal', o.monitoring_intervals_goal, 4);
  for (const n of intList('--nr_ctxs', o.nr_ctxs) ?? [])
    if (n !== 1) throw new UsageError(`--nr_ctxs: the kernel allows one context per kdamond, got ${n}`);
  const nrTargets = intList('--nr_targets', o.nr_targets);
  const nctx = Math.max(
    1,
    o.ops?.length ?? 0,
    o.sample?.length ?? 0,
    o.aggr?.length ?? 0,
    o.updr?.length ?? 0,
    o.minr?.length ?? 0,
    o.maxr?.length ?? 0,
    intervals.length,
    nrRange.length,
    goals.length,
    o.sample_primitives?.length ?? 0,
    o.damon_addr_unit?.length ?? 0,
    nrTargets?.length ?? 0,
  );

  // Targets: pids first, then regions; one target per -r for paddr.
  const nTargets = Math.max(pids.length, regionLists.length, nrTargets ? 0 : nctx);
  const targets = Array.from({ length: nTargets }, (_, i) => ({
    pid: pids[i] ?? null,
    regions: regionLists[i],
  }));
  const targetsOf = nrTargets
    ? distribute('--nr_targets', targets, nrTargets, nctx)
    : nctx === 1
      ? [targets]
      : targets.length === nctx
        ? targets.map((t) => [t])
        : (() => {
            throw new UsageError(
              `--nr_targets: ${nctx} contexts but ${targets.length} targets; say how many targets each context has`,
            );
          })();

  const schemesArg = o.schemes ? readConfigArgument(o.schemes, '--schemes') : undefined;
  const schemes = schemesArg ? parseSchemes(schemesArg.value, schemesArg.source) : cliSchemes(o);
  const schemesOf = distribute('--nr_schemes', schemes, intList('--nr_schemes', o.nr_schemes), nctx);

  const sampleFilters = [
    ...narrowingFilters(o),
    ...groupsAt(o.sample_filter, (w) => w === 'allow' || w === 'reject', '--sample_filter').map((g) =>
      parseSampleFilter('--sample_filter', g),
    ),
  ];

  const contexts = Array.from({ length: nctx }, (_, c) => {
    const ctxTargets = targetsOf[c]!;
    let ops = nth(o.ops, c) ?? (ctxTargets.some((t) => t.pid !== null) ? 'vaddr' : 'paddr');
    const prim = nth(o.sample_primitives, c);
    if (prim !== undefined && prim !== 'page_table' && prim !== 'page_fault')
      throw new UsageError(`--sample_primitives: expected page_table or page_fault, got "${prim}"`);
    const pageFault = prim === 'page_fault' || o.exp_ops_use_reports === true || ops === 'paddr_fault';
    if (ops === 'paddr_fault') ops = 'paddr';
    if (numaNode !== undefined && ops !== 'paddr')
      throw new UsageError(`--numa_node: only for paddr, but kdamond ${c} monitors ${ops}`);
    const iv = intervals[Math.min(c, intervals.length - 1)];
    const time = (opt: string, list: string[] | undefined, k: number) => {
      const v = nth(list, c) ?? iv?.[k];
      return v === undefined ? undefined : value(opt, v, textToUs);
    };
    const nrr = nrRange[Math.min(c, nrRange.length - 1)];
    const count = (opt: string, list: string[] | undefined, k: number, dflt: number) => {
      const v = nth(list, c) ?? nrr?.[k];
      return v === undefined ? dflt : value(opt, v, textToNr);
    };
    const goal = o.monitoring_intervals_autotune
      ? ['4%', '3', '5ms', '10s']
      : goals[Math.min(c, goals.length - 1)];
    const unit = nth(o.damon_addr_unit, c);
    return {
      ops,
      addr_unit: unit === undefined ? null : value('--damon_addr_unit', unit, textToNr),
      pause: o.pause_ctx === true,
      targets: ctxTargets.map((t) => ({
        pid: ops === 'paddr' ? null : t.pid,
        regions:
          t.regions ?? (ops === 'paddr' ? (paddrDefault ??= defaultPaddrRegions(extras, numaNode)) : []),
      })),
      intervals: {
        sample_us: time('-s/--sample', o.sample, 0) ?? 5000,
        aggr_us: time('-a/--aggr', o.aggr, 1) ?? 100000,
        ops_update_us: time('-u/--updr', o.updr, 2) ?? 1000000,
        intervals_goal: goal
          ? {
              access_bp: value('--monitoring_intervals_goal', goal[0]!, textToBp),
              aggrs: value('--monitoring_intervals_goal', goal[1]!, textToNr),
              min_sample_us: value('--monitoring_intervals_goal', goal[2]!, textToUs),
              max_sample_us: value('--monitoring_intervals_goal', goal[3]!, textToUs),
            }
          : undefined,
      },
      nr_regions: { min: count('-n/--minr', o.minr, 0, 10), max: count('-m/--maxr', o.maxr, 1, 1000) },
      sample: { primitives: { page_table: !pageFault, page_fault: pageFault }, filters: sampleFilters },
      schemes: schemesOf[c]!,
    };
  });
  const refresh = o.refresh_stat === undefined ? 0 : value('--refresh_stat', o.refresh_stat, textToMs);
  const config = { kdamonds: contexts.map((ctx) => ({ refresh_ms: refresh, contexts: [ctx] })) };
  try {
    return parseKdamondsConfig(JSON.parse(JSON.stringify(config)), 'command-line options');
  } catch (e) {
    // Options that combine into an invalid configuration are a usage error (exit 2).
    if (e instanceof ConfigError) throw optionError(e);
    throw e;
  }
}
