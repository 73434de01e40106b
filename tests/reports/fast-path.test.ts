/**
 * Report output through the byte decoder (fast path) equals the output through the general JSON.parse
 * path, on random records written by our writer and rewritten in damo's own layout: wss, heatmap raw
 * (hottest and all ranges, --df_passed, --by) and the raw form.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readRecords, type ColumnarStreamOptions } from '../../src/records/reader.js';
import { writeRecordsFile } from '../../src/records/write-file.js';
import { RecordWriter } from '../../src/records/writer.js';
import type { RecordRegion, Snapshot } from '../../src/records/types.js';
import { computeHeatmaps, formatHeatmapRaw, type HeatmapOptions } from '../../src/reports/heatmap.js';
import { stringSink } from '../../src/reports/output.js';
import { reportRawForm } from '../../src/reports/raw-form.js';
import { computeWss, formatWss, WSS_DEFAULTS } from '../../src/reports/wss.js';
import { tmpDir } from '../records/helpers.js';
import { syntheticHeader } from '../records/synthetic.js';

const regionArb = fc.record({
  gap: fc.integer({ min: 0, max: 3 }).map((g) => g * 4096 * 64),
  pages: fc.integer({ min: 1, max: 64 }),
  samples: fc.integer({ min: 0, max: 20 }),
  age: fc.option(fc.integer({ min: 0, max: 30 })),
  usec: fc.option(fc.integer({ min: 0, max: 90_000_000 })),
  szf: fc.integer({ min: 0, max: 4096 }),
  breakdown: fc.boolean(),
});

const recordArb = fc.record({
  targets: fc.integer({ min: 1, max: 2 }),
  snapshots: fc.array(fc.array(regionArb, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 30 }),
  overlap: fc.boolean(),
  format: fc.constantFrom('json_compressed', 'json') as fc.Arbitrary<'json_compressed' | 'json'>,
  /** Rewritten in damo's own layout (indented, "139,637,976,727,552", "4.000 KiB", "1 s 500 ms", probe_hits). */
  damoLayout: fc.boolean(),
});

type RecordCase = typeof recordArb extends fc.Arbitrary<infer T> ? T : never;

function writeRecord(path: string, r: RecordCase, withBreakdown: boolean): void {
  const w = RecordWriter.open(path, r.format, { flushIntervalMs: 0 });
  for (let t = 0; t < r.targets; t++) {
    const h = syntheticHeader({ seed: 0, snapshots: 0, regions: 0, targetId: t });
    let time = 1_000_000_000;
    for (const regions of r.snapshots) {
      let addr = 0x7f0000000000;
      const rs: RecordRegion[] = regions.map((x) => {
        // overlapping regions make wss merge windows through the general merge
        const start = r.overlap ? addr - x.gap / 2 : addr + x.gap;
        addr = start + x.pages * 4096;
        const region: RecordRegion = {
          start,
          end: addr,
          nr_accesses: { samples: x.samples, percent: null },
          age: { usec: x.usec, aggr_intervals: x.age },
          sz_filter_passed: x.szf,
        };
        if (withBreakdown && x.breakdown)
          region.damon_ts = { writes: x.samples >> 1, cpus: { '0': x.samples }, tids: { '9': x.samples } };
        return region;
      });
      const s: Snapshot = { start_time: time, end_time: time + 100_000_000, regions: rs };
      w.addSnapshot(h, s);
      time += 100_000_000;
    }
  }
  w.close();
}

async function writeCase(path: string, r: RecordCase, withBreakdown: boolean): Promise<void> {
  writeRecord(path, r, withBreakdown);
  if (r.damoLayout) writeRecordsFile(path, await readRecords(path), r.format);
}

async function reports(path: string, read: ColumnarStreamOptions, by: boolean): Promise<string> {
  const out = stringSink();
  for (const o of [
    { ...WSS_DEFAULTS, excludeSamples: 2 },
    { ...WSS_DEFAULTS, excludeSamples: 0, workTimeUs: 250_000, sortBy: 'time', collapseTargets: false },
  ]) {
    formatWss(await computeWss(path, o, read), o, out.sink);
  }
  const maps: HeatmapOptions[] = [
    { resol: [20, 30], drawRange: 'hottest' },
    { resol: [7, 11], drawRange: 'all', dfPassed: true },
    ...(by ? [{ resol: [5, 8], drawRange: 'all', by: 'cpu' } as HeatmapOptions] : []),
  ];
  for (const o of maps)
    for (const m of await computeHeatmaps(path, o, read)) {
      out.sink.write(`# ${m.label}\n`);
      formatHeatmapRaw(m, false, false, out.sink);
    }
  await reportRawForm(path, false, out.sink, read);
  return out.text();
}

describe('reports through the byte decoder', () => {
  const dir = tmpDir();

  it('print exactly what the general path prints (wss, heatmap raw, raw form)', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(recordArb, fc.boolean(), async (r, breakdown) => {
        const path = join(dir, `r-${runs++}.data`);
        await writeCase(path, r, breakdown);
        const fast = await reports(path, {}, breakdown);
        const general = await reports(path, { general: true }, breakdown);
        expect(fast).toBe(general);
        expect(fast).toContain('# <percentile> <wss>');
        expect(fast).toContain('nr_regions: ');
      }),
      { numRuns: 40, seed: 11 },
    );
  });
});
