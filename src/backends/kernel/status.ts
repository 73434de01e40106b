/**
 * Reading kdamonds back: state, parameters, DAMOS stats and tried regions (what damo's `report
 * damon` shows). Stats of the running kdamonds the caller chooses are refreshed with
 * `update_schemes_stats` first; tried regions with `update_schemes_tried_regions` (retried with
 * backoff on EBUSY/EAGAIN, as damo does). Everything else is read as the tree holds it: nothing is
 * written to a kdamond the caller does not own unless asked.
 */
import { U64_MAX } from '../../config/units.js';
import { type SysfsFiles, SysfsError } from './sysfs.js';

export interface TriedRegion {
  start: number;
  end: number;
  nr_accesses: number;
  age: number;
  sz_filter_passed: number;
}

export interface SchemeStatus {
  index: number;
  action: string;
  apply_interval_us: number | null;
  access_pattern: Record<'sz' | 'nr_accesses' | 'age', { min: number; max: number }>;
  quotas: { ms: number; bytes: number; reset_interval_ms: number; effective_bytes: number | null };
  watermarks: { metric: string; interval_us: number; high: number; mid: number; low: number };
  stats: Record<string, number>;
  nr_filters: number;
}

export interface ContextStatus {
  ops: string;
  intervals: { sample_us: number; aggr_us: number; update_us: number };
  nr_regions: { min: number; max: number };
  targets: { pid: number | null; regions: { start: number; end: number }[] }[];
  schemes: SchemeStatus[];
}

export interface KdamondStatus {
  index: number;
  state: string;
  pid: number | null;
  contexts: ContextStatus[];
}

/** A sysfs integer; u64 max (and anything beyond 2^53) becomes U64_MAX when it is the max. */
export function sysfsInt(text: string): number {
  if (text === '18446744073709551615') return U64_MAX;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new Error(`not a number: "${text}"`);
  return n;
}

function readInt(fs: SysfsFiles, rel: string): number {
  const text = fs.read(rel);
  try {
    return sysfsInt(text);
  } catch (e) {
    throw new Error(`${fs.path(rel)}: ${(e as Error).message}`);
  }
}

function numericEntries(fs: SysfsFiles, rel: string): number[] {
  return fs
    .list(rel)
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

/** Writes a state command, retrying up to 5 times with exponential backoff when the kernel is busy. */
export function stateCommand(fs: SysfsFiles, kdamond: number, cmd: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.write(`kdamonds/${kdamond}/state`, cmd);
      return;
    } catch (e) {
      const busy = e instanceof SysfsError && (e.code === 'EBUSY' || e.code === 'EAGAIN');
      if (!busy || attempt >= 4) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 * 2 ** attempt);
    }
  }
}

function readScheme(fs: SysfsFiles, d: string, index: number): SchemeStatus {
  const range = (name: string) => ({
    min: readInt(fs, `${d}/access_pattern/${name}/min`),
    max: readInt(fs, `${d}/access_pattern/${name}/max`),
  });
  const stats: Record<string, number> = {};
  for (const f of fs.list(`${d}/stats`)) stats[f] = readInt(fs, `${d}/stats/${f}`);
  const nrFilters = ['filters', 'core_filters', 'ops_filters']
    .filter((f) => fs.exists(`${d}/${f}/nr_filters`))
    .reduce((a, f) => a + readInt(fs, `${d}/${f}/nr_filters`), 0);
  return {
    index,
    action: fs.read(`${d}/action`),
    apply_interval_us: fs.exists(`${d}/apply_interval_us`) ? readInt(fs, `${d}/apply_interval_us`) : null,
    access_pattern: { sz: range('sz'), nr_accesses: range('nr_accesses'), age: range('age') },
    quotas: {
      ms: readInt(fs, `${d}/quotas/ms`),
      bytes: readInt(fs, `${d}/quotas/bytes`),
      reset_interval_ms: readInt(fs, `${d}/quotas/reset_interval_ms`),
      effective_bytes: fs.exists(`${d}/quotas/effective_bytes`)
        ? readInt(fs, `${d}/quotas/effective_bytes`)
        : null,
    },
    watermarks: {
      metric: fs.read(`${d}/watermarks/metric`),
      interval_us: readInt(fs, `${d}/watermarks/interval_us`),
      high: readInt(fs, `${d}/watermarks/high`),
      mid: readInt(fs, `${d}/watermarks/mid`),
      low: readInt(fs, `${d}/watermarks/low`),
    },
    stats,
    nr_filters: nrFilters,
  };
}

export interface ReadStatusOptions {
  /** Running kdamonds whose scheme stats are refreshed first (default: none; stats as last updated). */
  refresh?: (kdamond: number) => boolean;
  /** A refresh that failed; the stats are then read as they are. Without it, the failure is thrown. */
  onRefreshFailed?: (kdamond: number, e: Error) => void;
}

/** Every kdamond's state and parameters, and its scheme stats (refreshed where `refresh` says). */
export function readStatus(fs: SysfsFiles, o: ReadStatusOptions = {}): KdamondStatus[] {
  const n = readInt(fs, 'kdamonds/nr_kdamonds');
  const out: KdamondStatus[] = [];
  for (let k = 0; k < n; k++) {
    const kd = `kdamonds/${k}`;
    const state = fs.read(`${kd}/state`);
    if (state === 'on' && o.refresh?.(k)) {
      try {
        stateCommand(fs, k, 'update_schemes_stats');
      } catch (e) {
        if (!o.onRefreshFailed) throw e;
        o.onRefreshFailed(k, e as Error);
      }
    }
    const contexts: ContextStatus[] = numericEntries(fs, `${kd}/contexts`).map((c) => {
      const cd = `${kd}/contexts/${c}`;
      const ops = fs.read(`${cd}/operations`);
      return {
        ops,
        intervals: {
          sample_us: readInt(fs, `${cd}/monitoring_attrs/intervals/sample_us`),
          aggr_us: readInt(fs, `${cd}/monitoring_attrs/intervals/aggr_us`),
          update_us: readInt(fs, `${cd}/monitoring_attrs/intervals/update_us`),
        },
        nr_regions: {
          min: readInt(fs, `${cd}/monitoring_attrs/nr_regions/min`),
          max: readInt(fs, `${cd}/monitoring_attrs/nr_regions/max`),
        },
        targets: numericEntries(fs, `${cd}/targets`).map((t) => {
          const td = `${cd}/targets/${t}`;
          return {
            pid: ops === 'paddr' ? null : readInt(fs, `${td}/pid_target`),
            regions: numericEntries(fs, `${td}/regions`).map((r) => ({
              start: readInt(fs, `${td}/regions/${r}/start`),
              end: readInt(fs, `${td}/regions/${r}/end`),
            })),
          };
        }),
        schemes: numericEntries(fs, `${cd}/schemes`).map((s) => readScheme(fs, `${cd}/schemes/${s}`, s)),
      };
    });
    out.push({ index: k, state, pid: state === 'on' ? readInt(fs, `${kd}/pid`) : null, contexts });
  }
  return out;
}

/**
 * Reads a scheme's tried regions; with `refresh` (the default) the kernel is asked for them first
 * (one walk). Without it, the regions already in the tree are read and nothing is written.
 */
export function readTriedRegions(
  fs: SysfsFiles,
  kdamond: number,
  scheme: number,
  context = 0,
  { refresh = true } = {},
): { regions: TriedRegion[]; totalBytes: number } {
  if (refresh) stateCommand(fs, kdamond, 'update_schemes_tried_regions');
  const dir = `kdamonds/${kdamond}/contexts/${context}/schemes/${scheme}/tried_regions`;
  const regions = numericEntries(fs, dir).map((i) => {
    const rd = `${dir}/${i}`;
    return {
      start: readInt(fs, `${rd}/start`),
      end: readInt(fs, `${rd}/end`),
      nr_accesses: readInt(fs, `${rd}/nr_accesses`),
      age: readInt(fs, `${rd}/age`),
      sz_filter_passed: fs.exists(`${rd}/sz_filter_passed`) ? readInt(fs, `${rd}/sz_filter_passed`) : 0,
    };
  });
  return { regions, totalBytes: readInt(fs, `${dir}/total_bytes`) };
}
