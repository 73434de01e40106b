import { describe, expect, it } from 'vitest';
import { parseKdamondsConfig } from '../../src/config/load.js';
import { kdamondsToJson } from '../../src/config/serialize.js';
import { configOfTree, writeConfigToTree } from '../../src/interfaces/sysfs/config.js';
import { schemesOfContextConfig } from '../../src/config/scheme-specs.js';
import { Scheme } from '../../src/schemes/scheme.js';
import { VirtualSysfs } from '../../src/interfaces/sysfs/tree.js';
import { treeListing } from '../../src/backends/kernel/tree.js';
import type { DamonSysfs } from '../../src/backends/kernel/sysfs.js';

/** damo's `args damon --format json` shape, in kernel units so that it reads back identical. */
const CONFIG = {
  kdamonds: [
    {
      refresh_ms: 0,
      contexts: [
        {
          ops: 'paddr',
          addr_unit: 1,
          targets: [
            {
              pid: null,
              regions: [
                { start: 4096, end: 1 << 28 },
                { start: 1 << 29, end: 1 << 30 },
              ],
            },
          ],
          intervals: {
            sample_us: 10000,
            aggr_us: 200000,
            ops_update_us: 2000000,
            intervals_goal: { access_bp: 400, aggrs: 3, min_sample_us: 5000, max_sample_us: 1000000 },
          },
          nr_regions: { min: 20, max: 2000 },
          sample: {
            primitives: { page_table: false, page_fault: true },
            filters: [
              { type: 'cpumask', matching: true, allow: true, cpumask: [0, 1] },
              { type: 'write', matching: true, allow: false },
            ],
          },
          schemes: [
            {
              action: 'pageout',
              target_nid: null,
              apply_interval_us: 1000000,
              access_pattern: {
                sz_bytes: { min: 4096, max: 'max' },
                nr_accesses: { min: 0, max: 0 },
                nr_accesses_unit: 'sample_intervals',
                age: { min: 50, max: 4294967295 },
                age_unit: 'aggr_intervals',
              },
              quotas: {
                time_ms: 10,
                sz_bytes: 128 << 20,
                reset_interval_ms: 1000,
                goals: [
                  {
                    metric: 'some_mem_psi_us',
                    target_value: 1000,
                    current_value: 0,
                    nid: 0,
                    memcg_path: null,
                  },
                ],
                goal_tuner: 'temporal',
                weights: { sz_permil: 0, nr_accesses_permil: 0, age_permil: 1000 },
                fail_charge_num: 1,
                fail_charge_denom: 4,
              },
              watermarks: {
                metric: 'free_mem_rate',
                interval_us: 1000000,
                high_permil: 500,
                mid_permil: 400,
                low_permil: 50,
              },
              core_filters: [
                { type: 'addr', matching: true, allow: false, address_range: { start: 4096, end: 8192 } },
              ],
              ops_filters: [
                { type: 'anon', matching: true, allow: true },
                {
                  type: 'hugepage_size',
                  matching: false,
                  allow: false,
                  hugepage_size: { min: 2097152, max: 2097152 },
                },
              ],
              filters: [],
              dests: [],
              max_nr_snapshots: 0,
            },
            {
              action: 'migrate_hot',
              dests: [
                { id: 1, weight: 3 },
                { id: 0, weight: 1 },
              ],
              target_nid: 1,
              access_pattern: {
                nr_accesses_unit: 'sample_intervals',
                age_unit: 'aggr_intervals',
                nr_accesses: { min: 5, max: 20 },
                age: { min: 0, max: 100 },
              },
            },
          ],
        },
      ],
    },
  ],
};

describe('kdamonds JSON config ↔ virtual sysfs tree', () => {
  it("round-trips damo's JSON shape through the tree", () => {
    const config = parseKdamondsConfig(CONFIG, 'test');
    const tree = new VirtualSysfs();
    writeConfigToTree(tree, config);
    expect(tree.readRaw('kdamonds/0/contexts/0/schemes/0/quotas/goal_tuner')).toBe('temporal');
    expect(tree.readRaw('kdamonds/0/contexts/0/schemes/0/access_pattern/sz/max')).toBe(
      '18446744073709551615',
    );
    expect(tree.readRaw('kdamonds/0/contexts/0/monitoring_attrs/sample/filters/0/cpumask')).toBe('0-1');
    const back = configOfTree(tree);
    expect(kdamondsToJson(back)).toEqual(kdamondsToJson(config));
    // and once more through a second tree: the same files with the same values
    const tree2 = new VirtualSysfs();
    writeConfigToTree(tree2, back);
    const list = (t: VirtualSysfs) => treeListing(t as unknown as DamonSysfs);
    expect(list(tree2)).toEqual(list(tree));
    expect(list(tree).length).toBeGreaterThan(150);
  });

  it('percent and µs patterns are converted to kernel units on the way in', () => {
    const config = parseKdamondsConfig(
      {
        kdamonds: [
          {
            contexts: [
              {
                ops: 'paddr',
                targets: [{ regions: [{ start: 0, end: 1 << 20 }] }],
                schemes: [
                  {
                    action: 'stat',
                    access_pattern: {
                      nr_accesses: { min: '10 %', max: '50 %' },
                      age: { min: '1 s', max: 'max' },
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
      'test',
    );
    const tree = new VirtualSysfs();
    writeConfigToTree(tree, config);
    // 5 ms sample, 100 ms aggr: 20 samples per aggregation → 10% = 2, 50% = 10; 1 s = 10 aggregations
    const s = 'kdamonds/0/contexts/0/schemes/0/access_pattern';
    expect([
      tree.readRaw(`${s}/nr_accesses/min`),
      tree.readRaw(`${s}/nr_accesses/max`),
      tree.readRaw(`${s}/age/min`),
    ]).toEqual(['2', '10', '10']);
  });

  it('schemesOfContextConfig builds the same schemes as `state on` from the tree', () => {
    const config = parseKdamondsConfig(CONFIG, 'test');
    const tree = new VirtualSysfs();
    writeConfigToTree(tree, config);
    tree.write('kdamonds/0/state', 'on');
    const live = tree.kdamond(0)!.runtime.schemes!.schemes;
    const direct = schemesOfContextConfig(config.kdamonds[0]!.contexts[0]!).map(
      (s, i) => new Scheme(s, `schemes[${i}]`),
    );
    const user = (s: Scheme) => ({
      a: s.action,
      p: s.pattern,
      q: { ...s.quota, chargeTargetFrom: null },
      w: s.wmarks,
      c: s.coreFilters,
      o: s.opsFilters,
      n: s.targetNid,
      d: s.dests,
    });
    expect(direct.map(user)).toEqual(live.map(user));
    expect(direct[0]!.coreFilters).toHaveLength(1);
    expect(direct[1]!.dests).toEqual([
      { nid: 1, weight: 3 },
      { nid: 0, weight: 1 },
    ]);
    tree.write('kdamonds/0/state', 'off');
  });
});
