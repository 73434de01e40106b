/**
 * NUMA placement on the simulated machine, three ways on the same seeded run of a workload (default
 * the built-in `numa`: each worker hot on a buffer first touched on the other node), scored by the
 * machine's exact remote-access counts (src/backends/sim/numa-truth.ts):
 * - `none`: no placement; one page_fault context monitors the process (its record gives DAMON's
 *   estimate of the remote fraction, `report numa`);
 * - `damos`: one page_fault context per node, each seeing only its node's CPUs (an "allow cpumask"
 *   sample filter) with a DAMOS migrate_hot scheme to its node for regions its CPUs access in at
 *   least `minAccessPercent` % of the samples for `minAgeUs`: memory moves to the node that uses
 *   it; memory both nodes use at lower rates stays;
 * - `numa-balancing`: the kernel's automatic NUMA balancing (src/backends/sim/numa-balancing.ts),
 *   hinting faults from a periodic PROT_NONE scan, no DAMON.
 * Costs are the machine's counters: pages migrated, the faults each approach induced (DAMON
 * protection faults or NUMA hinting faults), protection changes and TLB shootdown IPIs.
 */
import type { MachineConfig } from '../backends/sim/config.js';
import { NumaBalancing, type NumaBalancingConfig } from '../backends/sim/numa-balancing.js';
import { remoteFraction, trackRemoteAccesses, type RemoteWindow } from '../backends/sim/numa-truth.js';
import { optionsToKdamonds } from '../config/damo-options.js';
import type { KdamondsConfig } from '../config/schema.js';
import { yieldToEventLoop } from '../runners/event-loop.js';
import { machineWithWorkload, SimSession } from '../runners/sim-session.js';
import type { SnapshotSink } from '../runners/snapshot-recorder.js';
import type { DamonRecord, RecordHeader, Snapshot } from '../records/types.js';
import { computeNuma } from '../reports/numa.js';
import { getWorkload } from '../workloads/builtins.js';
import type { MachineWorkload } from '../workloads/machine-view.js';

export const PLACEMENT_POLICIES = ['none', 'damos', 'numa-balancing'] as const;
export type PlacementPolicy = (typeof PLACEMENT_POLICIES)[number];

export interface NumaPlacementOptions {
  policy: PlacementPolicy;
  /** Fresh workload instance (default: the built-in `numa`). */
  workload?: () => MachineWorkload;
  /** Virtual µs to run (default 5 s). */
  durationUs?: number;
  seed?: number;
  /** Machine (default 2 nodes, 2 CPUs). */
  machine?: Partial<Omit<MachineConfig, 'groundTruth' | 'numaBalancing' | 'seed'>>;
  /** DAMON's sampling and aggregation intervals (default 5 ms, 100 ms). */
  sampleUs?: number;
  aggrUs?: number;
  /**
   * The ground truth's interval and window (default 5 ms, 100 ms), kept apart from DAMON's so that
   * runs with other monitoring intervals are counted in the same unit.
   */
  truthIntervalUs?: number;
  truthWindowUs?: number;
  /** Name in tables (default: the policy). */
  label?: string;
  /** DAMOS: access rate (% of samples) from which a node's context migrates a region. Default 80. */
  minAccessPercent?: number;
  /** DAMOS: minimum age of such a region, µs. Default 500 ms. */
  minAgeUs?: number;
  numaBalancing?: Partial<NumaBalancingConfig>;
  /**
   * Where the remote fraction is "before" and "after", [start, end) µs: by default 0.25-0.5 s (the
   * numa workload's first touch is over, nothing has moved yet) and the last third of the run, at
   * most its last 2 s.
   */
  beforeUs?: [number, number];
  afterUs?: [number, number];
  onStep?: (nowUs: number, endUs: number) => void;
}

export interface NumaPlacementResult {
  policy: PlacementPolicy;
  label: string;
  workload: string;
  durationUs: number;
  /** Ground truth per aggregation window. */
  windows: RemoteWindow[];
  beforeUs: [number, number];
  afterUs: [number, number];
  /** Exact remote fraction of the page accesses in those spans and over the whole run. */
  remoteBefore: number;
  remoteAfter: number;
  remoteOverall: number;
  /** DAMON's estimate from the run's records (`report numa`), after span; null without monitoring. */
  estimatedAfter: number | null;
  estimatedBefore: number | null;
  pagesMigrated: number;
  /** Faults the placement approach induced: DAMON protection faults or NUMA hinting faults. */
  faults: number;
  damonFaults: number;
  numaHintingFaults: number;
  protectionChanges: number;
  tlbShootdownIpis: number;
}

const DEFAULT_DURATION_US = 5_000_000;

/** One per-node context (or, with node null, one unfiltered context) on the process. */
function contextConfig(
  pid: number,
  o: Required<Pick<NumaPlacementOptions, 'sampleUs' | 'aggrUs' | 'minAccessPercent' | 'minAgeUs'>>,
  node: { nid: number; cpus: number[] } | null,
): KdamondsConfig {
  return optionsToKdamonds(
    {
      ops: ['vaddr'],
      sample: [`${o.sampleUs}us`],
      aggr: [`${o.aggrUs}us`],
      sample_primitives: ['page_fault'],
      ...(node
        ? {
            exp_ops_cpus: [node.cpus.join(',')],
            damos_action: ['migrate_hot', String(node.nid)],
            damos_access_rate: [`${o.minAccessPercent}%`, 'max'],
            damos_age: [`${o.minAgeUs}us`, 'max'],
          }
        : {}),
    },
    { kind: 'pid', pid },
  );
}

/** Records in memory, keyed by kdamond and target. */
function memorySink(): { sink: SnapshotSink; records: () => DamonRecord[] } {
  const recs = new Map<string, DamonRecord>();
  return {
    sink: {
      addSnapshot(h: RecordHeader, s: Snapshot) {
        const k = `${h.kdamond_idx} ${h.target_id}`;
        let r = recs.get(k);
        if (!r) recs.set(k, (r = { ...h, snapshots: [] }));
        r.snapshots.push(s);
      },
    },
    records: () => [...recs.values()],
  };
}

/** DAMON's remote fraction over [from, to) µs, all records together (each node's context sees its CPUs). */
function estimated(records: DamonRecord[], span: [number, number]): number | null {
  let remote = 0;
  let known = 0;
  for (const rec of records)
    for (const s of rec.snapshots) {
      if (s.end_time <= span[0] * 1000 || s.end_time > span[1] * 1000) continue;
      for (const r of s.regions) {
        const n = r.damon_ts?.numa;
        if (!n) continue;
        const size = r.end - r.start;
        remote += size * n.remote;
        for (const v of Object.values(n.page_nodes)) known += size * v;
      }
    }
  return known > 0 ? remote / known : null;
}

function spanFraction(ws: readonly RemoteWindow[], span: [number, number]): number {
  let accesses = 0;
  let remote = 0;
  for (const w of ws)
    if (w.start >= span[0] && w.end <= span[1]) {
      accesses += w.accesses;
      remote += w.remote;
    }
  return remoteFraction({ accesses, remote });
}

export async function runNumaPlacement(opts: NumaPlacementOptions): Promise<NumaPlacementResult> {
  const o = {
    sampleUs: opts.sampleUs ?? 5000,
    aggrUs: opts.aggrUs ?? 100_000,
    minAccessPercent: opts.minAccessPercent ?? 80,
    minAgeUs: opts.minAgeUs ?? 500_000,
  };
  const durationUs = opts.durationUs ?? DEFAULT_DURATION_US;
  const seed = opts.seed ?? 1;
  const w = (opts.workload ?? (() => getWorkload('numa')))();
  const m = machineWithWorkload(w, {
    nodes: 2,
    cpus: 2,
    ...opts.machine,
    seed,
    numaBalancing: opts.policy === 'numa-balancing',
    groundTruth: { intervalUs: opts.truthIntervalUs ?? 5000, windowUs: opts.truthWindowUs ?? 100_000 },
  });
  const truth = trackRemoteAccesses(m);
  const mem = memorySink();
  let session: SimSession | null = null;
  let balancer: NumaBalancing | null = null;
  if (opts.policy === 'numa-balancing') balancer = new NumaBalancing(m, opts.numaBalancing);
  else {
    const pid = w.mainPid;
    if (pid === undefined) throw new Error(`workload ${w.name}: no process to place`);
    const nodes = Array.from({ length: m.config.nodes }, (_, nid) => ({
      nid,
      cpus: Array.from({ length: m.config.cpus }, (_, c) => c).filter((c) => m.cpuNode(c) === nid),
    }));
    const config: KdamondsConfig =
      opts.policy === 'none'
        ? contextConfig(pid, o, null)
        : { kdamonds: nodes.flatMap((n) => contextConfig(pid, o, n).kdamonds) };
    session = new SimSession({ config, machine: m, sink: mem.sink, seed });
  }
  const step = o.aggrUs;
  try {
    while (m.now < durationUs && !m.workloadsFinished) {
      const to = Math.min(durationUs, m.now + step);
      if (session) session.run(to, { stepUs: step });
      else if (balancer) m.advance(m.now, to);
      opts.onStep?.(m.now, durationUs);
      await yieldToEventLoop();
    }
  } finally {
    session?.stop();
    balancer?.stop();
    truth.stop();
  }
  const end = m.now;
  const beforeUs = opts.beforeUs ?? [250_000, 500_000];
  const afterUs = opts.afterUs ?? [end - Math.min(2_000_000, Math.floor(end / 3)), end];
  const records = mem.records();
  // The report's own computation must accept what was recorded (same code path as `report numa`).
  if (records.length > 0) computeNuma(records);
  const c = m.costs;
  return {
    policy: opts.policy,
    label: opts.label ?? opts.policy,
    workload: w.name,
    durationUs: end,
    windows: truth.windows,
    beforeUs,
    afterUs,
    remoteBefore: spanFraction(truth.windows, beforeUs),
    remoteAfter: spanFraction(truth.windows, afterUs),
    remoteOverall: spanFraction(truth.windows, [0, end]),
    estimatedBefore: records.length ? estimated(records, beforeUs) : null,
    estimatedAfter: records.length ? estimated(records, afterUs) : null,
    pagesMigrated: c.migrations,
    faults: c.damonFaults + c.numaHintingFaults,
    damonFaults: c.damonFaults,
    numaHintingFaults: c.numaHintingFaults,
    protectionChanges: c.protectionChanges,
    tlbShootdownIpis: c.tlbShootdownIpis,
  };
}

/** Remote page accesses a run avoided compared with a baseline run (same seed), per fault it induced. */
export function avoidedPerFault(r: NumaPlacementResult, baseline: NumaPlacementResult): number | null {
  let avoided = 0;
  const n = Math.min(r.windows.length, baseline.windows.length);
  for (let i = 0; i < n; i++) avoided += baseline.windows[i]!.remote - r.windows[i]!.remote;
  return r.faults > 0 ? avoided / r.faults : null;
}

/** Spelled out for a table: remote fraction before/after, migrations, faults, benefit per fault. */
export function formatPlacementTable(results: NumaPlacementResult[]): string {
  const base = results.find((r) => r.policy === 'none');
  const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)} %`);
  const head = [
    'placement',
    'remote before',
    'remote after',
    'DAMON est. after',
    'pages migrated',
    'faults induced',
    'avoided/fault',
  ];
  const rows = results.map((r) => [
    r.label,
    pct(r.remoteBefore),
    pct(r.remoteAfter),
    pct(r.estimatedAfter),
    String(r.pagesMigrated),
    String(r.faults),
    base && r !== base ? (avoidedPerFault(r, base)?.toFixed(2) ?? '-') : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}
