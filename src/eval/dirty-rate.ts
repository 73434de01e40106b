/**
 * Dirty-rate evaluation: one seeded run of a workload on the simulated machine, on which three
 * things watch the same accesses:
 * - the ground truth: distinct pages each process wrote per window (src/backends/sim/dirty-truth.ts);
 * - damon-ts: write-only vaddr monitoring (page_fault, write-protect) of every process, recorded and
 *   read by `report dirty`'s own code (src/reports/dirty.ts);
 * - QEMU's calc-dirty-rate page sampling (src/backends/sim/page-sampling.ts).
 * Errors are per process over the windows after the first (the first holds the monitor's warm-up
 * and the workload's start-up, which neither estimator is about). Neither observer changes what
 * the workload does: page hashing reads guest memory without touching its page tables, and DAMON's
 * protection faults are resolved without changing the access stream.
 */
import { DirtyTruth } from '../backends/sim/dirty-truth.js';
import type { MachineConfig } from '../backends/sim/config.js';
import { PageSamplingEstimator, QEMU_SAMPLE_PAGES_PER_GIB } from '../backends/sim/page-sampling.js';
import { runVirtual } from '../core/drivers.js';
import type { SimOpsCounts } from '../ops/sim-binding.js';
import { newSimContext } from '../runners/sim-context.js';
import { machineWithWorkload } from '../runners/sim-session.js';
import { recordContext } from '../runners/snapshot-recorder.js';
import { recordKeyString, type DamonRecord, type RecordHeader, type Snapshot } from '../records/types.js';
import { DIRTY_DEFAULTS, dirtyReportOf, writeSeriesOf } from '../reports/dirty.js';
import type { MachineWorkload } from '../workloads/machine-view.js';

const PAGE = 4096;

export interface DirtyEvalOptions {
  workload: () => MachineWorkload;
  seed?: number;
  /** Virtual µs to run (default: the workload's duration). */
  durationUs?: number;
  windowUs?: number;
  sampleUs?: number;
  aggrUs?: number;
  minNrRegions?: number;
  maxNrRegions?: number;
  /**
   * Regions as QEMU counts its sample pages: min_nr_regions = this × the processes' GiB (at least
   * 5), max_nr_regions twice that. Overrides minNrRegions and maxNrRegions.
   */
  regionsPerGiB?: number;
  samplePagesPerGiB?: number;
  machine?: Partial<Omit<MachineConfig, 'groundTruth'>>;
}

export interface EstimatorScore {
  /** Mean over the scored windows of the estimated rate, bytes/s. */
  rate: number;
  /** |mean estimate − mean truth| / mean truth, %. */
  errPct: number;
  /** Mean over scored windows of |estimate − truth| / truth, %. */
  windowErrPct: number;
}

export interface DirtyEvalTarget {
  pid: number;
  comm: string;
  memoryBytes: number;
  /** Windows scored (all complete windows but the first). */
  windows: number;
  truthRate: number;
  damon: EstimatorScore;
  qemu: EstimatorScore & { samplesPerWindow: number };
}

export interface DirtyEvalResult {
  workload: string;
  seed: number;
  durationUs: number;
  windowUs: number;
  sampleUs: number;
  aggrUs: number;
  samplePagesPerGiB: number;
  /** damon-ts's region bounds (min_nr_regions, max_nr_regions). */
  regions: [number, number];
  targets: DirtyEvalTarget[];
  costs: {
    /** What damon-ts's monitor did: protection changes and faults taken, per virtual second. */
    damon: SimOpsCounts & { perSecond: { protections: number; faults: number } };
    /** Pages QEMU hashed (all processes), and per virtual second. */
    qemu: { pagesHashed: number; perSecond: number; faults: number };
  };
}

/** A sink keeping snapshots as records in memory. */
function memorySink(): { addSnapshot(h: RecordHeader, s: Snapshot): void; records: DamonRecord[] } {
  const byKey = new Map<string, DamonRecord>();
  const records: DamonRecord[] = [];
  return {
    records,
    addSnapshot(h, s) {
      const k = recordKeyString(h);
      let r = byKey.get(k);
      if (!r) {
        r = { ...h, snapshots: [] };
        byKey.set(k, r);
        records.push(r);
      }
      r.snapshots.push(s);
    },
  };
}

function score(est: number[], truth: number[]): EstimatorScore {
  const mean = (xs: number[]): number => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
  const t = mean(truth);
  const e = mean(est);
  const rel = truth.flatMap((tv, i) => (tv > 0 ? [Math.abs(est[i]! - tv) / tv] : []));
  return {
    rate: e,
    errPct: t > 0 ? (100 * Math.abs(e - t)) / t : e === 0 ? 0 : 100,
    windowErrPct: 100 * mean(rel),
  };
}

export function runDirtyEval(o: DirtyEvalOptions): DirtyEvalResult {
  const seed = o.seed ?? 1;
  const sampleUs = o.sampleUs ?? 5000;
  const aggrUs = o.aggrUs ?? 100_000;
  const windowUs = o.windowUs ?? 1_000_000;
  const perGiB = o.samplePagesPerGiB ?? QEMU_SAMPLE_PAGES_PER_GIB;
  if (aggrUs % sampleUs !== 0 || windowUs % aggrUs !== 0)
    throw new Error(
      `dirty eval: the window (${windowUs} µs) must be a multiple of the aggregation interval (${aggrUs} µs), itself a multiple of the sample interval (${sampleUs} µs)`,
    );
  const w = o.workload();
  const m = machineWithWorkload(w, {
    ...o.machine,
    seed,
    groundTruth: { intervalUs: sampleUs, windowUs: aggrUs },
  });
  const pids = m.processes();
  const origin = m.now;
  const vmaBytes = new Map(pids.map((pid) => [pid, m.vmas(pid).reduce((s, v) => s + v.end - v.start, 0)]));
  let minNr = o.minNrRegions;
  let maxNr = o.maxNrRegions;
  if (o.regionsPerGiB !== undefined) {
    let total = 0;
    for (const b of vmaBytes.values()) total += b;
    minNr = Math.max(5, Math.ceil((o.regionsPerGiB * total) / 2 ** 30));
    maxNr = 2 * minNr;
  }
  const { ctx, binding } = newSimContext(
    m,
    {
      ops: 'vaddr',
      attrs: {
        sampleInterval: sampleUs,
        aggrInterval: aggrUs,
        ...(minNr !== undefined ? { minNrRegions: minNr } : {}),
        ...(maxNr !== undefined ? { maxNrRegions: maxNr } : {}),
      },
      targets: pids.map((pid) => ({ pid })),
      primitives: { pageTable: false, pageFault: true },
      sampleFilters: [{ type: 'write', matching: true, allow: true }],
      seed,
    },
    { protection: 'write' },
  );
  const sink = memorySink();
  const stopRecording = recordContext(ctx, sink, {
    kdamondIdx: 0,
    dataSource: 'damon-ts sim vaddr page_fault write-only',
  });
  const truth = new DirtyTruth(m.groundTruth!, windowUs, origin);
  const qemu = pids.map(
    (pid, i) =>
      new PageSamplingEstimator(m, pid, windowUs, {
        samplePagesPerGiB: perGiB,
        seed: seed + 1 + i,
        originUs: origin,
      }),
  );

  const durationUs = o.durationUs ?? w.durationUs ?? 10_000_000;
  const end = origin + durationUs;
  while (m.now < end && !ctx.isStopped && !m.workloadsFinished)
    runVirtual([ctx], m, Math.min(end, m.now + aggrUs));
  const now = m.now;
  ctx.stop();
  stopRecording();
  truth.finish(now);
  for (const q of qemu) q.finish(now);

  const targets = pids.map((pid, ti): DirtyEvalTarget => {
    const rec = sink.records.find((r) => r.target_id === ti);
    const rep = rec
      ? dirtyReportOf(writeSeriesOf(rec, `eval ${w.name}`), { ...DIRTY_DEFAULTS, windowUs })
      : null;
    const damonWins = rep?.windows ?? [];
    const q = qemu[ti]!;
    const est: number[] = [];
    const qe: number[] = [];
    const tr: number[] = [];
    // Scored: complete windows after the first that all three measured.
    for (const tw of truth.windows) {
      if (tw.start === origin) continue;
      const dw = damonWins.find((x) => Math.abs(x.startUs - tw.start) < 1);
      const qw = q.windows.find((x) => x.start === tw.start);
      if (!dw || !qw) continue;
      tr.push(((tw.pages.get(pid) ?? 0) * PAGE) / (windowUs / 1e6));
      est.push(dw.rate);
      qe.push(qw.rate);
    }
    return {
      pid,
      comm: m.processName(pid) ?? '',
      memoryBytes: vmaBytes.get(pid)!,
      windows: tr.length,
      truthRate: tr.length ? tr.reduce((s, x) => s + x, 0) / tr.length : 0,
      damon: score(est, tr),
      qemu: { ...score(qe, tr), samplesPerWindow: q.windows[0]?.samples ?? 0 },
    };
  });
  const secs = (now - origin) / 1e6;
  const hashed = qemu.reduce((s, q) => s + q.pagesHashed, 0);
  return {
    workload: w.name,
    seed,
    durationUs: now - origin,
    windowUs,
    sampleUs,
    aggrUs,
    samplePagesPerGiB: perGiB,
    regions: [ctx.attrs.minNrRegions, ctx.attrs.maxNrRegions],
    targets,
    costs: {
      damon: {
        ...binding.counts,
        perSecond: { protections: binding.counts.protections / secs, faults: binding.counts.faults / secs },
      },
      qemu: { pagesHashed: hashed, perSecond: hashed / secs, faults: 0 },
    },
  };
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    r.map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

/** The side-by-side table of several runs: error against the ground truth, then cost. */
export function formatDirtyEval(results: readonly DirtyEvalResult[]): string {
  const mb = (x: number): string => (x / 1e6).toFixed(1);
  const pct = (x: number): string => x.toFixed(1);
  const r0 = results[0];
  const head = r0
    ? `# dirty rate per ${r0.windowUs / 1e6} s window vs ground truth (windows after the first); damon-ts: write-only, ` +
      `sample ${r0.sampleUs / 1000} ms, aggr ${r0.aggrUs / 1000} ms; QEMU: page sampling, ${r0.samplePagesPerGiB} pages/GiB`
    : '# no run';
  const accuracy = table(
    [
      'workload',
      'target',
      'memory MB',
      'truth MB/s',
      'damon MB/s',
      'err %',
      'win err %',
      'qemu MB/s',
      'err %',
      'win err %',
    ],
    results.flatMap((r) =>
      r.targets.map((t) => [
        r.workload,
        `${t.pid} ${t.comm}`,
        mb(t.memoryBytes),
        mb(t.truthRate),
        mb(t.damon.rate),
        pct(t.damon.errPct),
        pct(t.damon.windowErrPct),
        mb(t.qemu.rate),
        pct(t.qemu.errPct),
        pct(t.qemu.windowErrPct),
      ]),
    ),
  );
  const cost = table(
    [
      'workload',
      'virtual s',
      'regions',
      'damon protections/s',
      'damon faults/s',
      'qemu pages hashed/s',
      'qemu faults',
      'damon/qemu pages',
    ],
    results.map((r) => [
      r.workload,
      (r.durationUs / 1e6).toFixed(1),
      `${r.regions[0]}..${r.regions[1]}`,
      r.costs.damon.perSecond.protections.toFixed(0),
      r.costs.damon.perSecond.faults.toFixed(0),
      r.costs.qemu.perSecond.toFixed(0),
      String(r.costs.qemu.faults),
      // Pages either touches: a protection change or a fault against a page hashed.
      (
        (r.costs.damon.perSecond.protections + r.costs.damon.perSecond.faults) /
        Math.max(r.costs.qemu.perSecond, 1e-9)
      ).toFixed(2),
    ]),
  );
  return `${head}\n${accuracy}\n# cost (per virtual second)\n${cost}\n`;
}
