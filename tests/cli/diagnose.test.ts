/**
 * `damon-ts diagnose`: on a DAMON sysfs tree of plain files (the fake kernel written out) it reports
 * the running kdamond in damo's keys and value forms and leaves every file as it was; on this
 * machine it exits 0 and names, in damo's order, every field damo 3.3 names for the same machine
 * (damo run so that it cannot write: tests/cli/fixtures/damo-diagnose-readonly.py).
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { damoSrc } from '../damo.js';
import { dump, FakeKernel } from '../kernel/fake-kernel.js';
import { damoAbsent, dts, repo } from './damo-golden.js';

const tmp = mkdtempSync(join(tmpdir(), 'damon-ts-diagnose-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every file of a tree with its content and modification time. */
function listing(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, listing(dir, r));
    else out[r] = `${readFileSync(join(dir, r), 'utf8')}@${statSync(join(dir, r)).mtimeMs}`;
  }
  return out;
}

/** Key paths of a JSON value in document order (the first element stands for each list). */
function keyPaths(x: unknown, p = ''): string[] {
  if (Array.isArray(x)) return x.length ? keyPaths(x[0], `${p}[]`) : [];
  if (typeof x !== 'object' || x === null) return [];
  return Object.entries(x).flatMap(([k, v]) => [`${p}/${k}`, ...keyPaths(v, `${p}/${k}`)]);
}

type Report = {
  sysinfo: Record<string, unknown>;
  sysfs: { kdamonds?: Record<string, unknown>[] };
  damon_reclaim_status: Record<string, string>;
};

describe('diagnose', () => {
  it('reports a running kdamond of a sysfs tree in damo forms, writing nothing', () => {
    const fake = new FakeKernel();
    fake.write('kdamonds/nr_kdamonds', 1);
    fake.write('kdamonds/0/contexts/nr_contexts', 1);
    const c = 'kdamonds/0/contexts/0';
    fake.write(`${c}/operations`, 'paddr');
    fake.write(`${c}/monitoring_attrs/intervals/sample_us`, 500_000);
    fake.write(`${c}/monitoring_attrs/intervals/aggr_us`, 5_000_000);
    fake.write(`${c}/targets/nr_targets`, 1);
    fake.write(`${c}/targets/0/regions/nr_regions`, 1);
    fake.write(`${c}/targets/0/regions/0/start`, 2 ** 32);
    fake.write(`${c}/targets/0/regions/0/end`, 2 ** 33);
    fake.write(`${c}/schemes/nr_schemes`, 1);
    const s = `${c}/schemes/0`;
    fake.write(`${s}/action`, 'pageout');
    fake.write(`${s}/access_pattern/age/min`, 12);
    fake.write(`${s}/access_pattern/age/max`, 2 ** 32 - 1);
    fake.write(`${s}/access_pattern/nr_accesses/max`, 1);
    fake.write(`${s}/quotas/bytes`, 128 * 2 ** 20);
    fake.write('kdamonds/0/state', 'on');
    const admin = join(tmp, 'admin');
    dump(fake, '', admin);
    writeFileSync(join(admin, `${s}/stats/sz_tried`), `${5 * 2 ** 30}\n`);
    const modules = join(tmp, 'modules');
    mkdirSync(join(modules, 'damon_reclaim/parameters'), { recursive: true });
    writeFileSync(join(modules, 'damon_reclaim/parameters/enabled'), 'N\n');
    const before = listing(admin);
    const r = dts(['diagnose', '--verbose', '--damon_admin', admin, '--module_root', modules]);
    expect(r.code, r.stderr).toBe(0);
    expect(listing(admin)).toEqual(before);
    const report = JSON.parse(r.stdout) as Report;
    const k = report.sysfs.kdamonds![0]! as {
      state: string;
      contexts: {
        intervals: Record<string, unknown>;
        targets: { regions: unknown[] }[];
        schemes: Record<string, Record<string, unknown>>[];
      }[];
    };
    expect(k.state).toBe('on');
    const ctx = k.contexts[0]!;
    expect(ctx.intervals.sample_us).toBe('500 ms');
    expect(ctx.targets[0]!.regions).toEqual([{ start: '4,294,967,296', end: '8,589,934,592' }]);
    const sc = ctx.schemes[0]!;
    expect(sc.access_pattern!.age).toEqual({ min: '12 aggr_intervals', max: '4,294,967,295 aggr_intervals' });
    expect(sc.quotas!.sz_bytes).toBe('128.000 MiB');
    expect(sc.stats!.sz_tried).toBe('5.000 GiB');
    expect(report.damon_reclaim_status).toEqual({ enabled: 'N' });
    // Silent without --verbose.
    const quiet = dts(['diagnose', '--damon_admin', admin, '--module_root', modules]);
    expect([quiet.code, quiet.stdout]).toEqual([0, '']);
    // A value the kernel took but that is wrong (an inverted range) is shown as read and named.
    writeFileSync(join(admin, `${c}/monitoring_attrs/nr_regions/min`), '2000\n');
    const bad = dts(['diagnose', '--verbose', '--damon_admin', admin, '--module_root', modules]);
    expect(bad.code, bad.stderr).toBe(0);
    expect(bad.stderr).toContain('nr_regions: expected min <= max, got min 2000 > max 1000');
    const shown = JSON.parse(bad.stdout) as {
      sysfs: { kdamonds: { contexts: { nr_regions: unknown }[] }[] };
    };
    expect(shown.sysfs.kdamonds[0]!.contexts[0]!.nr_regions).toEqual({ min: 2000, max: 1000 });
  });

  const real = existsSync('/sys/kernel/mm/damon/admin/kdamonds') ? null : 'no DAMON sysfs in this kernel';
  const why = damoAbsent() ?? real;
  if (why) console.log(`skipping diagnose against damo: ${why}`);
  it.skipIf(why !== null)("names damo's fields for this machine", () => {
    const home = join(tmp, 'home');
    mkdirSync(home, { recursive: true });
    const d = spawnSync('python3', [join(repo, 'tests/cli/fixtures/damo-diagnose-readonly.py'), damoSrc!], {
      encoding: 'utf8',
      env: { ...process.env, HOME: home },
    });
    expect(d.status, d.stderr).toBe(0);
    const r = dts(['diagnose', '--verbose']);
    expect(r.code, r.stderr).toBe(0);
    const ours = JSON.parse(r.stdout) as Report;
    const theirs = JSON.parse(d.stdout) as Report;
    expect(keyPaths(ours)).toEqual(keyPaths(theirs));
    for (const f of [
      'kernel_version',
      'sysfs_path',
      'tracefs_path',
      'debugfs_path',
      'perf_path',
      'perf_version',
    ])
      expect(ours.sysinfo[f], f).toEqual(theirs.sysinfo[f]);
    // The features damo assumes of every DAMON sysfs are among those found.
    const names = (x: Report) => (x.sysinfo.avail_damon_features as { name: string }[]).map((f) => f.name);
    expect(names(ours)).toEqual(expect.arrayContaining(names(theirs)));
    // Monitoring regions and DAMOS stats move while the kdamond runs; the rest is the same.
    const still = (x: Report) =>
      JSON.stringify(x.sysfs, (key, v: unknown) => (key === 'regions' || key === 'stats' ? null : v));
    expect(still(ours)).toBe(still(theirs));
    expect(ours.damon_reclaim_status).toEqual(theirs.damon_reclaim_status);
  });
});
