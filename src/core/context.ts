/**
 * damon_target and damon_ctx, and the kdamond loop as a deterministic step split around the sleep
 * (spec §2.1, §2.2): beginSample() runs what precedes the sleep, endSample() what follows it. The
 * drivers (drivers.ts) run the environment in between.
 */
import {
  defaultAttrs,
  samplesPerAggr,
  validateAttrs,
  mvsum,
  windowLeftBp,
  type IntervalPair,
} from './attrs.js';
import { einval } from './errors.js';
import { getOps, hasOps } from './ops-registry.js';
import { Prng } from './prng.js';
import { RegionList } from './region-list.js';
import {
  applyMinNrRegions,
  mergeRegionsOf,
  setRegions,
  splitRegionAt,
  splitRegions,
  updateMonitoringResult,
  type Range,
} from './region-ops.js';
import {
  checkReportedAccesses,
  reportEligible,
  DEFAULT_REPORT_CAPACITY,
  newReportStats,
  ReportBuffer,
  type IntakeContext,
  type ReportStats,
} from './report-intake.js';
import { compileSampleFilters, type CompiledFilters } from './sample-filters.js';
import { tuneIntervals } from './tuning.js';
import type {
  AccessReport,
  Attrs,
  IntervalsGoal,
  OperationsSet,
  OpsContext,
  ReportBatch,
  SampleFilter,
  SamplePrimitives,
  TargetView,
} from './types.js';

/** damon_target. */
export class Target implements TargetView {
  readonly regions = new RegionList();
  obsolete = false;
  constructor(readonly pid: number | null) {}
}

/** A target to create: `pid` for vaddr/fvaddr, null/absent for paddr; initial ranges optional. */
export interface TargetSpec {
  pid?: number | null;
  regions?: readonly Range[];
}

/** The completed aggregation window, given to aggregation listeners right before the reset. */
export interface AggregationWindow {
  ctx: DamonContext;
  targets: readonly Target[];
  startUs: number;
  endUs: number;
  passedSampleIntervals: number;
}

export type AggregationListener = (w: AggregationWindow) => void;

/** Called for the report that produced a region's hit of the current sample (report-fed only). */
export type ReportHitListener = NonNullable<IntakeContext<Target>['onReportHit']>;

export interface ContextOptions {
  /** Operations set, or its registered name. `paddr_fault` (seed name) = paddr + page_fault. */
  ops: string | OperationsSet<never>;
  attrs?: Partial<Omit<Attrs, 'intervalsGoal'>> & { intervalsGoal?: Partial<IntervalsGoal> };
  targets?: readonly TargetSpec[];
  /** Default DAMON_MIN_REGION_SZ = 4096; must be a power of two. */
  minRegionSz?: number;
  /** Core address × addrUnit = physical byte address (paddr only). Default 1. */
  addrUnit?: number;
  /** Default {pageTable: true, pageFault: false}. Exactly one must be enabled. */
  primitives?: Partial<SamplePrimitives>;
  sampleFilters?: readonly SampleFilter[];
  /** PRNG seed; the same seed and input give the same results. Default 0. */
  seed?: number;
  /** Report intake capacity (default DEFAULT_REPORT_CAPACITY = 65536). */
  reportCapacity?: number;
}

function isPowerOfTwo(x: number): boolean {
  return Number.isSafeInteger(x) && x > 0 && 2 ** Math.round(Math.log2(x)) === x;
}

/** damon_ctx with the kdamond loop as a step. */
export class DamonContext implements OpsContext {
  attrs: Attrs;
  readonly ops: OperationsSet<never>;
  readonly targets: Target[] = [];
  readonly minRegionSz: number;
  readonly addrUnit: number;
  primitives: SamplePrimitives;
  passedSampleIntervals = 0;
  nextAggregationSis = 0;
  nextOpsUpdateSis = 0;
  nextIntervalsTuneSis = 0;
  /** attrs.aggr_samples: the aggr/sample ratio the intervals tuner preserves. */
  aggrSamples: number;
  /** Current time on the context's clock, µs (set by the driver). */
  now = 0;
  readonly stats: ReportStats = newReportStats();
  readonly reportBuffer: ReportBuffer;
  compiledFilters: CompiledFilters;
  sampleFilters: readonly SampleFilter[];

  /** The schemes layer's hook, run after the aggregation merge and before the reset (§2.2). */
  schemesHook?: (ctx: DamonContext) => void;
  /** kdamond_wait_activation (watermarks): 0 when active, else µs to wait before asking again. */
  waitActivation?: (ctx: DamonContext) => number;
  /** Called after attrs changed (set_attrs or tuning), e.g. to recompute schemes' next_apply_sis. */
  onAttrsChanged?: (ctx: DamonContext) => void;
  onReportHit?: ReportHitListener;
  /**
   * Called at the start of endSample, before this sample's accesses are checked: a live source that
   * polls (e.g. a PAGEMAP_SCAN round) pushes the sample's reports here, aligned with the sample.
   */
  onBeforeCheck?: (ctx: DamonContext, nowUs: number) => void;

  private readonly rng: Prng;
  private readonly listeners: AggregationListener[] = [];
  private readonly calls: ((ctx: DamonContext) => void)[] = [];
  private szLimit = 0;
  private snapAggr = 0;
  private snapUpd = 0;
  private started = false;
  private stopped = false;
  private sampling = false;
  private windowStartUs = 0;
  private aggrWindowStartUs = 0;

  constructor(opts: ContextOptions) {
    let ops = opts.ops;
    let pageFault = opts.primitives?.pageFault;
    // The seed's `paddr_fault` is paddr with the page_fault primitive (design.md), unless an ops
    // set registers that name itself.
    if (ops === 'paddr_fault' && !hasOps('paddr_fault')) {
      ops = 'paddr';
      pageFault ??= true;
    }
    this.ops = typeof ops === 'string' ? getOps<never>(ops) : ops;
    this.primitives = {
      pageTable: opts.primitives?.pageTable ?? !pageFault,
      pageFault: pageFault ?? false,
    };
    const d = defaultAttrs();
    this.attrs = { ...d, ...opts.attrs, intervalsGoal: { ...d.intervalsGoal, ...opts.attrs?.intervalsGoal } };
    validateAttrs(this.attrs);
    this.aggrSamples = samplesPerAggr(this.attrs);
    this.minRegionSz = opts.minRegionSz ?? 4096;
    if (!isPowerOfTwo(this.minRegionSz))
      throw einval(`minRegionSz: ${this.minRegionSz} is not a power of two`);
    this.addrUnit = opts.addrUnit ?? 1;
    if (!Number.isSafeInteger(this.addrUnit) || this.addrUnit < 1)
      throw einval(`addrUnit: must be a positive integer, got ${this.addrUnit}`);
    this.sampleFilters = opts.sampleFilters ?? [];
    this.compiledFilters = compileSampleFilters(this.sampleFilters);
    const cap = opts.reportCapacity ?? DEFAULT_REPORT_CAPACITY;
    if (!Number.isSafeInteger(cap) || cap < 1)
      throw einval(`reportCapacity: must be a positive integer, got ${cap}`);
    this.reportBuffer = new ReportBuffer(cap);
    this.rng = new Prng(opts.seed ?? 0);
    (opts.targets ?? []).forEach((t, i) => this.addTarget(t, `targets[${i}]`));
  }

  /** A context whose ops has no checkAccesses, or whose page_fault primitive is on, reads reports. */
  get reportFed(): boolean {
    return this.primitives.pageFault || this.ops.checkAccesses === undefined;
  }

  get isStarted(): boolean {
    return this.started;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** True between beginSample() and endSample(). */
  get isSampling(): boolean {
    return this.sampling;
  }

  addTarget(spec: TargetSpec = {}, where = 'target'): Target {
    const pid = spec.pid ?? null;
    if (pid !== null && !Number.isSafeInteger(pid))
      throw einval(`${where}.pid: must be an integer, got ${pid}`);
    const t = new Target(pid);
    if (spec.regions?.length) {
      try {
        setRegions(t.regions, spec.regions, this.minRegionSz);
      } catch (e) {
        (e as Error).message = `${where}.regions: ${(e as Error).message}`;
        throw e;
      }
    }
    this.targets.push(t);
    return t;
  }

  rand(lo: number, hi: number): number {
    return this.rng.rand(lo, hi);
  }

  private own(target: TargetView): Target {
    if (!(target instanceof Target) || !this.targets.includes(target))
      throw einval('target: not a target of this context');
    return target;
  }

  setRegions(target: TargetView, ranges: readonly Range[]): void {
    setRegions(this.own(target).regions, ranges, this.minRegionSz);
  }

  updateRegionAccessRate(target: TargetView, regionIndex: number, accessed: boolean): void {
    if (accessed) this.own(target).regions.nrAccesses[regionIndex]++;
  }

  /** damon_split_region_at for a target's region (DAMOS quota splits use it). */
  splitRegionAt(target: TargetView, regionIndex: number, sizeOfLeft: number): void {
    splitRegionAt(this.own(target).regions, regionIndex, sizeOfLeft);
  }

  /** damon_nr_accesses_mvsum (spec §2.4, newest): used for DAMOS pattern matching and scores. */
  nrAccessesMvsum(target: TargetView, regionIndex: number): number {
    const r = target.regions;
    const leftBp = windowLeftBp(this.attrs, this.passedSampleIntervals, this.nextAggregationSis);
    return mvsum(r.nrAccesses[regionIndex]!, r.lastNrAccesses[regionIndex]!, leftBp);
  }

  setSampleFilters(filters: readonly SampleFilter[]): void {
    this.compiledFilters = compileSampleFilters(filters);
    this.sampleFilters = filters;
  }

  /** Registers an aggregation listener; returns a function removing it. */
  onAggregated(fn: AggregationListener): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** damon_call(): runs fn inside the loop, after the aggregation merge (online commits). */
  call(fn: (ctx: DamonContext) => void): void {
    this.calls.push(fn);
  }

  /**
   * damon_set_attrs (spec §2.9): validates, then (once started) moves the next aggregation and
   * ops update to passed + interval/si and converts running results.
   */
  setAttrs(attrs: Attrs): void {
    this.applyAttrs(attrs, 0);
  }

  /** set_attrs with a given aggr_samples (0: recompute as aggr/sample; the tuner keeps its own). */
  applyAttrs(attrs: Attrs, aggrSamples: number): void {
    validateAttrs(attrs);
    const next = { ...attrs, intervalsGoal: { ...attrs.intervalsGoal } };
    const si = next.sampleInterval || 1;
    const aggregating = this.passedSampleIntervals < this.nextAggregationSis;
    this.aggrSamples = aggrSamples || Math.floor(next.aggrInterval / si);
    if (this.started) {
      this.nextAggregationSis = this.passedSampleIntervals + Math.floor(next.aggrInterval / si);
      this.nextOpsUpdateSis = this.passedSampleIntervals + Math.floor(next.opsUpdateInterval / si);
      const oldA: IntervalPair = this.attrs;
      for (const t of this.targets)
        for (let i = 0; i < t.regions.length; i++)
          updateMonitoringResult(t.regions, i, oldA, next, aggregating);
    }
    this.attrs = next;
    this.onAttrsChanged?.(this);
  }

  /** Commit-time checks of the context (sample primitives, attrs). */
  validate(): void {
    const p = this.primitives;
    if (p.pageTable === p.pageFault)
      throw einval(
        `primitives: exactly one of pageTable and pageFault must be enabled (pageTable=${p.pageTable}, pageFault=${p.pageFault})`,
      );
    validateAttrs(this.attrs);
  }

  /** kdamond_init_ctx (spec §2.1) at time nowUs. */
  start(nowUs = this.now): void {
    if (this.started) throw new Error('context already started');
    this.validate();
    this.started = true;
    this.now = nowUs;
    this.aggrWindowStartUs = nowUs;
    this.passedSampleIntervals = 0;
    const si = this.attrs.sampleInterval || 1;
    this.nextAggregationSis = Math.floor(this.attrs.aggrInterval / si);
    this.nextOpsUpdateSis = Math.floor(this.attrs.opsUpdateInterval / si);
    this.nextIntervalsTuneSis = this.nextAggregationSis * this.attrs.intervalsGoal.aggrs;
    this.ops.init?.(this);
    this.szLimit = applyMinNrRegions(this.regionLists(), this.attrs.minNrRegions, this.minRegionSz);
  }

  /** kdamond_need_stop: every target invalid (only when the ops can tell). */
  needStop(): boolean {
    const valid = this.ops.targetValid;
    if (this.stopped) return true;
    if (!valid) return false;
    return this.targets.every((t) => !valid(this, t));
  }

  /** Stops the context: ops.cleanup runs once. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.sampling = false;
    if (this.started) this.ops.cleanup?.(this);
  }

  /**
   * The part of an iteration before the sleep. Returns how long (µs) the driver sleeps before the
   * next call: the sample interval (then call endSample), or, while wait_activation says inactive,
   * the time until the next beginSample. When the context stops (isStopped), the result is 0.
   */
  beginSample(nowUs = this.now): number {
    if (!this.started) this.start(nowUs);
    this.now = nowUs;
    if (this.sampling) throw new Error('beginSample: the previous sample has not ended');
    if (this.needStop()) {
      this.stop();
      return 0;
    }
    this.snapAggr = this.nextAggregationSis;
    this.snapUpd = this.nextOpsUpdateSis;
    const wait = this.waitActivation?.(this) ?? 0;
    if (wait > 0) return wait;
    this.ops.prepareAccessChecks?.(this);
    this.sampling = true;
    // The sample's report window is [beginSample time, endSample time]: under runVirtual exactly
    // [now - sample_interval, now], the kernel's; reports are consumed, so a boundary report counts once.
    this.windowStartUs = nowUs;
    // A zero sample interval still advances virtual time (the kernel sleeps ~0 but never 0).
    return Math.max(1, this.attrs.sampleInterval);
  }

  /** The part of an iteration after the sleep, at time nowUs (spec §2.2 order). */
  endSample(nowUs = this.now): void {
    if (!this.sampling) throw new Error('endSample: no sample in progress (call beginSample first)');
    this.sampling = false;
    this.now = nowUs;
    this.onBeforeCheck?.(this, nowUs);
    const passed = ++this.passedSampleIntervals;
    const lists = this.regionLists();
    const maxScore = this.reportFed
      ? checkReportedAccesses(this, this.windowStartUs)
      : (this.ops.checkAccesses?.(this) ?? 0);
    if (passed >= this.snapAggr) {
      this.mergeRegions(Math.floor(maxScore / 10), this.szLimit);
      this.szLimit = applyMinNrRegions(lists, this.attrs.minNrRegions, this.minRegionSz);
    }
    for (const fn of this.calls.splice(0)) fn(this);
    this.schemesHook?.(this);
    let si = this.attrs.sampleInterval || 1;
    if (passed >= this.snapAggr) {
      const goal = this.attrs.intervalsGoal;
      if (goal.aggrs && passed >= this.nextIntervalsTuneSis) {
        this.nextAggregationSis = this.snapAggr;
        this.nextIntervalsTuneSis += this.aggrSamples * goal.aggrs;
        tuneIntervals(this);
        si = this.attrs.sampleInterval || 1;
      }
      this.nextAggregationSis = this.snapAggr + Math.floor(this.attrs.aggrInterval / si);
      const w: AggregationWindow = {
        ctx: this,
        targets: this.targets,
        startUs: this.aggrWindowStartUs,
        endUs: nowUs,
        passedSampleIntervals: passed,
      };
      for (const fn of this.listeners) fn(w);
      this.resetAggregated();
      this.aggrWindowStartUs = nowUs;
      splitRegions(this.regionLists(), this.attrs.maxNrRegions, this.minRegionSz, this.rng);
    }
    if (passed >= this.snapUpd) {
      this.nextOpsUpdateSis = this.snapUpd + Math.floor(this.attrs.opsUpdateInterval / si);
      this.ops.update?.(this);
    }
  }

  /** Takes one report; false when it was dropped (full buffer, or the context is not report-fed). */
  reportAccess(report: AccessReport): boolean {
    this.stats.reportsReceived++;
    if (!this.reportFed || !this.reportBuffer.push(report)) {
      this.stats.reportsDropped++;
      return false;
    }
    return true;
  }

  /**
   * Whether a report would count at all: the sample filters pass it and the ops' eligibleReport
   * takes it for some target (vaddr: its tgid is a target's pid). Asked at fault time by sources
   * that can re-arm what an ineligible access consumed.
   */
  reportEligible(report: AccessReport): boolean {
    return reportEligible(this, report);
  }

  /** Takes a batch of reports; returns how many were buffered (the rest are counted as dropped). */
  reportAccesses(batch: ReportBatch): number {
    this.stats.reportsReceived += batch.length;
    const n = this.reportFed ? this.reportBuffer.pushBatch(batch) : 0;
    this.stats.reportsDropped += batch.length - n;
    return n;
  }

  private regionLists(): RegionList[] {
    return this.targets.map((t) => t.regions);
  }

  /** kdamond_merge_regions (spec §2.5): threshold doubling while above max_nr_regions. */
  private mergeRegions(threshold: number, szLimit: number): void {
    const maxThres = Math.floor(this.attrs.aggrInterval / (this.attrs.sampleInterval || 1));
    let countAge = true;
    let nr: number;
    do {
      nr = 0;
      for (const t of this.targets) {
        mergeRegionsOf(t.regions, threshold, szLimit, countAge);
        nr += t.regions.length;
      }
      countAge = false;
      threshold = Math.max(1, threshold * 2);
    } while (nr > this.attrs.maxNrRegions && Math.floor(threshold / 2) < maxThres);
  }

  /** kdamond_reset_aggregated: last = nr, nr = 0 (the listeners already saw the window). */
  private resetAggregated(): void {
    for (const t of this.targets) {
      const l = t.regions;
      l.lastNrAccesses.set(l.nrAccesses.subarray(0, l.length));
      l.nrAccesses.fill(0, 0, l.length);
      l.nrWriteSamples.fill(0, 0, l.length);
    }
  }
}
