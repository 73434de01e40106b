/**
 * A kdamond of the virtual sysfs tree on the simulated machine: `state` commands (on, off, commit,
 * update_schemes_stats, ...) with the kernel's errno, the context and DAMOS engine built from the
 * tree's inputs, and online commits (spec §2.10).
 *
 * Choices where the kernel differs or is unspecified (documented in docs/sysfs.md):
 * - an action the operations set cannot do on the simulated machine fails `on`/`commit` with
 *   EINVAL (the kernel silently applies nothing);
 * - a commit may not change the operations set or the sample primitive (EINVAL): the ops binding
 *   to the machine is made at `on`;
 * - waiting commands (update_schemes_tried_regions/bytes) run the virtual clock until the walk
 *   completes, at most WALK_LIMIT_US of virtual time, then report ECANCELED.
 */
import { DamonContext, Target } from '../../core/context.js';
import type { Attrs, SampleFilter } from '../../core/types.js';
import { checkActionSupported, schemeSupportOf, type OpsKind } from '../../ops/actions/index.js';
import { commitSchemes, commitQuotaGoals } from '../../schemes/commit.js';
import { SchemesEngine } from '../../schemes/engine.js';
import { Scheme } from '../../schemes/scheme.js';
import type { DamosFilter, SchemeSpec } from '../../schemes/types.js';
import { SysfsErrno, errnoOf } from './errno.js';
import type { KdamondControl, StateCommand, SysContext, SysKdamond, SysScheme } from './model.js';
import type { SimHost } from '../../runners/sim-host.js';

const WALK_LIMIT_US = 60_000_000;
const PAGE_SIZE = 4096;

const n = (b: bigint) => Number(b);
const u32 = (b: bigint) => Number(b & 0xffffffffn);

function einval(detail: string): SysfsErrno {
  return new SysfsErrno('EINVAL', detail);
}

/** The operations set kind behind a sysfs `operations` keyword. */
function opsKind(ops: SysContext['operations']): OpsKind {
  return ops === 'paddr_fault' ? 'paddr' : ops;
}

function attrsOf(c: SysContext): Attrs {
  return {
    sampleInterval: n(c.intervals.sampleUs),
    aggrInterval: n(c.intervals.aggrUs),
    opsUpdateInterval: n(c.intervals.updateUs),
    minNrRegions: n(c.nrRegions.min),
    maxNrRegions: n(c.nrRegions.max),
    intervalsGoal: {
      accessBp: n(c.goal.accessBp),
      aggrs: n(c.goal.aggrs),
      minSampleUs: n(c.goal.minSampleUs),
      maxSampleUs: n(c.goal.maxSampleUs),
    },
  };
}

function sampleFiltersOf(c: SysContext): SampleFilter[] {
  return c.sampleFilters.map((f) =>
    f.type === 'cpumask'
      ? { type: 'cpumask', matching: f.matching, allow: f.allow, cpus: f.cpumask }
      : f.type === 'threads'
        ? { type: 'threads', matching: f.matching, allow: f.allow, tids: f.tids }
        : { type: 'write', matching: f.matching, allow: f.allow },
  );
}

/** Ranges of a sysfs target: start <= end each, sorted without overlap (EINVAL otherwise). */
function rangesOf(t: SysContext['targets'][number], where: string): { start: number; end: number }[] {
  let prevEnd = -1;
  return t.regions.map((r, i) => {
    if (r.start > r.end) throw einval(`${where}/regions/${i}: start > end`);
    if (n(r.start) < prevEnd) throw einval(`${where}/regions/${i}: overlaps the previous region`);
    prevEnd = n(r.end);
    return { start: n(r.start), end: n(r.end) };
  });
}

/** The scheme a sysfs scheme directory describes (kernel units: samples, aggregation intervals). */
export function schemeOf(
  s: SysScheme,
  kind: OpsKind,
  cgroupExists: (path: string) => boolean,
  where: string,
): Scheme {
  try {
    checkActionSupported(kind, s.action, where);
  } catch (e) {
    throw einval((e as Error).message);
  }
  const filters: DamosFilter[] = [...s.coreFilters, ...s.opsFilters, ...s.filters].map((f, i) => {
    if (f.type === 'memcg' && !cgroupExists(f.memcgPath))
      throw einval(`${where} filter ${i}: no memory cgroup '${f.memcgPath}'`);
    // Each type reads only its own files, as the kernel's filter setup does.
    return {
      type: f.type,
      matching: f.matching,
      allow: f.allow,
      ...(f.type === 'memcg' ? { memcgPath: f.memcgPath } : {}),
      ...(f.type === 'addr' ? { addrStart: n(f.addrStart), addrEnd: n(f.addrEnd) } : {}),
      ...(f.type === 'target' ? { targetIdx: n(f.targetIdx) } : {}),
      ...(f.type === 'hugepage_size' ? { sizeMin: n(f.min), sizeMax: n(f.max) } : {}),
    };
  });
  for (const g of s.goals) {
    if (g.metric === 'node_eligible_mem_bp' && kind !== 'paddr')
      throw einval(`${where}: node_eligible_mem_bp needs paddr`);
  }
  const spec: SchemeSpec = {
    action: s.action,
    pattern: {
      minSz: n(s.sz.min),
      maxSz: n(s.sz.max),
      // struct damos_access_pattern holds these as unsigned int: the kernel truncates.
      minNrAccesses: u32(s.nrAccesses.min),
      maxNrAccesses: u32(s.nrAccesses.max),
      minAge: u32(s.age.min),
      maxAge: u32(s.age.max),
    },
    applyIntervalUs: n(s.applyIntervalUs),
    quota: {
      ms: n(s.quotas.ms),
      sz: n(s.quotas.bytes),
      resetIntervalMs: n(s.quotas.resetIntervalMs),
      goalTuner: s.quotas.goalTuner,
      failChargeNum: n(s.quotas.failChargeNum),
      failChargeDenom: n(s.quotas.failChargeDenom),
      weights: { sz: n(s.weights.sz), nrAccesses: n(s.weights.nrAccesses), age: n(s.weights.age) },
      goals: s.goals.map((g) => ({
        metric: g.metric,
        targetValue: n(g.targetValue),
        currentValue: n(g.currentValue),
        nid: n(g.nid),
        memcgPath: g.path,
      })),
    },
    watermarks: {
      metric: s.wmarks.metric,
      intervalUs: n(s.wmarks.intervalUs),
      high: n(s.wmarks.high),
      mid: n(s.wmarks.mid),
      low: n(s.wmarks.low),
    },
    filters,
    targetNid: n(s.targetNid),
    dests: s.dests.map((d) => ({ nid: n(d.id), weight: n(d.weight) })),
    maxNrSnapshots: n(s.maxNrSnapshots),
  };
  try {
    return new Scheme(spec, where);
  } catch (e) {
    throw einval((e as Error).message);
  }
}

export class KdamondRuntime implements KdamondControl {
  private ctx: DamonContext | null = null;
  private engine: SchemesEngine | null = null;
  private kind: OpsKind = 'paddr';
  private _pid = -1;
  private lastRefreshUs = 0;

  constructor(
    private readonly k: SysKdamond,
    private readonly host: SimHost,
    private readonly where: () => string,
  ) {}

  get running(): boolean {
    return this.ctx !== null && !this.ctx.isStopped;
  }

  get pid(): number {
    return this._pid;
  }

  /** The live context and engine (status views). */
  get context(): DamonContext | null {
    return this.ctx;
  }

  get schemes(): SchemesEngine | null {
    return this.engine;
  }

  command(cmd: StateCommand): void {
    // The kernel checks the number of contexts before anything else, `off` aside.
    if (cmd !== 'off' && this.k.contexts.length !== 1) throw einval('needs exactly one context');
    switch (cmd) {
      case 'on':
        return this.on();
      case 'off':
        if (!this.ctx) throw einval('never turned on');
        if (!this.running) throw new SysfsErrno('EPERM');
        this.ctx.stop();
        this.host.removeContext(this.ctx);
        return;
      case 'commit':
        this.called();
        return this.commit();
      case 'commit_schemes_quota_goals':
        this.called();
        return this.commitGoals();
      case 'update_schemes_stats':
        this.called();
        return this.copyStats();
      case 'update_schemes_tried_regions':
      case 'update_schemes_tried_bytes':
        return this.updateTried(cmd === 'update_schemes_tried_bytes');
      case 'clear_schemes_tried_regions':
        return this.clearTried();
      case 'update_schemes_effective_quotas':
        this.called();
        return this.forPairs((sys, s) => (sys.quotas.effectiveBytes = toU64(s.quota.esz)));
      case 'update_tuned_intervals': {
        const ctx = this.called();
        const c = this.k.contexts[0]!;
        c.intervals.sampleUs = BigInt(ctx.attrs.sampleInterval);
        c.intervals.aggrUs = BigInt(ctx.attrs.aggrInterval);
        return;
      }
    }
  }

  /** refresh_ms: periodic update of stats, effective quotas and tuned intervals (daemon ticks). */
  refresh(): void {
    const ms = n(this.k.refreshMs);
    if (!ms || !this.running || this.host.now - this.lastRefreshUs < ms * 1000) return;
    this.lastRefreshUs = this.host.now;
    this.command('update_schemes_stats');
    this.command('update_schemes_effective_quotas');
    this.command('update_tuned_intervals');
  }

  /**
   * The context for a command the kernel hands to the kdamond thread (damon_call, damos_walk):
   * EINVAL before the first `on`; ECANCELED once the kdamond stopped, as the calls of an exited
   * kdamond are refused as obsolete (mm/damon/core.c of 7.1; 6.12 answered EINVAL).
   */
  private called(): DamonContext {
    if (!this.ctx) throw einval('never turned on');
    if (!this.running) throw new SysfsErrno('ECANCELED', 'kdamond stopped');
    return this.ctx;
  }

  private clearTried(): void {
    for (const s of this.k.contexts[0]?.schemes ?? []) {
      s.tried = [];
      s.triedTotalBytes = 0;
    }
  }

  private forPairs(fn: (sys: SysScheme, s: Scheme) => void): void {
    const sys = this.k.contexts[0]?.schemes ?? [];
    const live = this.engine?.schemes ?? [];
    for (let i = 0; i < Math.min(sys.length, live.length); i++) fn(sys[i]!, live[i]!);
  }

  private copyStats(): void {
    this.forPairs((sys, s) => {
      const st = s.stat;
      sys.stats = {
        nr_tried: st.nrTried,
        sz_tried: st.szTried,
        nr_applied: st.nrApplied,
        sz_applied: st.szApplied,
        sz_ops_filter_passed: st.szOpsFilterPassed,
        qt_exceeds: st.qtExceeds,
        nr_snapshots: st.nrSnapshots,
      };
    });
  }

  private updateTried(bytesOnly: boolean): void {
    // The kernel empties the directories before it asks for the walk.
    if (!this.ctx) throw einval('never turned on');
    this.clearTried();
    this.called();
    if (!this.engine) throw new SysfsErrno('ECANCELED', 'no schemes engine');
    let result: 'ECANCELED' | null | undefined;
    this.engine.collectTriedRegions((err) => (result = err));
    const step = Math.max(1, this.ctx.attrs.sampleInterval);
    this.host.runUntil(() => result !== undefined, step * 10, WALK_LIMIT_US);
    if (result === undefined) this.engine.cancelWalk();
    if (result !== null) throw new SysfsErrno('ECANCELED');
    this.forPairs((sys, s) => {
      sys.triedTotalBytes = s.triedRegions.reduce((a, r) => a + (r.end - r.start), 0);
      if (!bytesOnly) sys.tried = s.triedRegions.map((r) => ({ ...r }));
    });
  }

  private buildSchemes(c: SysContext): Scheme[] {
    const sup = schemeSupportOf(this.host.machine);
    return c.schemes.map((s, i) =>
      schemeOf(
        s,
        opsKind(c.operations),
        (p) => sup.cgroups.idOf(p) !== 0,
        `${this.where()}/contexts/0/schemes/${i}`,
      ),
    );
  }

  private minRegionSz(c: SysContext): number {
    const unit = n(c.addrUnit);
    if (unit < 1) throw einval('addr_unit must be positive');
    return opsKind(c.operations) === 'paddr' ? Math.max(Math.floor(PAGE_SIZE / unit), 1) : PAGE_SIZE;
  }

  private on(): void {
    if (this.running) throw new SysfsErrno('EBUSY');
    const c = this.k.contexts[0]!; // command() checked there is exactly one
    const kind = opsKind(c.operations);
    const m = this.host.machine;
    const targets = c.targets.map((t, i) => {
      const where = `${this.where()}/contexts/0/targets/${i}`;
      const pid = kind === 'paddr' ? null : n(t.pid);
      if (pid !== null && !m.processAlive(pid)) throw einval(`${where}/pid_target: no process ${pid}`);
      return { pid, regions: rangesOf(t, where) };
    });
    const pageFault = c.operations === 'paddr_fault' || c.primitives.pageFault;
    const pageTable = c.operations === 'paddr_fault' ? false : c.primitives.pageTable;
    let ctx: DamonContext;
    try {
      ctx = new DamonContext({
        ops: kind,
        attrs: attrsOf(c),
        targets,
        minRegionSz: this.minRegionSz(c),
        addrUnit: n(c.addrUnit),
        primitives: { pageTable, pageFault },
        sampleFilters: sampleFiltersOf(c),
        seed: this.host.allocKdamondPid(),
      });
      ctx.validate();
    } catch (e) {
      throw new SysfsErrno(errnoOf(e), (e as Error).message);
    }
    const schemes = this.buildSchemes(c);
    this.engine = new SchemesEngine(ctx, schemes, { metrics: schemeSupportOf(m).metrics });
    this.engine.paused = c.pause;
    this.kind = kind;
    this.ctx = ctx;
    this._pid = this.host.allocKdamondPid();
    this.lastRefreshUs = this.host.now;
    for (const s of c.schemes)
      s.stats = {
        nr_tried: 0,
        sz_tried: 0,
        nr_applied: 0,
        sz_applied: 0,
        sz_ops_filter_passed: 0,
        qt_exceeds: 0,
        nr_snapshots: 0,
      };
    this.host.startContext(ctx);
  }

  /** damon_commit_ctx: everything validated first (a scratch build), then applied. */
  private commit(): void {
    const ctx = this.ctx!;
    const c = this.k.contexts[0];
    if (this.k.contexts.length !== 1 || !c) throw einval('needs exactly one context');
    if (opsKind(c.operations) !== this.kind)
      throw einval('changing the operations set online is not supported');
    const pageFault = c.operations === 'paddr_fault' || c.primitives.pageFault;
    if (pageFault !== ctx.primitives.pageFault || (!pageFault && !c.primitives.pageTable))
      throw einval('changing the sample primitive online is not supported');
    const attrs = attrsOf(c);
    const schemes = this.buildSchemes(c);
    const m = this.host.machine;
    const srcTargets = c.targets.map((t, i) => {
      const where = `${this.where()}/contexts/0/targets/${i}`;
      const pid = this.kind === 'paddr' ? null : n(t.pid);
      if (pid !== null && !t.obsolete && !m.processAlive(pid))
        throw einval(`${where}/pid_target: no process ${pid}`);
      return { pid, obsolete: t.obsolete, ranges: rangesOf(t, where) };
    });
    const minSz = this.minRegionSz(c);
    if (minSz !== ctx.minRegionSz) throw einval('changing addr_unit online is not supported');
    try {
      const scratch = new DamonContext({
        ops: ctx.ops,
        attrs,
        minRegionSz: minSz,
        addrUnit: ctx.addrUnit,
        primitives: ctx.primitives,
        sampleFilters: sampleFiltersOf(c),
      });
      scratch.validate();
      for (const t of srcTargets) if (t.ranges.length) scratch.addTarget({ pid: t.pid, regions: t.ranges });
    } catch (e) {
      throw new SysfsErrno(errnoOf(e), (e as Error).message);
    }
    // As damon_call: applied inside the loop (after the merge) while a sample is in progress, and
    // the writer waits for it; between samples (e.g. paused) it is applied right away.
    let done = false;
    const apply = () => {
      if (!attrsEqual(attrs, ctx.attrs)) ctx.setAttrs(attrs);
      ctx.setSampleFilters(sampleFiltersOf(c));
      this.commitTargets(ctx, srcTargets);
      const engine = this.engine!;
      engine.setSchemes(commitSchemes(engine.schemes, schemes));
      engine.paused = c.pause;
      for (const s of engine.schemes) {
        if (s.quota.chargeTargetFrom && !ctx.targets.includes(s.quota.chargeTargetFrom as Target)) {
          s.quota.chargeTargetFrom = null;
          s.quota.chargeAddrFrom = 0;
        }
      }
      done = true;
    };
    if (!ctx.isSampling) apply();
    else {
      ctx.call(apply);
      this.host.runUntil(() => done, Math.max(1, ctx.attrs.sampleInterval), WALK_LIMIT_US);
    }
  }

  /** damon_commit_targets: index-wise; obsolete src removes the dst; empty src regions keep dst's. */
  private commitTargets(
    ctx: DamonContext,
    src: { pid: number | null; obsolete: boolean; ranges: { start: number; end: number }[] }[],
  ): void {
    const dst = ctx.targets;
    let i = 0;
    for (let d = 0; d < dst.length;) {
      const s = src[i++];
      if (!s || s.obsolete) {
        dst.splice(d, 1);
        continue;
      }
      if (s.pid !== dst[d]!.pid) {
        const t = new Target(s.pid);
        dst[d] = t;
      }
      if (s.ranges.length) ctx.setRegions(dst[d]!, coalesce(s.ranges));
      d++;
    }
    for (; i < src.length; i++) {
      const s = src[i]!;
      if (s.obsolete) throw einval(`targets/${i}: obsolete target without a counterpart`);
      ctx.addTarget({ pid: s.pid, regions: coalesce(s.ranges) });
    }
  }

  private commitGoals(): void {
    const c = this.k.contexts[0];
    if (!c) throw einval('needs one context');
    const src = this.buildSchemes(c);
    const live = this.engine!.schemes;
    for (let i = 0; i < Math.min(src.length, live.length); i++)
      commitQuotaGoals(live[i]!.quota.goals, src[i]!.quota.goals);
  }
}

/** damon_attrs_equals: set_attrs (which restarts the aggregation window) only runs on a change. */
function attrsEqual(a: Attrs, b: Attrs): boolean {
  const g = a.intervalsGoal;
  const h = b.intervalsGoal;
  return (
    a.sampleInterval === b.sampleInterval &&
    a.aggrInterval === b.aggrInterval &&
    a.opsUpdateInterval === b.opsUpdateInterval &&
    a.minNrRegions === b.minNrRegions &&
    a.maxNrRegions === b.maxNrRegions &&
    g.accessBp === h.accessBp &&
    g.aggrs === h.aggrs &&
    g.minSampleUs === h.minSampleUs &&
    g.maxSampleUs === h.maxSampleUs
  );
}

const U64_MAX = (1n << 64n) - 1n;

function toU64(x: number): bigint {
  return x >= 2 ** 64 - 1 ? U64_MAX : BigInt(Math.floor(x));
}

/** commit_target_regions: source regions coalesced into maximal contiguous ranges. */
function coalesce(ranges: { start: number; end: number }[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && last.end === r.start) last.end = r.end;
    else out.push({ ...r });
  }
  return out;
}
