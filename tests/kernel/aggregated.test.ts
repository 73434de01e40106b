import { describe, expect, it } from 'vitest';
import { AggregatedAssembler, type AggregatedEvent } from '../../src/backends/kernel/aggregated.js';
import { systemRamRanges } from '../../src/backends/kernel/iomem.js';
import type { Snapshot } from '../../src/records/types.js';

function burst(targetId: number, bounds: number[], acc: number[], timeNs: number): AggregatedEvent[] {
  return acc.map((a, i) => ({
    kdamond: 0,
    targetId,
    nrRegions: acc.length,
    start: bounds[i]!,
    end: bounds[i + 1]!,
    nrAccesses: a,
    age: i,
    timeNs,
  }));
}

describe('damon_aggregated events → snapshots', () => {
  const intervals = { sample_us: 5000, aggr_us: 100000 };

  it('emits one snapshot per complete aggregation, timed by the events', () => {
    const out: { t: number; s: Snapshot }[] = [];
    const asm = new AggregatedAssembler(
      () => intervals,
      (_k, t, s) => out.push({ t, s }),
    );
    for (const e of burst(0, [0, 4096, 8192, 16384], [0, 20, 7], 1_000_000_000)) asm.push(e);
    for (const e of burst(0, [0, 8192, 16384], [3, 0], 1_100_000_000)) asm.push(e);
    expect(out).toHaveLength(2);
    expect(out[0]!.s).toMatchObject({
      start_time: 900_000_000,
      end_time: 1_000_000_000,
      total_bytes: 16384,
      sample_interval_us: 5000,
    });
    expect(out[0]!.s.regions[1]).toEqual({
      start: 4096,
      end: 8192,
      nr_accesses: { samples: 20, percent: 100 },
      age: { usec: 100000, aggr_intervals: 1 },
      sz_filter_passed: 0,
    });
    expect(out[0]!.s.regions[2]!.nr_accesses.percent).toBe(35); // trunc(7*100/20)
    expect(out[1]!.s.start_time).toBe(1_000_000_000);
    expect(asm.incomplete).toBe(0);
  });

  it('drops an aggregation with a lost event instead of merging two', () => {
    const out: Snapshot[] = [];
    const asm = new AggregatedAssembler(
      () => intervals,
      (_k, _t, s) => out.push(s),
    );
    const first = burst(0, [0, 10, 20, 30], [1, 2, 3], 1e9);
    asm.push(first[0]!);
    asm.push(first[1]!); // third event lost
    for (const e of burst(0, [0, 10, 20, 30], [4, 5, 6], 1.1e9)) asm.push(e);
    expect(asm.incomplete).toBe(1);
    expect(out).toHaveLength(1);
    expect(out[0]!.regions.map((r) => r.nr_accesses.samples)).toEqual([4, 5, 6]);
  });

  it('never emits a snapshot that ends before the previous one: it is dropped and counted', () => {
    const out: Snapshot[] = [];
    const asm = new AggregatedAssembler(
      () => intervals,
      (_k, _t, s) => out.push(s),
    );
    for (const [t, a] of [
      [1.1e9, 1],
      [1.0e9, 2], // older than the one before it
      [1.2e9, 3],
    ] as const)
      for (const e of burst(0, [0, 10], [a], t)) asm.push(e);
    expect(out.map((s) => s.regions[0]!.nr_accesses.samples)).toEqual([1, 3]);
    expect(out.every((s) => s.end_time > (s.start_time ?? Infinity))).toBe(true);
    expect(asm.incomplete).toBe(1);
  });

  it('keeps targets and kdamonds apart', () => {
    const out: string[] = [];
    const asm = new AggregatedAssembler(
      () => intervals,
      (k, t, s) => out.push(`${k}/${t}:${s.regions.length}`),
    );
    const a = burst(0, [0, 10, 20], [1, 1], 1e9);
    const b = burst(1, [100, 110], [1], 1e9);
    asm.push(a[0]!);
    asm.push(b[0]!);
    asm.push({ ...b[0]!, kdamond: 1 });
    asm.push(a[1]!);
    expect(out).toEqual(['0/1:1', '1/1:1', '0/0:2']);
  });
});

describe('/proc/iomem System RAM', () => {
  it('lists top-level System RAM ranges as half-open intervals, names the line of a bad one', () => {
    const text =
      '00001000-0009fbff : System RAM\n000a0000-000fffff : Reserved\n  00100000-001fffff : System RAM\n100000000-63fffffff : System RAM\n';
    expect(systemRamRanges(text)).toEqual([
      { start: 0x1000, end: 0x9fc00 },
      { start: 0x100000000, end: 0x640000000 },
    ]);
    expect(() => systemRamRanges('00002000-00000fff : System RAM\n', 'iomem')).toThrow(
      /iomem:1: bad System RAM range/,
    );
  });
});

describe('raw damon events → snapshots', async () => {
  const { DamonEventDecoder } = await import('../../src/backends/kernel/aggregated.js');
  const { decodeSubbuffer } = await import('../../src/backends/tracefs/ring-buffer.js');
  const { DEFAULT_HEADER_PAGE } = await import('../../src/backends/tracefs/format.js');
  const ev = await import('./damon-events.js');

  it('decodes records by field name, maps kdamonds by pid, follows intervals tuning', () => {
    const got: { k: number; s: Snapshot }[] = [];
    const dec = new DamonEventDecoder(
      ev.AGGREGATED,
      ev.INTERVALS_TUNE,
      [{ index: 2, pid: 500, sample_us: 5000, aggr_us: 100000 }],
      (k, _t, s) => got.push({ k, s }),
    );
    const high = 2 ** 40;
    const recs = [
      ev.aggregatedRecord({
        pid: 999,
        targetId: 0,
        nrRegions: 1,
        start: 0,
        end: 4096,
        nrAccesses: 1,
        age: 1,
      }), // another kdamond
      ev.aggregatedRecord({
        pid: 500,
        targetId: 0,
        nrRegions: 2,
        start: high,
        end: high + 8192,
        nrAccesses: 10,
        age: 3,
      }),
      ev.aggregatedRecord({
        pid: 500,
        targetId: 0,
        nrRegions: 2,
        start: high + 8192,
        end: high + 12288,
        nrAccesses: 0,
        age: 9,
      }),
      ev.tuneRecord(500, 10000),
      ev.aggregatedRecord({
        pid: 500,
        targetId: 0,
        nrRegions: 1,
        start: high,
        end: high + 12288,
        nrAccesses: 10,
        age: 0,
      }),
    ];
    for (const page of ev.subbuffers(recs, 1e9))
      decodeSubbuffer(page, 0, 4096, DEFAULT_HEADER_PAGE, (buf, off, _len, t) => dec.onRecord(buf, off, t));
    expect(got.map((g) => g.k)).toEqual([2, 2]);
    expect(got[0]!.s.regions).toEqual([
      {
        start: high,
        end: high + 8192,
        nr_accesses: { samples: 10, percent: 50 },
        age: { usec: 300000, aggr_intervals: 3 },
        sz_filter_passed: 0,
      },
      {
        start: high + 8192,
        end: high + 12288,
        nr_accesses: { samples: 0, percent: 0 },
        age: { usec: 900000, aggr_intervals: 9 },
        sz_filter_passed: 0,
      },
    ]);
    expect(got[0]!.s.end_time).toBe(1e9 + 3000);
    // after tuning to 10 ms sampling, aggr follows at the same ratio (200 ms): 10 samples = 50 %
    expect(got[1]!.s).toMatchObject({
      sample_interval_us: 10000,
      regions: [{ nr_accesses: { samples: 10, percent: 50 }, age: { usec: 0 } }],
    });
  });
});
