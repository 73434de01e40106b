/**
 * The kernel's DAMON modules (DAMON_RECLAIM, DAMON_LRU_SORT, DAMON_STAT and the like): their
 * parameters under /sys/module/damon_<name>/parameters, detected before use.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MODULE_ROOT = '/sys/module';

/** DAMON_RECLAIM's parameters: those of its first release, then later ones (which may be absent). */
export const RECLAIM_PARAMS = {
  essential: [
    'kdamond_pid',
    'enabled',
    'min_age',
    'quota_ms',
    'quota_sz',
    'quota_reset_interval_ms',
    'wmarks_interval',
    'wmarks_high',
    'wmarks_mid',
    'wmarks_low',
    'sample_interval',
    'aggr_interval',
    'min_nr_regions',
    'max_nr_regions',
    'monitor_region_start',
    'monitor_region_end',
  ],
  optional: [
    'nr_reclaim_tried_regions',
    'nr_reclaimed_regions',
    'bytes_reclaim_tried_regions',
    'bytes_reclaimed_regions',
    'nr_quota_exceeds',
    'skip_anon',
    'quota_mem_pressure_us',
    'quota_autotune_feedback',
  ],
};

export const LRU_SORT_PARAMS = {
  essential: [
    'kdamond_pid',
    'enabled',
    'hot_thres_access_freq',
    'cold_min_age',
    'quota_ms',
    'quota_reset_interval_ms',
    'wmarks_interval',
    'wmarks_high',
    'wmarks_mid',
    'wmarks_low',
    'sample_interval',
    'aggr_interval',
    'min_nr_regions',
    'max_nr_regions',
    'monitor_region_start',
    'monitor_region_end',
    'nr_lru_sort_tried_hot_regions',
    'nr_lru_sorted_hot_regions',
    'bytes_lru_sort_tried_hot_regions',
    'bytes_lru_sorted_hot_regions',
    'nr_lru_sort_tried_cold_regions',
    'nr_lru_sorted_cold_regions',
    'bytes_lru_sort_tried_cold_regions',
    'bytes_lru_sorted_cold_regions',
  ],
  optional: [] as string[],
};

export class ModuleAbsentError extends Error {
  override name = 'ModuleAbsentError';
}

export class DamonModule {
  readonly dir: string;

  /** `name` without the damon_ prefix: reclaim, lru_sort, stat, ... */
  constructor(
    readonly name: string,
    readonly root = MODULE_ROOT,
  ) {
    this.dir = join(root, `damon_${name}`, 'parameters');
  }

  /** DAMON_RECLAIM, DAMON_LRU_SORT, ... */
  get title(): string {
    return `DAMON_${this.name.toUpperCase()}`;
  }

  /** Throws naming the module when the kernel lacks it or any of `params`. */
  require(params: readonly string[] = []): void {
    if (!existsSync(this.dir))
      throw new ModuleAbsentError(`${this.title} is not in this kernel: ${this.dir} not found`);
    for (const p of params)
      if (!existsSync(join(this.dir, p)))
        throw new ModuleAbsentError(`${this.title}: ${join(this.dir, p)} not found (an older kernel?)`);
  }

  has(param: string): boolean {
    return existsSync(join(this.dir, param));
  }

  params(): string[] {
    return readdirSync(this.dir).sort();
  }

  read(param: string): string {
    const f = join(this.dir, param);
    try {
      return readFileSync(f, 'utf8').trim();
    } catch (e) {
      throw new Error(`${f}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }

  write(param: string, value: string): void {
    const f = join(this.dir, param);
    if (!existsSync(f)) throw new Error(`${this.title}: no parameter ${param} (${f} not found)`);
    try {
      writeFileSync(f, value);
    } catch (e) {
      throw new Error(
        `writing "${value}" to ${f} failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      );
    }
  }

  /** The module's kdamond runs (its kdamond_pid is not -1). */
  running(): boolean {
    return this.read('kdamond_pid') !== '-1';
  }
}

/** The DAMON modules of the kernel (names without the damon_ prefix). */
export function damonModules(root = MODULE_ROOT): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((m) => m.startsWith('damon_') && existsSync(join(root, m, 'parameters')))
    .map((m) => m.slice('damon_'.length))
    .sort();
}
