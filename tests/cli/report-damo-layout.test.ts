/**
 * Reports on a record in damo's own layout, as damo 3.3's convert_record_format writes it (indented,
 * "139,637,976,727,552", "16.000 KiB", ages as texts, probe_hits): damon-ts reads it with its byte decoder
 * and prints what damo prints, byte for byte (wss, heatmap raw with and without --df_passed, raw form).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/reader.js';
import { writeRecordsFile } from '../../src/records/write-file.js';
import { writeSynthetic } from '../records/synthetic.js';
import { damo, damoAbsent, dts } from './damo-golden.js';

const why = damoAbsent();
if (why) console.log(`skipping the comparison with damo: ${why}`);
const dir = mkdtempSync(join(tmpdir(), 'damon-ts-damo-layout-'));
const converted = join(dir, 'damo-layout.data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  if (why) return;
  const ours = join(dir, 'ours.data');
  writeSynthetic(ours, 'json_compressed', { seed: 5, snapshots: 60, regions: 40 }, 1);
  // ages in µs and sizes that passed a filter, which damo writes as texts ("1 s 200 ms", "12.000 KiB")
  const records = await readRecords(ours);
  for (const s of records[0]!.snapshots)
    for (const r of s.regions) {
      r.age.usec = (r.age.aggr_intervals ?? 0) * 100_000 + 7;
      r.sz_filter_passed = Math.floor((r.end - r.start) / 3 / 4096) * 4096;
    }
  writeRecordsFile(ours, records, 'json_compressed');
  const c = damo([
    'convert_record_format',
    '--record_file',
    ours,
    '--format',
    'json_compressed',
    '--output_file',
    converted,
  ]);
  expect(c.code, c.stderr).toBe(0);
}, 120_000);

describe("reports on damo's own layout", () => {
  it
    .skipIf(why !== null)
    .each([
      [['report', 'wss', '--range', '0', '101', '10', '--exclude_samples', '3']],
      [['report', 'heatmap', '--output', 'raw', '--resol', '30', '40']],
      [['report', 'heatmap', '--output', 'raw', '--resol', '20', '25', '--df_passed']],
      [['report', 'access', '--raw_form']],
    ])('%j prints what damo prints', (args: string[]) => {
    const d = damo([...args, '-i', converted]);
    expect(d.code, d.stderr).toBe(0);
    const o = dts([...args, '-i', converted]);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout.length).toBeGreaterThan(100);
    expect(o.stdout).toBe(d.stdout);
  });
});
