/**
 * `damon-ts reclaim`, `lru_sort` and `module`: on this kernel, a clear error naming a missing module
 * (or, where the kernel has it, damo's read-only status, byte for byte); the actions on a parameter
 * tree laid out as the kernel's (--module_root), which no kernel runs: writes land, waits end at
 * their deadline with an error.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RECLAIM_PARAMS } from '../../src/backends/kernel/modules.js';
import { damo, damoAbsent, dts } from './damo-golden.js';

const dir = mkdtempSync(join(tmpdir(), 'damon-ts-modules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeModule(name: string, params: Record<string, string>): string {
  const root = join(dir, name);
  const p = join(root, `damon_${name}`, 'parameters');
  mkdirSync(p, { recursive: true });
  for (const [k, v] of Object.entries(params)) writeFileSync(join(p, k), `${v}\n`);
  return root;
}
const param = (root: string, name: string, p: string): string =>
  readFileSync(join(root, `damon_${name}`, 'parameters', p), 'utf8').trim();

describe('DAMON modules of this kernel', () => {
  for (const [cmd, mod] of [
    ['reclaim', 'damon_reclaim'],
    ['lru_sort', 'damon_lru_sort'],
  ] as const) {
    const present = existsSync(`/sys/module/${mod}/parameters`);
    it.skipIf(present)(`${cmd}: names the missing module`, () => {
      const r = dts([cmd]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `DAMON_${cmd.toUpperCase()} is not in this kernel: /sys/module/${mod}/parameters not found`,
      );
    });
    const why = damoAbsent();
    it.skipIf(!present || why !== null)(`${cmd} status (read only) = damo`, () => {
      expect(dts([cmd, 'status']).stdout).toBe(damo([cmd, 'status']).stdout);
    });
  }
  it.skipIf(existsSync('/sys/module/damon_stat/parameters'))('module stat: names the missing module', () => {
    const r = dts(['module', 'stat', 'read']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('DAMON_STAT is not in this kernel');
  });
});

describe('DAMON_RECLAIM on a parameter tree no kernel runs', () => {
  const params = Object.fromEntries(
    [...RECLAIM_PARAMS.essential, 'nr_quota_exceeds', 'skip_anon', 'commit_inputs'].map((p) => [p, '0']),
  );
  const root = fakeModule('reclaim', { ...params, kdamond_pid: '-1', enabled: 'N', min_age: '120000000' });

  it('status lists the parameters in damo order, those of later kernels where present', () => {
    const r = dts(['reclaim', '--module_root', root]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual(['kdamond_pid: -1', 'enabled: N', 'min_age: 120000000']);
    expect(lines.at(-2)).toBe('nr_quota_exceeds: 0');
    expect(lines.at(-1)).toBe('skip_anon: 0');
    expect(lines).toHaveLength(RECLAIM_PARAMS.essential.length + 2);
  });

  it('disable writes the given parameters, skip_anon and enabled', () => {
    const r = dts([
      'reclaim',
      'disable',
      '--module_root',
      root,
      '--min_age',
      '5000000',
      '--quota',
      '10',
      '1048576',
      '1000',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(
      ['min_age', 'quota_ms', 'quota_sz', 'quota_reset_interval_ms', 'skip_anon', 'enabled'].map((p) =>
        param(root, 'reclaim', p),
      ),
    ).toEqual(['5000000', '10', '1048576', '1000', 'N', 'N']);
  });

  it('enable waits for the kdamond with a deadline; commit needs it running; bad values change nothing', () => {
    const en = dts(['reclaim', 'enable', '--module_root', root, '--timeout', '0.5']);
    expect(en.code).toBe(1);
    expect(en.stderr).toContain('DAMON_RECLAIM starting did not happen within 0.5 s');
    expect(dts(['reclaim', 'commit', '--module_root', root]).stderr).toContain(
      'DAMON_RECLAIM is not running',
    );
    const bad = dts([
      'reclaim',
      'enable',
      '--module_root',
      root,
      '--min_age',
      '1',
      '--wmarks',
      '5',
      'x',
      '1',
      '1',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--wmarks: 'x' is not an integer");
    expect(param(root, 'reclaim', 'min_age')).toBe('5000000');
  });
});

describe('module stat on a parameter tree', () => {
  const root = fakeModule('stat', { enabled: 'N', aggr_interval_us: '5000000' });
  it('reads one or every parameter and writes pairs, refusing unknown names before writing', () => {
    expect(dts(['module', 'stat', 'read', 'aggr_interval_us', '--module_root', root]).stdout).toBe(
      '5000000\n',
    );
    expect(dts(['module', 'stat', 'read', '--module_root', root]).stdout).toBe(
      'aggr_interval_us: 5000000\nenabled: N\n',
    );
    const bad = dts(['module', 'stat', 'write', 'aggr_interval_us', '1', 'nope', '2', '--module_root', root]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('DAMON_STAT: no parameter nope');
    expect(param(root, 'stat', 'aggr_interval_us')).toBe('5000000');
    expect(dts(['module', 'stat', 'write', 'aggr_interval_us', '100000', '--module_root', root]).code).toBe(
      0,
    );
    expect(param(root, 'stat', 'aggr_interval_us')).toBe('100000');
  });
});

describe("the modules' policies on the simulated machine (--backend sim)", () => {
  const run = (...args: string[]): { status: Map<string, number>; rss: number[] } => {
    const module = args[0] === 'lru_sort' ? args.shift()! : 'reclaim';
    const r = dts([
      module,
      'enable',
      '--backend',
      'sim',
      '--workload',
      'stairs',
      '--duration',
      '12',
      ...args,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const status = new Map(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => [l.split(': ')[0]!, Number(l.split(': ')[1])]),
    );
    const rss = /(\d+) before, (\d+) after/.exec(r.stderr)!.slice(1).map(Number);
    return { status, rss };
  };

  it('with the defaults (free memory above the high watermark) reclaims nothing; active, it pages the cold stairs out', () => {
    const idle = run();
    expect(idle.status.get('min_age')).toBe(120_000_000);
    expect(idle.status.get('bytes_reclaimed_regions')).toBe(0);
    const active = run(
      '--min_age',
      '2000000',
      '--wmarks',
      '1000000',
      '1000',
      '999',
      '0',
      '--quota',
      '0',
      '0',
      '1000',
    );
    expect(active.status.get('min_age')).toBe(2_000_000);
    const reclaimed = active.status.get('bytes_reclaimed_regions')!;
    expect(reclaimed).toBeGreaterThan(0);
    expect(active.status.get('bytes_reclaim_tried_regions')!).toBeGreaterThanOrEqual(reclaimed);
    expect(active.status.get('nr_reclaimed_regions')!).toBeGreaterThan(0);
    // the same run without reclaim keeps every stair resident
    expect(active.rss[1]!).toBeLessThan(idle.rss[1]! / 2);
  });

  it('DAMON_LRU_SORT: idle above its high watermark; active, it prioritizes the hot stair on the LRU lists', () => {
    const idle = run('lru_sort');
    expect(idle.status.get('hot_thres_access_freq')).toBe(500);
    expect(idle.status.get('bytes_lru_sorted_hot_regions')).toBe(0);
    const active = run('lru_sort', '--cold_min_age', '2000000', '--wmarks', '1000000', '1000', '999', '0');
    expect(active.status.get('cold_min_age')).toBe(2_000_000);
    expect(active.status.get('nr_lru_sorted_hot_regions')!).toBeGreaterThan(0);
    expect(active.status.get('bytes_lru_sort_tried_hot_regions')!).toBeGreaterThanOrEqual(
      active.status.get('bytes_lru_sorted_hot_regions')!,
    );
    expect(active.status.get('nr_lru_sort_tried_cold_regions')!).toBeGreaterThan(0);
  });

  it('runs enable only', () => {
    const r = dts(['reclaim', 'status', '--backend', 'sim']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--backend sim: runs the policy (enable), not status');
  });
});
