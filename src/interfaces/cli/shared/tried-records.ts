/**
 * damo's `tried_regions_of <kdamond> <context> <scheme>` input of `report access`: a scheme's DAMOS tried
 * regions as a one-snapshot record (no target; the snapshot ends now and lasts one aggregation
 * interval; adjacent regions of one pattern merged unless asked not to). The kernel fills the regions
 * only when `update_schemes_tried_regions` is written to the kdamond's state file, so they are read
 * only from kdamonds damon-ts started: the others (the platform's kdamond 0) are refused, untouched.
 */
import { requireDamonSysfs } from '../../../backends/kernel/features.js';
import { readStatus, readTriedRegions, type TriedRegion } from '../../../backends/kernel/status.js';
import type { DamonRecord, RecordRegion } from '../../../records/types.js';
import { type ControlOptions, kernelOf } from './control-options.js';

function merged(regions: TriedRegion[]): TriedRegion[] {
  const out: TriedRegion[] = [];
  for (const r of regions) {
    const last = out[out.length - 1];
    if (
      last &&
      !last.sz_filter_passed &&
      !r.sz_filter_passed &&
      last.end === r.start &&
      last.nr_accesses === r.nr_accesses &&
      last.age === r.age
    )
      last.end = r.end;
    else out.push({ ...r });
  }
  return out;
}

/** The records of the schemes `idxs` ([kdamond, context, scheme] each), in the order given. */
export function triedRegionsRecords(
  o: ControlOptions,
  idxs: [number, number, number][],
  merge: boolean,
): DamonRecord[] {
  const damon = kernelOf(o);
  requireDamonSysfs(damon.fs);
  // Ownership and the tree are read before anything is written.
  const owned = new Set((damon.owned()?.kdamonds ?? []).map((k) => k.index));
  const list = readStatus(damon.fs);
  for (const [k, c, s] of idxs) {
    const what = `tried_regions_of ${k} ${c} ${s}`;
    const kd = list.find((x) => x.index === k);
    if (kd?.state !== 'on') throw new Error(`${what}: kdamond ${k} is not running`);
    if (!kd.contexts[c]?.schemes.some((x) => x.index === s))
      throw new Error(`${what}: kdamond ${k} has no scheme ${s} in context ${c}`);
    if (!owned.has(k))
      throw new Error(
        `${what}: kdamond ${k} was not started by damon-ts; its tried regions are filled only by writing ` +
          'update_schemes_tried_regions to its state file, which damon-ts does only to kdamonds it started',
      );
  }
  return idxs.map(([k, c, s]) => {
    const ctx = list.find((x) => x.index === k)!.contexts[c]!;
    const { regions, totalBytes } = readTriedRegions(damon.fs, k, s, c, { refresh: true });
    const aggrNs = ctx.intervals.aggr_us * 1000;
    const rs: RecordRegion[] = (merge ? merged(regions) : regions).map((r) => ({
      start: r.start,
      end: r.end,
      nr_accesses: { samples: r.nr_accesses, percent: null },
      age: { usec: null, aggr_intervals: r.age },
      sz_filter_passed: r.sz_filter_passed,
    }));
    return {
      kdamond_idx: k,
      context_idx: c,
      intervals: {
        sample_us: ctx.intervals.sample_us,
        aggr_us: ctx.intervals.aggr_us,
        ops_update_us: ctx.intervals.update_us,
      },
      scheme_idx: s,
      target_id: null,
      scheme_filters: [],
      data_source: 'unknown',
      // epoch ns is past 2^53: the snapshot's times are kept relative to its start (types.ts)
      time_base_ns: BigInt(Date.now()) * 1_000_000n - BigInt(aggrNs),
      snapshots: [{ start_time: 0, end_time: aggrNs, regions: rs, total_bytes: totalBytes }],
    };
  });
}
