/**
 * convertRecordFile (what `convert_record_format` runs): the record is read and written snapshot by
 * snapshot. The whole-string writer it replaces failed with "Invalid string length" once damo's text
 * passed V8's string limit (a 2,000-snapshot × 500-region record is ~550 MB of json); building such a
 * record here would cost ~15 s, so these tests show the streaming on a smaller one instead: no piece of
 * text the layout produces is longer than one snapshot's, and the file reads back with the input's
 * snapshots and totals. bench/convert-large.bench.ts converts the full-size record.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertRecordFile } from '../../src/records/convert.js';
import { readRecords, streamRecords } from '../../src/records/reader.js';
import type { RecordFormat } from '../../src/records/types.js';
import { snapshotTotalBytes } from '../../src/records/types.js';
import { DamoLayout, recordsToBytes } from '../../src/records/write-file.js';
import { tmpDir } from './helpers.js';
import { writeSynthetic } from './synthetic.js';

/** What a reader of the file sees: records, snapshots, and sums over every region. */
async function summary(path: string): Promise<{
  records: number;
  snapshots: number;
  bytes: number;
  samples: number;
  ages: number;
}> {
  const s = { records: 0, snapshots: 0, bytes: 0, samples: 0, ages: 0 };
  await streamRecords(path, {
    snapshot(snap) {
      s.snapshots++;
      s.bytes += snapshotTotalBytes(snap);
      for (const r of snap.regions) {
        s.samples += r.nr_accesses.samples;
        s.ages += r.age.aggr_intervals ?? 0;
      }
    },
    recordEnd() {
      s.records++;
    },
  });
  return s;
}

describe('convertRecordFile', () => {
  const dir = tmpDir();
  const input = writeSynthetic(join(dir, 'in.data'), 'json_compressed', {
    seed: 3,
    snapshots: 200,
    regions: 100,
  });

  it.each(['json', 'json_compressed', 'perf_script'] as RecordFormat[])(
    'writes %s that reads back with the same snapshots and totals',
    async (format) => {
      const want = await summary(input);
      expect(want.snapshots).toBe(200);
      const out = join(dir, `out.${format}`);
      expect(await convertRecordFile(input, out, format)).toEqual({ records: 1, snapshots: 200 });
      expect(await summary(out)).toEqual(want);
    },
  );

  it('produces text no longer than one snapshot at a time, the same bytes as the whole-file writer', async () => {
    const records = await readRecords(input);
    for (const format of ['json', 'perf_script'] as RecordFormat[]) {
      const pieces: string[] = [];
      const layout = new DamoLayout(format, (t) => pieces.push(t));
      for (const rec of records) {
        for (const s of rec.snapshots) layout.snapshot(rec, s);
        layout.recordEnd(rec);
      }
      layout.end();
      const longest = Math.max(...pieces.map((p) => p.length));
      const whole = pieces.join('');
      // 200 snapshots of about the same size: no piece holds two of them
      expect(longest).toBeLessThan(whole.length / 100);
      expect(Buffer.from(whole).equals(recordsToBytes(records, format))).toBe(true);
    }
  });

  it('converts in place, and a failure leaves the output as it was', async () => {
    const here = join(dir, 'inplace.data');
    writeFileSync(here, readFileSync(input));
    const before = await summary(here);
    await convertRecordFile(here, here, 'json');
    expect(readFileSync(here, 'utf8').startsWith('[\n    {\n        "kdamond_idx": 0,')).toBe(true);
    expect(await summary(here)).toEqual(before);

    const bad = join(dir, 'bad.json');
    const text = readFileSync(here, 'utf8');
    writeFileSync(bad, text.replace('"end_time": "', '"end_time": "x'));
    const kept = join(dir, 'kept.data');
    writeFileSync(kept, 'what the user had');
    await expect(convertRecordFile(bad, kept, 'json_compressed')).rejects.toThrow(
      /bad\.json: record 0 snapshot 0 \(end_time\)/,
    );
    expect(readFileSync(kept, 'utf8')).toBe('what the user had');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it("takes a record whose keys follow its snapshots (damo's readers do not mind the order)", async () => {
    const hand = join(dir, 'hand.json');
    const snap = (t: number): object => ({
      start_time: t,
      end_time: t + 100,
      regions: [
        {
          start: 4096,
          end: 8192,
          nr_accesses: { samples: 3, percent: null },
          age: { usec: null, aggr_intervals: 2 },
        },
      ],
    });
    writeFileSync(
      hand,
      JSON.stringify([
        { snapshots: [snap(0), snap(100)], target_id: 42, kdamond_idx: 1, data_source: 'hand' },
      ]),
    );
    const out = join(dir, 'hand.out.json');
    await convertRecordFile(hand, out, 'json');
    expect(readFileSync(out, 'utf8')).toBe(recordsToBytes(await readRecords(hand), 'json').toString());
    const back = await readRecords(out);
    expect([back[0]!.target_id, back[0]!.kdamond_idx, back[0]!.snapshots.length]).toEqual([42, 1, 2]);
    expect(existsSync(`${out}.old`)).toBe(false);
  });
});
