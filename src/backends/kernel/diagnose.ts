/**
 * What `diagnose` reports of this machine, read without writing anything: the system (kernel, the
 * sysfs/tracefs/debugfs mounts, trace-cmd and perf), the DAMON features the files and tracepoints
 * that exist prove (damo's feature names), the kdamonds' configuration, state and DAMOS stats as
 * the tree holds them (no update_schemes_stats: a kdamond that is not ours is only read), and the
 * parameters of the DAMON_RECLAIM and DAMON_LRU_SORT modules.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import type { KdamondsConfigInput } from '../../config/schema.js';
import { DamonModule, LRU_SORT_PARAMS, RECLAIM_PARAMS } from './modules.js';
import type { DamonSysfs } from './sysfs.js';

/** Mount point of the first filesystem of type `fsType` in /proc/mounts; null if none. */
export function mountPoint(fsType: string, mounts = '/proc/mounts'): string | null {
  for (const line of readFileSync(mounts, 'utf8').split('\n')) {
    const [, dir, type] = line.split(/\s+/);
    if (type === fsType) return dir!;
  }
  return null;
}

/** The program's path in $PATH; null when there is none. */
function which(name: string): string | null {
  for (const d of (process.env.PATH ?? '').split(':')) {
    const p = join(d || '.', name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** A program's output (stdout and stderr); null if it cannot run. */
function output(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    return x.stdout || x.stderr ? `${x.stdout ?? ''}${x.stderr ?? ''}` : null;
  }
}

export interface SystemInfo {
  damo_version: string;
  kernel_version: string;
  sysfs_path: string | null;
  tracefs_path: string | null;
  debugfs_path: string | null;
  trace_cmd_version: string | null;
  perf_path: string | null;
  perf_version: string | null;
  avail_damon_features: { name: string; upstream_status: null; upstreamed_version: null; comments: string }[];
}

/** damo feature name → the file (relative to a kdamond, context, target or scheme dir) proving it. */
const KDAMOND_FEATURES: Record<string, string> = { 'sysfs/refresh_ms': 'refresh_ms' };
const CONTEXT_FEATURES: Record<string, string> = {
  'sysfs/avail_ops': 'avail_operations',
  'sysfs/addr_unit': 'addr_unit',
  'sysfs/ctx_pause': 'pause',
  'sysfs/intervals_goal': 'monitoring_attrs/intervals/intervals_goal',
  'sysfs/damon_sample_control': 'monitoring_attrs/sample',
};
const TARGET_FEATURES: Record<string, string> = { 'sysfs/obsolete_target': 'obsolete_target' };
const SCHEME_FEATURES: Record<string, string> = {
  'sysfs/schemes_tried_regions': 'tried_regions',
  'sysfs/schemes_tried_regions_sz': 'tried_regions/total_bytes',
  'sysfs/schemes_filters': 'filters',
  'sysfs/schemes_apply_interval': 'apply_interval_us',
  'sysfs/schemes_quota_goals': 'quotas/goals',
  'sysfs/schemes_quota_effective_bytes': 'quotas/effective_bytes',
  'sysfs/damos_quota_goal_tuner': 'quotas/goal_tuner',
  'sysfs/damos_quota_fail_charge_ratio': 'quotas/fail_charge_num',
  'sysfs/schemes_migrate': 'target_nid',
  'sysfs/sz_ops_filter_passed': 'stats/sz_ops_filter_passed',
  'sysfs/schemes_filters_core_ops_dirs': 'core_filters',
  'sysfs/schemes_dests': 'dests',
  'sysfs/damos_stat_nr_snapshots': 'stats/nr_snapshots',
  'sysfs/damos_max_nr_snapshots': 'stats/max_nr_snapshots',
};
/** What every DAMON sysfs interface had from its first release. */
const SYSFS_FROM_THE_START = [
  'sysfs/schemes',
  'sysfs/init_regions',
  'sysfs/vaddr',
  'sysfs/paddr',
  'sysfs/schemes_size_quota',
  'sysfs/schemes_time_quota',
  'sysfs/schemes_prioritization',
  'sysfs/schemes_wmarks',
  'sysfs/schemes_stat_succ',
  'sysfs/schemes_stat_qt_exceed',
];
const TRACEPOINTS = [
  'damon_aggregated',
  'damos_before_apply',
  'damon_monitor_intervals_tune',
  'damos_esz',
  'damos_stat_after_apply_interval',
  'damon_region_aggregated',
];
/** Module parameter features: name → [module, parameter]. */
const MODULE_FEATURES: Record<string, [string, string]> = {
  'reclaim/stats': ['reclaim', 'nr_reclaim_tried_regions'],
  'reclaim/commit_inputs': ['reclaim', 'commit_inputs'],
  'reclaim/skip_anon': ['reclaim', 'skip_anon'],
  'reclaim/quota_mem_pressure_us': ['reclaim', 'quota_mem_pressure_us'],
  'reclaim/quota_user_feedback': ['reclaim', 'quota_autotune_feedback'],
  'reclaim/addr_unit': ['reclaim', 'addr_unit'],
  'lru_sort/addr_unit': ['lru_sort', 'addr_unit'],
  'stat/aggr_interval': ['stat', 'aggr_interval_us'],
};

/** The DAMON features that what exists proves, each with the evidence in `comments`. */
export function detectedFeatures(
  fs: DamonSysfs,
  o: { tracefs: string | null; debugfs: string | null; moduleRoot: string },
): SystemInfo['avail_damon_features'] {
  const out: SystemInfo['avail_damon_features'] = [];
  const add = (name: string, evidence: string) =>
    out.push({ name, upstream_status: null, upstreamed_version: null, comments: `found ${evidence}` });
  if (fs.exists('kdamonds/nr_kdamonds')) {
    for (const f of SYSFS_FROM_THE_START) add(f, fs.path('kdamonds'));
    const dirs: [string | null, Record<string, string>][] = [];
    const k = fs.exists('kdamonds/0') ? 'kdamonds/0' : null;
    const c = k && fs.exists(`${k}/contexts/0`) ? `${k}/contexts/0` : null;
    dirs.push([k, KDAMOND_FEATURES], [c, CONTEXT_FEATURES]);
    dirs.push([c && fs.exists(`${c}/targets/0`) ? `${c}/targets/0` : null, TARGET_FEATURES]);
    dirs.push([c && fs.exists(`${c}/schemes/0`) ? `${c}/schemes/0` : null, SCHEME_FEATURES]);
    for (const [dir, table] of dirs)
      if (dir)
        for (const [name, file] of Object.entries(table))
          if (fs.exists(`${dir}/${file}`)) add(name, fs.path(`${dir}/${file}`));
    if (
      c &&
      fs.exists(`${c}/avail_operations`) &&
      fs.read(`${c}/avail_operations`).split(/\s+/).includes('fvaddr')
    )
      add('sysfs/fvaddr', fs.path(`${c}/avail_operations`));
  }
  if (o.tracefs)
    for (const t of TRACEPOINTS) {
      const p = join(o.tracefs, 'events/damon', t);
      if (existsSync(p)) add(`trace/${t}`, p);
    }
  if (o.debugfs && existsSync(join(o.debugfs, 'damon')))
    add('interface/damon_debugfs', join(o.debugfs, 'damon'));
  if (fs.exists('kdamonds')) add('interface/damon_sysfs', fs.path('kdamonds'));
  for (const m of ['reclaim', 'lru_sort', 'stat']) {
    const p = join(o.moduleRoot, `damon_${m}`);
    if (existsSync(p)) add(`interface/damon_${m}`, p);
  }
  for (const [name, [m, param]] of Object.entries(MODULE_FEATURES)) {
    const p = join(o.moduleRoot, `damon_${m}`, 'parameters', param);
    if (existsSync(p)) add(name, p);
  }
  return out;
}

export function readSystemInfo(fs: DamonSysfs, version: string, moduleRoot: string): SystemInfo {
  const sysfs = mountPoint('sysfs');
  const tracefs = mountPoint('tracefs');
  const debugfs = mountPoint('debugfs');
  const traceCmd = which('trace-cmd');
  const traceCmdVersion = traceCmd
    ? (/^trace-cmd version (\S+)/m.exec(output(traceCmd, []) ?? '')?.[1] ?? null)
    : null;
  const perf = which('perf');
  return {
    damo_version: version,
    kernel_version: release(),
    sysfs_path: sysfs,
    tracefs_path: tracefs,
    debugfs_path: debugfs,
    trace_cmd_version: traceCmdVersion,
    perf_path: perf,
    perf_version: perf ? (output(perf, ['--version'])?.trim() ?? null) : null,
    avail_damon_features: detectedFeatures(fs, { tracefs, debugfs, moduleRoot }),
  };
}

/** The numeric children of a directory, in order. */
function indexes(fs: DamonSysfs, rel: string): number[] {
  if (!fs.exists(rel)) return [];
  return fs
    .list(rel)
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .sort((a, b) => a - b);
}

/** A u64 file as a number (2^64-1 and anything past 2^53 stay exact enough as "max"). */
function num(fs: DamonSysfs, rel: string): number | string {
  const t = fs.read(rel);
  return t === '18446744073709551615' ? 'max' : Number(t);
}

function filtersOf(fs: DamonSysfs, dir: string): unknown[] {
  return indexes(fs, dir).map((i) => {
    const d = `${dir}/${i}`;
    const type = fs.read(`${d}/type`);
    const f: Record<string, unknown> = {
      type,
      matching: fs.read(`${d}/matching`) === 'Y',
      allow: fs.exists(`${d}/allow`) ? fs.read(`${d}/allow`) === 'Y' : false,
    };
    if (type === 'memcg') f.memcg_path = fs.read(`${d}/memcg_path`);
    if (type === 'addr')
      f.address_range = { start: num(fs, `${d}/addr_start`), end: num(fs, `${d}/addr_end`) };
    if (type === 'target') f.damon_target_idx = Number(fs.read(`${d}/damon_target_idx`));
    if (type === 'hugepage_size') f.hugepage_size = { min: num(fs, `${d}/min`), max: num(fs, `${d}/max`) };
    return f;
  });
}

/** The status a kdamond's tree holds besides its configuration. */
export interface KdamondRuntime {
  state: string;
  pid: string;
  /** Per context, per scheme: the stats files and quotas/effective_bytes, as numbers. */
  schemes: { stats: Record<string, number>; effectiveBytes: number | null; filters: RawFilter[] }[][];
}

/** Every file of a DAMOS filter, whatever its type uses (damo shows them all). */
export interface RawFilter {
  memcg_path: string;
  addr_start: number;
  addr_end: number;
  damon_target_idx: number;
  min: number;
  max: number;
}

function rawFilters(fs: DamonSysfs, dirs: string[]): RawFilter[] {
  const n = (rel: string) => (fs.exists(rel) ? Number(fs.read(rel)) : 0);
  return dirs.flatMap((dir) =>
    indexes(fs, dir).map((i) => ({
      memcg_path: fs.exists(`${dir}/${i}/memcg_path`) ? fs.read(`${dir}/${i}/memcg_path`) : '',
      addr_start: n(`${dir}/${i}/addr_start`),
      addr_end: n(`${dir}/${i}/addr_end`),
      damon_target_idx: n(`${dir}/${i}/damon_target_idx`),
      min: n(`${dir}/${i}/min`),
      max: n(`${dir}/${i}/max`),
    })),
  );
}

/** Every kdamond's configuration (the schema's input shape, kernel units) and runtime, read only. */
export function readKdamonds(fs: DamonSysfs): { config: KdamondsConfigInput; runtime: KdamondRuntime[] } {
  const runtime: KdamondRuntime[] = [];
  const kdamonds = indexes(fs, 'kdamonds').map((k) => {
    const kd = `kdamonds/${k}`;
    const rt: KdamondRuntime = { state: fs.read(`${kd}/state`), pid: fs.read(`${kd}/pid`), schemes: [] };
    runtime.push(rt);
    const contexts = indexes(fs, `${kd}/contexts`).map((c) => {
      const cd = `${kd}/contexts/${c}`;
      const ops = fs.read(`${cd}/operations`);
      const iv = `${cd}/monitoring_attrs/intervals`;
      const sample = `${cd}/monitoring_attrs/sample`;
      const schemeRt: KdamondRuntime['schemes'][number] = [];
      rt.schemes.push(schemeRt);
      return {
        ops,
        ...(fs.exists(`${cd}/addr_unit`) ? { addr_unit: Number(fs.read(`${cd}/addr_unit`)) } : {}),
        targets: indexes(fs, `${cd}/targets`).map((t) => {
          const td = `${cd}/targets/${t}`;
          return {
            pid: fs.exists(`${td}/pid_target`) ? Number(fs.read(`${td}/pid_target`)) : null,
            obsolete: fs.exists(`${td}/obsolete_target`) ? fs.read(`${td}/obsolete_target`) === 'Y' : false,
            regions: indexes(fs, `${td}/regions`).map((r) => ({
              start: num(fs, `${td}/regions/${r}/start`),
              end: num(fs, `${td}/regions/${r}/end`),
            })),
          };
        }),
        intervals: {
          sample_us: num(fs, `${iv}/sample_us`),
          aggr_us: num(fs, `${iv}/aggr_us`),
          ops_update_us: num(fs, `${iv}/update_us`),
          ...(fs.exists(`${iv}/intervals_goal`)
            ? {
                intervals_goal: {
                  access_bp: num(fs, `${iv}/intervals_goal/access_bp`),
                  aggrs: num(fs, `${iv}/intervals_goal/aggrs`),
                  min_sample_us: num(fs, `${iv}/intervals_goal/min_sample_us`),
                  max_sample_us: num(fs, `${iv}/intervals_goal/max_sample_us`),
                },
              }
            : {}),
        },
        nr_regions: {
          min: num(fs, `${cd}/monitoring_attrs/nr_regions/min`),
          max: num(fs, `${cd}/monitoring_attrs/nr_regions/max`),
        },
        ...(fs.exists(sample)
          ? {
              sample: {
                primitives: {
                  page_table: fs.read(`${sample}/primitives/page_table`) === 'Y',
                  page_fault: fs.read(`${sample}/primitives/page_fault`) === 'Y',
                },
              },
            }
          : {}),
        ...(fs.exists(`${cd}/pause`) ? { pause: fs.read(`${cd}/pause`) === 'Y' } : {}),
        schemes: indexes(fs, `${cd}/schemes`).map((s) => {
          const d = `${cd}/schemes/${s}`;
          const stats: Record<string, number> = {};
          for (const f of fs.list(`${d}/stats`)) stats[f] = Number(fs.read(`${d}/stats/${f}`));
          schemeRt.push({
            stats,
            effectiveBytes: fs.exists(`${d}/quotas/effective_bytes`)
              ? Number(fs.read(`${d}/quotas/effective_bytes`))
              : null,
            // In the order the configuration lists them (core, ops, then the rest).
            filters: rawFilters(
              fs,
              ['core_filters', 'ops_filters', 'filters'].map((f) => `${d}/${f}`),
            ),
          });
          const range = (n: string) => ({
            min: num(fs, `${d}/access_pattern/${n}/min`),
            max: num(fs, `${d}/access_pattern/${n}/max`),
          });
          const q = `${d}/quotas`;
          const nid = fs.exists(`${d}/target_nid`) ? Number(fs.read(`${d}/target_nid`)) : -1;
          return {
            action: fs.read(`${d}/action`),
            ...(nid >= 0 ? { target_nid: nid } : {}),
            ...(fs.exists(`${d}/apply_interval_us`)
              ? { apply_interval_us: num(fs, `${d}/apply_interval_us`) }
              : {}),
            access_pattern: {
              sz_bytes: range('sz'),
              nr_accesses: range('nr_accesses'),
              nr_accesses_unit: 'sample_intervals',
              age: range('age'),
              age_unit: 'aggr_intervals',
            },
            quotas: {
              time_ms: num(fs, `${q}/ms`),
              sz_bytes: num(fs, `${q}/bytes`),
              reset_interval_ms: num(fs, `${q}/reset_interval_ms`),
              goals: indexes(fs, `${q}/goals`).map((g) => ({
                metric: fs.read(`${q}/goals/${g}/target_metric`),
                target_value: num(fs, `${q}/goals/${g}/target_value`),
                current_value: num(fs, `${q}/goals/${g}/current_value`),
              })),
              ...(fs.exists(`${q}/goal_tuner`) ? { goal_tuner: fs.read(`${q}/goal_tuner`) } : {}),
              ...(fs.exists(`${q}/fail_charge_num`)
                ? {
                    fail_charge_num: num(fs, `${q}/fail_charge_num`),
                    fail_charge_denom: num(fs, `${q}/fail_charge_denom`),
                  }
                : {}),
              weights: {
                sz_permil: num(fs, `${q}/weights/sz_permil`),
                nr_accesses_permil: num(fs, `${q}/weights/nr_accesses_permil`),
                age_permil: num(fs, `${q}/weights/age_permil`),
              },
            },
            watermarks: {
              metric: fs.read(`${d}/watermarks/metric`),
              interval_us: num(fs, `${d}/watermarks/interval_us`),
              high_permil: num(fs, `${d}/watermarks/high`),
              mid_permil: num(fs, `${d}/watermarks/mid`),
              low_permil: num(fs, `${d}/watermarks/low`),
            },
            core_filters: filtersOf(fs, `${d}/core_filters`),
            ops_filters: filtersOf(fs, `${d}/ops_filters`),
            filters: filtersOf(fs, `${d}/filters`),
            dests: indexes(fs, `${d}/dests`).map((i) => ({
              id: Number(fs.read(`${d}/dests/${i}/id`)),
              weight: num(fs, `${d}/dests/${i}/weight`),
            })),
          };
        }),
      };
    });
    return {
      ...(fs.exists(`${kd}/refresh_ms`) ? { refresh_ms: num(fs, `${kd}/refresh_ms`) } : {}),
      contexts,
    };
  });
  return { config: { kdamonds } as KdamondsConfigInput, runtime };
}

/** DAMON_RECLAIM's or DAMON_LRU_SORT's parameters as read; empty when the kernel lacks the module. */
export function moduleStatus(name: 'reclaim' | 'lru_sort', root: string): Record<string, string> {
  const m = new DamonModule(name, root);
  const t = name === 'reclaim' ? RECLAIM_PARAMS : LRU_SORT_PARAMS;
  const out: Record<string, string> = {};
  for (const p of [...t.essential, ...t.optional]) if (m.has(p)) out[p] = m.read(p);
  return out;
}
