import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordHeader } from '../../src/records/types.js';
import { writeRecordsFile } from '../../src/records/write-file.js';
import { computeGuides, formatGuide, hottestRegion } from '../../src/reports/guide.js';
import { computeHeatmaps, formatHeatmapAscii, formatHeatmapRaw } from '../../src/reports/heatmap.js';
import { stringSink } from '../../src/reports/output.js';
import { heatmapSvg, svgToPng } from '../../src/reports/plot.js';
import { region, tmpDir } from '../records/helpers.js';
import { writeSynthetic } from '../records/synthetic.js';

const R0 = 0x7f9381923000;
const R1 = 0x7f938db29000;

describe('report heatmap pixels (damo-report-math §10)', () => {
  it('reproduces the hand-verified damon.data pixels', async () => {
    const dir = tmpDir();
    // damon.data's snapshots #10 and #11 for the region 0x7f9381923000-0x7f938db29000 (intervals null)
    const rec = {
      ...recordHeader({ target_id: 18446623438842320000n }),
      snapshots: [
        { start_time: 540857949124, end_time: 540961939967, regions: [region(R0, R1, 6, null)] },
        { start_time: 540961939967, end_time: 541065930810, regions: [region(R0, R1, 15, null)] },
      ],
    };
    const path = join(dir, 'd.data');
    writeRecordsFile(path, [rec], 'json_compressed');
    const maps = await computeHeatmaps(path, {
      resol: [500, 500],
      drawRange: 'hottest',
      timeRange: ['539809434100', '596606618651'],
      addressRanges: [['140271510761472', '140271717171200']],
    });
    expect(maps).toHaveLength(1);
    const m = maps[0]!;
    expect(m.tu).toBe(113594369);
    expect(m.au).toBe(412819);
    expect(m.unit).toBe('samples');
    const { sink, text } = stringSink();
    formatHeatmapRaw(m, false, false, sink);
    const lines = text().split('\n');
    expect(lines).toHaveLength(250001);
    expect(lines[10 * 500]).toBe('1135943690\t0\t13.687790650960876');
    expect(lines[9 * 500]).toBe('1022349321\t0\t4.617940137508048');
    expect(lines[0]).toBe('0\t0\tNaN');
    expect(lines[9 * 500 + 1]).toBe('1022349321\t412819\t4.617940137508048');
  });

  it('prints float relative times when t0 is a float (trace input)', async () => {
    const dir = tmpDir();
    const p = join(dir, 't.perf');
    const { writeFileSync } = await import('node:fs');
    const l = (ts: string, nr: number) =>
      `kdamond.0 1 [000] ${ts}: damon:damon_aggregated: target_id=1 nr_regions=1 0-409600: ${nr} 0`;
    writeFileSync(p, [l('10.000000', 5), l('10.100000', 7), l('10.200001', 9)].join('\n') + '\n');
    const [m] = await computeHeatmaps(p, { resol: [4, 2], drawRange: 'hottest' });
    expect(m!.t0IsFloat).toBe(true);
    expect(m!.t0).toBe(9899999500);
    const { sink, text } = stringSink();
    formatHeatmapRaw(m!, false, false, sink);
    // t0 = 10e9 - 200001000/2 (float); tu = 300001500.0 // 4 = 75000375.0; rows print trunc(t0 + i*tu) - t0 as floats
    expect(text().split('\n')[0]).toMatch(/^0\.0\t0\t/);
    expect(text().split('\n')[2]).toMatch(/^75000375\.0\t0\t/);
  });
});

describe('guide and record_info (§7.1, §8)', () => {
  it('finds contiguous regions, shrinking gaps, the hottest range and damo text', async () => {
    const dir = tmpDir();
    const rec = {
      ...recordHeader({
        target_id: 4,
        kdamond_idx: 0,
        context_idx: 0,
        intervals: { sample_us: 5000, aggr_us: 100000, ops_update_us: 1000000 },
      }),
      snapshots: [
        {
          start_time: 1e9,
          end_time: 1.1e9,
          regions: [region(0x1000, 0x3000, 1, 2), region(0x8000, 0x9000, 9, 0)],
        },
        {
          start_time: 1.1e9,
          end_time: 1.2e9,
          regions: [region(0x1000, 0x4000, 0, 3), region(0x7000, 0xa000, 20, 0)],
        },
      ],
    };
    const path = join(dir, 'g.json');
    writeRecordsFile(path, [rec], 'json');
    const [g] = await computeGuides(path, true);
    // gap [0x3000, 0x8000] narrowed by [0x4000, 0x7000]
    expect(g!.gaps).toEqual([[0x4000, 0x7000]]);
    expect(g!.regions.map((c) => [c.start, c.end])).toEqual([
      [0x1000, 0x4000],
      [0x7000, 0xa000],
    ]);
    // start is back-filled by the first snapshot's max age (2) × aggr
    expect(g!.start).toBe(1e9 - 2 * 100000 * 1000);
    expect(hottestRegion(g!).start).toBe(0x7000);
    expect(g!.regions[0]!.heatPerByte).toBe((0x2000 * 1) / 0x3000);
    expect(formatGuide(g!, true)).toBe(
      'kdamond_idx: 0\ncontext_idx: 0\ntarget_id: 4\ntime: [800000000, 1200000000) (400000000)\n' +
        `region\t 0: [4096, 16384) (12288)\nregion\t 1: [28672, 40960) (12288)\n`,
    );
    expect(formatGuide(g!, false)).toBe(
      'kdamond_idx: 0\ncontext_idx: 0\ntarget_id: 4\ntime: [800 ms, 1.200 s) (400 ms)\n' +
        'region\t 0: [4.000000 KiB, 16.000000 KiB) (12.000 KiB)\nregion\t 1: [28.000000 KiB, 40.000000 KiB) (12.000 KiB)\n',
    );
  });
});

describe('terminal map and images', () => {
  it('treats a lowest address of 0 as unset (damo truthiness quirk)', async () => {
    const dir = tmpDir();
    const rec = {
      ...recordHeader({ target_id: 1 }),
      snapshots: [{ start_time: 0, end_time: 1000, regions: [region(0, 4096, 1), region(4096, 8192, 2)] }],
    };
    const path = join(dir, 'z.json');
    writeRecordsFile(path, [rec], 'json');
    const [g] = await computeGuides(path, false);
    expect(g!.regions.map((c) => [c.start, c.end])).toEqual([[4096, 8192]]);
  });

  it('prints damo digits, colours and footer', async () => {
    const dir = tmpDir();
    const rec = {
      ...recordHeader({ target_id: 1 }),
      snapshots: [0, 1, 2, 3].map((i) => ({
        start_time: i * 1000,
        end_time: i * 1000 + 1000,
        regions: [region(0x10000, 0x11000, i), region(0x11000, 0x12000, 9 - i)],
      })),
    };
    const path = join(dir, 'a.json');
    writeRecordsFile(path, [rec], 'json');
    const [m] = await computeHeatmaps(path, { resol: [4, 2], drawRange: 'hottest' });
    const out = formatHeatmapAscii(m!, 'gray', false);
    const lines = out.split('\n');
    // row 0: snapshot 0 (samples 0 | 9): lo 0, hi 9, unit 10/9
    const cell = (lvl: number) => `\x1b[48;5;232m\x1b[38;5;${237 + 2 * lvl}m${lvl}`;
    expect(lines[0]).toBe(cell(0) + cell(8) + '\x1b[0m');
    expect(lines[3]).toBe(cell(2) + cell(5) + '\x1b[0m');
    expect(lines[4]).toBe(
      `# access_frequency: ${[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(cell).join('')}\x1b[0m (0.000-9.000 samples)`,
    );
    expect(lines[5]).toBe('# x-axis: space [64.000000 KiB, 72.000000 KiB) (8.000 KiB)');
    expect(lines[6]).toBe('# y-axis: time [0 ns, 4 us) (4 us)');
    expect(lines[7]).toBe('# resolution: 2x4 (4.000 KiB and 1 us for each character)');
    const svg = heatmapSvg(m!, 'test');
    expect(svg).toContain('heat: accessed samples × pixel coverage, summed');
    const png = svgToPng(svg);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('draws one map per CPU, thread or read/write from the breakdown', async () => {
    const dir = tmpDir();
    const path = writeSynthetic(join(dir, 'b.data'), 'json_compressed', {
      seed: 8,
      snapshots: 30,
      regions: 10,
      breakdown: true,
    });
    const w = await computeHeatmaps(path, { resol: [10, 10], drawRange: 'all', by: 'write' });
    expect(w.map((m) => m.label)).toEqual(['read', 'write', 'read', 'write']);
    const c = await computeHeatmaps(path, { resol: [10, 10], drawRange: 'hottest', by: 'cpu' });
    expect(c.map((m) => m.label)).toEqual(['cpu 0', 'cpu 1']);
    // the whole map equals the sum of the per-CPU maps (heat is linear in samples)
    const [whole] = await computeHeatmaps(path, { resol: [10, 10], drawRange: 'hottest' });
    for (let k = 0; k < whole!.heats.length; k++) {
      const a = whole!.heats[k]!;
      const b = c[0]!.heats[k]! + c[1]!.heats[k]!;
      if (Number.isNaN(a)) expect(Number.isNaN(b)).toBe(true);
      else expect(b).toBeCloseTo(a, 6);
    }
  });
});
