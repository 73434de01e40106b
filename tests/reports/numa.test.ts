/**
 * `report numa`'s arithmetic on hand-built records whose answers are worked out below, the record
 * round trip of the damon_ts.numa breakdown (both writers), and its errors.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeNuma, formatNuma, numaToJson, overallRemote } from '../../src/index.js';
import { readRecords } from '../../src/records/reader.js';
import { recordHeader, type DamonRecord, type RecordRegion } from '../../src/records/types.js';
import { RecordWriter } from '../../src/records/writer.js';
import { writeRecordsFile } from '../../src/records/write-file.js';
import { tmpDir } from '../records/helpers.js';

const dir = tmpDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function reg(
  start: number,
  end: number,
  samples: number,
  numa: { cpu_nodes: Record<string, number>; page_nodes: Record<string, number>; remote: number },
): RecordRegion {
  return {
    start,
    end,
    nr_accesses: { samples, percent: samples * 5 },
    age: { usec: 0, aggr_intervals: 0 },
    sz_filter_passed: 0,
    damon_ts: { writes: 0, cpus: {}, tids: {}, numa },
  };
}

/**
 * Region A: 3 pages hit in 10 samples by node 0's CPUs; region B: 1 page hit in 4 samples, 2 by
 * each node, its page on node 0. Snapshot 0: A on node 1 (all remote); snapshot 1: A moved to node 0.
 * Weights (bytes × samples): A 122880, B 16384, total 139264 = 17 × 8192.
 * Snapshot 0: remote = A + half of B = 131072 = 16/17; snapshot 1: half of B = 8192 = 1/17.
 */
function record(): DamonRecord {
  const B = () => reg(12288, 16384, 4, { cpu_nodes: { '0': 2, '1': 2 }, page_nodes: { '0': 4 }, remote: 2 });
  return {
    ...recordHeader({
      target_id: 0,
      kdamond_idx: 0,
      context_idx: 0,
      intervals: { sample_us: 5000, aggr_us: 100000, ops_update_us: 1000000 },
    }),
    snapshots: [
      {
        start_time: 1e9,
        end_time: 1.1e9,
        regions: [reg(0, 12288, 10, { cpu_nodes: { '0': 10 }, page_nodes: { '1': 10 }, remote: 10 }), B()],
      },
      {
        start_time: 1.1e9,
        end_time: 1.2e9,
        regions: [reg(0, 12288, 10, { cpu_nodes: { '0': 10 }, page_nodes: { '0': 10 }, remote: 0 }), B()],
      },
    ],
  };
}

describe('report numa arithmetic', () => {
  it('weighs hits by region size: remote fraction, CPU and page node shares, per region', () => {
    const [v] = computeNuma([record()]);
    expect(v!.nodes).toEqual([0, 1]);
    const [s0, s1] = v!.snapshots;
    expect(s0!.start_ns).toBe(0);
    expect(s1!.end_ns).toBe(200e6);
    expect(s0!.weight).toBe(139264);
    expect(s0!.remote_fraction).toBeCloseTo(16 / 17, 12);
    expect(s1!.remote_fraction).toBeCloseTo(1 / 17, 12);
    expect(s0!.cpu_nodes).toEqual({ '0': 16 / 17, '1': 1 / 17 });
    expect(s0!.page_nodes).toEqual({ '0': 2 / 17, '1': 15 / 17 });
    expect(s1!.page_nodes).toEqual({ '0': 1 });
    expect(v!.remote_fraction).toBeCloseTo(0.5, 12);
    expect(v!.regions_snapshot).toBe(1);
    expect(v!.regions.map((r) => r.remote_fraction)).toEqual([0, 0.5]);
    expect(computeNuma([record()], 0)[0]!.regions[0]!.remote_fraction).toBe(1);
    expect(overallRemote(computeNuma([record(), record()]))).toBeCloseTo(0.5, 12);
    expect(JSON.parse(numaToJson([v!])).remote_fraction).toBeCloseTo(0.5, 12);
  });

  it('prints the time line and the regions', () => {
    const text = formatNuma(computeNuma([record()]), false);
    expect(text.split('\n')).toEqual([
      '# kdamond 0 context 0 target_id 0: 2 nodes, remote 50.0 % of the accesses',
      '#         time   remote   CPUs:   node0    node1   pages:   node0    node1',
      '        100 ms   94.1 %          94.1 %    5.9 %           11.8 %   88.2 %',
      '        200 ms    5.9 %          94.1 %    5.9 %          100.0 %    0.0 %',
      '# regions at 200 ms (snapshot 1): samples by CPU node, by page node',
      '0   addr 0x0-0x3000 size 12.000 KiB  accesses 10  cpus node0 10, pages node0 10, remote 0.0 %',
      '1   addr 0x3000-0x4000 size 4.000 KiB   accesses 4   cpus node0 2 node1 2, pages node0 4, remote 50.0 %',
    ]);
  });

  it('refuses records without the breakdown, bad breakdowns (naming where) and snapshots out of range', () => {
    const plain = record();
    for (const s of plain.snapshots) for (const r of s.regions) delete r.damon_ts;
    expect(() => computeNuma([plain])).toThrow(/no per-node breakdown in the records/);
    const bad = record();
    (bad.snapshots[1]!.regions[1]!.damon_ts!.numa as { remote: unknown }).remote = 'x';
    expect(() => computeNuma([bad])).toThrow(
      /kdamond 0 target 0, snapshot 1, region 1: damon_ts\.numa needs/,
    );
    expect(() => computeNuma([record()], 2)).toThrow(RangeError);
  });
});

describe('damon_ts.numa in record files', () => {
  it('survives the damo-format writer and the streaming writer', async () => {
    const a = join(dir, 'a.data');
    writeRecordsFile(a, [record()], 'json_compressed');
    const b = join(dir, 'b.data');
    const w = RecordWriter.open(b, 'json', { flushIntervalMs: 0 });
    const rec = record();
    for (const s of rec.snapshots) w.addSnapshot(rec, s);
    w.close();
    for (const path of [a, b]) {
      const back = await readRecords(path);
      expect(back[0]!.snapshots[0]!.regions[1]!.damon_ts!.numa).toEqual({
        cpu_nodes: { '0': 2, '1': 2 },
        page_nodes: { '0': 4 },
        remote: 2,
      });
      expect(computeNuma(back)[0]!.remote_fraction).toBeCloseTo(0.5, 12);
    }
  });
});
