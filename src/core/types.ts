/**
 * The contracts of the monitoring core: attributes, access reports, sample filters and the
 * operations-set interface. Everything above and below the core (ops sets, backends, schemes,
 * interfaces) codes against these types. Times are integer microseconds, addresses JS numbers.
 */

/** Monitoring-intervals auto-tuning goal (spec §1.3, §2.8). Disabled when `aggrs` is 0. */
export interface IntervalsGoal {
  accessBp: number;
  aggrs: number;
  minSampleUs: number;
  maxSampleUs: number;
}

/** damon_attrs (spec §1.3). */
export interface Attrs {
  sampleInterval: number;
  aggrInterval: number;
  opsUpdateInterval: number;
  minNrRegions: number;
  maxNrRegions: number;
  intervalsGoal: IntervalsGoal;
}

/** One access report (report-based design, spec §3.4). */
export interface AccessReport {
  /** Physical byte address (paddr contexts use it). */
  paddr: number;
  /** Virtual byte address (vaddr/fvaddr contexts use it). */
  vaddr: number;
  /** Bytes accessed; the report counts for the region holding its start. */
  size: number;
  cpu: number;
  tid: number;
  tgid: number;
  isWrite: boolean;
  /** Time of the access, µs on the context's clock. */
  time: number;
}

/** Sample filter (spec §3.4): first matching filter decides; none matches → !last.allow; none → accept. */
export type SampleFilter =
  | { type: 'cpumask'; matching: boolean; allow: boolean; cpus: readonly number[] }
  | { type: 'threads'; matching: boolean; allow: boolean; tids: readonly number[] }
  | { type: 'write'; matching: boolean; allow: boolean };

/** The sample primitives of the kernel's sample control: exactly one must be enabled. */
export interface SamplePrimitives {
  pageTable: boolean;
  pageFault: boolean;
}

/** A batch of reports in typed arrays: the fast intake path. Entries [0, length) are valid. */
export interface ReportBatch {
  length: number;
  paddr: Float64Array;
  vaddr: Float64Array;
  size: Uint32Array;
  cpu: Int32Array;
  tid: Int32Array;
  tgid: Int32Array;
  isWrite: Uint8Array;
  time: Float64Array;
}

/**
 * Regions of one target, sorted by address, in struct-of-arrays storage. Index i in [0, length) is
 * the i-th region. Arrays may be reallocated when regions are added: do not keep them across calls.
 */
export interface RegionArrays {
  readonly length: number;
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly samplingAddr: Float64Array;
  readonly nrAccesses: Uint32Array;
  readonly lastNrAccesses: Uint32Array;
  readonly age: Uint32Array;
}

/** damon_target: `pid` is the monitored process for vaddr/fvaddr, null for paddr. */
export interface TargetView {
  readonly pid: number | null;
  readonly regions: RegionArrays;
  obsolete: boolean;
}

/** What an operations set sees of its context. */
export interface OpsContext {
  readonly attrs: Readonly<Attrs>;
  readonly targets: readonly TargetView[];
  readonly minRegionSz: number;
  readonly addrUnit: number;
  readonly primitives: Readonly<SamplePrimitives>;
  readonly passedSampleIntervals: number;
  /** Current time on the context's clock, µs. */
  readonly now: number;
  /** Uniform integer in [lo, hi) from the context's seeded PRNG. */
  rand(lo: number, hi: number): number;
  /** damon_set_regions (spec §2.10); throws an Error with code 'EINVAL' on invalid ranges. */
  setRegions(target: TargetView, ranges: readonly { start: number; end: number }[]): void;
  /** update_region_access_rate (spec §2.4). */
  updateRegionAccessRate(target: TargetView, regionIndex: number, accessed: boolean): void;
}

/** Result of applying a DAMOS action to one region. */
export interface SchemeApplyResult {
  /** Bytes the action was applied to. */
  applied: number;
  /** Bytes that passed the ops-layer filters (sz_ops_filter_passed). */
  filterPassed: number;
}

/**
 * The kernel's damon_operations. Every callback is optional, as in the kernel. A context whose ops
 * has no checkAccesses, or whose page_fault primitive is enabled, is fed from reports.
 * `S` is the scheme type of the schemes layer (opaque to the core).
 */
export interface OperationsSet<S = unknown> {
  readonly id: string;
  init?(ctx: OpsContext): void;
  update?(ctx: OpsContext): void;
  prepareAccessChecks?(ctx: OpsContext): void;
  /** Samples every region's access and returns the max nr_accesses over all regions. */
  checkAccesses?(ctx: OpsContext): number;
  /** The seed's eligible_report(): runs after the sample filters. */
  eligibleReport?(report: AccessReport, target: TargetView): boolean;
  targetValid?(ctx: OpsContext, target: TargetView): boolean;
  applyScheme?(ctx: OpsContext, target: TargetView, regionIndex: number, scheme: S): SchemeApplyResult;
  getSchemeScore?(ctx: OpsContext, target: TargetView, regionIndex: number, scheme: S): number;
  cleanup?(ctx: OpsContext): void;
}
