/**
 * Kernel DAMON feature detection from what exists: the admin tree, avail_operations, and the files of
 * one kdamond/context/target/scheme directory. When no such directory exists and no kdamond runs, a
 * probe tree is created and the tree restored afterwards; when a kdamond that is not ours runs and the
 * directories are missing, deeper features are reported as unknown (null) rather than touching it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openTracefs } from '../tracefs/mount.js';
import { type DamonSysfs, SysfsError } from './sysfs.js';
import { readTree, restoreTree, runningKdamonds } from './tree.js';

/** Feature name (damo's naming where it has one) → the file that proves it, relative to a dir. */
const CTX_FILES: Record<string, string> = {
  addr_unit: 'addr_unit',
  pause: 'pause',
  intervals_goal: 'monitoring_attrs/intervals/intervals_goal',
  sample_primitives: 'monitoring_attrs/sample/primitives',
  sample_filters: 'monitoring_attrs/sample/filters',
  probes: 'monitoring_attrs/probes',
};
const KDAMOND_FILES: Record<string, string> = { refresh_ms: 'refresh_ms' };
const TARGET_FILES: Record<string, string> = { obsolete_target: 'obsolete_target' };
const SCHEME_FILES: Record<string, string> = {
  schemes_apply_interval: 'apply_interval_us',
  schemes_migrate: 'target_nid',
  schemes_quotas: 'quotas',
  schemes_quota_goals: 'quotas/goals',
  schemes_quota_effective_bytes: 'quotas/effective_bytes',
  schemes_quota_goal_tuner: 'quotas/goal_tuner',
  schemes_quota_fail_charge: 'quotas/fail_charge_num',
  schemes_wmarks: 'watermarks',
  schemes_filters: 'filters',
  schemes_filters_core_ops_dirs: 'core_filters',
  schemes_dests: 'dests',
  schemes_tried_regions: 'tried_regions',
  schemes_stat_sz_ops_filter_passed: 'stats/sz_ops_filter_passed',
  schemes_max_nr_snapshots: 'stats/max_nr_snapshots',
};

export const DAMON_TRACE_EVENTS = [
  'damon_aggregated',
  'damon_monitor_intervals_tune',
  'damos_before_apply',
  'damos_esz',
] as const;

export interface KernelFeatures {
  adminRoot: string;
  /** The DAMON sysfs admin tree exists. */
  sysfs: boolean;
  /** Operations sets the kernel offers (avail_operations). */
  ops: string[];
  /** Per feature: supported, not supported, or null when it could not be checked. */
  files: Record<string, boolean | null>;
  /** DAMON tracepoints present in tracefs; null when tracefs could not be opened. */
  traceEvents: string[] | null;
  /** Why some features are unknown, if they are. */
  note?: string;
}

export class DamonAbsentError extends Error {
  override name = 'DamonAbsentError';
}

function checkFiles(
  fs: DamonSysfs,
  base: string | null,
  table: Record<string, string>,
  out: Record<string, boolean | null>,
) {
  for (const [name, file] of Object.entries(table))
    out[name] = base === null ? null : fs.exists(`${base}/${file}`);
}

function damonTraceEvents(): string[] | null {
  try {
    const t = openTracefs();
    try {
      return DAMON_TRACE_EVENTS.filter((e) => existsSync(join(t.root, 'events/damon', e)));
    } finally {
      t.release();
    }
  } catch {
    return null;
  }
}

/** Throws DamonAbsentError (naming the root) when there is no DAMON sysfs tree to drive. */
export function requireDamonSysfs(fs: DamonSysfs): void {
  if (!fs.exists('kdamonds/nr_kdamonds')) {
    throw new DamonAbsentError(
      `DAMON sysfs interface not found at ${fs.root} (kernel without CONFIG_DAMON_SYSFS, or not mounted)`,
    );
  }
  fs.read('kdamonds/nr_kdamonds'); // surfaces EACCES when not root
}

export function detectFeatures(fs: DamonSysfs, opts: { traceEvents?: boolean } = {}): KernelFeatures {
  const features: KernelFeatures = {
    adminRoot: fs.root,
    sysfs: false,
    ops: [],
    files: {},
    traceEvents: null,
  };
  if (opts.traceEvents !== false) features.traceEvents = damonTraceEvents();
  if (!fs.exists('kdamonds/nr_kdamonds')) {
    for (const t of [KDAMOND_FILES, CTX_FILES, TARGET_FILES, SCHEME_FILES])
      checkFiles(fs, null, t, features.files);
    features.note = `no DAMON sysfs tree at ${fs.root}`;
    return features;
  }
  features.sysfs = true;
  const has = (rel: string) => fs.exists(rel);
  const complete = () => has('kdamonds/0/contexts/0/targets/0') && has('kdamonds/0/contexts/0/schemes/0');
  let saved: ReturnType<typeof readTree> | null = null;
  if (!complete() && runningKdamonds(fs).length === 0) {
    // Build a probe tree; the tree found is restored right after.
    saved = readTree(fs);
    try {
      fs.write('kdamonds/nr_kdamonds', 1);
      fs.write('kdamonds/0/contexts/nr_contexts', 1);
      fs.write('kdamonds/0/contexts/0/targets/nr_targets', 1);
      fs.write('kdamonds/0/contexts/0/schemes/nr_schemes', 1);
    } catch (e) {
      if (!(e instanceof SysfsError)) throw e;
      features.note = `could not build a probe tree: ${e.message}`;
    }
  }
  try {
    const k = has('kdamonds/0') ? 'kdamonds/0' : null;
    const c = k && has(`${k}/contexts/0`) ? `${k}/contexts/0` : null;
    const t = c && has(`${c}/targets/0`) ? `${c}/targets/0` : null;
    const s = c && has(`${c}/schemes/0`) ? `${c}/schemes/0` : null;
    if (c) features.ops = fs.read(`${c}/avail_operations`).split(/\s+/).filter(Boolean);
    checkFiles(fs, k, KDAMOND_FILES, features.files);
    checkFiles(fs, c, CTX_FILES, features.files);
    checkFiles(fs, t, TARGET_FILES, features.files);
    checkFiles(fs, s, SCHEME_FILES, features.files);
    if (!c || !t || !s) {
      features.note ??=
        'a kdamond not started by damon-ts is running and its tree lacks a context, target or scheme directory: those features were not checked';
    }
  } finally {
    if (saved) restoreTree(fs, saved);
  }
  return features;
}
