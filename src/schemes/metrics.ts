/**
 * What DAMOS measures on the system it runs on: watermark and quota-goal metrics and the time its
 * actions take. The simulated machine implements it (src/ops/actions/machine-metrics.ts); a
 * context without one treats watermarks as unsupported (always active) and goal metrics as 0.
 */
import type { DamonContext } from '../core/context.js';
import type { TargetView } from '../core/types.js';

export interface SchemesMetrics {
  /** free_mem_rate watermark metric: free pages × 1000 / total pages. */
  freeMemRate(): number;
  /** node_mem_used_bp (node_mem_free_bp = 10000 − this); an invalid node gives 0. */
  nodeMemUsedBp(nid: number): number;
  /** node_memcg_used_bp: LRU pages of the cgroup on the node × 10000 / node total; unknown cgroup → 0. */
  nodeMemcgUsedBp(nid: number, memcgPath: string): number;
  /** active_mem_bp: active LRU pages × 10000 / (active + inactive); inactive_mem_bp = 10000 − this. */
  activeMemBp(): number;
  /** Total system "some" memory-pressure stall time so far, µs (PSI some total). */
  psiSomeTotalUs(): number;
  /** Bytes of [start, end) of the target (core addresses) resident on node nid. */
  bytesOnNode(ctx: DamonContext, target: TargetView, start: number, end: number, nid: number): number;
  /** A monotonic clock of the time spent in DAMOS actions, ns (quota time charging). */
  actionClockNs(): number;
}
