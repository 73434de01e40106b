/**
 * damo's kdamonds JSON configuration ↔ the virtual sysfs tree. Into the tree: the kernel backend's
 * config writer (the same sequence of writes damo makes to the real tree). Out of the tree: the
 * inputs read back as a configuration in kernel units (nr_accesses in samples, age in aggregation
 * intervals), validated by the config schema.
 */
import { writeKdamond } from '../../backends/kernel/config-writer.js';
import { parseKdamondsConfig } from '../../config/load.js';
import type { KdamondsConfig } from '../../config/schema.js';
import { GOAL_METRIC_TO_CONFIG } from '../../config/scheme-specs.js';
import type { SysContext, SysFilter, SysScheme } from './model.js';
import type { VirtualSysfs } from './tree.js';

const n = (b: bigint) => Number(b);

/** Creates nr_kdamonds kdamond directories and writes each kdamond's configuration. */
export function writeConfigToTree(tree: VirtualSysfs, config: KdamondsConfig): void {
  tree.write('kdamonds/nr_kdamonds', config.kdamonds.length);
  config.kdamonds.forEach((k, i) => writeKdamond(tree, i, k));
}

function filterJson(f: SysFilter) {
  return {
    type: f.type,
    matching: f.matching,
    allow: f.allow,
    memcg_path: f.type === 'memcg' ? f.memcgPath : null,
    address_range: f.type === 'addr' ? { start: n(f.addrStart), end: n(f.addrEnd) } : null,
    damon_target_idx: f.type === 'target' ? n(f.targetIdx) : null,
    hugepage_size: f.type === 'hugepage_size' ? { min: n(f.min), max: n(f.max) } : null,
  };
}

function schemeJson(s: SysScheme) {
  return {
    action: s.action,
    target_nid: s.targetNid < 0n ? null : n(s.targetNid),
    apply_interval_us: n(s.applyIntervalUs),
    access_pattern: {
      sz_bytes: { min: n(s.sz.min), max: n(s.sz.max) },
      nr_accesses: { min: n(s.nrAccesses.min), max: n(s.nrAccesses.max) },
      nr_accesses_unit: 'sample_intervals',
      age: { min: n(s.age.min), max: n(s.age.max) },
      age_unit: 'aggr_intervals',
    },
    quotas: {
      time_ms: n(s.quotas.ms),
      sz_bytes: n(s.quotas.bytes),
      reset_interval_ms: n(s.quotas.resetIntervalMs),
      goals: s.goals.map((g) => ({
        metric: GOAL_METRIC_TO_CONFIG[g.metric] ?? g.metric,
        target_value: n(g.targetValue),
        current_value: n(g.currentValue),
        nid: n(g.nid),
        memcg_path: g.path === '' ? null : g.path,
      })),
      goal_tuner: s.quotas.goalTuner,
      weights: {
        sz_permil: n(s.weights.sz),
        nr_accesses_permil: n(s.weights.nrAccesses),
        age_permil: n(s.weights.age),
      },
      fail_charge_num: n(s.quotas.failChargeNum),
      fail_charge_denom: n(s.quotas.failChargeDenom),
    },
    watermarks: {
      metric: s.wmarks.metric,
      interval_us: n(s.wmarks.intervalUs),
      high_permil: n(s.wmarks.high),
      mid_permil: n(s.wmarks.mid),
      low_permil: n(s.wmarks.low),
    },
    filters: s.filters.map(filterJson),
    core_filters: s.coreFilters.map(filterJson),
    ops_filters: s.opsFilters.map(filterJson),
    dests: s.dests.map((d) => ({ id: n(d.id), weight: n(d.weight) })),
    max_nr_snapshots: n(s.maxNrSnapshots),
  };
}

function contextJson(c: SysContext) {
  const paddr = c.operations === 'paddr' || c.operations === 'paddr_fault';
  return {
    ops: c.operations,
    addr_unit: n(c.addrUnit),
    pause: c.pause,
    targets: c.targets.map((t) => ({
      pid: paddr ? null : n(t.pid),
      obsolete: t.obsolete,
      regions: t.regions.map((r) => ({ start: n(r.start), end: n(r.end) })),
    })),
    intervals: {
      sample_us: n(c.intervals.sampleUs),
      aggr_us: n(c.intervals.aggrUs),
      ops_update_us: n(c.intervals.updateUs),
      intervals_goal: {
        access_bp: n(c.goal.accessBp),
        aggrs: n(c.goal.aggrs),
        min_sample_us: n(c.goal.minSampleUs),
        max_sample_us: n(c.goal.maxSampleUs),
      },
    },
    nr_regions: { min: n(c.nrRegions.min), max: n(c.nrRegions.max) },
    sample: {
      primitives: { page_table: c.primitives.pageTable, page_fault: c.primitives.pageFault },
      filters: c.sampleFilters.map((f) => ({
        type: f.type,
        matching: f.matching,
        allow: f.allow,
        ...(f.type === 'cpumask' ? { cpumask: f.cpumask } : {}),
        ...(f.type === 'threads' ? { tid_arr: f.tids } : {}),
      })),
    },
    schemes: c.schemes.map(schemeJson),
  };
}

/** The tree's inputs as a validated kdamonds configuration (ConfigError names what is invalid). */
export function configOfTree(tree: VirtualSysfs): KdamondsConfig {
  const json = {
    kdamonds: tree.model.kdamonds.map((k) => ({
      refresh_ms: n(k.refreshMs),
      contexts: k.contexts.map(contextJson),
    })),
  };
  return parseKdamondsConfig(json, 'virtual sysfs tree');
}
