/**
 * DAMON_RECLAIM's policy on the simulated machine: the module's one scheme (page out regions not
 * accessed for min_age, within the time and size quotas, active under the free-memory watermarks)
 * run as a DAMOS scheme of a paddr context, for a given virtual time; the module's parameters and
 * statistics come back in its own names.
 */
import { simPaddrRegions } from '../../backends/sim/node-ranges.js';
import { optionsToKdamonds } from '../config/options.js';
import { loadSimWorkload, machineWithWorkload, SimSession } from './sim-session.js';

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

export interface SimReclaimResult {
  /** The module's parameters and statistics, in its status order. */
  status: [string, string][];
  /** Resident pages of the workload's process before and after. */
  rssBefore: number;
  rssAfter: number;
}

export function runReclaimOnSim(
  params: Record<string, number>,
  o: { workload?: string; durationUs: number; seed?: number },
): SimReclaimResult {
  const p = { ...RECLAIM_DEFAULTS, ...params };
  const workload = loadSimWorkload({ workload: o.workload });
  const machine = machineWithWorkload(workload, { seed: o.seed ?? 1 });
  const config = optionsToKdamonds(
    {
      ops: ['paddr'],
      sample: [String(p.sample_interval)],
      aggr: [String(p.aggr_interval)],
      minr: [String(p.min_nr_regions)],
      maxr: [String(p.max_nr_regions)],
      damos_action: ['pageout'],
      damos_sz_region: ['4096', 'max'],
      damos_access_rate: ['0', '0'],
      damos_age: [`${p.min_age}us`, 'max'],
      damos_quotas: [`${p.quota_ms}ms`, String(p.quota_sz), `${p.quota_reset_interval_ms}ms`],
      damos_wmarks: [
        'free_mem_rate',
        `${p.wmarks_interval}us`,
        String(p.wmarks_high),
        String(p.wmarks_mid),
        String(p.wmarks_low),
      ],
    },
    { kind: 'paddr' },
    { paddrRegions: simPaddrRegions(machine) },
  );
  const pid = workload.mainPid;
  const rss = (): number => (pid === undefined ? 0 : machine.residentPages(pid));
  const session = new SimSession({ config, machine, seed: o.seed ?? 1 });
  // the workload sets its memory up first: the module is enabled on a running system
  const rssBefore = rss();
  session.run(machine.now + o.durationUs);
  const rssAfter = rss();
  session.stop();
  const stat = session.schemes[0]!.schemes[0]!.stat;
  const region = config.kdamonds[0]!.contexts[0]!.targets[0]!.regions;
  const status: [string, string][] = [
    ['kdamond_pid', '-1'],
    ['enabled', 'N'],
    ...Object.entries(p).map(([k, v]): [string, string] => [k, String(v)]),
    ['monitor_region_start', String(region[0]?.start ?? 0)],
    ['monitor_region_end', String(region.at(-1)?.end ?? 0)],
    ['nr_reclaim_tried_regions', String(stat.nrTried)],
    ['nr_reclaimed_regions', String(stat.nrApplied)],
    ['bytes_reclaim_tried_regions', String(stat.szTried)],
    ['bytes_reclaimed_regions', String(stat.szApplied)],
    ['nr_quota_exceeds', String(stat.qtExceeds)],
  ];
  return { status, rssBefore, rssAfter };
}
