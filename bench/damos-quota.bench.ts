/**
 * Quota tuning convergence: how many aggregations a pageout scheme with a quota goal needs to
 * bring the machine to the goal. 512 MiB machine, 384 MiB of idle anonymous memory (75 % used);
 * goal node_mem_free_bp = 7000 (70 % free), one charge window per aggregation (100 ms). Tuners:
 * consist (the feedback loop, from 1 byte per window), consist capped at 16 MiB per window, and
 * temporal (unlimited until the goal is met, then nothing). Printed: aggregations until free memory
 * reaches 69.5 %, overshoot (final free bp beyond the goal) and the effective quota trajectory.
 */
import { parseKdamondsConfig } from '../src/config/load.js';
import { writeConfigToTree } from '../src/interfaces/sysfs/config.js';
import { SimHost } from '../src/runners/sim-host.js';
import { VirtualSysfs } from '../src/interfaces/sysfs/tree.js';

const MiB = 1 << 20;
const GOAL_BP = 7000;

function run(name: string, quotas: Record<string, unknown>) {
  const host = new SimHost({ machine: { memoryBytes: 512 * MiB, nodes: 1, cpus: 2, tlbEntries: 0 } });
  const m = host.machine;
  const pid = m.createProcess('idle');
  m.mmap(pid, 0x10000000, 384 * MiB);
  m.access(pid, 0x10000000, 384 * MiB, 4096, (384 * MiB) / 4096, true);
  const tree = new VirtualSysfs(host);
  const scheme = {
    action: 'pageout',
    access_pattern: { nr_accesses: { min: 0, max: 0 } },
    quotas: {
      reset_interval_ms: 100,
      goals: [{ metric: 'node_mem_free_bp', target_value: GOAL_BP, nid: 0 }],
      ...quotas,
    },
  };
  writeConfigToTree(
    tree,
    parseKdamondsConfig(
      { kdamonds: [{ contexts: [{ ops: 'paddr', targets: [{}], schemes: [scheme] }] }] },
      name,
    ),
  );
  tree.write('kdamonds/0/state', 'on');
  const freeBp = () => Math.floor((m.nodeStats()[0]!.freeFrames * 10000) / m.nodeStats()[0]!.totalFrames);
  const trajectory: string[] = [];
  let reached = -1;
  for (let aggr = 1; aggr <= 300; aggr++) {
    host.advance(100_000);
    tree.write('kdamonds/0/state', 'update_schemes_effective_quotas');
    const esz = Number(tree.read('kdamonds/0/contexts/0/schemes/0/quotas/effective_bytes'));
    if (aggr <= 40 && aggr % 4 === 0)
      trajectory.push(
        esz >= 2 ** 63 ? 'max' : esz >= MiB ? `${(esz / MiB).toFixed(0)}M` : `${(esz / 1024).toFixed(0)}K`,
      );
    if (reached < 0 && freeBp() >= GOAL_BP - 50) reached = aggr;
  }
  return {
    tuner: name,
    'aggregations to goal': reached < 0 ? '>300' : reached,
    'final free bp': freeBp(),
    'overshoot bp': freeBp() - GOAL_BP,
    'esz every 4 aggregations': trajectory.join(' '),
  };
}

console.log(
  `quota goal convergence: node_mem_free_bp ${GOAL_BP}, start ${10000 - 7500} bp free, 100 ms windows`,
);
console.table([
  run('consist', {}),
  run('consist, sz ≤ 16 MiB', { sz_bytes: 16 * MiB }),
  run('temporal', { goal_tuner: 'temporal' }),
  run('temporal, sz ≤ 16 MiB', { goal_tuner: 'temporal', sz_bytes: 16 * MiB }),
]);
