import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BinaryTraceWriter } from '../../src/backends/trace/binary-trace.js';
import { readRecords } from '../../src/records/reader.js';
import { ensureBuilt, run, smallWorkloadDir } from '../cli-helpers.js';

/** What record prints on stderr off a terminal: progress lines (runs over 5 s), then what it wrote. */
const RECORD_DONE = /^(record: .*\n)*damon-ts: wrote \S+: \d+ snapshots, [\d.]+ s( virtual)?\n$/;

const { dir, cfg } = smallWorkloadDir();
beforeAll(ensureBuilt, 120_000);

describe('damon-ts record (built bin) on the simulated machine', () => {
  it('records a masim workload with vaddr page_table by default, and the record reads back', async () => {
    const out = join(dir, 'a.data');
    const r = run(['record', '--workload', cfg, '--timeout', '0.5', '-o', out]);
    expect(r.stderr).toMatch(RECORD_DONE);
    expect(r.code).toBe(0);
    expect(readFileSync(out).subarray(0, 2)).toEqual(Buffer.from([0x78, 0x9c])); // json_compressed
    const recs = await readRecords(out);
    expect(recs.length).toBe(1);
    expect(recs[0]).toMatchObject({
      kdamond_idx: 0,
      context_idx: 0,
      target_id: 0,
      data_source: 'damon-ts sim vaddr page_table',
    });
    expect(recs[0]!.snapshots.length).toBe(5);
    expect(recs[0]!.snapshots.some((s) => s.regions.some((x) => x.nr_accesses.samples > 0))).toBe(true);
  });

  it('paddr monitors the whole simulated RAM by default', async () => {
    const out = join(dir, 'p.data');
    expect(run(['record', '--workload', cfg, '--timeout', '0.2', '--ops', 'paddr', '-o', out]).code).toBe(0);
    const [rec] = await readRecords(out);
    const regions = rec!.snapshots[0]!.regions;
    expect(regions[0]!.start).toBe(0);
    expect(regions[regions.length - 1]!.end).toBe(4 * 2 ** 30);
  });

  it('page_fault write-only on paddr ranges, json output, with the breakdown fields', async () => {
    const out = join(dir, 'b.data');
    // the machine hands out low frames first: the workload lives in the first MiB
    const r = run([
      'record',
      '--workload',
      cfg,
      '--timeout',
      '1',
      '--ops',
      'paddr',
      '-r',
      '0-1048576',
      '--sample_primitives',
      'page_fault',
      '--exp_ops_write_only',
      '--output_type',
      'json',
      '-o',
      out,
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8').startsWith('[')).toBe(true);
    const [rec] = await readRecords(out);
    expect(rec!.data_source).toBe('damon-ts sim paddr page_fault write-only');
    const regions = rec!.snapshots.flatMap((s) => s.regions);
    expect(Math.max(...regions.map((x) => x.end))).toBe(1048576);
    const hit = regions.filter((x) => x.nr_accesses.samples > 0);
    expect(hit.length).toBeGreaterThan(0);
    // write-only: every hit is a write hit
    for (const x of hit) expect(x.damon_ts!.writes).toBe(x.nr_accesses.samples);
  });

  it('replays a trace on the simulated machine (--trace)', async () => {
    // 3 s of one thread writing 16 pages every ms, plus one page in two far windows (the trace
    // workload maps 1 MiB windows on first touch: three VMAs, so vaddr can build three regions at
    // its first ops update, 1 s in).
    const trace = join(dir, 't.bin');
    const tw = new BinaryTraceWriter(trace, { pid: 4242, source: 'test' });
    for (let ms = 0; ms < 3000; ms++) {
      for (let p = 0; p < 16; p++) tw.append(ms * 1e6 + p, 0x10000000 + p * 4096, 8, 4242, 0, true);
      tw.append(ms * 1e6 + 20, 0x40000000, 8, 4242, 0, false);
      tw.append(ms * 1e6 + 21, 0x7f0000000000, 8, 4242, 0, false);
    }
    tw.close();
    const out = join(dir, 't.data');
    const r = run(['record', '--trace', trace, '--sample_primitives', 'page_fault', '-o', out]);
    expect(r.stderr).toMatch(RECORD_DONE);
    expect(r.code).toBe(0);
    const [rec] = await readRecords(out);
    expect(rec!.snapshots.length).toBeGreaterThanOrEqual(28);
    const later = rec!.snapshots.slice(12);
    const hot = later.flatMap((s) => s.regions.filter((x) => x.start <= 0x10000000 && 0x10000000 < x.end));
    expect(hot.length).toBe(later.length);
    expect(hot.some((x) => x.nr_accesses.samples > 0 && x.damon_ts!.writes === x.nr_accesses.samples)).toBe(
      true,
    );
  });

  it('usage errors exit 2, failures exit 1 with the reason', () => {
    const bad = run(['record', '--workload', cfg, '--output_type', 'xml', '-o', join(dir, 'c.data')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--output_type/);
    const two = run(['record', '1234', '--workload', cfg, '-o', join(dir, 'c.data')]);
    expect(two.code).toBe(2);
    const missing = run(['record', '--workload', join(dir, 'nope.cfg'), '-o', join(dir, 'c.data')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.cfg/);
    const help = run(['record', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
  });
});
