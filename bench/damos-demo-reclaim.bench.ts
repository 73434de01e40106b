/**
 * Demonstration: proactive reclaim on the simulated machine (docs/damos.md).
 *
 * Workload: 4 MiB always hot, 64 MiB warm (touched in a 0.5 s burst every 8 s), 192 MiB cold
 * (touched once at start). DAMON paddr monitors all RAM; the scheme pages out regions not accessed
 * for ≥ 5 s. Three runs on identical machines: no scheme, the scheme without quota, and the scheme
 * with a 32 MiB per 200 ms quota tuned by a memory-pressure goal (some_mem_psi_us ≤ 1 ms per 200 ms;
 * the machine's PSI model: 25 µs of stall per major fault). The whole stack is used as a user
 * would: damo's kdamonds JSON → virtual sysfs tree → `state on`.
 * Printed: memory in use (average over the steady part, and at the end), memory saved against no
 * scheme, major faults (refaults of paged-out pages) and the stall they cost.
 */
import { parseKdamondsConfig } from '../src/config/load.js';
import { writeConfigToTree } from '../src/interfaces/sysfs/config.js';
import { SimHost } from '../src/runners/sim-host.js';
import { VirtualSysfs } from '../src/interfaces/sysfs/tree.js';
import { MAJOR_FAULT_STALL_US } from '../src/ops/actions/machine-metrics.js';
import { parseMasimConfig } from '../src/workloads/masim-config.js';
import { MasimWorkload } from '../src/workloads/masim-workload.js';

const MiB = 1 << 20;
const cycle = `hot only
8000
hot, 1, 4096, 1

warm burst
500
hot, 1, 4096, 9
warm, 0, 4096, 1
`;
const MASIM = `#regions
hot, ${4 * MiB}
warm, ${64 * MiB}
cold, ${192 * MiB}

init
1000
hot, 0, 4096, 1
warm, 0, 4096, 1
cold, 0, 4096, 1

${[cycle, cycle, cycle].join('\n')}`;

type Variant = { name: string; schemes: unknown[] };
const pageout = (quotas?: unknown) => ({
  action: 'pageout',
  access_pattern: { nr_accesses: { min: 0, max: 0 }, age: { min: '5 s', max: 'max' } },
  ...(quotas ? { quotas } : {}),
});
const variants: Variant[] = [
  { name: 'no scheme', schemes: [] },
  { name: 'pageout idle>=5s', schemes: [pageout()] },
  {
    name: 'pageout idle>=5s, quota + PSI goal',
    schemes: [
      pageout({
        sz_bytes: 32 * MiB,
        reset_interval_ms: 200,
        goals: [{ metric: 'some_mem_psi_us', target_value: 1000 }],
      }),
    ],
  },
];

function run(v: Variant) {
  const workload = new MasimWorkload(parseMasimConfig(MASIM, 'demo:reclaim'), { name: 'reclaim-demo' });
  const host = new SimHost({ machine: { memoryBytes: 1024 * MiB, nodes: 1, cpus: 2 }, workload });
  const tree = new VirtualSysfs(host);
  const config = parseKdamondsConfig(
    {
      kdamonds: [
        {
          contexts: [
            {
              ops: 'paddr',
              targets: [{}],
              intervals: { sample_us: '5 ms', aggr_us: '100 ms' },
              schemes: v.schemes,
            },
          ],
        },
      ],
    },
    v.name,
  );
  writeConfigToTree(tree, config);
  tree.write('kdamonds/0/state', 'on');
  const m = host.machine;
  const t0 = performance.now();
  let usedSum = 0;
  let samples = 0;
  let lastUsed = 0;
  // Until just before the workload ends (it exits, freeing its memory).
  const end = workload.durationUs - 100_000;
  while (host.now < end) {
    host.advance(100_000);
    lastUsed = m.nodeStats()[0]!.usedFrames * 4096;
    if (host.now >= 2_000_000) {
      usedSum += lastUsed;
      samples++;
    }
  }
  tree.write('kdamonds/0/state', 'update_schemes_stats');
  const s = v.schemes.length ? Number(tree.read('kdamonds/0/contexts/0/schemes/0/stats/sz_applied')) : 0;
  return {
    variant: v.name,
    'avg used MiB': +(usedSum / samples / MiB).toFixed(1),
    'end used MiB': +(lastUsed / MiB).toFixed(1),
    'paged out MiB': +(s / MiB).toFixed(1),
    'major faults': m.costs.majorFaults,
    'stall ms (PSI model)': +((m.costs.majorFaults * MAJOR_FAULT_STALL_US) / 1000).toFixed(1),
    'wall s': +((performance.now() - t0) / 1000).toFixed(1),
  };
}

const rows = variants.map(run);
const base = rows[0]!;
for (const r of rows)
  (r as Record<string, unknown>)['saved MiB (avg)'] = +(base['avg used MiB'] - r['avg used MiB']).toFixed(1);
console.log(
  `proactive reclaim, ${(new MasimWorkload(parseMasimConfig(MASIM, 'x')).durationUs / 1e6).toFixed(1)} s of virtual time, paddr, sample 5 ms, aggr 100 ms`,
);
console.table(rows);
