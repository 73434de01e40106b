/**
 * Writes a kdamonds configuration into DAMON's sysfs tree in damo's order (damo-interop §1.5):
 * per context `operations` → monitoring_attrs (intervals, intervals_goal, nr_regions, sample) →
 * `pause` → `addr_unit` → targets → schemes. Before anything is written, `checkConfigAgainstKernel`
 * rejects what this kernel cannot do, naming the missing feature, so a missing feature never
 * surfaces as a bare EINVAL from `state on`.
 */
import { accessPatternInKernelUnits } from '../../config/access-pattern.js';
import type {
  ContextConfig,
  DamosFilterConfig,
  IntervalsConfig,
  KdamondConfig,
  KdamondsConfig,
  SchemeConfig,
} from '../../config/schema.js';
import type { KernelFeatures } from './features.js';
import { type SysfsFiles, sysfsNumber } from './sysfs.js';

export class UnsupportedFeatureError extends Error {
  override name = 'UnsupportedFeatureError';
}

const yn = (b: boolean) => (b ? 'Y' : 'N');

function isDefaultSample(c: ContextConfig): boolean {
  return c.sample.primitives.page_table && !c.sample.primitives.page_fault && c.sample.filters.length === 0;
}

/** Throws UnsupportedFeatureError for the first thing the kernel lacks. */
export function checkConfigAgainstKernel(config: KdamondsConfig, f: KernelFeatures): void {
  const need = (cond: boolean | undefined | null, where: string, what: string) => {
    if (!cond) throw new UnsupportedFeatureError(`${where}: ${what}`);
  };
  config.kdamonds.forEach((k, ki) => {
    need(
      k.refresh_ms === 0 || f.files.refresh_ms,
      `kdamonds[${ki}].refresh_ms`,
      'this kernel has no kdamonds/<N>/refresh_ms (needs Linux 6.17+)',
    );
    k.contexts.forEach((c, ci) => {
      const at = `kdamonds[${ki}].contexts[${ci}]`;
      if (!f.ops.includes(c.ops)) {
        const hint = c.ops === 'paddr' ? 'CONFIG_DAMON_PADDR' : 'CONFIG_DAMON_VADDR';
        throw new UnsupportedFeatureError(
          `${at}.ops: operations set "${c.ops}" is not available in this kernel (avail_operations: ${f.ops.join(' ') || 'none'}; ${hint} is not built in)` +
            (c.ops !== 'paddr'
              ? '; monitor virtual addresses with the simulated backend or the live sources instead'
              : ''),
        );
      }
      const g = c.intervals.intervals_goal;
      need(
        g.aggrs === 0 || f.files.intervals_goal,
        `${at}.intervals.intervals_goal`,
        'this kernel has no intervals auto-tuning (monitoring_attrs/intervals/intervals_goal, Linux 6.15+)',
      );
      need(
        c.addr_unit === null || c.addr_unit === 1 || f.files.addr_unit,
        `${at}.addr_unit`,
        'this kernel has no addr_unit file (Linux 6.18+)',
      );
      need(!c.pause || f.files.pause, `${at}.pause`, 'this kernel cannot pause contexts (no "pause" file)');
      need(
        isDefaultSample(c) || f.files.sample_primitives,
        `${at}.sample`,
        'this kernel has no sample control (monitoring_attrs/sample: page_fault primitive and sample filters are the report-based RFC, not merged); use the simulated backend or the live sources',
      );
      c.targets.forEach((t, ti) => {
        if (c.ops === 'paddr' && t.regions.length === 0) {
          throw new UnsupportedFeatureError(
            `${at}.targets[${ti}].regions: paddr needs regions (the kernel monitors nothing without them); give -r or let the backend use the System RAM span`,
          );
        }
      });
      c.schemes.forEach((s, si) => {
        const sat = `${at}.schemes[${si}]`;
        need(f.files.schemes_quotas !== false, sat, 'this kernel has no DAMOS');
        need(
          s.apply_interval_us === 0 || f.files.schemes_apply_interval,
          `${sat}.apply_interval_us`,
          'this kernel has no per-scheme apply interval (Linux 6.7+)',
        );
        need(
          s.quotas.goals.length === 0 || f.files.schemes_quota_goals,
          `${sat}.quotas.goals`,
          'this kernel has no quota goals (Linux 6.8+)',
        );
        need(
          s.quotas.goal_tuner === 'consist' || f.files.schemes_quota_goal_tuner,
          `${sat}.quotas.goal_tuner`,
          'this kernel has no goal_tuner file',
        );
        need(
          (s.quotas.fail_charge_num === 0 && s.quotas.fail_charge_denom === 0) ||
            f.files.schemes_quota_fail_charge,
          `${sat}.quotas.fail_charge_num`,
          'this kernel has no fail_charge files',
        );
        need(
          s.dests.length === 0 || f.files.schemes_dests,
          `${sat}.dests`,
          'this kernel has no DAMOS destinations (Linux 6.16+)',
        );
        need(
          s.max_nr_snapshots === 0 || f.files.schemes_max_nr_snapshots,
          `${sat}.max_nr_snapshots`,
          'this kernel has no stats/max_nr_snapshots',
        );
        const nFilters = s.filters.length + s.core_filters.length + s.ops_filters.length;
        need(
          nFilters === 0 || f.files.schemes_filters || f.files.schemes_filters_core_ops_dirs,
          `${sat}.filters`,
          'this kernel has no DAMOS filters (Linux 6.3+)',
        );
      });
    });
  });
}

function writeFilters(fs: SysfsFiles, dir: string, filters: readonly DamosFilterConfig[]): void {
  fs.write(`${dir}/nr_filters`, filters.length);
  filters.forEach((flt, i) => {
    const d = `${dir}/${i}`;
    fs.write(`${d}/type`, flt.type);
    fs.write(`${d}/matching`, yn(flt.matching));
    if (fs.exists(`${d}/allow`)) fs.write(`${d}/allow`, yn(flt.allow));
    else if (flt.allow)
      throw new UnsupportedFeatureError(
        `${d}/allow: this kernel has only reject filters (no "allow" file, Linux < 6.14)`,
      );
    if (flt.memcg_path !== null) fs.write(`${d}/memcg_path`, flt.memcg_path);
    if (flt.address_range) {
      fs.write(`${d}/addr_start`, sysfsNumber(flt.address_range.start));
      fs.write(`${d}/addr_end`, sysfsNumber(flt.address_range.end));
    }
    if (flt.damon_target_idx !== null) fs.write(`${d}/damon_target_idx`, flt.damon_target_idx);
    if (flt.hugepage_size) {
      fs.write(`${d}/min`, sysfsNumber(flt.hugepage_size.min));
      fs.write(`${d}/max`, sysfsNumber(flt.hugepage_size.max));
    }
  });
}

/** Writes one scheme directory; the access pattern is converted with the context's intervals. */
export function writeScheme(fs: SysfsFiles, d: string, s: SchemeConfig, intervals: IntervalsConfig): void {
  fs.write(`${d}/action`, s.action);
  if (fs.exists(`${d}/target_nid`)) fs.write(`${d}/target_nid`, s.target_nid ?? -1);
  if (fs.exists(`${d}/apply_interval_us`))
    fs.write(`${d}/apply_interval_us`, sysfsNumber(s.apply_interval_us));
  const p = accessPatternInKernelUnits(s.access_pattern, intervals);
  for (const [name, r] of [
    ['sz', p.sz],
    ['nr_accesses', p.nrAccesses],
    ['age', p.age],
  ] as const) {
    fs.write(`${d}/access_pattern/${name}/min`, sysfsNumber(r.min));
    fs.write(`${d}/access_pattern/${name}/max`, sysfsNumber(r.max));
  }
  const q = s.quotas;
  fs.write(`${d}/quotas/ms`, sysfsNumber(q.time_ms));
  fs.write(`${d}/quotas/bytes`, sysfsNumber(q.sz_bytes));
  fs.write(`${d}/quotas/reset_interval_ms`, sysfsNumber(q.reset_interval_ms));
  fs.write(`${d}/quotas/weights/sz_permil`, q.weights.sz_permil);
  fs.write(`${d}/quotas/weights/nr_accesses_permil`, q.weights.nr_accesses_permil);
  fs.write(`${d}/quotas/weights/age_permil`, q.weights.age_permil);
  if (fs.exists(`${d}/quotas/goal_tuner`)) fs.write(`${d}/quotas/goal_tuner`, q.goal_tuner);
  if (fs.exists(`${d}/quotas/fail_charge_num`)) {
    fs.write(`${d}/quotas/fail_charge_num`, sysfsNumber(q.fail_charge_num));
    fs.write(`${d}/quotas/fail_charge_denom`, sysfsNumber(q.fail_charge_denom));
  }
  if (fs.exists(`${d}/quotas/goals`)) {
    fs.write(`${d}/quotas/goals/nr_goals`, q.goals.length);
    q.goals.forEach((g, i) => {
      const gd = `${d}/quotas/goals/${i}`;
      fs.write(`${gd}/target_metric`, g.metric);
      fs.write(`${gd}/target_value`, sysfsNumber(g.target_value));
      fs.write(`${gd}/current_value`, sysfsNumber(g.current_value));
      if (g.nid !== null && fs.exists(`${gd}/nid`)) fs.write(`${gd}/nid`, g.nid);
      if (g.memcg_path !== null && fs.exists(`${gd}/path`)) fs.write(`${gd}/path`, g.memcg_path);
    });
  }
  const w = s.watermarks;
  fs.write(`${d}/watermarks/metric`, w.metric);
  fs.write(`${d}/watermarks/interval_us`, sysfsNumber(w.interval_us));
  fs.write(`${d}/watermarks/high`, w.high_permil);
  fs.write(`${d}/watermarks/mid`, w.mid_permil);
  fs.write(`${d}/watermarks/low`, w.low_permil);
  if (fs.exists(`${d}/core_filters`)) {
    writeFilters(fs, `${d}/core_filters`, s.core_filters);
    writeFilters(fs, `${d}/ops_filters`, s.ops_filters);
    writeFilters(fs, `${d}/filters`, s.filters);
  } else if (fs.exists(`${d}/filters`)) {
    // Older kernels have one list; core (addr, target) filters first, as newer kernels install them.
    writeFilters(fs, `${d}/filters`, [...s.core_filters, ...s.ops_filters, ...s.filters]);
  }
  if (fs.exists(`${d}/dests`)) {
    fs.write(`${d}/dests/nr_dests`, s.dests.length);
    s.dests.forEach((dst, i) => {
      fs.write(`${d}/dests/${i}/id`, dst.id);
      fs.write(`${d}/dests/${i}/weight`, sysfsNumber(dst.weight));
    });
  }
  if (fs.exists(`${d}/stats/max_nr_snapshots`))
    fs.write(`${d}/stats/max_nr_snapshots`, sysfsNumber(s.max_nr_snapshots));
}

function writeContext(fs: SysfsFiles, d: string, c: ContextConfig): void {
  fs.write(`${d}/operations`, c.ops);
  const iv = `${d}/monitoring_attrs/intervals`;
  fs.write(`${iv}/sample_us`, sysfsNumber(c.intervals.sample_us));
  fs.write(`${iv}/aggr_us`, sysfsNumber(c.intervals.aggr_us));
  fs.write(`${iv}/update_us`, sysfsNumber(c.intervals.ops_update_us));
  if (fs.exists(`${iv}/intervals_goal`)) {
    const g = c.intervals.intervals_goal;
    fs.write(`${iv}/intervals_goal/access_bp`, g.access_bp);
    fs.write(`${iv}/intervals_goal/aggrs`, g.aggrs);
    fs.write(`${iv}/intervals_goal/min_sample_us`, sysfsNumber(g.min_sample_us));
    fs.write(`${iv}/intervals_goal/max_sample_us`, sysfsNumber(g.max_sample_us));
  }
  fs.write(`${d}/monitoring_attrs/nr_regions/min`, c.nr_regions.min);
  fs.write(`${d}/monitoring_attrs/nr_regions/max`, c.nr_regions.max);
  const sample = `${d}/monitoring_attrs/sample`;
  if (fs.exists(sample)) {
    fs.write(`${sample}/primitives/page_table`, yn(c.sample.primitives.page_table));
    fs.write(`${sample}/primitives/page_fault`, yn(c.sample.primitives.page_fault));
    fs.write(`${sample}/filters/nr_filters`, c.sample.filters.length);
    c.sample.filters.forEach((f, i) => {
      const fd = `${sample}/filters/${i}`;
      fs.write(`${fd}/type`, f.type);
      fs.write(`${fd}/matching`, yn(f.matching));
      fs.write(`${fd}/allow`, yn(f.allow));
      if (f.cpumask) fs.write(`${fd}/cpumask`, f.cpumask.join(','));
      if (f.tid_arr) fs.write(`${fd}/tid_arr`, f.tid_arr.join(','));
    });
  }
  if (fs.exists(`${d}/pause`)) fs.write(`${d}/pause`, yn(c.pause));
  if (fs.exists(`${d}/addr_unit`)) fs.write(`${d}/addr_unit`, c.addr_unit ?? 1);
  fs.write(`${d}/targets/nr_targets`, c.targets.length);
  c.targets.forEach((t, i) => {
    const td = `${d}/targets/${i}`;
    if (t.pid !== null) fs.write(`${td}/pid_target`, t.pid);
    if (fs.exists(`${td}/obsolete_target`)) fs.write(`${td}/obsolete_target`, yn(t.obsolete));
    fs.write(`${td}/regions/nr_regions`, t.regions.length);
    t.regions.forEach((r, ri) => {
      fs.write(`${td}/regions/${ri}/start`, sysfsNumber(r.start));
      fs.write(`${td}/regions/${ri}/end`, sysfsNumber(r.end));
    });
  });
  fs.write(`${d}/schemes/nr_schemes`, c.schemes.length);
  c.schemes.forEach((s, i) => writeScheme(fs, `${d}/schemes/${i}`, s, c.intervals));
}

/**
 * Writes one kdamond's configuration under kdamonds/<index>. `online` (a commit to a running
 * kdamond) leaves nr_contexts alone: the kernel has exactly one context and recreating it is refused.
 */
export function writeKdamond(fs: SysfsFiles, index: number, k: KdamondConfig, online = false): void {
  const d = `kdamonds/${index}`;
  if (fs.exists(`${d}/refresh_ms`)) fs.write(`${d}/refresh_ms`, sysfsNumber(k.refresh_ms));
  if (!online) fs.write(`${d}/contexts/nr_contexts`, k.contexts.length);
  k.contexts.forEach((c, i) => writeContext(fs, `${d}/contexts/${i}`, c));
}
