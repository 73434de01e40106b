/**
 * NUMA placement on the simulated 2-node machine (docs/use-cases.md, "Where pages belong on a NUMA
 * machine"): the built-in numa workload (each worker hot on an 8 MiB buffer first touched by the
 * other node's worker, plus a 4 MiB shared buffer both use at a low rate), seed 1, run three ways —
 * no placement (the anchor, monitored by one page_fault context), per-node DAMOS migrate_hot, and
 * the kernel-style automatic NUMA balancing — and scored by the machine's exact remote-access
 * counts. Printed: the remote fraction over time, then the before/after table with the costs, for
 * runs of 5 s and 10 s (DAMON keeps sampling; NUMA balancing backs its scan period off).
 */
import {
  avoidedPerFault,
  formatPlacementTable,
  PLACEMENT_POLICIES,
  runNumaPlacement,
  type NumaPlacementResult,
} from '../src/eval/numa-placement.js';

for (const durationUs of [5_000_000, 10_000_000]) {
  const results: NumaPlacementResult[] = [];
  const wall: number[] = [];
  const runs = [
    ...PLACEMENT_POLICIES.map((policy) => ({ policy })),
    // Fewer samples, fewer monitoring faults: 20 ms samples, 4 of 5 per aggregation for migrate_hot.
    { policy: 'damos' as const, sampleUs: 20_000, label: 'damos 20ms' },
  ];
  for (const run of runs) {
    const t0 = performance.now();
    results.push(await runNumaPlacement({ ...run, durationUs, seed: 1 }));
    wall.push(performance.now() - t0);
  }
  console.log(`\n### numa workload, ${durationUs / 1e6} s of virtual time, seed 1`);
  console.log('remote fraction (exact) every 0.5 s:');
  for (const r of results) {
    const every = r.windows
      .filter((_, i) => i % 5 === 4)
      .map((w) => (w.remote / Math.max(1, w.accesses)).toFixed(2));
    console.log(`  ${r.label.padEnd(15)} ${every.join(' ')}`);
  }
  console.log(formatPlacementTable(results));
  const base = results[0]!;
  for (const [i, r] of results.entries()) {
    const perK = r.faults > 0 ? ((base.remoteAfter - r.remoteAfter) * 100 * 1000) / r.faults : 0;
    console.log(
      `  ${r.label.padEnd(15)} reduction ${((base.remoteAfter - r.remoteAfter) * 100).toFixed(1)} points, ` +
        `${perK.toFixed(3)} points per 1000 faults, ${r.protectionChanges} protection changes, ` +
        `${r.tlbShootdownIpis} shootdown IPIs, avoided/fault ${i === 0 ? '-' : (avoidedPerFault(r, base)?.toFixed(2) ?? '-')}, ` +
        `simulated in ${(wall[i]! / 1000).toFixed(1)} s (${(wall[i]! / wall[0]!).toFixed(2)}× the anchor)`,
    );
  }
}
