/**
 * The DAMOS engine of one context (spec §4.2): installed as the core's schemes hook (after the
 * aggregation merge, before the reset) and as its wait_activation (watermarks). Per iteration it
 * adjusts the quotas of the schemes whose apply interval has come, walks every region of every
 * valid target through every scheme (quota skip and resume-from-last-region, snapshot limit,
 * pattern and score, quota split, core filters, ops.apply_scheme, charging, stats), merges
 * identical neighbours back (7.3) and completes damos_walk requests.
 */
import type { DamonContext, Target } from '../core/context.js';
import type { TargetView } from '../core/types.js';
import { alignDown } from '../core/region-ops.js';
import { coreFilterOut } from './filters.js';
import type { SchemesMetrics } from './metrics.js';
import { validTargetPattern } from './pattern.js';
import { adjustQuota, chargeQuota, quotaIsFull } from './quota.js';
import { Scheme } from './scheme.js';
import type { SchemeSpec, TriedRegion } from './types.js';
import { activationWaitUs } from './watermarks.js';

/** damos_walk callback: a region the scheme's action was just tried on. */
export type WalkFn = (
  target: TargetView,
  regionIndex: number,
  scheme: Scheme,
  schemeIndex: number,
  szFilterPassed: number,
) => void;

/** Optional tracepoint-like observers (damos_before_apply, damos_esz, damos_stat_after_apply_interval). */
export interface SchemesTrace {
  beforeApply?(
    schemeIdx: number,
    targetIdx: number,
    start: number,
    end: number,
    nrAccesses: number,
    age: number,
    nrRegions: number,
  ): void;
  esz?(schemeIdx: number, esz: number): void;
  statAfterApplyInterval?(schemeIdx: number, s: Scheme): void;
}

export interface SchemesEngineOptions {
  metrics?: SchemesMetrics;
  trace?: SchemesTrace;
}

interface PendingWalk {
  fn: WalkFn;
  done: (error: 'ECANCELED' | null) => void;
  completed: Set<Scheme>;
}

function hrNs(): number {
  return Number(process.hrtime.bigint());
}

/** damon_region_sz_limit: total monitored size / min_nr_regions, at least min_region_sz. */
function regionSzLimit(ctx: DamonContext): number {
  let total = 0;
  for (const t of ctx.targets) total += t.regions.totalSize();
  const lim = ctx.attrs.minNrRegions ? Math.floor(total / ctx.attrs.minNrRegions) : total;
  return Math.max(lim, ctx.minRegionSz);
}

export class SchemesEngine {
  schemes: Scheme[] = [];
  readonly metrics: SchemesMetrics | undefined;
  trace: SchemesTrace | undefined;
  private walkReq: PendingWalk | null = null;
  private readonly histogram = new Float64Array(100);
  private detachFns: (() => void)[] = [];

  constructor(
    readonly ctx: DamonContext,
    schemes: readonly (Scheme | SchemeSpec)[] = [],
    opts: SchemesEngineOptions = {},
  ) {
    this.metrics = opts.metrics;
    this.trace = opts.trace;
    this.setSchemes(schemes);
    const prevHook = ctx.schemesHook;
    const prevWait = ctx.waitActivation;
    const prevAttrs = ctx.onAttrsChanged;
    ctx.schemesHook = () => this.applySchemes();
    ctx.waitActivation = () => this.waitActivation();
    ctx.onAttrsChanged = (c) => {
      prevAttrs?.(c);
      for (const s of this.schemes) this.setNextApplySis(s);
    };
    this.detachFns.push(() => {
      ctx.schemesHook = prevHook;
      ctx.waitActivation = prevWait;
      ctx.onAttrsChanged = prevAttrs;
    });
  }

  /** Removes the engine's hooks from the context (a pending walk is canceled). */
  detach(): void {
    this.cancelWalk();
    for (const f of this.detachFns.splice(0)) f();
  }

  /**
   * Replaces the scheme list (the kernel commits index-wise; the sysfs layer keeps the private
   * state of surviving schemes by passing the same Scheme objects). New schemes get their first
   * apply one apply interval from now.
   */
  setSchemes(list: readonly (Scheme | SchemeSpec)[]): void {
    const old = new Set(this.schemes);
    this.schemes = list.map((x, i) => (x instanceof Scheme ? x : new Scheme(x, `schemes[${i}]`)));
    for (const s of this.schemes) if (!old.has(s)) this.setNextApplySis(s);
    if (this.schemes.length === 0) this.cancelWalk();
  }

  private setNextApplySis(s: Scheme): void {
    const si = this.ctx.attrs.sampleInterval || 1;
    const interval = s.applyIntervalUs || this.ctx.attrs.aggrInterval;
    s.nextApplySis = this.ctx.passedSampleIntervals + Math.floor(interval / si);
  }

  /**
   * The context's `pause` (7.2): while set, the kdamond only sleeps sample intervals (no sampling,
   * aggregation or schemes) and damos_walk requests are canceled. Kept here because the engine
   * owns the context's wait_activation hook.
   */
  paused = false;

  /** kdamond_wait_activation (and the pause loop): cancels a pending walk while nothing runs. */
  waitActivation(): number {
    if (this.paused) {
      this.cancelWalk();
      return Math.max(1, this.ctx.attrs.sampleInterval);
    }
    const w = activationWaitUs(this.schemes, this.metrics);
    if (w > 0) this.cancelWalk();
    return w;
  }

  /**
   * damos_walk: `fn` sees every region an action is tried on during each scheme's next apply
   * interval; `done(null)` once all schemes finished one, `done('ECANCELED')` when canceled (no
   * schemes, inactive, stopped). Throws EBUSY while another walk is pending.
   */
  walk(fn: WalkFn, done: (error: 'ECANCELED' | null) => void): void {
    if (this.walkReq) {
      const e = new Error('damos_walk: a walk is already pending') as Error & { code: string };
      e.code = 'EBUSY';
      throw e;
    }
    if (this.ctx.isStopped || this.schemes.length === 0) {
      done('ECANCELED');
      return;
    }
    this.walkReq = { fn, done, completed: new Set() };
  }

  get walkPending(): boolean {
    return this.walkReq !== null;
  }

  cancelWalk(): void {
    const w = this.walkReq;
    this.walkReq = null;
    w?.done('ECANCELED');
  }

  /** Captures the tried regions of every scheme during the next walk (sysfs tried_regions). */
  collectTriedRegions(done: (error: 'ECANCELED' | null) => void): void {
    for (const s of this.schemes) s.triedRegions = [];
    this.walk((t, i, s, _si, passed) => {
      const r = t.regions;
      const tr: TriedRegion = {
        start: r.start[i]!,
        end: r.end[i]!,
        nrAccesses: this.ctx.nrAccessesMvsum(t, i),
        age: r.age[i]!,
        szFilterPassed: passed,
      };
      s.triedRegions.push(tr);
    }, done);
  }

  private walkComplete(s: Scheme): void {
    const w = this.walkReq;
    if (!w) return;
    w.completed.add(s);
    if (this.schemes.every((x) => w.completed.has(x))) {
      this.walkReq = null;
      w.done(null);
    }
  }

  /** kdamond_apply_schemes. */
  applySchemes(): void {
    const ctx = this.ctx;
    const passed = ctx.passedSampleIntervals;
    if (this.schemes.length === 0) {
      this.cancelWalk();
      return;
    }
    let any = false;
    this.schemes.forEach((s, si) => {
      if (passed < s.nextApplySis || !s.wmarks.activated) return;
      any = true;
      if (adjustQuota(ctx, s, this.metrics, this.histogram)) this.trace?.esz?.(si, s.quota.esz);
    });
    if (!any) return;
    const maxRegionSz = regionSzLimit(ctx);
    ctx.targets.forEach((t, ti) => {
      if (ctx.ops.targetValid && !ctx.ops.targetValid(ctx, t)) return;
      for (let i = 0; i < t.regions.length; i++) {
        for (let si = 0; si < this.schemes.length; si++) this.doApply(t, ti, i, this.schemes[si]!, si);
      }
      mergeBack(t, maxRegionSz);
    });
    const sis = ctx.attrs.sampleInterval || 1;
    this.schemes.forEach((s, si) => {
      if (passed < s.nextApplySis) return;
      this.walkComplete(s);
      s.nextApplySis = passed + Math.floor((s.applyIntervalUs || ctx.attrs.aggrInterval) / sis);
      this.trace?.statAfterApplyInterval?.(si, s);
    });
  }

  /** damon_do_apply_schemes for one (region, scheme). */
  private doApply(t: TargetView, ti: number, i: number, s: Scheme, si: number): void {
    const ctx = this.ctx;
    if (ctx.passedSampleIntervals < s.nextApplySis || !s.wmarks.activated) return;
    if (quotaIsFull(s, ctx.minRegionSz)) return;
    if (this.skipChargedRegion(t, i, s)) return;
    if (s.maxNrSnapshots && s.stat.nrSnapshots >= s.maxNrSnapshots) return;
    if (this.validTarget(t, i, s)) this.apply(t, ti, i, s, si);
    if (i === t.regions.length - 1) s.stat.nrSnapshots++;
  }

  /** damos_valid_target: the pattern, and with a quota the priority score against min_score. */
  private validTarget(t: TargetView, i: number, s: Scheme): boolean {
    if (!validTargetPattern(this.ctx, t, i, s)) return false;
    if (!s.quotaIsSet || !this.ctx.ops.getSchemeScore) return true;
    return this.ctx.ops.getSchemeScore(this.ctx, t, i, s as never) >= s.quota.minScore;
  }

  /**
   * damos_skip_charged_region: resumes where the last charge window stopped. A region straddling
   * the resume address is split there; the left piece is skipped and the right piece, visited next,
   * clears the marker (newest kernel).
   */
  private skipChargedRegion(t: TargetView, i: number, s: Scheme): boolean {
    const q = s.quota;
    if (!q.chargeTargetFrom) return false;
    if (t !== q.chargeTargetFrom) return true;
    const r = t.regions;
    if (i === r.length - 1) {
      q.chargeTargetFrom = null;
      q.chargeAddrFrom = 0;
      return true;
    }
    if (q.chargeAddrFrom && r.end[i]! <= q.chargeAddrFrom) return true;
    if (q.chargeAddrFrom && r.start[i]! < q.chargeAddrFrom) {
      const m = this.ctx.minRegionSz;
      let skip = alignDown(q.chargeAddrFrom - r.start[i]!, m);
      if (skip === 0) {
        if (r.end[i]! - r.start[i]! <= m) return true;
        skip = m;
      }
      this.ctx.splitRegionAt(t, i, skip);
      return true;
    }
    q.chargeTargetFrom = null;
    q.chargeAddrFrom = 0;
    return false;
  }

  /** damos_apply_scheme. */
  private apply(t: TargetView, ti: number, i: number, s: Scheme, si: number): void {
    const ctx = this.ctx;
    const q = s.quota;
    const r = t.regions;
    let sz = r.end[i]! - r.start[i]!;
    let applied = 0;
    let passed = 0;
    if (ctx.ops.applyScheme) {
      let tried = true;
      if (s.quotaIsSet && q.chargedSz + sz > q.esz) {
        sz = alignDown(q.esz - q.chargedSz, ctx.minRegionSz);
        if (sz === 0) tried = false;
        else ctx.splitRegionAt(t, i, sz);
      }
      if (tried) {
        // As the kernel, `sz` stays the size before an addr filter's split: that is what is charged.
        if (coreFilterOut(ctx, t, i, s)) return;
        this.trace?.beforeApply?.(
          si,
          ti,
          r.start[i]!,
          r.end[i]!,
          ctx.nrAccessesMvsum(t, i),
          r.age[i]!,
          r.length,
        );
        const clock = this.metrics ? () => this.metrics!.actionClockNs() : hrNs;
        const begin = clock();
        const res = ctx.ops.applyScheme(ctx, t, i, s as never);
        applied = res.applied;
        passed = res.filterPassed;
        if (this.walkReq && !this.walkReq.completed.has(s)) this.walkReq.fn(t, i, s, si, passed);
        q.totalChargedNs += Math.max(0, clock() - begin);
        chargeQuota(q, sz, applied);
        if (quotaIsFull(s, ctx.minRegionSz)) {
          q.chargeTargetFrom = t;
          q.chargeAddrFrom = r.end[i]!;
        }
      }
      if (tried && s.action !== 'stat') r.age[i] = 0;
      if (!tried) sz = 0;
    } else if (s.action !== 'stat') {
      r.age[i] = 0;
    }
    const st = s.stat;
    st.nrTried++;
    st.szTried += sz;
    if (applied) st.nrApplied++;
    st.szApplied += applied;
    st.szOpsFilterPassed += passed;
  }
}

/** 7.3's merge-back after applying: identical adjacent neighbours merge up to the size limit. */
function mergeBack(t: TargetView, maxRegionSz: number): void {
  const l = (t as Target).regions;
  if (l.length < 2) return;
  let w = 0;
  for (let i = 1; i < l.length; i++) {
    if (
      l.end[w] === l.start[i] &&
      l.age[w] === l.age[i] &&
      l.nrAccesses[w] === l.nrAccesses[i] &&
      l.lastNrAccesses[w] === l.lastNrAccesses[i] &&
      l.end[i]! - l.start[w]! <= maxRegionSz
    ) {
      l.end[w] = l.end[i]!;
    } else {
      w++;
      if (w !== i) l.moveTo(i, w);
    }
  }
  l.length = w + 1;
}
