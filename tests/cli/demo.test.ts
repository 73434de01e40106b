import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/reader.js';
import { ensureBuilt, run, smallWorkloadDir } from '../cli-helpers.js';

const { dir, cfg } = smallWorkloadDir();
beforeAll(ensureBuilt, 120_000);

describe('damon-ts demo (built bin)', () => {
  it('prints heatmaps, wss percentiles and accuracy; writes the record and the image', async () => {
    const r = run(
      ['demo', '--workload', cfg, '--duration', '1', '-o', 'demo.data', '--heatmap', 'hm.png'],
      dir,
    );
    expect(r.stderr).toMatch(/^(demo: .* s virtual\n)*$/); // progress lines only, on a slow machine
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/## heatmap of kdamond 0: page_table/);
    expect(r.stdout).toMatch(/## heatmap of kdamond 2: write-only write-protect/);
    expect(r.stdout).not.toContain(`${String.fromCharCode(27)}[`); // redirected: no colour escapes
    expect(r.stdout).toMatch(
      /wrote demo\.data \(kdamond i = setup i\) and hm\.png \(the heatmap of kdamond 1: page_fault\)/,
    );
    expect(r.stdout).toMatch(/## working set size percentiles/);
    expect(r.stdout).toMatch(/## accuracy against the ground truth/);
    expect(readFileSync(join(dir, 'hm.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(existsSync(join(dir, 'demo.data'))).toBe(true);
    const recs = await readRecords(join(dir, 'demo.data'));
    expect(recs.map((x) => x.kdamond_idx)).toEqual([0, 1, 2]);
    expect(recs.every((x) => x.snapshots.length === 10)).toBe(true);
  });
});
