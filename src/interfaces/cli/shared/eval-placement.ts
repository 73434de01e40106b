/**
 * `damon-ts eval --placement LIST`: NUMA placement approaches on the same seeded run of a workload
 * (default the built-in numa), scored by the machine's exact remote-access counts (src/eval/numa-placement.ts).
 */
import {
  avoidedPerFault,
  formatPlacementTable,
  PLACEMENT_POLICIES,
  runNumaPlacement,
  type NumaPlacementResult,
  type PlacementPolicy,
} from '../../../eval/numa-placement.js';
import type { MachineWorkload } from '../../../workloads/machine-view.js';
import { progressBar } from './progress.js';
import { UsageError } from '../../../config/errors.js';

export function parsePlacements(text: string): PlacementPolicy[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of list)
    if (!(PLACEMENT_POLICIES as readonly string[]).includes(p))
      throw new UsageError(
        `--placement: unknown placement "${p}" (expected ${PLACEMENT_POLICIES.join(', ')})`,
      );
  if (list.length === 0) throw new UsageError('--placement: give at least one placement');
  return list as PlacementPolicy[];
}

function toJson(rs: NumaPlacementResult[]): string {
  const base = rs.find((r) => r.policy === 'none');
  return JSON.stringify(
    {
      workload: rs[0]?.workload,
      placements: rs.map((r) => ({
        policy: r.policy,
        duration_us: r.durationUs,
        before_us: r.beforeUs,
        after_us: r.afterUs,
        remote_before: r.remoteBefore,
        remote_after: r.remoteAfter,
        remote_overall: r.remoteOverall,
        estimated_before: r.estimatedBefore,
        estimated_after: r.estimatedAfter,
        pages_migrated: r.pagesMigrated,
        faults: r.faults,
        damon_faults: r.damonFaults,
        numa_hinting_faults: r.numaHintingFaults,
        protection_changes: r.protectionChanges,
        tlb_shootdown_ipis: r.tlbShootdownIpis,
        remote_avoided_per_fault: base && r !== base ? avoidedPerFault(r, base) : null,
        remote_over_time: r.windows.map((w) => ({
          start_us: w.start,
          end_us: w.end,
          accesses: w.accesses,
          remote: w.remote,
        })),
      })),
    },
    null,
    1,
  );
}

export async function runPlacementCli(o: {
  placements: PlacementPolicy[];
  workload: () => MachineWorkload;
  durationUs?: number;
  sampleUs: number;
  aggrUs: number;
  seed: number;
  json: boolean;
}): Promise<string> {
  const bar = progressBar('eval');
  const results: NumaPlacementResult[] = [];
  try {
    for (const [i, policy] of o.placements.entries()) {
      results.push(
        await runNumaPlacement({
          policy,
          workload: o.workload,
          durationUs: o.durationUs,
          sampleUs: o.sampleUs,
          aggrUs: o.aggrUs,
          seed: o.seed,
          onStep: (now, end) => bar.update(i * end + now, o.placements.length * end),
        }),
      );
    }
  } finally {
    bar.stop();
  }
  if (o.json) return toJson(results) + '\n';
  const r0 = results[0]!;
  const s = (us: number) => `${us / 1e6} s`;
  return (
    `workload ${r0.workload}, ${s(r0.durationUs)}; remote = page accesses (page × CPU × 5 ms interval) from a CPU on another node than the page, exact\n` +
    `before: ${s(r0.beforeUs[0])}-${s(r0.beforeUs[1])}, after: ${s(r0.afterUs[0])}-${s(r0.afterUs[1])}; avoided/fault: remote page accesses avoided vs none, per fault induced\n` +
    formatPlacementTable(results) +
    '\n'
  );
}
