import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UnsupportedFeatureError } from '../../src/backends/kernel/config-writer.js';
import { KdamondBusyError, KernelDamon, NotOwnerError } from '../../src/backends/kernel/control.js';
import { recordKernel, recordOngoing } from '../../src/backends/kernel/recorder.js';
import { readStatus } from '../../src/backends/kernel/status.js';
import { SysfsError } from '../../src/backends/kernel/sysfs.js';
import { treeListing } from '../../src/backends/kernel/tree.js';
import { parseKdamondsConfig } from '../../src/config/load.js';
import { readRecords } from '../../src/records/reader.js';
import type { RecordHeader, Snapshot } from '../../src/records/types.js';
import { RecordWriter } from '../../src/records/writer.js';
import { FakeKernel } from './fake-kernel.js';

let tmp: string;
let iomem: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'damon-ts-kernel-test-'));
  iomem = join(tmp, 'iomem');
  writeFileSync(
    iomem,
    '00001000-0009fbff : System RAM\n000a0000-000fffff : Reserved\n00100000-bfffffff : System RAM\n  01000000-01ffffff : Kernel code\n100000000-13fffffff : System RAM\n',
  );
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

function damonOn(fake: FakeKernel) {
  return new KernelDamon({ sysfs: fake, stateDir: join(tmp, 'state'), iomemPath: iomem });
}

const paddr = (extra: object = {}) =>
  parseKdamondsConfig({ kdamonds: [{ contexts: [{ ops: 'paddr', targets: [{ regions: [] }], ...extra }] }] });

/** A kdamond someone else configured and started (a pageout scheme, as found on this machine). */
function foreignKdamond(fake: FakeKernel) {
  fake.write('kdamonds/nr_kdamonds', 1);
  fake.write('kdamonds/0/contexts/nr_contexts', 1);
  const c = 'kdamonds/0/contexts/0';
  fake.write(`${c}/operations`, 'paddr');
  fake.write(`${c}/monitoring_attrs/intervals/sample_us`, 500000);
  fake.write(`${c}/targets/nr_targets`, 1);
  fake.write(`${c}/targets/0/regions/nr_regions`, 1);
  fake.write(`${c}/targets/0/regions/0/start`, 4294967296);
  fake.write(`${c}/targets/0/regions/0/end`, 6710886400);
  fake.write(`${c}/schemes/nr_schemes`, 1);
  fake.write(`${c}/schemes/0/action`, 'pageout');
  fake.write(`${c}/schemes/0/ops_filters/nr_filters`, 1);
  fake.write(`${c}/schemes/0/ops_filters/0/type`, 'anon');
  fake.write('kdamonds/0/state', 'on');
  fake.writes.length = 0;
}

const withoutPid = (l: string[]) => l.filter((x) => !/\/pid=/.test(x));

describe('kernel backend on a model of the sysfs tree', () => {
  it('writes a context in damo order and turns the kdamond on', () => {
    const fake = new FakeKernel();
    const rec = damonOn(fake).start(
      paddr({ schemes: [{ action: 'pageout', access_pattern: { nr_accesses: { min: 0, max: 0 } } }] }),
    );
    expect(rec.kdamonds).toEqual([{ index: 0, pid: 1000 }]);
    const order = [
      'operations',
      'intervals/sample_us',
      'intervals/intervals_goal/aggrs',
      'nr_regions/min',
      'addr_unit',
      'targets/nr_targets',
      'regions/0/start',
      'schemes/nr_schemes',
      'schemes/0/action',
      'state=on',
    ];
    // after the feature probe (which builds and removes a probe tree), the start proper
    const from = fake.writes.lastIndexOf('kdamonds/nr_kdamonds=1');
    const at = order.map((o) => fake.writes.slice(from).findIndex((w) => w.includes(o)));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // default paddr region: first System RAM start to last System RAM end of the iomem listing
    expect(fake.read('kdamonds/0/contexts/0/targets/0/regions/0/start')).toBe('4096');
    expect(fake.read('kdamonds/0/contexts/0/targets/0/regions/0/end')).toBe(String(0x140000000));
    // 0 % access rate → 0 samples; age max → u32 max aggregation intervals
    expect(fake.read('kdamonds/0/contexts/0/schemes/0/access_pattern/nr_accesses/max')).toBe('0');
    expect(fake.read('kdamonds/0/contexts/0/schemes/0/access_pattern/age/max')).toBe('4294967295');
    expect(fake.read('kdamonds/0/contexts/0/schemes/0/access_pattern/sz/max')).toBe('18446744073709551615');
  });

  it('stop restores the tree exactly as found', () => {
    const fake = new FakeKernel();
    fake.write('kdamonds/nr_kdamonds', 1);
    fake.write('kdamonds/0/refresh_ms', 77);
    const before = treeListing(fake);
    const damon = damonOn(fake);
    damon.start(paddr({ intervals: { sample_us: '10 ms', aggr_us: '200 ms' } }));
    expect(treeListing(fake)).not.toEqual(before);
    expect(damon.stop()).toEqual({ stopped: [0], restored: true });
    expect(treeListing(fake)).toEqual(before);
    expect(damon.store.load()).toBeNull();
  });

  it('refuses to take over a kdamond it did not start, and touches nothing', () => {
    const fake = new FakeKernel();
    foreignKdamond(fake);
    const before = treeListing(fake);
    const damon = damonOn(fake);
    expect(() => damon.start(paddr())).toThrow(KdamondBusyError);
    expect(() => damon.start(paddr())).toThrow(
      /kdamond 0 \(pid 1000\) is running and was not started by damon-ts.*--force/,
    );
    expect(() => damon.tune(paddr())).toThrow(NotOwnerError);
    expect(() => damon.stop()).toThrow(NotOwnerError);
    expect(fake.writes.filter((w) => !w.endsWith('state=update_schemes_stats'))).toEqual([]);
    expect(treeListing(fake)).toEqual(before);
  });

  it('with force takes over, and stop restarts the foreign kdamond with its configuration', () => {
    const fake = new FakeKernel();
    foreignKdamond(fake);
    const before = treeListing(fake);
    const damon = damonOn(fake);
    const rec = damon.start(paddr(), { force: true });
    expect(rec.tookOver).toEqual([{ index: 0, pid: 1000 }]);
    expect(fake.read('kdamonds/0/contexts/0/schemes/nr_schemes')).toBe('0');
    damon.stop();
    const after = treeListing(fake);
    expect(withoutPid(after)).toEqual(withoutPid(before));
    expect(fake.read('kdamonds/0/state')).toBe('on');
    expect(fake.read('kdamonds/0/pid')).not.toBe('1000'); // restarted
  });

  it('kdamonds that ended by themselves are not ours any more; the tree found first is still restored', () => {
    const fake = new FakeKernel();
    fake.write('kdamonds/nr_kdamonds', 1);
    const before = treeListing(fake);
    const damon = damonOn(fake);
    damon.start(paddr());
    fake.write('kdamonds/0/state', 'off'); // e.g. the kernel stopped it
    expect(damon.owned()).toBeNull();
    damon.start(paddr({ intervals: { sample_us: 1000, aggr_us: 20000 } }));
    expect(damon.owned()?.kdamonds).toEqual([{ index: 0, pid: 1001 }]);
    damon.stop();
    expect(treeListing(fake)).toEqual(before);
  });

  it('tune commits a new configuration online; the number of kdamonds cannot change', () => {
    const fake = new FakeKernel();
    const damon = damonOn(fake);
    damon.start(paddr());
    fake.writes.length = 0;
    damon.tune(paddr({ intervals: { sample_us: 20000, aggr_us: 400000 } }));
    expect(fake.read('kdamonds/0/contexts/0/monitoring_attrs/intervals/sample_us')).toBe('20000');
    expect(fake.writes.at(-1)).toBe('kdamonds/0/state=commit');
    expect(fake.writes.some((w) => w.includes('nr_contexts'))).toBe(false);
    const two = parseKdamondsConfig({
      kdamonds: [{ contexts: [{ targets: [{ regions: [{ start: 0, end: 4096 }] }] }] }, { contexts: [] }],
    });
    expect(() => damon.tune(two)).toThrow(/2 kdamond\(s\) but 1 run/);
    expect(() => damon.start(paddr())).toThrow(/damon-ts already runs kdamond 0/);
  });

  it('names the missing kernel feature before writing anything (vaddr here)', () => {
    const fake = new FakeKernel();
    const before = treeListing(fake);
    const cfg = parseKdamondsConfig({ kdamonds: [{ contexts: [{ ops: 'vaddr', targets: [{ pid: 1 }] }] }] });
    expect(() => damonOn(fake).start(cfg)).toThrow(UnsupportedFeatureError);
    expect(() => damonOn(fake).start(cfg)).toThrow(
      /kdamonds\[0\]\.contexts\[0\]\.ops: operations set "vaddr" is not available.*avail_operations: paddr.*CONFIG_DAMON_VADDR/,
    );
    const sample = paddr({ sample: { primitives: { page_table: false, page_fault: true } } });
    expect(() => damonOn(fake).start(sample)).toThrow(
      /contexts\[0\]\.sample: this kernel has no sample control/,
    );
    expect(treeListing(fake)).toEqual(before);
  });

  it('a failing write names file, value, errno and meaning, and the tree is rolled back', () => {
    const fake = new FakeKernel();
    const before = treeListing(fake);
    const orig = fake.write.bind(fake);
    fake.write = (rel, value) => {
      if (rel.endsWith('/state') && value === 'on')
        throw new SysfsError('write', `/fake/${rel}`, 'on', 'EINVAL');
      orig(rel, value);
    };
    const err = (() => {
      try {
        damonOn(fake).start(paddr());
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err?.message).toMatch(/writing "on" to \/fake\/kdamonds\/0\/state failed: EINVAL \(invalid value/);
    expect(treeListing(fake)).toEqual(before);
  });

  it('records snapshots from tried regions of an added stat scheme, then restores', async () => {
    const fake = new FakeKernel();
    fake.accessesOf = (start) => (start === 4096 ? 5 : 0);
    const before = treeListing(fake);
    const got: { h: RecordHeader; s: Snapshot }[] = [];
    const stats = await recordKernel(
      paddr({ intervals: { sample_us: 5000, aggr_us: 100000 } }),
      { addSnapshot: (h, s) => got.push({ h, s }) },
      {
        sysfs: fake,
        stateDir: join(tmp, 'state'),
        iomemPath: iomem,
        snapshot: { delayMs: 5, count: 3 },
      },
    );
    expect(stats).toMatchObject({ mode: 'snapshot', snapshots: 3 });
    expect(got).toHaveLength(3);
    expect(got[0]!.h).toMatchObject({
      kdamond_idx: 0,
      context_idx: 0,
      target_id: 0,
      intervals: { sample_us: 5000, aggr_us: 100000 },
    });
    const r0 = got[0]!.s.regions[0]!;
    expect(r0).toMatchObject({
      start: 4096,
      nr_accesses: { samples: 5, percent: 25 },
      age: { aggr_intervals: 0, usec: 0 },
    });
    expect(got[1]!.s.start_time).toBe(got[0]!.s.end_time);
    expect(fake.writes).toContain('kdamonds/0/contexts/0/schemes/0/action=stat');
    expect(fake.writes).toContain('kdamonds/0/contexts/0/schemes/0/apply_interval_us=5000');
    expect(treeListing(fake)).toEqual(before);
  });

  it('snapshot records written through RecordWriter are read back by the records reader', async () => {
    const fake = new FakeKernel();
    fake.accessesOf = (start) => (start < 2 ** 31 ? 3 : 0);
    const out = join(tmp, 'snap.data');
    const writer = RecordWriter.open(out, 'json_compressed', { flushIntervalMs: 0 });
    await recordKernel(paddr(), writer, {
      sysfs: fake,
      stateDir: join(tmp, 'state'),
      iomemPath: iomem,
      snapshot: { delayMs: 1, count: 4 },
    });
    writer.close();
    const [rec] = await readRecords(out);
    expect(rec).toMatchObject({ kdamond_idx: 0, context_idx: 0, target_id: 0 });
    expect(rec!.snapshots).toHaveLength(4);
    expect(rec!.snapshots[3]!.regions.map((r) => [r.start, r.end, r.nr_accesses.samples])).toEqual([
      [4096, 2684356608, 3],
      [2684356608, 0x140000000, 0],
    ]);
  });

  it('snapshots of a running kdamond need ownership; with force its schemes are restored', async () => {
    const fake = new FakeKernel();
    foreignKdamond(fake);
    const before = treeListing(fake);
    const opts = {
      sysfs: fake,
      stateDir: join(tmp, 'state'),
      iomemPath: iomem,
      snapshot: { delayMs: 1, count: 2 },
    };
    const sink = { addSnapshot: () => undefined };
    await expect(recordOngoing(sink, opts)).rejects.toThrow(/need a stat scheme committed into it.*--force/);
    const got: Snapshot[] = [];
    const stats = await recordOngoing({ addSnapshot: (_h, s) => got.push(s) }, { ...opts, force: true });
    expect(stats.snapshots).toBe(2);
    expect(got[0]!.regions.map((r) => r.start)).toEqual([4294967296, 4294967296 + 1207959552]);
    expect(fake.writes).toContain('kdamonds/0/contexts/0/schemes/nr_schemes=2');
    expect(fake.writes.at(-1)).toBe('kdamonds/0/state=commit');
    expect(treeListing(fake)).toEqual(before);
  });

  it('status reads parameters and stats of every kdamond', () => {
    const fake = new FakeKernel();
    foreignKdamond(fake);
    const [k] = readStatus(fake);
    expect(k).toMatchObject({ index: 0, state: 'on', pid: 1000 });
    expect(k!.contexts[0]).toMatchObject({
      ops: 'paddr',
      intervals: { sample_us: 500000 },
      targets: [{ pid: null, regions: [{ start: 4294967296, end: 6710886400 }] }],
    });
    expect(k!.contexts[0]!.schemes[0]).toMatchObject({
      action: 'pageout',
      nr_filters: 1,
      stats: { nr_tried: 0 },
    });
  });
});
