/**
 * `report numa`: where a record's accesses come from and where the accessed pages live, on a NUMA
 * machine, from the damon_ts.numa breakdown of report-fed records (src/records/types.ts RegionNuma).
 *
 * Each region's hit of a sample stands for the region's bytes, as DAMON's access frequency does, so
 * shares are weighted by size × samples: the remote fraction of a snapshot is
 * Σ size·remote / Σ size·(hits whose page node is known), and a node's CPU share is
 * Σ size·cpu_nodes[n] / Σ size·(all hits).
 */
import { fmtSz, fmtTimeNs, pyF } from '../records/pyformat.js';
import type { DamonRecord, RecordRegion, Snapshot, TargetId } from '../records/types.js';

export interface NumaRegionView {
  start: number;
  end: number;
  /** Samples of the aggregation window in which the region was seen accessed. */
  nr_accesses: number;
  /** Node of the hitting CPU → samples. */
  cpu_nodes: Record<string, number>;
  /** Node holding the hit page → samples. */
  page_nodes: Record<string, number>;
  /** Samples whose CPU's node is not the page's node. */
  remote: number;
  /** remote / samples with a known page node; null when none. */
  remote_fraction: number | null;
}

export interface NumaSnapshotView {
  /** ns since the record's first snapshot started. */
  start_ns: number;
  end_ns: number;
  /** Σ size × samples of the hits (bytes·samples): how much access the shares below weigh. */
  weight: number;
  remote_fraction: number | null;
  /** Node → share of the weighted hits made by that node's CPUs. */
  cpu_nodes: Record<string, number>;
  /** Node → share of the weighted hits on pages of that node. */
  page_nodes: Record<string, number>;
}

export interface NumaRecordView {
  kdamond_idx: number | null;
  context_idx: number | null;
  target_id: string | number | null;
  /** Node ids seen in the record. */
  nodes: number[];
  /** Over the whole record: remote_weight / known_weight. */
  remote_fraction: number | null;
  /** Σ size × samples of the remote hits, and of the hits whose page node is known. */
  remote_weight: number;
  known_weight: number;
  snapshots: NumaSnapshotView[];
  /** Index of the snapshot whose regions are listed. */
  regions_snapshot: number;
  regions: NumaRegionView[];
}

export class NoNumaBreakdownError extends Error {}

/** Remote fraction of every record's accesses together: per-node contexts each see their CPUs' share. */
export function overallRemote(views: NumaRecordView[]): number | null {
  let remote = 0;
  let known = 0;
  for (const v of views) {
    remote += v.remote_weight;
    known += v.known_weight;
  }
  return known > 0 ? remote / known : null;
}

function targetIdJson(t: TargetId): string | number | null {
  return typeof t === 'bigint' ? t.toString() : t;
}

function shares(m: Map<string, number>, total: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...m.keys()].sort((a, b) => Number(a) - Number(b)))
    out[k] = total > 0 ? m.get(k)! / total : 0;
  return out;
}

function regionView(r: RecordRegion): NumaRegionView {
  const n = r.damon_ts!.numa!;
  let known = 0;
  for (const v of Object.values(n.page_nodes)) known += v;
  return {
    start: r.start,
    end: r.end,
    nr_accesses: r.nr_accesses.samples,
    cpu_nodes: { ...n.cpu_nodes },
    page_nodes: { ...n.page_nodes },
    remote: n.remote,
    remote_fraction: known > 0 ? n.remote / known : null,
  };
}

interface Tally {
  weight: number;
  known: number;
  remote: number;
  cpu: Map<string, number>;
  page: Map<string, number>;
}

function tally(): Tally {
  return { weight: 0, known: 0, remote: 0, cpu: new Map(), page: new Map() };
}

function addSnapshot(t: Tally, s: Snapshot, nodes: Set<number>): void {
  for (const r of s.regions) {
    const n = r.damon_ts?.numa;
    if (!n) continue;
    const size = r.end - r.start;
    for (const [k, v] of Object.entries(n.cpu_nodes)) {
      t.cpu.set(k, (t.cpu.get(k) ?? 0) + size * v);
      t.weight += size * v;
      nodes.add(Number(k));
    }
    for (const [k, v] of Object.entries(n.page_nodes)) {
      t.page.set(k, (t.page.get(k) ?? 0) + size * v);
      t.known += size * v;
      nodes.add(Number(k));
    }
    t.remote += size * n.remote;
  }
}

function hasNuma(rec: DamonRecord): boolean {
  return rec.snapshots.some((s) => s.regions.some((r) => r.damon_ts?.numa !== undefined));
}

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** Throws naming the record, snapshot and region when a breakdown is not counts. */
function checkNuma(rec: DamonRecord): void {
  rec.snapshots.forEach((s, si) =>
    s.regions.forEach((r, ri) => {
      const n = r.damon_ts?.numa;
      if (!n) return;
      const ok =
        typeof n === 'object' &&
        [n.cpu_nodes, n.page_nodes].every(
          (m) =>
            typeof m === 'object' &&
            m !== null &&
            Object.entries(m).every(([k, v]) => /^\d+$/.test(k) && isCount(v)),
        ) &&
        isCount(n.remote);
      if (!ok)
        throw new Error(
          `record of kdamond ${rec.kdamond_idx} target ${String(rec.target_id)}, snapshot ${si}, region ${ri}: damon_ts.numa needs cpu_nodes and page_nodes mapping node ids to sample counts and a remote count`,
        );
    }),
  );
}

/**
 * The NUMA view of every record that carries the breakdown; `snapshot` picks the snapshot whose
 * regions are listed (negative: from the end; default the last). Throws NoNumaBreakdownError when no
 * record has one.
 */
export function computeNuma(records: DamonRecord[], snapshot = -1): NumaRecordView[] {
  const withNuma = records.filter(hasNuma);
  if (withNuma.length === 0)
    throw new NoNumaBreakdownError(
      "no per-node breakdown in the records: it is recorded for report-fed contexts (--sample_primitives page_fault) on a simulated machine with several NUMA nodes (e.g. record --workload numa --nodes 2); live and kernel records do not carry the pages' nodes",
    );
  return withNuma.map((rec) => {
    checkNuma(rec);
    const nodes = new Set<number>();
    const all = tally();
    const t0 = rec.snapshots[0]?.start_time ?? rec.snapshots[0]?.end_time ?? 0;
    const snapshots = rec.snapshots.map((s) => {
      const t = tally();
      addSnapshot(t, s, nodes);
      addSnapshot(all, s, new Set());
      return {
        start_ns: (s.start_time ?? s.end_time) - t0,
        end_ns: s.end_time - t0,
        weight: t.weight,
        remote_fraction: t.known > 0 ? t.remote / t.known : null,
        cpu_nodes: shares(t.cpu, t.weight),
        page_nodes: shares(t.page, t.known),
      };
    });
    const n = rec.snapshots.length;
    const idx = snapshot < 0 ? n + snapshot : snapshot;
    if (!(idx >= 0 && idx < n))
      throw new RangeError(
        `--snapshot ${snapshot}: the record has ${n} snapshots (0..${n - 1}, or -1..-${n})`,
      );
    return {
      kdamond_idx: rec.kdamond_idx,
      context_idx: rec.context_idx,
      target_id: targetIdJson(rec.target_id),
      nodes: [...nodes].sort((a, b) => a - b),
      remote_fraction: all.known > 0 ? all.remote / all.known : null,
      remote_weight: all.remote,
      known_weight: all.known,
      snapshots,
      regions_snapshot: idx,
      regions: rec.snapshots[idx]!.regions.filter((r) => r.damon_ts?.numa).map(regionView),
    };
  });
}

/** Region bounds: hex, as /proc/PID/maps shows them (decimal with --raw_number). */
function addr(start: number, end: number, raw: boolean): string {
  return raw ? `${start}-${end}` : `0x${start.toString(16)}-0x${end.toString(16)}`;
}

function pct(x: number | null): string {
  return x === null ? '-' : `${pyF(x * 100, 1)} %`;
}

function nodeShares(m: Record<string, number>, nodes: number[]): string {
  return nodes.map((n) => pct(m[String(n)] ?? 0).padStart(8)).join(' ');
}

function sampleShares(m: Record<string, number>): string {
  const e = Object.entries(m).filter(([, v]) => v > 0);
  return e.length === 0 ? '-' : e.map(([k, v]) => `node${k} ${v}`).join(' ');
}

/** damo-style text: per record, the remote fraction over time, then the listed snapshot's regions. */
export function formatNuma(views: NumaRecordView[], raw: boolean): string {
  const out: string[] = [];
  for (const v of views) {
    const heads = v.nodes.map((n) => `node${n}`.padStart(8)).join(' ');
    out.push(
      `# kdamond ${v.kdamond_idx ?? '-'} context ${v.context_idx ?? '-'} target_id ${v.target_id ?? '-'}: ${v.nodes.length} nodes, remote ${pct(v.remote_fraction)} of the accesses`,
    );
    out.push(`# ${'time'.padStart(12)} ${'remote'.padStart(8)}   CPUs:${heads}   pages:${heads}`);
    for (const s of v.snapshots)
      out.push(
        `${fmtTimeNs(s.end_ns, raw).padStart(14)} ${pct(s.remote_fraction).padStart(8)}        ${nodeShares(s.cpu_nodes, v.nodes)}         ${nodeShares(s.page_nodes, v.nodes)}`,
      );
    const at = v.snapshots[v.regions_snapshot]!;
    out.push(
      `# regions at ${fmtTimeNs(at.end_ns, raw)} (snapshot ${v.regions_snapshot}): samples by CPU node, by page node`,
    );
    v.regions.forEach((r, i) =>
      out.push(
        `${String(i).padEnd(3)} addr ${addr(r.start, r.end, raw)} size ${fmtSz(r.end - r.start, raw).padEnd(11)} accesses ${String(r.nr_accesses).padEnd(3)} cpus ${sampleShares(r.cpu_nodes)}, pages ${sampleShares(r.page_nodes)}, remote ${pct(r.remote_fraction)}`,
      ),
    );
  }
  if (views.length > 1)
    out.push(
      `# all records: remote ${pct(overallRemote(views))} of the accesses (a context filtered to some CPUs counts only theirs)`,
    );
  return out.join('\n');
}

/** The --json form. */
export function numaToJson(views: NumaRecordView[]): string {
  return JSON.stringify({ remote_fraction: overallRemote(views), records: views }, null, 1);
}
