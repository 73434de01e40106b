/**
 * What a run cost the simulated machine, and a cost model turning the counts into estimated time.
 * The ns figures are order-of-magnitude estimates for a 2020s x86-64 server (sources and reasoning
 * in docs/machine.md); change them through `estimateOverhead(costs, model)`.
 */

export interface MachineCosts {
  /** Memory accesses issued by workloads (the `count` of every batch). */
  accesses: number;
  /** Distinct page touches the machine processed (batches repeat pages at no extra cost). */
  pageTouches: number;
  tlbHits: number;
  /** Page walks (TLB misses, or every touch without a TLB model). */
  pageWalks: number;
  /** Demand-paging faults (first touch, or touch after unmap). */
  minorFaults: number;
  /** Faults on paged-out pages. */
  majorFaults: number;
  /** MM_CP_DAMON protection faults handled for DAMON. */
  damonFaults: number;
  /** Protection faults routed to NUMA balancing (numaBalancing on). */
  numaHintingFaults: number;
  /** PTEs/PMDs whose Accessed bit the monitor cleared. */
  mkold: number;
  /** Accessed-bit checks by the monitor. */
  youngChecks: number;
  /** PTEs/PMDs whose protection the monitor changed. */
  protectionChanges: number;
  /** TLB flush operations (one per changed or unmapped translation). */
  tlbFlushes: number;
  /** Remote CPUs interrupted by those flushes (CPUs running the address space, minus one). */
  tlbShootdownIpis: number;
  /** Access reports handed to onDamonFault listeners (one per listener call). */
  reportsDelivered: number;
  /** Pages unmapped or paged out through the machine's hooks. */
  unmaps: number;
  /** Frames migrated to another node. */
  migrations: number;
  /** Pages read back from swap outside a fault (MADV_WILLNEED readahead, MADV_COLLAPSE swap-in). */
  swapIns: number;
  /** 2 MiB ranges collapsed into a huge folio (MADV_COLLAPSE). */
  collapses: number;
}

export function zeroCosts(): MachineCosts {
  return {
    accesses: 0,
    pageTouches: 0,
    tlbHits: 0,
    pageWalks: 0,
    minorFaults: 0,
    majorFaults: 0,
    damonFaults: 0,
    numaHintingFaults: 0,
    mkold: 0,
    youngChecks: 0,
    protectionChanges: 0,
    tlbFlushes: 0,
    tlbShootdownIpis: 0,
    reportsDelivered: 0,
    unmaps: 0,
    migrations: 0,
    swapIns: 0,
    collapses: 0,
  };
}

/** ns per event. */
export interface CostModel {
  minorFault: number;
  majorFault: number;
  damonFault: number;
  numaHintingFault: number;
  mkold: number;
  youngCheck: number;
  protectionChange: number;
  tlbFlush: number;
  tlbShootdownIpi: number;
  report: number;
  pageWalk: number;
  migration: number;
}

export const DEFAULT_COST_MODEL: Readonly<CostModel> = Object.freeze({
  minorFault: 1500, // anon fault incl. zeroing a 4 KiB page
  majorFault: 25000, // swap-in from an NVMe SSD
  damonFault: 1000, // exception entry/exit + PTE restore (like a NUMA hinting fault without migration)
  numaHintingFault: 1000,
  mkold: 150, // page-table walk of one address + atomic clear
  youngCheck: 150,
  protectionChange: 400, // change_protection() of one PTE, excluding the flush
  tlbFlush: 150, // local invlpg
  tlbShootdownIpi: 3000, // IPI round trip per remote CPU
  report: 100, // damon_report_access(): trylock + store
  pageWalk: 30, // hardware walk, page-walk caches warm
  migration: 5000, // copy 4 KiB + remap
});

export interface OverheadEstimate {
  /** ns per cost kind (only the kinds the model prices). */
  byKind: Record<keyof CostModel, number>;
  /** What monitoring itself induced: DAMON/NUMA faults, mkold, young checks, protection changes, flushes, IPIs, reports. */
  monitoringNs: number;
  /** Everything priced, including the workload's own faults and page walks. */
  totalNs: number;
}

export function estimateOverhead(
  c: MachineCosts,
  model: Readonly<CostModel> = DEFAULT_COST_MODEL,
): OverheadEstimate {
  const byKind: Record<keyof CostModel, number> = {
    minorFault: c.minorFaults * model.minorFault,
    majorFault: c.majorFaults * model.majorFault,
    damonFault: c.damonFaults * model.damonFault,
    numaHintingFault: c.numaHintingFaults * model.numaHintingFault,
    mkold: c.mkold * model.mkold,
    youngCheck: c.youngChecks * model.youngCheck,
    protectionChange: c.protectionChanges * model.protectionChange,
    tlbFlush: c.tlbFlushes * model.tlbFlush,
    tlbShootdownIpi: c.tlbShootdownIpis * model.tlbShootdownIpi,
    report: c.reportsDelivered * model.report,
    pageWalk: c.pageWalks * model.pageWalk,
    migration: c.migrations * model.migration,
  };
  const monitoringNs =
    byKind.damonFault +
    byKind.numaHintingFault +
    byKind.mkold +
    byKind.youngCheck +
    byKind.protectionChange +
    byKind.tlbFlush +
    byKind.tlbShootdownIpi +
    byKind.report;
  let totalNs = 0;
  for (const v of Object.values(byKind)) totalNs += v;
  return { byKind, monitoringNs, totalNs };
}
