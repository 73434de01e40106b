/**
 * `damon-ts monitor` on the simulated machine: each window's report is what damo 3.3 prints for that
 * window's record (kept with --record_dir), as damo's monitor would show it; the kernel variant only
 * for its refusal to act on a kdamond damon-ts did not start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/reader.js';
import { damo, damoAbsent, dts } from './damo-golden.js';

const dir = mkdtempSync(join(tmpdir(), 'damon-ts-monitor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const why = damoAbsent();
if (why) console.log(`skipping the comparison with damo: ${why}`);

/**
 * A PATH with python3 and the tools damo needs (file, which) but no perf: damo's holistic then leaves
 * the hotspots out, as the simulated machine has no CPU profile.
 */
function pathWithoutPerf(): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const real: Record<string, string> = {
    // the interpreter itself, not a version manager's shell shim
    python3: spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], {
      encoding: 'utf8',
    }).stdout.trim(),
    file: spawnSync('which', ['file'], { encoding: 'utf8' }).stdout.trim(),
    which: spawnSync('which', ['which'], { encoding: 'utf8' }).stdout.trim(),
  };
  for (const [tool, where] of Object.entries(real))
    if (where && !existsSync(join(bin, tool))) symlinkSync(where, join(bin, tool));
  return bin;
}

describe('monitor on the simulated machine', () => {
  it.skipIf(why !== null).each([['heats'], ['wss'], ['holistic']])(
    '--report_type %s: each window = damo on its record',
    (type: string) => {
      const keep = join(dir, type);
      // wss skips the first 20 snapshots of a record: windows of 3 s (30 snapshots) keep some
      const delay = type === 'wss' ? '3' : '1';
      const r = dts([
        'monitor',
        '--workload',
        'zigzag',
        '--report_type',
        type,
        '--count',
        '3',
        '--delay',
        delay,
        '--record_dir',
        keep,
      ]);
      expect(r.code, r.stderr).toBe(0);
      let want = '';
      for (let k = 0; k < 3; k++) {
        const rec = join(keep, `monitor.${k}.data`);
        expect(existsSync(`${rec}.mem_footprint`)).toBe(true);
        if (type === 'heats') {
          const d = damo([
            'report',
            'heatmap',
            '-i',
            rec,
            '--resol',
            '10',
            '80',
            '--time_range',
            `-${delay}.000000 s`,
            '0 s',
            'guided_end',
          ]);
          want += d.stdout
            .trim()
            .split('\n')
            .filter((l) => !l.startsWith('#'))
            .map((l) => l + '\n')
            .join('');
        } else if (type === 'wss') want += damo(['report', 'wss', '-i', rec]).stdout + '\n';
        else {
          const env = { ...process.env, PATH: pathWithoutPerf() };
          const d = damo(
            ['report', 'holistic', '--access_pattern', rec, '--heatmap_time_last_n_sec', '1.000000'],
            undefined,
            env,
          );
          expect(d.code, d.stderr).toBe(0);
          want += d.stdout + '\n';
        }
      }
      expect(r.stdout).toBe(want);
      expect(r.stdout.length).toBeGreaterThan(200);
    },
  );

  it('windows follow each other: the second record starts where the first ended', async () => {
    const keep = join(dir, 'follow');
    expect(
      dts(['monitor', '--report_type', 'wss', '--count', '2', '--delay', '1', '--record_dir', keep]).code,
    ).toBe(0);
    const spans = await Promise.all(
      [0, 1].map(async (k) => {
        const [rec] = await readRecords(join(keep, `monitor.${k}.data`));
        return [rec!.snapshots[0]!.start_time, rec!.snapshots.at(-1)!.end_time, rec!.snapshots.length];
      }),
    );
    expect(spans).toEqual([
      [0, 1e9, 10],
      [1e9, 2e9, 10],
    ]);
  });

  it('refuses bad options by name', () => {
    expect(dts(['monitor', '--report_type', 'nope']).stderr).toContain("--report_type: 'nope'");
    expect(dts(['monitor', '--delay', '0']).code).toBe(2);
  });
});

const kdamonds = '/sys/kernel/mm/damon/admin/kdamonds';
const running = (): boolean => {
  if (!existsSync(`${kdamonds}/nr_kdamonds`)) return false;
  const nr = Number(readFileSync(`${kdamonds}/nr_kdamonds`, 'utf8'));
  for (let i = 0; i < nr; i++)
    if (readFileSync(`${kdamonds}/${i}/state`, 'utf8').trim() === 'on') return true;
  return false;
};
const noKernel = running() ? null : 'no running kdamond here to be refused';
if (noKernel) console.log(`skipping the kernel refusal: ${noKernel}`);

describe.skipIf(noKernel !== null)('monitor on the kernel', () => {
  it('refuses a running kdamond it did not start, changing nothing', () => {
    const before = readFileSync(`${kdamonds}/nr_kdamonds`, 'utf8');
    for (const target of ['paddr', 'ongoing']) {
      const r = dts(['monitor', target, '--count', '1', '--delay', '1']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/kdamond \d+ is running and not started by this monitor.*--force/);
    }
    expect(readFileSync(`${kdamonds}/nr_kdamonds`, 'utf8')).toBe(before);
  });
});
