/**
 * Deterministic synthetic records for tests and benchmarks: a target with two mapped areas separated by
 * a gap, region boundaries that move between snapshots, and samples/ages from a seeded PRNG.
 */
import { RecordWriter } from '../../src/records/writer.js';
import type { RecordFormat, RecordHeader, RecordRegion, Snapshot } from '../../src/records/types.js';
import { recordHeader } from '../../src/records/types.js';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticOptions {
  seed: number;
  snapshots: number;
  regions: number;
  /** ns of the first snapshot's start. */
  t0?: number;
  aggrUs?: number;
  breakdown?: boolean;
  targetId?: number | bigint;
}

export const SYN_BASE = 0x7f0000000000;
const PAGE = 4096;

export function syntheticHeader(o: SyntheticOptions): RecordHeader {
  return recordHeader({
    kdamond_idx: 0,
    context_idx: 0,
    target_id: o.targetId ?? 0,
    intervals: { sample_us: 5000, aggr_us: o.aggrUs ?? 100000, ops_update_us: 1000000 },
    data_source: 'synthetic',
  });
}

/** Yields the snapshots of a synthetic record one by one. */
export function* syntheticSnapshots(o: SyntheticOptions): Generator<Snapshot> {
  const rnd = mulberry32(o.seed);
  const aggrNs = (o.aggrUs ?? 100000) * 1000;
  const half = Math.max(1, Math.floor(o.regions / 2));
  const ages = new Array<number>(o.regions).fill(0);
  let t = o.t0 ?? 1_000_000_000;
  for (let s = 0; s < o.snapshots; s++) {
    const regions: RecordRegion[] = [];
    let addr = SYN_BASE;
    for (let i = 0; i < o.regions; i++) {
      if (i === half) addr += 1024 * PAGE; // the gap between the two areas
      const pages = 16 + Math.floor(rnd() * 16);
      const hot = i % 7 === s % 7;
      const samples = hot ? 10 + Math.floor(rnd() * 10) : rnd() < 0.5 ? 0 : Math.floor(rnd() * 5);
      ages[i] = samples === 0 ? ages[i]! + 1 : 0;
      const r: RecordRegion = {
        start: addr,
        end: addr + pages * PAGE,
        nr_accesses: { samples, percent: null },
        age: { usec: null, aggr_intervals: ages[i]! },
        sz_filter_passed: 0,
      };
      if (o.breakdown) {
        const writes = Math.floor(samples / 3);
        const c0 = Math.ceil(samples / 2);
        r.damon_ts = { writes, cpus: { '0': c0, '1': samples - c0 }, tids: { '100': samples } };
      }
      regions.push(r);
      addr += pages * PAGE;
    }
    yield { start_time: t, end_time: t + aggrNs, regions };
    t += aggrNs;
  }
}

/** Writes a synthetic record file and returns its path. */
export function writeSynthetic(
  path: string,
  format: RecordFormat,
  o: SyntheticOptions,
  compressionLevel?: number,
): string {
  const w = RecordWriter.open(path, format, {
    flushIntervalMs: 0,
    ...(compressionLevel !== undefined ? { compressionLevel } : {}),
  });
  const h = syntheticHeader(o);
  for (const s of syntheticSnapshots(o)) w.addSnapshot(h, s);
  w.close();
  return path;
}
