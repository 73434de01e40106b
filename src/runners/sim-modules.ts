/**
 * The DAMON modules' policies on the simulated machine, as DAMOS schemes of a paddr context run for a
 * given virtual time, their parameters and statistics reported in the modules' own names:
 * - DAMON_RECLAIM: page out regions not accessed for min_age, within the time and size quotas;
 * - DAMON_LRU_SORT: prioritize regions accessed at least hot_thres_access_freq (per-thousand of
 *   the maximum) on the LRU lists, deprioritize those not accessed for cold_min_age, within the
 *   time quota.
 * Both are active only while free memory is under the high watermark, as the modules are.
 */
import { setupSimRun } from './sim-run.js';

/** The kernel's defaults of DAMON_RECLAIM's parameters. */
export const RECLAIM_DEFAULTS: Record<string, number> = {
  min_age: 120_000_000,
  quota_ms: 10,
  quota_sz: 128 * 2 ** 20,
  quota_reset_interval_ms: 1000,
  wmarks_interval: 5_000_000,
  wmarks_high: 500,
  wmarks_mid: 400,
  wmarks_low: 200,
  sample_interval: 5000,
  aggr_interval: 100_000,
  min_nr_regions: 10,
  max_nr_regions: 1000,
};

/** The kernel's defaults of DAMON_LRU_SORT's parameters. */
export const LRU_SORT_DEFAULTS: Record<string, number> = {
  hot_thres_access_freq: 500,
  cold_min_age: 120_000_000,
  quota_ms: 10,
  quota_reset_interval_ms: 1000,
  wmarks_interval: 5_000_000,
  wmarks_high: 200,
  wmarks_mid: 150,
  wmarks_low: 50,
  sample_interval: 5000,
  aggr_interval: 100_000,
  min_nr_regions: 10,
  max_nr_regions: 1000,
};

export interface SimModuleResult {
  /** The module's parameters and statistics, in its status order. */
  status: [string, string][];
  /** Resident pages of the workload's process before and after. */
  rssBefore: number;
  rssAfter: number;
}

type Scheme = {
  action: string;
  accessRate: [string, string];
  ageUs: [string, string];
  quota: [string, string, string];
};

export function runModuleOnSim(
  module: 'reclaim' | 'lru_sort',
  params: Record<string, number>,
  o: { workload?: string; durationUs: number; seed?: number },
): SimModuleResult {
  const p = { ...(module === 'reclaim' ? RECLAIM_DEFAULTS : LRU_SORT_DEFAULTS), ...params };
  const reset = `${p.quota_reset_interval_ms}ms`;
  const schemes: Scheme[] =
    module === 'reclaim'
      ? [
          {
            action: 'pageout',
            accessRate: ['0', '0'],
            ageUs: [`${p.min_age}us`, 'max'],
            quota: [`${p.quota_ms}ms`, String(p.quota_sz), reset],
          },
        ]
      : [
          {
            action: 'lru_prio',
            accessRate: [`${p.hot_thres_access_freq! / 10}`, '100'],
            ageUs: ['0', 'max'],
            quota: [`${p.quota_ms}ms`, '0', reset],
          },
          {
            action: 'lru_deprio',
            accessRate: ['0', '0'],
            ageUs: [`${p.cold_min_age}us`, 'max'],
            quota: [`${p.quota_ms}ms`, '0', reset],
          },
        ];
  const wmarks = [
    'free_mem_rate',
    `${p.wmarks_interval}us`,
    String(p.wmarks_high),
    String(p.wmarks_mid),
    String(p.wmarks_low),
  ];
  const { workload, machine, config, session } = setupSimRun({
    workload: o.workload,
    seed: o.seed ?? 1,
    options: {
      ops: ['paddr'],
      sample: [String(p.sample_interval)],
      aggr: [String(p.aggr_interval)],
      minr: [String(p.min_nr_regions)],
      maxr: [String(p.max_nr_regions)],
      damos_action: schemes.map((x) => x.action),
      damos_sz_region: schemes.flatMap(() => ['4096', 'max']),
      damos_access_rate: schemes.flatMap((x) => x.accessRate),
      damos_age: schemes.flatMap((x) => x.ageUs),
      damos_quotas: schemes.flatMap((x) => x.quota),
      damos_wmarks: schemes.flatMap(() => wmarks),
    },
  });
  const pid = workload.mainPid;
  const rss = (): number => (pid === undefined ? 0 : machine.residentPages(pid));
  const rssBefore = rss();
  session.run(machine.now + o.durationUs);
  const rssAfter = rss();
  session.stop();
  const stats = session.schemes[0]!.schemes.map((x) => x.stat);
  const region = config.kdamonds[0]!.contexts[0]!.targets[0]!.regions;
  const head: [string, string][] = [
    ['kdamond_pid', '-1'],
    ['enabled', 'N'],
    ...Object.entries(p).map(([k, v]): [string, string] => [k, String(v)]),
    ['monitor_region_start', String(region[0]?.start ?? 0)],
    ['monitor_region_end', String(region.at(-1)?.end ?? 0)],
  ];
  const [a, b] = stats;
  const tail: [string, string][] =
    module === 'reclaim'
      ? [
          ['nr_reclaim_tried_regions', String(a!.nrTried)],
          ['nr_reclaimed_regions', String(a!.nrApplied)],
          ['bytes_reclaim_tried_regions', String(a!.szTried)],
          ['bytes_reclaimed_regions', String(a!.szApplied)],
          ['nr_quota_exceeds', String(a!.qtExceeds)],
        ]
      : (['hot', 'cold'] as const).flatMap((kind, i): [string, string][] => {
          const st = i === 0 ? a! : b!;
          return [
            [`nr_lru_sort_tried_${kind}_regions`, String(st.nrTried)],
            [`nr_lru_sorted_${kind}_regions`, String(st.nrApplied)],
            [`bytes_lru_sort_tried_${kind}_regions`, String(st.szTried)],
            [`bytes_lru_sorted_${kind}_regions`, String(st.szApplied)],
          ];
        });
  return { status: [...head, ...tail], rssBefore, rssAfter };
}
