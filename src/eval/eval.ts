/**
 * `damon-ts eval`: one workload, several monitoring setups, the same input, scored against the
 * machine's ground truth (metrics.ts) with their costs.
 *
 * Isolation. Monitors that share one page table disturb each other: one context's mkold clears the
 * Accessed bit another context is about to read, a page_fault context's protection changes flush
 * TLB entries (hiding exactly the TLB effect under study), and every protection fault is reported to
 * every page_fault context. So by default (`isolation: 'replica'`) each setup runs on its own
 * replica of the machine: same configuration, seed and workload, advanced in lockstep on one
 * virtual clock, so every setup sees the same access stream and its own costs are its own.
 * `isolation: 'shared'` runs every setup on one machine (cheaper; costs are then the sum of all
 * setups and the interference above is part of the result).
 */
import type { Machine } from '../backends/sim/machine.js';
import type { GroundTruthView, MachineConfig } from '../backends/sim/config.js';
import type { GroundTruthWindow } from '../backends/sim/ground-truth.js';
import { DEFAULT_COST_MODEL, type CostModel, type MachineCosts } from '../backends/sim/costs.js';
import type { DamonContext } from '../core/context.js';
import { runVirtual } from '../core/drivers.js';
import type { ReportStats } from '../core/report-intake.js';
import type { Attrs, SampleFilter } from '../core/types.js';
import type { ProtectionKind, SimOpsCounts } from '../ops/sim-binding.js';
import { newSimContext } from '../runners/sim-context.js';
import { machineWithWorkload } from '../runners/sim-session.js';
import { recordContext, type SnapshotSink } from '../runners/snapshot-recorder.js';
import { yieldToEventLoop } from '../runners/event-loop.js';
import type { MachineWorkload } from '../workloads/machine-view.js';
import {
  addAccuracy,
  emptyAccuracy,
  summarize,
  windowAccuracy,
  type AccuracySummary,
  type TruthPages,
} from './metrics.js';

export interface EvalSetup {
  name: string;
  ops?: 'vaddr' | 'paddr';
  primitive: 'page_table' | 'page_fault';
  /** page_fault protection (default: write-protect for a write-only view, else PAGE_NONE). */
  protection?: ProtectionKind;
  /** Sample filters; only "allow matching" filters, which define the setup's ground-truth view. */
  filters?: SampleFilter[];
  /** Faults on earlier samples' protections: dropped (default) or reported as the RFC code does. */
  staleFaults?: 'drop' | 'keep';
  /** Faults the filters reject re-arm the protection (default); false: the RFC, where they consume it. */
  rearm?: boolean;
}

const WRITE_ONLY: SampleFilter[] = [{ type: 'write', matching: true, allow: true }];

/**
 * page_table vs page_fault (sampling semantics, and the RFC code's, which also reports faults on
 * earlier samples' protections); write-only with PAGE_NONE (re-armed after reads, or not, as the
 * RFC) vs write-protect; with a cpu filter.
 */
export const DEFAULT_SETUPS: readonly EvalSetup[] = [
  { name: 'page_table', primitive: 'page_table' },
  { name: 'page_fault', primitive: 'page_fault' },
  { name: 'page_fault RFC (stale kept)', primitive: 'page_fault', staleFaults: 'keep' },
  { name: 'write-only PAGE_NONE', primitive: 'page_fault', protection: 'none', filters: WRITE_ONLY },
  {
    name: 'write-only PAGE_NONE RFC (not re-armed)',
    primitive: 'page_fault',
    protection: 'none',
    filters: WRITE_ONLY,
    rearm: false,
  },
  { name: 'write-only write-protect', primitive: 'page_fault', protection: 'write', filters: WRITE_ONLY },
  {
    name: 'page_fault cpu0',
    primitive: 'page_fault',
    filters: [{ type: 'cpumask', matching: true, allow: true, cpus: [0] }],
  },
];

/** Default hot threshold: a page is hot when accessed in at least half of a window's samples. */
export const DEFAULT_HOT_PERCENT = 50;

export interface EvalOptions {
  /** Returns a fresh instance of the workload (one per machine replica). */
  workload: () => MachineWorkload;
  setups?: readonly EvalSetup[];
  attrs?: Partial<Omit<Attrs, 'intervalsGoal'>>;
  machine?: Partial<Omit<MachineConfig, 'groundTruth'>>;
  /** Virtual µs to run (default: the workload's duration; 10 s when unknown). */
  durationUs?: number;
  hotPercent?: number;
  isolation?: 'replica' | 'shared';
  seed?: number;
  /** Snapshots of every setup (kdamond index = setup index, data_source = setup name). */
  sink?: SnapshotSink;
  onStep?: (nowUs: number, endUs: number) => void;
}

export interface SetupResult {
  name: string;
  ops: string;
  primitive: string;
  protection: ProtectionKind | null;
  filters: SampleFilter[];
  windows: number;
  accuracy: AccuracySummary;
  /** What this setup's monitor did on the machine: per sampled page, and the faults it took. */
  costs: SimOpsCounts;
  /** Those events priced by the machine's cost model (DEFAULT_COST_MODEL), ms. */
  estimatedOverheadMs: number;
  /** The machine's own counters (shared by every setup in shared isolation). */
  machineCosts: MachineCosts;
  /** Wall-clock ms spent in this context's sample steps (the core and the ops' prepare/check). */
  monitorCpuMs: number;
  reports: ReportStats;
}

export interface EvalResult {
  workload: string;
  durationUs: number;
  sampleUs: number;
  aggrUs: number;
  hotPercent: number;
  isolation: 'replica' | 'shared';
  setups: SetupResult[];
}

function viewOf(s: EvalSetup): { view: Omit<GroundTruthView, 'name'>; writes: boolean } {
  const view: { cpus?: number[]; tids?: number[] } = {};
  let writes = false;
  for (const f of s.filters ?? []) {
    if (!f.allow || !f.matching)
      throw new Error(
        `eval: setup '${s.name}': only "allow" filters that match can be scored (no ground-truth view for the others)`,
      );
    if (f.type === 'write') writes = true;
    else if (f.type === 'cpumask') view.cpus = [...f.cpus];
    else view.tids = [...f.tids];
  }
  return { view, writes };
}

interface Lane {
  setup: EvalSetup;
  machine: Machine;
  protection: ProtectionKind;
  counts: SimOpsCounts;
  pid: number | null;
  ctx: DamonContext;
  viewIndex: number;
  writes: boolean;
  truths: GroundTruthWindow[];
  sum: ReturnType<typeof emptyAccuracy>;
  wssRel: number[];
  windows: number;
  cpuMs: number;
}

function truthPages(w: GroundTruthWindow, lane: Lane): TruthPages {
  const side = lane.pid === null ? w.phys : w.virt;
  const v = side.views[lane.viewIndex]!;
  const counts = lane.writes ? v.writes : v.accesses;
  const page: number[] = [];
  const count: number[] = [];
  for (let k = 0; k < side.length; k++) {
    if (lane.pid !== null && w.virt.tgid[k] !== lane.pid) continue;
    const c = counts[k]!;
    if (c === 0) continue;
    page.push(lane.pid === null ? w.phys.pfn[k]! : w.virt.vpn[k]!);
    count.push(c);
  }
  return { length: page.length, page, count };
}

/** ns: each protection change also flushes the page's translation (the machine flushes per change). */
export function priceCounts(c: SimOpsCounts, m: Readonly<CostModel> = DEFAULT_COST_MODEL): number {
  return (
    c.mkold * m.mkold +
    c.youngChecks * m.youngCheck +
    c.protections * (m.protectionChange + m.tlbFlush) +
    (c.faults + c.staleFaults) * m.damonFault +
    c.faults * m.report
  );
}

function timed<A extends unknown[], R>(fn: (...a: A) => R, add: (ms: number) => void): (...a: A) => R {
  return (...a: A) => {
    const t = performance.now();
    try {
      return fn(...a);
    } finally {
      add(performance.now() - t);
    }
  };
}

/** Runs an evaluation to the end. */
export function runEval(o: EvalOptions): EvalResult {
  const g = evalSteps(o);
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
  }
}

/** The same, letting the event loop run between steps (progress bars, signals). */
export async function runEvalAsync(o: EvalOptions): Promise<EvalResult> {
  const g = evalSteps(o);
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
    await yieldToEventLoop();
  }
}

/** The evaluation as steps of one aggregation interval; yields the virtual time reached. */
export function* evalSteps(o: EvalOptions): Generator<number, EvalResult> {
  const setups = o.setups ?? DEFAULT_SETUPS;
  if (setups.length === 0) throw new Error('eval: no setup to run');
  const sampleUs = o.attrs?.sampleInterval ?? 5000;
  const aggrUs = o.attrs?.aggrInterval ?? 100000;
  if (aggrUs % sampleUs !== 0)
    throw new Error(
      `eval: the aggregation interval (${aggrUs} µs) must be a multiple of the sample interval (${sampleUs} µs)`,
    );
  const samples = aggrUs / sampleUs;
  const hotPercent = o.hotPercent ?? DEFAULT_HOT_PERCENT;
  if (!(hotPercent > 0 && hotPercent <= 100))
    throw new Error(`eval: hot threshold must be in (0, 100] %, got ${hotPercent}`);
  const hotThreshold = Math.max(1, Math.ceil((hotPercent * samples) / 100));
  const isolation = o.isolation ?? 'replica';

  // Ground-truth views: the union of the setups' views, deduplicated.
  const views: GroundTruthView[] = [];
  const byKey = new Map<string, number>();
  const viewIdx = setups.map((s) => {
    const { view } = viewOf(s);
    if (!view.cpus && !view.tids) return 0;
    const key = JSON.stringify(view);
    if (!byKey.has(key)) {
      views.push({ name: `view${views.length + 1} ${key}`, ...view });
      byKey.set(key, views.length);
    }
    return byKey.get(key)!;
  });
  const mconf: Partial<MachineConfig> = {
    ...o.machine,
    groundTruth: { intervalUs: sampleUs, windowUs: aggrUs, views },
  };
  const machines: { m: Machine; w: MachineWorkload }[] = [];
  const newMachine = () => {
    const w = o.workload();
    const m = machineWithWorkload(w, mconf);
    machines.push({ m, w });
    return machines[machines.length - 1]!;
  };
  const shared = isolation === 'shared' ? newMachine() : null;

  const lanes: Lane[] = setups.map((s, i) => {
    const { m, w } = shared ?? newMachine();
    const ops = s.ops ?? 'vaddr';
    const pid = ops === 'paddr' ? null : (w.mainPid ?? null);
    if (ops === 'vaddr' && pid === null)
      throw new Error(`eval: workload '${w.name}' has no main process to monitor with vaddr`);
    const { ctx, binding } = newSimContext(
      m,
      {
        ops,
        attrs: { sampleInterval: sampleUs, aggrInterval: aggrUs, ...o.attrs },
        targets: [{ pid }],
        primitives: { pageTable: s.primitive === 'page_table', pageFault: s.primitive === 'page_fault' },
        sampleFilters: s.filters ?? [],
        seed: (o.seed ?? 1) + i,
      },
      {
        protection: s.protection,
        staleFaults: s.staleFaults,
        ...(s.rearm === false ? { rearm: false } : {}),
      },
    );
    const lane: Lane = {
      setup: s,
      machine: m,
      protection: binding.protection,
      counts: binding.counts,
      pid,
      ctx,
      viewIndex: viewIdx[i]!,
      writes: viewOf(s).writes,
      truths: [],
      sum: emptyAccuracy(),
      wssRel: [],
      windows: 0,
      cpuMs: 0,
    };
    m.groundTruth!.onWindow((gw) => lane.truths.push(gw));
    ctx.beginSample = timed(ctx.beginSample.bind(ctx), (ms) => (lane.cpuMs += ms));
    ctx.endSample = timed(ctx.endSample.bind(ctx), (ms) => (lane.cpuMs += ms));
    if (o.sink) recordContext(ctx, o.sink, { kdamondIdx: i, dataSource: `damon-ts eval: ${s.name}` });
    ctx.onAggregated((aw) => {
      while (lane.truths.length && lane.truths[0]!.end < aw.endUs) lane.truths.shift();
      const gw = lane.truths[0];
      if (!gw || gw.end !== aw.endUs || aw.startUs !== gw.start) return;
      lane.truths.shift();
      if (gw.index === 0) return; // warm-up: the first window's first sample checks nothing
      const acc = windowAccuracy(aw.targets[0]!.regions, truthPages(gw, lane), hotThreshold, ctx.addrUnit);
      addAccuracy(lane.sum, acc);
      if (acc.trueWssBytes > 0)
        lane.wssRel.push(Math.abs(acc.estWssBytes - acc.trueWssBytes) / acc.trueWssBytes);
      lane.windows++;
    });
    return lane;
  });

  const w0 = machines[0]!.w;
  const durationUs = o.durationUs ?? w0.durationUs ?? 10_000_000;
  const env = { advance: (f: number, t: number) => machines.forEach((x) => x.m.advance(f, t)) };
  const ctxs = lanes.map((l) => l.ctx);
  let now = machines[0]!.m.now;
  const end = now + durationUs;
  while (now < end && !ctxs.every((c) => c.isStopped) && !machines.every((x) => x.m.workloadsFinished)) {
    now = Math.min(end, now + aggrUs);
    runVirtual(ctxs, env, now);
    o.onStep?.(now, end);
    yield now;
  }
  for (const c of ctxs) c.stop();

  return {
    workload: w0.name,
    durationUs: now - (end - durationUs),
    sampleUs,
    aggrUs,
    hotPercent,
    isolation,
    setups: lanes.map((l) => {
      return {
        name: l.setup.name,
        ops: l.ctx.ops.id,
        primitive: l.setup.primitive,
        protection: l.setup.primitive === 'page_fault' ? l.protection : null,
        filters: l.setup.filters ?? [],
        windows: l.windows,
        accuracy: summarize(l.sum, samples, l.wssRel),
        costs: { ...l.counts },
        estimatedOverheadMs: priceCounts(l.counts) / 1e6,
        machineCosts: { ...l.machine.costs },
        monitorCpuMs: l.cpuMs,
        reports: { ...l.ctx.stats },
      };
    }),
  };
}
