import { describe, expect, it } from 'vitest';
import { VirtualSysfs, normalizeSysfsPath } from '../../src/interfaces/sysfs/tree.js';
import { kstrtobool, kstrtoint, kstrtoul, kstrtouint } from '../../src/interfaces/sysfs/kstrto.js';
import { formatCpulist, parseCpulist } from '../../src/interfaces/sysfs/model.js';
import { parseScriptLine, runSysfsScript, virtualIo } from '../../src/interfaces/sysfs/script.js';
import { C0, S0, expectLines, paddrSetup } from './helpers.js';

describe('kernel parsers', () => {
  it('kstrto*: base 0, +, newline, EINVAL and ERANGE', () => {
    expect(kstrtoul('0x10')).toBe(16n);
    expect(kstrtoul('010')).toBe(8n);
    expect(kstrtoul('+7\n')).toBe(7n);
    expect(kstrtoul('18446744073709551615')).toBe((1n << 64n) - 1n);
    expect(() => kstrtoul('18446744073709551616')).toThrow('ERANGE');
    expect(() => kstrtoul('-1')).toThrow('EINVAL');
    expect(() => kstrtoul('08')).toThrow('EINVAL');
    expect(() => kstrtoul('')).toThrow('EINVAL');
    expect(() => kstrtoul('1 ')).toThrow('EINVAL');
    expect(() => kstrtouint('4294967296')).toThrow('ERANGE');
    expect(kstrtoint('-2147483648')).toBe(-2147483648n);
    expect(() => kstrtoint('2147483648')).toThrow('ERANGE');
    expect([kstrtobool('Y'), kstrtobool('on'), kstrtobool('0'), kstrtobool('off\n')]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(() => kstrtobool('maybe')).toThrow('EINVAL');
  });

  it('cpulists and paths', () => {
    expect(parseCpulist('0-2,5,7-8')).toEqual([0, 1, 2, 5, 7, 8]);
    expect(formatCpulist([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(() => parseCpulist('3-1')).toThrow('EINVAL');
    expect(normalizeSysfsPath('/sys/kernel/mm/damon/admin/kdamonds/0/state')).toBe('kdamonds/0/state');
    expect(normalizeSysfsPath('kdamonds//0/./state')).toBe('kdamonds/0/state');
  });

  it('script lines: syntax errors name file:line', () => {
    expect(parseScriptLine('# c', 'f:1')).toBeNull();
    expect(parseScriptLine('write a/b  two words', 'f:2')).toEqual({
      op: 'write',
      path: 'a/b',
      value: ' two words',
    });
    expect(() => parseScriptLine('frob a', 'f:3')).toThrow(/f:3: expected "read PATH"/);
    expect(() => parseScriptLine('write a', 'f:4')).toThrow(/f:4: "write" needs a value/);
  });
});

describe('virtual sysfs tree', () => {
  it('nr_* recreates children with the kernel defaults', () => {
    const { got, want } = expectLines([
      ...paddrSetup(4096, 1 << 20, 1),
      [`write ${S0}/action pageout`, 'ok'],
      [`write ${S0}/quotas/ms 7`, 'ok'],
      [`write ${C0}/schemes/nr_schemes 1`, 'ok'], // same count: still recreated
      [`read ${S0}/action`, 'stat'],
      [`read ${S0}/quotas/ms`, '0'],
      [`read ${S0}/target_nid`, '-1'],
      [`read ${S0}/quotas/goal_tuner`, 'consist'],
      [`read ${S0}/quotas/fail_charge_denom`, '0'],
      [`read ${S0}/stats/max_nr_snapshots`, '0'],
      [`write ${C0}/targets/0/regions/nr_regions 2`, 'ok'],
      [`read ${C0}/targets/0/regions/0/start`, '0'],
      [`read ${C0}/targets/0/obsolete_target`, 'N'],
      [`read ${C0}/pause`, 'N'],
      [`read ${C0}/monitoring_attrs/sample/primitives/page_table`, 'Y'],
      [`read ${C0}/monitoring_attrs/sample/primitives/page_fault`, 'N'],
      [`write ${C0}/monitoring_attrs/sample/filters/nr_filters 1`, 'ok'],
      [`read ${C0}/monitoring_attrs/sample/filters/0/type`, 'cpumask'],
      [`write ${C0}/monitoring_attrs/sample/filters/0/cpumask 0-1,3`, 'ok'],
      [`read ${C0}/monitoring_attrs/sample/filters/0/cpumask`, '0-1,3'],
      [`write ${C0}/monitoring_attrs/sample/filters/0/type threads`, 'ok'],
      [`write ${C0}/monitoring_attrs/sample/filters/0/tid_arr 12,13`, 'ok'],
      [`read ${C0}/monitoring_attrs/sample/filters/0/tid_arr`, '12,13'],
      [`write ${C0}/monitoring_attrs/sample/filters/0/type nope`, 'error: EINVAL'],
      [`read ${C0}/avail_operations`, 'vaddr fvaddr paddr paddr_fault'],
      [`read ${C0}`, 'error: EISDIR'],
      [`read kdamonds/1/state`, 'error: ENOENT'],
    ]);
    expect(got).toEqual(want);
  });

  it('state commands: on/off/commit, EBUSY, EPERM, ECANCELED, and the seed paddr_fault', () => {
    const { got, want } = expectLines([
      ...paddrSetup(4096, 1 << 24, 0),
      ['write kdamonds/0/state update_schemes_stats', 'error: EINVAL'],
      ['write kdamonds/0/state off', 'error: EINVAL'],
      [`write ${C0}/monitoring_attrs/sample/primitives/page_fault Y`, 'ok'],
      ['write kdamonds/0/state on', 'error: EINVAL'], // both primitives on
      [`write ${C0}/monitoring_attrs/sample/primitives/page_table N`, 'ok'],
      ['write kdamonds/0/state on', 'ok'],
      ['write kdamonds/0/state update_schemes_tried_regions', 'error: ECANCELED'], // no schemes
      ['write kdamonds/0/state off', 'ok'],
      ['write kdamonds/0/state off', 'error: EPERM'],
      [`write ${C0}/operations paddr_fault`, 'ok'],
      [`write ${C0}/monitoring_attrs/sample/primitives/page_table Y`, 'ok'],
      ['write kdamonds/0/state on', 'ok'], // paddr_fault implies page_fault
      [`write ${C0}/operations vaddr`, 'ok'],
      ['write kdamonds/0/state commit', 'error: EINVAL'], // ops cannot change online
      [`write ${C0}/operations paddr_fault`, 'ok'],
      [`write ${C0}/targets/0/regions/0/end 0`, 'ok'],
      ['write kdamonds/0/state commit', 'error: EINVAL'], // start > end
      [`write ${C0}/targets/0/regions/0/end 8192`, 'ok'],
      ['write kdamonds/0/state commit', 'ok'],
      ['write kdamonds/0/state off', 'ok'],
    ]);
    expect(got).toEqual(want);
  });

  it('commands before on and after off follow mm/damon/sysfs.c and core.c (7.1 source)', () => {
    const { got, want, tree } = expectLines([
      ...paddrSetup(4096, 1 << 24, 1),
      [`write ${S0}/access_pattern/sz/max 18446744073709551615`, 'ok'],
      [`write ${S0}/access_pattern/nr_accesses/max 4294967295`, 'ok'],
      [`write ${S0}/access_pattern/age/max 4294967295`, 'ok'],
      // No damon_ctx yet: everything handed to the kdamond thread is EINVAL; clearing is not.
      ['write kdamonds/0/state commit', 'error: EINVAL'],
      ['write kdamonds/0/state update_schemes_stats', 'error: EINVAL'],
      ['write kdamonds/0/state update_schemes_tried_regions', 'error: EINVAL'],
      ['write kdamonds/0/state clear_schemes_tried_regions', 'ok'],
      ['write kdamonds/0/state on', 'ok'],
      ['write kdamonds/0/state update_schemes_tried_regions', 'ok'],
      ['write kdamonds/0/state off', 'ok'],
      // The kdamond exited: its calls are obsolete (ECANCELED); the tried regions are emptied first.
      ['write kdamonds/0/state commit', 'error: ECANCELED'],
      ['write kdamonds/0/state commit_schemes_quota_goals', 'error: ECANCELED'],
      ['write kdamonds/0/state update_schemes_stats', 'error: ECANCELED'],
      ['write kdamonds/0/state update_schemes_effective_quotas', 'error: ECANCELED'],
      ['write kdamonds/0/state update_tuned_intervals', 'error: ECANCELED'],
      ['write kdamonds/0/state update_schemes_tried_regions', 'error: ECANCELED'],
      [`read ${S0}/tried_regions/total_bytes`, '0'],
      ['write kdamonds/0/state clear_schemes_tried_regions', 'ok'],
      ['write kdamonds/0/state off', 'error: EPERM'],
      // The context count is checked first, for every command but off.
      ['write kdamonds/0/contexts/nr_contexts 0', 'ok'],
      ['write kdamonds/0/state clear_schemes_tried_regions', 'error: EINVAL'],
      ['write kdamonds/0/state update_schemes_stats', 'error: EINVAL'],
      // The stopped damon_ctx outlives the context directories: off reaches damon_stop().
      ['write kdamonds/0/state off', 'error: EPERM'],
    ]);
    expect(got).toEqual(want);
    expect(tree.read('kdamonds/0/state')).toBe('off');
  });

  it('vaddr needs a live pid; unsupported actions are EINVAL at on', () => {
    const tree = new VirtualSysfs();
    const m = tree.host.machine;
    const pid = m.createProcess('p');
    m.mmap(pid, 0x10000000, 1 << 20);
    m.mmap(pid, 0x20000000, 1 << 20);
    m.mmap(pid, 0x7f0000000000, 1 << 20);
    const { got, want } = expectLines(
      [
        ['write kdamonds/nr_kdamonds 1', 'ok'],
        ['write kdamonds/0/contexts/nr_contexts 1', 'ok'],
        [`write ${C0}/targets/nr_targets 1`, 'ok'],
        [`write ${C0}/targets/0/pid_target 99999`, 'ok'],
        ['write kdamonds/0/state on', 'error: EINVAL'],
        [`write ${C0}/targets/0/pid_target ${pid}`, 'ok'],
        [`write ${C0}/schemes/nr_schemes 1`, 'ok'],
        [`write ${S0}/action lru_prio`, 'ok'],
        ['write kdamonds/0/state on', 'error: EINVAL'],
        [`write ${S0}/action pageout`, 'ok'],
        ['write kdamonds/0/state on', 'ok'],
        ['read kdamonds/0/state', 'on'],
      ],
      tree,
    );
    expect(got).toEqual(want);
    expect(Number(tree.readRaw('kdamonds/0/pid'))).toBeGreaterThan(0);
  });

  it('a running pageout scheme acts on the machine; stats and tried regions read back', () => {
    const tree = new VirtualSysfs();
    const m = tree.host.machine;
    const pid = m.createProcess('p');
    m.mmap(pid, 0x10000000, 8 << 20);
    m.access(pid, 0x10000000, 8 << 20, 4096, 2048, true);
    const used = m.nodeStats()[0]!.usedFrames;
    expect(used).toBe(2048);
    const { got, want } = expectLines(
      [
        ...paddrSetup(0, 1 << 30, 1),
        [`write ${S0}/action pageout`, 'ok'],
        [`write ${S0}/access_pattern/sz/max 18446744073709551615`, 'ok'],
        [`write ${S0}/access_pattern/nr_accesses/max 0`, 'ok'],
        [`write ${S0}/access_pattern/age/max 4294967295`, 'ok'],
        [`write ${S0}/quotas/bytes 4194304`, 'ok'],
        [`write ${S0}/quotas/reset_interval_ms 100000`, 'ok'],
        ['write kdamonds/0/state on', 'ok'],
        ['write kdamonds/0/state update_schemes_tried_regions', 'ok'],
        ['write kdamonds/0/state update_schemes_stats', 'ok'],
        ['write kdamonds/0/state update_schemes_effective_quotas', 'ok'],
        [`read ${S0}/quotas/effective_bytes`, '4194304'],
      ],
      tree,
    );
    expect(got).toEqual(want);
    // Nothing accesses the memory: the quota (4 MiB per 100 s) bounds what was paged out.
    expect(Number(tree.readRaw(`${S0}/stats/sz_applied`))).toBe(4 << 20);
    expect(m.nodeStats()[0]!.usedFrames).toBe(used - 1024);
    expect(Number(tree.readRaw(`${S0}/stats/qt_exceeds`))).toBe(0);
    const total = Number(tree.readRaw(`${S0}/tried_regions/total_bytes`));
    const nTried = tree.list(`${S0}/tried_regions`).filter((e) => /^\d+$/.test(e)).length;
    expect(nTried).toBeGreaterThan(0);
    let sum = 0;
    for (let i = 0; i < nTried; i++)
      sum +=
        Number(tree.readRaw(`${S0}/tried_regions/${i}/end`)) -
        Number(tree.readRaw(`${S0}/tried_regions/${i}/start`));
    expect(sum).toBe(total);
    runSysfsScript('write kdamonds/0/state clear_schemes_tried_regions', virtualIo(tree));
    expect(tree.readRaw(`${S0}/tried_regions/total_bytes`)).toBe('0');
    expect(tree.mode(`${S0}/stats/nr_tried`)).toBe(0o400);
    expect(tree.mode(`${S0}/stats/max_nr_snapshots`)).toBe(0o600);
  });

  it('commit keeps scheme stats and commits target regions (vector 17)', () => {
    const tree = new VirtualSysfs();
    const { got, want } = expectLines(
      [
        ...paddrSetup(0, 1 << 24, 1),
        [`write ${S0}/access_pattern/sz/max 18446744073709551615`, 'ok'],
        [`write ${S0}/access_pattern/nr_accesses/max 4294967295`, 'ok'],
        [`write ${S0}/access_pattern/age/max 4294967295`, 'ok'],
        ['write kdamonds/0/state on', 'ok'],
        ['write kdamonds/0/state update_schemes_tried_bytes', 'ok'],
        ['write kdamonds/0/state update_schemes_stats', 'ok'],
      ],
      tree,
    );
    expect(got).toEqual(want);
    const rt = tree.kdamond(0)!.runtime;
    const triedBefore = rt.schemes!.schemes[0]!.stat.nrTried;
    expect(triedBefore).toBeGreaterThan(0);
    const s = rt.schemes!.schemes[0]!;
    // new regions {[4096*4, 4096*6)} replace the current ones; a second scheme is appended
    const r2 = runSysfsScript(
      [
        `write ${C0}/targets/0/regions/0/start 16384`,
        `write ${C0}/targets/0/regions/0/end 24576`,
        `write ${C0}/schemes/nr_schemes 2`,
        'write kdamonds/0/state commit',
      ].join('\n'),
      virtualIo(tree),
    );
    expect(r2).toEqual(['ok', 'ok', 'ok', 'ok']);
    const ctx = rt.context!;
    expect(ctx.targets[0]!.regions.toRecords().map((r) => [r.start, r.end])).toEqual([[16384, 24576]]);
    // unchanged attrs: no set_attrs, so the aggregation window is not restarted
    const next = ctx.nextAggregationSis;
    runSysfsScript('write kdamonds/0/state commit', virtualIo(tree));
    expect(ctx.nextAggregationSis).toBe(next);
    expect(rt.schemes!.schemes[0]).toBe(s); // same object: private state and stats kept
    expect(s.stat.nrTried).toBeGreaterThanOrEqual(triedBefore);
    expect(rt.schemes!.schemes).toHaveLength(2);
    // empty source regions keep the current ones
    runSysfsScript(
      [`write ${C0}/targets/0/regions/nr_regions 0`, 'write kdamonds/0/state commit'].join('\n'),
      virtualIo(tree),
    );
    expect(ctx.targets[0]!.regions.toRecords().map((r) => [r.start, r.end])).toEqual([[16384, 24576]]);
    // an obsolete target is removed
    expect(
      runSysfsScript(
        [`write ${C0}/targets/0/obsolete_target Y`, 'write kdamonds/0/state commit'].join('\n'),
        virtualIo(tree),
      ),
    ).toEqual(['ok', 'ok']);
    expect(ctx.targets).toHaveLength(0);
  });

  it('pause: no sampling or schemes while paused, walks canceled; commit resumes', () => {
    const tree = new VirtualSysfs();
    const { got, want } = expectLines(
      [
        ...paddrSetup(0, 1 << 24, 1),
        [`write ${S0}/access_pattern/sz/max 18446744073709551615`, 'ok'],
        [`write ${S0}/access_pattern/nr_accesses/max 4294967295`, 'ok'],
        [`write ${S0}/access_pattern/age/max 4294967295`, 'ok'],
        [`write ${C0}/pause Y`, 'ok'],
        ['write kdamonds/0/state on', 'ok'],
        ['write kdamonds/0/state update_schemes_tried_regions', 'error: ECANCELED'],
      ],
      tree,
    );
    expect(got).toEqual(want);
    const ctx = tree.kdamond(0)!.runtime.context!;
    tree.host.advance(1_000_000);
    expect(ctx.passedSampleIntervals).toBe(0);
    expect(
      runSysfsScript([`write ${C0}/pause N`, 'write kdamonds/0/state commit'].join('\n'), virtualIo(tree)),
    ).toEqual(['ok', 'ok']);
    tree.host.advance(1_000_000);
    expect(ctx.passedSampleIntervals).toBeGreaterThan(100);
    expect(tree.kdamond(0)!.runtime.schemes!.schemes[0]!.stat.nrTried).toBeGreaterThan(0);
  });

  it('refresh_ms updates stats files periodically', () => {
    const tree = new VirtualSysfs();
    runSysfsScript(
      [
        ...paddrSetup(0, 1 << 24, 1).map((p) => p[0]),
        `write ${S0}/access_pattern/sz/max 18446744073709551615`,
        `write ${S0}/access_pattern/nr_accesses/max 4294967295`,
        `write ${S0}/access_pattern/age/max 4294967295`,
        'write kdamonds/0/refresh_ms 100',
        'write kdamonds/0/state on',
      ].join('\n'),
      virtualIo(tree),
    );
    expect(tree.readRaw(`${S0}/stats/nr_tried`)).toBe('0');
    tree.host.advance(500_000);
    tree.refresh();
    expect(Number(tree.readRaw(`${S0}/stats/nr_tried`))).toBeGreaterThan(0);
  });
});
