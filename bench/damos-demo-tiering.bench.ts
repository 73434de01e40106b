/**
 * Demonstration: memory tiering on the simulated machine (docs/damos.md).
 *
 * Two NUMA nodes of 32 MiB: node 0 is the fast tier, node 1 the slow one. The workload's thread
 * runs on CPU 0, so first touches fill node 0 first. Two 24 MiB regions A and B are hot in turn
 * (phase change every 4 s; only the hot one is accessed, uniformly at random). Without a scheme, B
 * lives mostly on node 1. With DAMOS on paddr: migrate_hot (≥ 50 % access rate) to node 0 and
 * migrate_cold (not accessed for ≥ 500 ms) to node 1, each with a 32 MiB/s quota, hot pages are
 * promoted once cold ones made room. Accesses are uniform over the hot region, so the share of
 * accesses served by node 0 is the share of the hot region's pages resident there, measured every
 * 100 ms over the phase-change part.
 */
import type { Machine } from '../src/backends/sim/machine.js';
import { parseKdamondsConfig } from '../src/config/load.js';
import { writeConfigToTree } from '../src/interfaces/sysfs/config.js';
import { SimHost } from '../src/runners/sim-host.js';
import { VirtualSysfs } from '../src/interfaces/sysfs/tree.js';
import { parseMasimConfig } from '../src/workloads/masim-config.js';
import { MASIM_LAYOUT, MasimWorkload } from '../src/workloads/masim-workload.js';

const MiB = 1 << 20;
const PHASE_MS = 4000;
const phase = (r: string) => `${r} hot\n${PHASE_MS}\n${r}, 1, 4096, 1\n`;
const MASIM = `#regions
A, ${24 * MiB}
B, ${24 * MiB}

init
500
A, 0, 4096, 1
B, 0, 4096, 1

${[phase('B'), phase('A'), phase('B'), phase('A'), phase('B')].join('\n')}`;

const quotas = { sz_bytes: 32 * MiB, reset_interval_ms: 1000 };
const variants: { name: string; schemes: unknown[] }[] = [
  { name: 'no scheme', schemes: [] },
  {
    name: 'migrate_hot→0 + migrate_cold→1',
    schemes: [
      {
        action: 'migrate_hot',
        target_nid: 0,
        access_pattern: { nr_accesses: { min: '50 %', max: '100 %' } },
        quotas: { ...quotas, weights: { nr_accesses_permil: 1000, age_permil: 0 } },
      },
      {
        action: 'migrate_cold',
        target_nid: 1,
        access_pattern: { nr_accesses: { min: 0, max: 0 }, age: { min: '500 ms', max: 'max' } },
        quotas: { ...quotas, weights: { age_permil: 1000 } },
      },
    ],
  },
];

/** Fraction of [start, start+len) of process pid resident on node 0 (every 4th page sampled). */
function fastShare(m: Machine, pid: number, start: number, len: number): number {
  let fast = 0;
  let present = 0;
  for (let a = start; a < start + len; a += 4 * 4096) {
    const p = m.translate(pid, a);
    if (p < 0) continue;
    present++;
    if (m.nodeOf(p) === 0) fast++;
  }
  return present ? fast / present : 0;
}

function run(v: (typeof variants)[number]) {
  const workload = new MasimWorkload(parseMasimConfig(MASIM, 'demo:tiering'), { name: 'tiering-demo' });
  const host = new SimHost({ machine: { memoryBytes: 64 * MiB, nodes: 2, cpus: 2 }, workload });
  const m = host.machine;
  const pid = workload.mainPid!;
  const tree = new VirtualSysfs(host);
  writeConfigToTree(
    tree,
    parseKdamondsConfig(
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
    ),
  );
  tree.write('kdamonds/0/state', 'on');
  const A = MASIM_LAYOUT.regionsStart;
  const vmas = m.vmas(pid);
  const regionA = vmas.find((x) => x.start <= A && A < x.end)!;
  const regionB = vmas.find((x) => x.start >= regionA.end)!;
  const t0 = performance.now();
  let shareSum = 0;
  let n = 0;
  const perPhase: number[] = [];
  let phaseSum = 0;
  let phaseN = 0;
  const end = workload.durationUs - 100_000;
  while (host.now < end) {
    host.advance(100_000);
    const t = host.now - 500_000;
    if (t <= 0) continue;
    const k = Math.floor((t - 1) / (PHASE_MS * 1000));
    const hot = k % 2 === 0 ? regionB : regionA;
    const s = fastShare(m, pid, hot.start, hot.end - hot.start);
    shareSum += s;
    n++;
    phaseSum += s;
    phaseN++;
    if (t % (PHASE_MS * 1000) === 0 || host.now >= end) {
      perPhase.push(phaseSum / phaseN);
      phaseSum = 0;
      phaseN = 0;
    }
  }
  tree.write('kdamonds/0/state', 'update_schemes_stats');
  const applied = (i: number) =>
    v.schemes.length > i ? Number(tree.read(`kdamonds/0/contexts/0/schemes/${i}/stats/sz_applied`)) / MiB : 0;
  return {
    variant: v.name,
    'fast-node share of accesses': `${((shareSum / n) * 100).toFixed(1)} %`,
    'per phase (B,A,B,A,B) %': perPhase.map((x) => (x * 100).toFixed(0)).join(' '),
    'promoted MiB': +applied(0).toFixed(1),
    'demoted MiB': +applied(1).toFixed(1),
    migrations: m.costs.migrations,
    'wall s': +((performance.now() - t0) / 1000).toFixed(1),
  };
}

console.log(
  `tiering: 2 × 32 MiB nodes (0 fast, 1 slow), A/B 24 MiB hot in turn every ${PHASE_MS / 1000} s, paddr, sample 5 ms, aggr 100 ms`,
);
console.table(variants.map(run));
