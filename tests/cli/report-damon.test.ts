/**
 * `damon-ts report damon` and `report sysinfo`, run in-process (runCli) against a DAMON sysfs tree
 * of plain files: the in-memory fake kernel (tests/kernel/fake-kernel.ts) configured, started and
 * written out to a temp dir, then pointed at with --damon_admin. Also the simulated daemon, and the
 * real kernel read-only.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { OwnershipStore } from '../../src/backends/kernel/ownership.js';
import { DamonSysfs, SysfsError } from '../../src/backends/kernel/sysfs.js';
import { SimDaemon } from '../../src/interfaces/daemon/server.js';
import { runCli } from '../../src/interfaces/cli/program.js';
import { dump, FakeKernel } from '../kernel/fake-kernel.js';
import { repo } from './damo-golden.js';

const tmp = mkdtempSync(join(tmpdir(), 'damon-ts-report-damon-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs the CLI in this process; stdout and stderr captured. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    stdout += String(c);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    stderr += String(c);
    return true;
  });
  try {
    const code = await runCli(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Every file of a tree and its content. */
function listing(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, listing(dir, r));
    else out[r] = readFileSync(join(dir, r), 'utf8');
  }
  return out;
}

const GiB = 2 ** 30;
let trees = 0;

/**
 * Three kdamonds: 0 running, not started by damon-ts (a pageout scheme, with 2 tried regions
 * already in the tree); 1 running and started by damon-ts (two schemes); 2 configured but off.
 * `pids` replaces the running kdamonds' pids (the CPU use test gives real processes).
 */
function fakeTree(pids: [number, number] = [4242, 4343]): { admin: string; state: string } {
  const fake = new FakeKernel();
  fake.write('kdamonds/nr_kdamonds', 3);
  const regions = [
    [4 * GiB, 6.25 * GiB],
    [1 * GiB, 2 * GiB],
    [0, GiB],
  ];
  for (let k = 0; k < 3; k++) {
    fake.write(`kdamonds/${k}/contexts/nr_contexts`, 1);
    const c = `kdamonds/${k}/contexts/0`;
    fake.write(`${c}/operations`, 'paddr');
    fake.write(`${c}/monitoring_attrs/intervals/sample_us`, k === 0 ? 500_000 : 5000);
    fake.write(`${c}/monitoring_attrs/intervals/aggr_us`, k === 0 ? 5_000_000 : 100_000);
    fake.write(`${c}/targets/nr_targets`, 1);
    fake.write(`${c}/targets/0/regions/nr_regions`, 1);
    fake.write(`${c}/targets/0/regions/0/start`, regions[k]![0]!);
    fake.write(`${c}/targets/0/regions/0/end`, regions[k]![1]!);
    fake.write(`${c}/schemes/nr_schemes`, k === 1 ? 2 : 1);
  }
  const s0 = 'kdamonds/0/contexts/0/schemes/0';
  fake.write(`${s0}/action`, 'pageout');
  fake.write(`${s0}/access_pattern/nr_accesses/max`, 1);
  fake.write(`${s0}/access_pattern/age/min`, 12);
  fake.write(`${s0}/quotas/ms`, 50);
  fake.write(`${s0}/quotas/bytes`, 128 * 2 ** 20);
  fake.write(`${s0}/quotas/reset_interval_ms`, 1000);
  fake.write('kdamonds/1/contexts/0/schemes/1/action', 'cold');
  fake.write('kdamonds/0/state', 'on');
  fake.write('kdamonds/1/state', 'on');
  // Tried regions someone asked kdamond 0 for earlier: they stay in the tree.
  fake.accessesOf = () => 7;
  fake.write('kdamonds/0/state', 'update_schemes_tried_regions');
  const admin = join(tmp, `admin-${trees++}`);
  dump(fake, '', admin);
  const put = (rel: string, v: number) => writeFileSync(join(admin, rel), `${v}\n`);
  put('kdamonds/0/pid', pids[0]);
  put('kdamonds/1/pid', pids[1]);
  const stats = (rel: string, nrTried: number, nrApplied: number) => {
    put(`${rel}/stats/nr_tried`, nrTried);
    put(`${rel}/stats/sz_tried`, nrTried * 4096);
    put(`${rel}/stats/nr_applied`, nrApplied);
    put(`${rel}/stats/sz_applied`, nrApplied * 4096);
    put(`${rel}/stats/qt_exceeds`, nrTried % 97);
  };
  stats(s0, 29860, 5313);
  stats('kdamonds/1/contexts/0/schemes/0', 1111, 0);
  stats('kdamonds/1/contexts/0/schemes/1', 2222, 333);
  const state = join(admin, '..', `state-${trees}`);
  new OwnershipStore(state, admin).save({
    adminRoot: admin,
    startedBy: process.pid,
    startedAt: new Date(0).toISOString(),
    kdamonds: [{ index: 1, pid: pids[1] }],
    found: [],
    tookOver: [],
  });
  return { admin, state };
}

const on = (t: { admin: string; state: string }) => ['--damon_admin', t.admin, '--state_dir', t.state];

/** The sysfs writes (relative path = value) made while running `args`. */
async function cliWrites(args: string[]) {
  const write = vi.spyOn(DamonSysfs.prototype, 'write');
  const r = await cli(args);
  const writes = write.mock.calls.map(([rel, v]) => `${rel}=${v}`);
  write.mockRestore();
  return { ...r, writes };
}

describe('report damon on a fake DAMON sysfs tree', () => {
  it('with no option prints what status prints (text, --tried_regions, --json)', async () => {
    for (const extra of [[], ['--tried_regions'], ['--json'], ['--json', '--tried_regions']]) {
      const a = await cli(['status', ...on(fakeTree()), ...extra]);
      const b = await cli(['report', 'damon', ...on(fakeTree()), ...extra]);
      expect(a.code).toBe(0);
      expect(b).toEqual(a);
    }
    const r = await cli(['report', 'damon', ...on(fakeTree())]);
    expect(r.stdout).toContain('kdamond 0: state on, pid 4242 (not started by damon-ts)\n');
    expect(r.stdout).toContain('kdamond 1: state on, pid 4343 (started by damon-ts)\n');
    expect(r.stdout).toContain('kdamond 2: state off\n');
    expect(r.stdout).toContain('stats: nr_applied 5313, nr_tried 29860, qt_exceeds 81,');
    expect(r.stdout).toContain(`target 0: ${4 * GiB}-${6.25 * GiB}`);
  });

  it('--damos_stats prints one block per scheme with its stats and nothing else', async () => {
    const r = await cli(['report', 'damon', '--damos_stats', ...on(fakeTree())]);
    expect(r.code).toBe(0);
    const blocks = r.stdout.split(/^(?=kdamond)/m);
    expect(blocks.map((b) => b.split('\n')[0])).toEqual([
      'kdamond 0 / context 0 / scheme 0: action pageout',
      'kdamond 1 / context 0 / scheme 0: action stat',
      'kdamond 1 / context 0 / scheme 1: action cold',
      'kdamond 2 / context 0 / scheme 0: action stat',
    ]);
    expect(blocks[0]).toContain('\n  nr_tried 29860\n');
    expect(blocks[0]).toContain('\n  nr_applied 5313\n');
    expect(blocks[0]).toContain(`\n  sz_applied ${((5313 * 4096) / 2 ** 20).toFixed(3)} MiB\n`);
    expect(blocks[1]).toContain('\n  nr_tried 1111\n');
    expect(blocks[2]).toContain('\n  nr_applied 333\n');
    for (const absent of ['intervals', 'quotas', 'target', 'state on', 'tried regions'])
      expect(r.stdout).not.toContain(absent);
  });

  it('--damon_params prints the parameters without stats', async () => {
    const r = await cli(['report', 'damon', '--damon_params', ...on(fakeTree())]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('intervals: sample 500000 us, aggr 5000000 us, update 60000000 us');
    expect(r.stdout).toContain(`target 0: ${1 * GiB}-${2 * GiB}`);
    expect(r.stdout).toContain('scheme 0: action pageout, sz [0 B, 0 B], nr_accesses [0, 1], age [12, 0]');
    expect(r.stdout).toContain('quotas: 50 ms, 128.000 MiB per 1000 ms');
    expect(r.stdout).toContain('scheme 1: action cold');
    for (const absent of ['stats', 'nr_tried', '29860', 'tried regions'])
      expect(r.stdout).not.toContain(absent);
  });

  it('--kdamonds_summary prints one line per kdamond', async () => {
    const r = await cli(['report', 'damon', '--kdamonds_summary', ...on(fakeTree())]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'kdamond 0: state on, pid 4242, ops paddr, targets 1, schemes 1 (not started by damon-ts)',
      'kdamond 1: state on, pid 4343, ops paddr, targets 1, schemes 2 (started by damon-ts)',
      'kdamond 2: state off, ops paddr, targets 1, schemes 1',
      '',
    ]);
  });

  it('--json parses for every part and holds the same numbers', async () => {
    const json = async (...args: string[]) => {
      const r = await cli(['report', 'damon', '--json', ...args, ...on(fakeTree())]);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const summary = (await json('--kdamonds_summary')) as { kdamonds: Record<string, unknown>[] };
    expect(summary.kdamonds).toEqual([
      {
        index: 0,
        state: 'on',
        pid: 4242,
        ops: ['paddr'],
        nr_targets: 1,
        nr_schemes: 1,
        owned_by_damon_ts: false,
      },
      {
        index: 1,
        state: 'on',
        pid: 4343,
        ops: ['paddr'],
        nr_targets: 1,
        nr_schemes: 2,
        owned_by_damon_ts: true,
      },
      {
        index: 2,
        state: 'off',
        pid: null,
        ops: ['paddr'],
        nr_targets: 1,
        nr_schemes: 1,
        owned_by_damon_ts: false,
      },
    ]);
    const stats = (await json('--damos_stats', '--tried_regions')) as {
      damos_stats: {
        kdamond: number;
        scheme: number;
        stats: Record<string, number>;
        tried_regions: unknown[];
      }[];
      notes: string[];
    };
    expect(
      stats.damos_stats.map((s) => [s.kdamond, s.scheme, s.stats.nr_tried, s.tried_regions.length]),
    ).toEqual([
      [0, 0, 29860, 2],
      [1, 0, 1111, 0],
      [1, 1, 2222, 0],
      // off: its stats as the tree holds them; no tried regions read
      [2, 0, 0, 0],
    ]);
    // kdamond 0 is not ours: its stats and tried regions as found
    expect(stats.notes).toHaveLength(2);
    const params = (await json('--damon_params')) as {
      kdamonds: { contexts: { schemes: Record<string, unknown>[] }[] }[];
    };
    const scheme = params.kdamonds[0]!.contexts[0]!.schemes[0]!;
    expect(scheme).toMatchObject({ action: 'pageout', quotas: { ms: 50, bytes: 128 * 2 ** 20 } });
    expect(scheme).not.toHaveProperty('stats');
  });

  it('--tried_regions does not refresh a kdamond damon-ts did not start, unless --force', async () => {
    const t = fakeTree();
    const before = listing(t.admin);
    const r = await cliWrites(['report', 'damon', '--tried_regions', ...on(t)]);
    expect(r.code).toBe(0);
    // kdamond 0 (foreign): nothing written; kdamond 1 (ours): stats and its 2 schemes.
    expect(r.writes).toEqual([
      'kdamonds/1/state=update_schemes_stats',
      'kdamonds/1/state=update_schemes_tried_regions',
      'kdamonds/1/state=update_schemes_tried_regions',
    ]);
    const after = listing(t.admin);
    const changed = Object.keys(after).filter((f) => after[f] !== before[f]);
    expect(changed.sort()).toEqual(['kdamonds/1/state']);
    expect(after['kdamonds/0/state']).toBe('on\n');
    // kdamond 0's regions as found (2, nr_accesses 7), and one note saying why.
    const k0 = r.stdout.slice(0, r.stdout.indexOf('kdamond 1:'));
    expect(k0).toMatch(/tried regions \(2\):\n {8}\d+-\d+ \(.*\): nr_accesses 7, age 0\n/);
    const notes = r.stdout.split('\n').filter((l) => l.startsWith('note:'));
    expect(notes).toEqual([
      'note: kdamond 0: DAMOS stats as the kernel last updated them, not refreshed: damon-ts did not start it (--force refreshes them)',
      'note: kdamond 0: tried regions shown as found, not refreshed: damon-ts did not start it (--force refreshes them)',
    ]);
    // the stats of kdamond 0 as the tree holds them
    expect(k0).toContain('stats: nr_applied 5313, nr_tried 29860');
    // status shares the rule.
    const s = await cliWrites(['status', '--tried_regions', ...on(fakeTree())]);
    expect(s.writes).not.toContain('kdamonds/0/state=update_schemes_tried_regions');

    const forced = await cliWrites(['report', 'damon', '--tried_regions', '--force', ...on(fakeTree())]);
    expect(forced.code).toBe(0);
    expect(forced.writes).toContain('kdamonds/0/state=update_schemes_stats');
    expect(forced.writes).toContain('kdamonds/0/state=update_schemes_tried_regions');
    expect(forced.stdout).not.toContain('note:');
  });

  it('--kdamonds_summary and --damon_params write nothing, to any kdamond', async () => {
    for (const part of ['--kdamonds_summary', '--damon_params']) {
      const r = await cliWrites(['report', 'damon', part, ...on(fakeTree())]);
      expect(r.code).toBe(0);
      expect(r.writes).toEqual([]);
      expect(r.stdout).not.toContain('note:');
    }
  });

  it('a refresh the kernel refuses: the stats as last updated, a note naming the error, exit 0', async () => {
    const write = vi.spyOn(DamonSysfs.prototype, 'write').mockImplementation(function (
      this: DamonSysfs,
      rel,
    ) {
      throw new SysfsError('write', this.path(rel), 'update_schemes_stats', 'EINVAL');
    });
    const r = await cli(['status', ...on(fakeTree())]);
    write.mockRestore();
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('kdamond 1: state on, pid 4343 (started by damon-ts)\n');
    expect(r.stdout).toMatch(
      /^note: kdamond 1: DAMOS stats not refreshed \(writing "update_schemes_stats" to .*kdamonds\/1\/state failed: EINVAL .*\); shown as last updated$/m,
    );
    expect(r.stdout).toContain('nr_tried 1111');
  });

  it('--show_cpu_usage samples /proc/PID/stat of the kdamond threads', async () => {
    const busy = spawn(process.execPath, ['-e', 'console.log("go"); for (;;) {}'], { stdio: 'pipe' });
    const idle = spawn(process.execPath, ['-e', 'console.log("go"); setTimeout(() => {}, 60000)'], {
      stdio: 'pipe',
    });
    const started = (c: ChildProcess) => new Promise((resolve) => c.stdout!.once('data', resolve));
    try {
      await Promise.all([started(busy), started(idle)]);
      const t = fakeTree([busy.pid!, idle.pid!]);
      const r = await cli([
        'report',
        'damon',
        '--kdamonds_summary',
        '--show_cpu_usage',
        '--cpu_usage_interval',
        '0.5',
        ...on(t),
      ]);
      expect(r.code).toBe(0);
      const pct = (k: number, pid: number) => {
        const m = new RegExp(`^  kdamond ${k} \\(pid ${pid}\\): ([\\d.]+)%$`, 'm').exec(r.stdout);
        expect(m, r.stdout).not.toBeNull();
        return Number(m![1]);
      };
      expect(r.stdout).toContain('cpu usage of kdamond threads over 0.5 s (percent of one CPU):\n');
      const b = pct(0, busy.pid!);
      const i = pct(1, idle.pid!);
      expect(b).toBeGreaterThan(i);
      for (const v of [b, i]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(200);
      }
      const j = await cli([
        'report',
        'damon',
        '--json',
        '--show_cpu_usage',
        '--cpu_usage_interval',
        '0.2',
        ...on(fakeTree([busy.pid!, idle.pid!])),
      ]);
      const usage = (
        JSON.parse(j.stdout) as { cpu_usage: { kdamond: number; pid: number; percent: number }[] }
      ).cpu_usage;
      expect(usage.map((u) => [u.kdamond, u.pid])).toEqual([
        [0, busy.pid],
        [1, idle.pid],
      ]);
      expect(usage[0]!.percent).toBeGreaterThan(0);
    } finally {
      busy.kill();
      idle.kill();
    }
  });

  it('bad option combinations and values are usage errors (exit 2)', async () => {
    const t = on(fakeTree());
    for (const args of [
      ['--damos_stats', '--kdamonds_summary'],
      ['--damon_params', '--tried_regions'],
      ['--kdamonds_summary', '--damon_params'],
      ['--show_cpu_usage', '--cpu_usage_interval', '0'],
      ['--show_cpu_usage', '--cpu_usage_interval', 'soon'],
    ]) {
      const r = await cli(['report', 'damon', ...args, ...t]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
    }
    const absent = await cli(['report', 'damon', '--damon_admin', join(tmp, 'nowhere')]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toMatch(/DAMON sysfs interface not found at .*nowhere/);
  });
});

describe('report sysinfo', () => {
  it('prints versions, the backend and the features list of `damon-ts features`', async () => {
    const t = fakeTree();
    const r = await cli(['report', 'sysinfo', '--damon_admin', t.admin]);
    expect(r.code).toBe(0);
    const version = (
      JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    expect(r.stdout.split('\n').slice(0, 4)).toEqual([
      `damon-ts version: ${version}`,
      `kernel release: ${release()}`,
      `backend: kernel (DAMON sysfs at ${t.admin})`,
      'DAMON features:',
    ]);
    const features = await cli(['features', '--damon_admin', t.admin]);
    expect(features.code).toBe(0);
    expect(r.stdout.endsWith(features.stdout)).toBe(true);
    expect(features.stdout).toMatch(/operations sets: paddr\n {2}refresh_ms +yes\n/);
    const j = JSON.parse((await cli(['report', 'sysinfo', '--json', '--damon_admin', t.admin])).stdout) as {
      kernel_release: string;
      backend: string;
      features: { ops: string[]; usage: string[] };
    };
    expect(j).toMatchObject({ kernel_release: release(), backend: 'kernel', features: { ops: ['paddr'] } });
  });

  it('without DAMON sysfs says so and names the sim backend', async () => {
    const empty = join(tmp, 'empty-admin');
    mkdirSync(empty, { recursive: true });
    const r = await cli(['report', 'sysinfo', '--damon_admin', empty]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`kernel release: ${release()}\n`);
    expect(r.stdout).toContain('backend: sim (kernel DAMON unavailable');
    expect(r.stdout).toContain(`DAMON features: none: DAMON sysfs interface not found at ${empty}`);
  });
});

describe('report damon --backend sim', () => {
  it('shows parts of the simulated kdamonds', async () => {
    const socketPath = join(tmp, 'sim', 'sim.sock');
    const d = new SimDaemon({ socketPath, memoryBytes: 64 << 20, speed: 20, tickMs: 20 });
    await d.listen();
    try {
      const sock = ['--backend', 'sim', '--socket', socketPath];
      expect((await cli(['start', ...sock, '--damos_action', 'stat'])).code).toBe(0);
      for (let i = 0; i < 100 && d.tree.host.now < 1_000_000; i++)
        await new Promise((r) => setTimeout(r, 50));
      const s = await cli(['report', 'damon', '--damos_stats', '--tried_regions', ...sock]);
      expect(s.code).toBe(0);
      expect(s.stdout).toMatch(/^kdamond 0 \/ context 0 \/ scheme 0: action stat\n/);
      expect(Number(/\n {2}nr_tried (\d+)\n/.exec(s.stdout)![1])).toBeGreaterThan(0);
      expect(s.stdout).toMatch(/\n {2}tried regions \(\d+\):\n/);
      const sum = await cli(['report', 'damon', '--kdamonds_summary', ...sock]);
      expect(sum.stdout).toMatch(
        /^kdamond 0: state on, pid \d+, ops paddr, targets 1, schemes 1 \(started by damon-ts\)\n$/,
      );
      const all = await cli(['report', 'damon', ...sock]);
      expect(all.stdout).toMatch(/^simulated machine at [\d.]+ s/);
      const cpu = await cli(['report', 'damon', '--show_cpu_usage', ...sock]);
      expect(cpu.code).toBe(2);
      expect(cpu.stderr).toContain('--show_cpu_usage: simulated kdamonds have no threads');
    } finally {
      await d.close();
    }
  });
});

const realAdmin = '/sys/kernel/mm/damon/admin';
const realReason =
  process.getuid?.() !== 0
    ? 'not root'
    : !existsSync(join(realAdmin, 'kdamonds/nr_kdamonds'))
      ? `no DAMON sysfs at ${realAdmin}`
      : null;
if (realReason) console.log(`report damon real-kernel test skipped: ${realReason}`);

describe('report damon on the real kernel (read only)', () => {
  it.skipIf(realReason !== null)(
    '--kdamonds_summary lists every kdamond; running ones are not ours; nothing is written',
    async () => {
      const sysfs = new DamonSysfs(realAdmin);
      const n = Number(sysfs.read('kdamonds/nr_kdamonds'));
      const params = () =>
        Array.from({ length: n }, (_, k) => {
          const c = `kdamonds/${k}/contexts`;
          return [
            sysfs.read(`kdamonds/${k}/state`),
            sysfs.read(`kdamonds/${k}/pid`),
            sysfs.read(`${c}/nr_contexts`),
            ...(sysfs.exists(`${c}/0`) ? [sysfs.read(`${c}/0/monitoring_attrs/intervals/aggr_us`)] : []),
          ];
        });
      const before = params();
      // An empty state dir: damon-ts started none of them.
      const state = join(tmp, 'real-state');
      const r = await cliWrites([
        'report',
        'damon',
        '--kdamonds_summary',
        '--show_cpu_usage',
        '--cpu_usage_interval',
        '0.2',
        '--state_dir',
        state,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.slice(0, r.stdout.indexOf('cpu usage')).trimEnd().split('\n');
      expect(lines).toHaveLength(Math.max(n, 1));
      const running = before.flatMap((p, k) => (p[0] === 'on' ? [k] : []));
      for (const k of running) {
        expect(lines[k]).toMatch(
          new RegExp(`^kdamond ${k}: state on, pid \\d+, ops \\S+, .*\\(not started by damon-ts\\)$`),
        );
        const m = new RegExp(`^  kdamond ${k} \\(pid \\d+\\): ([\\d.]+)%$`, 'm').exec(r.stdout);
        expect(Number(m![1])).toBeGreaterThanOrEqual(0);
        expect(Number(m![1])).toBeLessThanOrEqual(200);
      }
      if (running.length === 0)
        console.log('report damon real-kernel test: no kdamond running, nothing foreign to list');
      // not ours: nothing written, not even a stats refresh
      expect(r.writes).toEqual([]);
      expect(params()).toEqual(before);
    },
  );
});

/** Every file of a tree and its content, to see what a command wrote. */
function treeFiles(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, treeFiles(dir, r));
    else out[r] = readFileSync(join(dir, r), 'utf8');
  }
  return out;
}

/** The built CLI (report access writes to fd 1 itself), and the files of the tree it changed. */
function builtCli(admin: string, args: string[]) {
  const before = treeFiles(admin);
  const r = spawnSync(process.execPath, [join(repo, 'dist', 'interfaces', 'cli', 'main.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' },
  });
  const after = treeFiles(admin);
  const changed = Object.keys(after)
    .filter((f) => after[f] !== before[f])
    .map((f) => `${f}=${after[f]!.trim()}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, changed };
}

describe('report access -i tried_regions_of on a fake DAMON sysfs tree', () => {
  it('shows the tried regions of a kdamond damon-ts started, and refuses the others untouched', () => {
    const t = fakeTree();
    // what the kernel would fill for kdamond 1's first scheme: two regions of one pattern, one other
    const td = join(t.admin, 'kdamonds/1/contexts/0/schemes/0/tried_regions');
    const put = (rel: string, v: number) => {
      mkdirSync(join(td, rel, '..'), { recursive: true });
      writeFileSync(join(td, rel), `${v}\n`);
    };
    [
      [GiB, GiB + 4 * 2 ** 20, 3, 5],
      [GiB + 4 * 2 ** 20, GiB + 8 * 2 ** 20, 3, 5],
      [GiB + 8 * 2 ** 20, 2 * GiB, 0, 40],
    ].forEach(([s, e, n, a], i) => {
      put(`${i}/start`, s!);
      put(`${i}/end`, e!);
      put(`${i}/nr_accesses`, n!);
      put(`${i}/age`, a!);
    });
    put('total_bytes', GiB);
    const args = (k: number, ...more: string[]) => [
      'report',
      'access',
      '-i',
      'tried_regions_of',
      String(k),
      '0',
      '0',
      ...on(t),
      ...more,
    ];
    const ours = builtCli(t.admin, args(1));
    expect(ours.stderr).toBe('');
    expect(ours.code).toBe(0);
    expect(ours.changed).toEqual(['kdamonds/1/state=update_schemes_tried_regions']);
    // the first two merged (damo's default); rates and ages from kdamond 1's 5 ms / 100 ms intervals
    const regionLines = (out: string) => out.split('\n').filter((l) => /^\d+ +addr /.test(l));
    expect(regionLines(ours.stdout).map((l) => l.trimEnd())).toEqual([
      '0   addr 1024.000 MiB size 8.000 MiB   access 30 hz  age 500 ms',
      '1   addr 1.008 GiB    size 1016.000 MiB access 0 hz   age 4 s',
    ]);
    expect(ours.stdout).toContain(
      'total size: 1024.000 MiB\nrecord DAMON intervals: sample 5 ms, aggr 100 ms\n',
    );
    // a plain file keeps the command written to it; the kernel reads back "on"
    writeFileSync(join(t.admin, 'kdamonds/1/state'), 'on\n');
    expect(regionLines(builtCli(t.admin, args(1, '--dont_merge_regions')).stdout)).toHaveLength(3);

    const theirs = builtCli(t.admin, args(0));
    expect(theirs.code).toBe(1);
    expect(theirs.changed).toEqual([]);
    expect(theirs.stderr).toContain(
      'tried_regions_of 0 0 0: kdamond 0 was not started by damon-ts; its tried regions are filled only by writing update_schemes_tried_regions',
    );
    const off = builtCli(t.admin, args(2));
    expect([off.code, off.changed]).toEqual([1, []]);
    expect(off.stderr).toContain('kdamond 2 is not running');
  });
});
