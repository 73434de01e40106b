/**
 * The built bin on record files: `npm run build` first (done once here), then
 * `node dist/interfaces/cli/main.js report ...`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/reader.js';
import { tmpDir } from '../records/helpers.js';
import { writeSynthetic } from '../records/synthetic.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'dist', 'interfaces', 'cli', 'main.js');

/** Newest modification time under src/ (ms). */
function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return t;
}

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('damon-ts report / adjust / convert_record_format / validate (built bin)', () => {
  let dir = '';
  let rec = '';
  beforeAll(() => {
    // build unless dist is newer than every source file
    if (!existsSync(bin) || statSync(bin).mtimeMs < newestSource(join(root, 'src'))) {
      // tsc emits even when another engineer's module has a transient type error: go on with a warning
      const b = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' });
      if (b.status !== 0)
        console.warn(`npm run build reported errors (tests use what it emitted):\n${b.stdout}${b.stderr}`);
    }
    dir = tmpDir();
    rec = writeSynthetic(join(dir, 'damon.data'), 'json_compressed', {
      seed: 21,
      snapshots: 80,
      regions: 20,
      breakdown: true,
    });
  }, 120_000);

  it('report wss prints damo percentiles', () => {
    const r = run(['report', 'wss', '-i', rec, '-r', '0', '101', '50', '--raw_number']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual(['# target_id\t0', '# <percentile> <wss>']);
    expect(lines[2]).toMatch(/^# avr:\t\d+$/);
    expect(lines[3]).toMatch(/^ {2}0 +\d+ \|\**\s*\|$/);
    expect(lines[5]).toMatch(/^100 +\d+ \|\*{59}\|$/);
    expect(r.stdout.endsWith('|\n')).toBe(true);
  });

  it('exits 2 on a bad option and names it', () => {
    const r = run(['report', 'wss', '-i', rec, '--acc_thres', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--acc_thres: 'lots' is not a number");
    expect(run(['report', 'wss', '--no_such_option']).code).toBe(2);
    expect(run(['report', 'heatmap', '-i', rec, '--resol', '10']).stderr).toContain(
      '--resol takes 2 values, got 1',
    );
  });

  it('exits 1 on a missing or malformed input, naming it', () => {
    const r = run(['report', 'nr_regions', '-i', join(dir, 'nope.data')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nope.data does not exist');
  });

  it('report heatmap --output raw, --guide, stdout and PNG/SVG', () => {
    const raw = run(['report', 'heatmap', '-i', rec, '--output', 'raw', '--resol', '20', '30']);
    expect(raw.code).toBe(0);
    expect(raw.stdout.split('\n')).toHaveLength(601);
    expect(raw.stdout.split('\n')[0]).toMatch(/^0\t0\t(NaN|[0-9.e+-]+)$/);
    const guide = run(['report', 'heatmap', '-i', rec, '--guide']);
    expect(guide.stdout).toMatch(
      /^kdamond_idx: 0\ncontext_idx: 0\ntarget_id: 0\ntime: \[\d+, \d+\) \(\d+\)\nregion\t 0: /,
    );
    const tty = run(['report', 'heatmap', '-i', rec]);
    expect(tty.stdout.split('\n')).toHaveLength(40 + 4 + 1);
    expect(tty.stdout).toContain('# resolution: 80x40');
    const png = join(dir, 'map.png');
    const svg = join(dir, 'map.svg');
    expect(run(['report', 'heatmap', '-i', rec, '--output', png]).code).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    expect(run(['report', 'heatmap', '-i', rec, '--output', svg, '--by', 'write']).code).toBe(0);
    expect(existsSync(join(dir, 'map.write.svg')) && existsSync(join(dir, 'map.read.svg'))).toBe(true);
    const wpng = join(dir, 'wss.png');
    expect(run(['report', 'wss', '-i', rec, '--plot', wpng]).code).toBe(0);
    expect(statSync(wpng).size).toBeGreaterThan(1000);
  });

  it('report access --raw_form, detailed and --by cpu; record_info; nr_regions', () => {
    const raw = run(['report', 'access', '--raw_form', '-i', rec]);
    expect(
      raw.stdout.startsWith('base_time_absolute: 1 s\ndata source: synthetic\n\nmonitoring_start:'),
    ).toBe(true);
    expect(raw.stdout.endsWith('\n\n')).toBe(true);
    const det = run(['report', 'access', '-i', rec, '--by', 'cpu']);
    expect(det.code).toBe(0);
    expect(det.stdout).toMatch(/# by cpu 1: working set [\d.]+ [KMG]?i?B\n/);
    expect(det.stdout).toContain('record DAMON intervals: sample 5 ms, aggr 100 ms');
    const info = run(['report', 'record_info', '-i', rec]);
    expect(info.stdout).toMatch(/time: \[900 ms, 9 s\) \(8.100 s\)/);
    const nr = run(['report', 'nr_regions', '-i', rec]);
    expect(nr.stdout).toBe(
      '# <percentile> <# regions>\n# target_id\t0\n# avr:\t20\n0\t20\n25\t20\n50\t20\n75\t20\n100\t20\n',
    );
  });

  it('adjust, convert_record_format and validate', async () => {
    const adj = join(dir, 'adj.data');
    expect(
      run(['adjust', '-i', rec, '-o', adj, '--aggregate_interval', '1000000', '--skip', '10']).code,
    ).toBe(0);
    const a = await readRecords(adj);
    // 70 snapshots of 100 ms → 7 windows of 1 s
    expect(a[0]!.snapshots).toHaveLength(7);
    expect(a[0]!.intervals!.aggr_us).toBe(1000000);
    expect(statSync(adj).mode & 0o777).toBe(0o600);
    for (const t of ['json', 'perf_script', 'json_compressed']) {
      const out = join(dir, `conv.${t}`);
      expect(run(['convert_record_format', '-i', rec, '-o', out, '--output_type', t]).code).toBe(0);
      const r = await readRecords(out);
      expect(r[0]!.snapshots).toHaveLength(80);
    }
    expect(
      run(['convert_record_format', '-i', rec, '-o', join(dir, 'x'), '--output_type', 'yaml']).code,
    ).toBe(2);
    const v = run(['validate', '-i', rec, '--nr_accesses', '0', '40']);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('valid');
    const bad = run(['validate', '-i', rec, '--nr_regions', '3', '10', '--allow_error', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`invalid: ${rec}: record 0 snapshot 0: 20 regions is out of [3, 10]`);
  });

  it('has --help with examples', () => {
    const h = run(['report', 'heatmap', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Examples:');
    expect(h.stdout).toContain('--draw_range');
  });
});
