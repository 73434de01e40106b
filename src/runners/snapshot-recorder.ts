/**
 * Aggregated snapshots of a running context into a record sink (a RecordWriter, or anything with
 * addSnapshot), one record per (kdamond, context 0, target index) as damo keeps them.
 *
 * Report-fed contexts also get the damon_ts breakdown (src/records/types.ts RegionBreakdown):
 * `writes` is the core's per-region write-sample count; `cpus`/`tids` attribute each region's hit
 * of a sample to the report that produced it. Hits are kept per window as (address, size of the
 * region at hit time) and folded into the regions of the window's end: merges at the aggregation
 * average nr_accesses by size, so a hit weighs (size at hit)/(final size), which keeps the
 * breakdown on the same scale as nr_accesses. With a NUMA topology (several nodes) each hit also
 * counts for its CPU's node and for the node holding the hit page (from the report's paddr), and as
 * remote when those differ (RegionNuma).
 */
import type { AggregationWindow, DamonContext } from '../core/context.js';
import { findRegion } from '../core/report-intake.js';
import { type RecordHeader, type RecordRegion, recordHeader } from '../records/types.js';
import type { RecordWriter } from '../records/writer.js';

/** Where snapshots go: a RecordWriter, or anything with its addSnapshot (and setDataSource). */
export type SnapshotSink = Pick<RecordWriter, 'addSnapshot'> & Partial<Pick<RecordWriter, 'setDataSource'>>;

interface Hits {
  addr: number[];
  size: number[];
  cpu: number[];
  tid: number[];
  /** Node of the hit page (-1 unknown); filled only with a topology. */
  pnode: number[];
}

/** Where CPUs and physical pages are: the machine's NUMA layout. */
export interface NumaTopology {
  cpuNode(cpu: number): number;
  /** Node of a physical address, -1 when unknown or outside RAM. */
  nodeOf(paddr: number): number;
}

function add(map: Record<string, number>, key: number, w: number): void {
  const k = String(key);
  map[k] = (map[k] ?? 0) + w;
}

export interface RecordContextOptions {
  kdamondIdx: number;
  dataSource: string;
  /** Context time (µs) written as time 0: live contexts run on the epoch clock, whose ns exceed 2^53. */
  clockOriginUs?: number;
  /** Adds the per-node breakdown (damon_ts.numa) to report-fed contexts' regions. */
  numa?: NumaTopology;
}

/** Starts recording `ctx` into `sink`; returns a function that stops it. */
export function recordContext(ctx: DamonContext, sink: SnapshotSink, o: RecordContextOptions): () => void {
  const hits: Hits[] = [];
  const hitsOf = (ti: number): Hits => (hits[ti] ??= { addr: [], size: [], cpu: [], tid: [], pnode: [] });
  const numa = o.numa;
  const prevHit = ctx.onReportHit;
  const breakdown = ctx.reportFed;
  if (breakdown) {
    ctx.onReportHit = (target, i, cpu, tid, isWrite, paddr) => {
      prevHit?.(target, i, cpu, tid, isWrite, paddr);
      const h = hitsOf(ctx.targets.indexOf(target));
      const r = target.regions;
      h.addr.push(r.start[i]!);
      h.size.push(r.end[i]! - r.start[i]!);
      h.cpu.push(cpu);
      h.tid.push(tid);
      if (numa) h.pnode.push(paddr >= 0 ? numa.nodeOf(paddr) : -1);
    };
  }
  const headers = new Map<number, RecordHeader>();
  const origin = o.clockOriginUs ?? 0;
  const off = ctx.onAggregated((w: AggregationWindow) => {
    const a = ctx.attrs;
    const maxNr = Math.max(1, Math.floor(a.aggrInterval / (a.sampleInterval || 1)));
    w.targets.forEach((t, ti) => {
      let header = headers.get(ti);
      if (!header) {
        header = recordHeader({
          kdamond_idx: o.kdamondIdx,
          context_idx: 0,
          target_id: ti,
          intervals: {
            sample_us: a.sampleInterval,
            aggr_us: a.aggrInterval,
            ops_update_us: a.opsUpdateInterval,
            intervals_goal: {
              access_bp: a.intervalsGoal.accessBp,
              aggrs: a.intervalsGoal.aggrs,
              min_sample_us: a.intervalsGoal.minSampleUs,
              max_sample_us: a.intervalsGoal.maxSampleUs,
            },
          },
          data_source: o.dataSource,
        });
        headers.set(ti, header);
      }
      const r = t.regions;
      const regions: RecordRegion[] = [];
      for (let i = 0; i < r.length; i++) {
        const nr = r.nrAccesses[i]!;
        regions.push({
          start: r.start[i]!,
          end: r.end[i]!,
          nr_accesses: { samples: nr, percent: Math.trunc((nr * 100) / maxNr) },
          age: { usec: r.age[i]! * a.aggrInterval, aggr_intervals: r.age[i]! },
          sz_filter_passed: 0,
          ...(breakdown
            ? {
                damon_ts: {
                  writes: t.regions.nrWriteSamples[i]!,
                  cpus: {},
                  tids: {},
                  ...(numa ? { numa: { cpu_nodes: {}, page_nodes: {}, remote: 0 } } : {}),
                },
              }
            : {}),
        });
      }
      const h = hits[ti];
      if (breakdown && h) {
        for (let k = 0; k < h.addr.length; k++) {
          const i = findRegion(r, h.addr[k]!);
          if (i < 0) continue;
          const w = h.size[k]! / (r.end[i]! - r.start[i]!);
          const b = regions[i]!.damon_ts!;
          add(b.cpus, h.cpu[k]!, w);
          add(b.tids, h.tid[k]!, w);
          if (numa) {
            const cnode = numa.cpuNode(h.cpu[k]!);
            const pnode = h.pnode[k]!;
            add(b.numa!.cpu_nodes, cnode, w);
            if (pnode >= 0) {
              add(b.numa!.page_nodes, pnode, w);
              if (pnode !== cnode) b.numa!.remote += w;
            }
          }
        }
        for (const reg of regions) {
          const b = reg.damon_ts!;
          for (const m of [b.cpus, b.tids]) for (const k of Object.keys(m)) m[k] = Math.round(m[k]!);
          if (b.numa) {
            for (const m of [b.numa.cpu_nodes, b.numa.page_nodes])
              for (const k of Object.keys(m)) m[k] = Math.round(m[k]!);
            b.numa.remote = Math.round(b.numa.remote);
          }
        }
        h.addr.length = h.size.length = h.cpu.length = h.tid.length = h.pnode.length = 0;
      }
      sink.addSnapshot(header, {
        start_time: (w.startUs - origin) * 1000,
        end_time: (w.endUs - origin) * 1000,
        regions,
        sample_interval_us: a.sampleInterval,
      });
    });
  });
  return () => {
    off();
    if (breakdown) ctx.onReportHit = prevHit;
  };
}
