import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getWorkload, listWorkloads, resolveWorkload } from '../../src/workloads/builtins.js';
import { CombinedWorkload } from '../../src/workloads/combined-workload.js';
import { parseMasimConfig } from '../../src/workloads/masim-config.js';
import { MASIM_LAYOUT, MasimWorkload } from '../../src/workloads/masim-workload.js';
import { FakeMachine } from './fake-machine.js';

function workload(lines: string[]): MasimWorkload {
  return new MasimWorkload(parseMasimConfig(lines.join('\n'), 't.cfg'));
}

const TWO = [
  'a, 40960',
  'b, 8192',
  '',
  'p0',
  '1000',
  'a, 0, 4096, 3, ro',
  'b, 1, 4096, 1, wo',
  '',
  'p1',
  '500',
  'b, 0, 4096, 1',
];

describe('masim workload', () => {
  it('lays out text, heap, page-aligned regions with one-page holes, and the stack', () => {
    const m = new FakeMachine();
    const w = workload(['a, 10000', 'b, 4096', '', 'p', '1', 'a, 0, 4096, 1']);
    w.setup(m);
    const a = MASIM_LAYOUT.regionsStart;
    expect(m.mmaps.map((x) => [x.start, x.length])).toEqual([
      [MASIM_LAYOUT.textStart, MASIM_LAYOUT.textBytes],
      [MASIM_LAYOUT.heapStart, MASIM_LAYOUT.heapBytes],
      [a, 12288],
      [a + 12288 + 4096, 4096],
      [MASIM_LAYOUT.stackEnd - MASIM_LAYOUT.stackBytes, MASIM_LAYOUT.stackBytes],
    ]);
    expect(w.mainPid).toBe(m.threads[0]!.tid);
    expect(w.durationUs).toBe(1000);
  });

  it('splits each span budget by weight, with ro/wo kinds', () => {
    const m = new FakeMachine(1e6);
    const w = workload(TWO);
    w.setup(m);
    expect(w.run(m, 0, 100_000)).toBe(true);
    // 100 ms at 1e6/s = 100000 accesses; a:b = 3:1.
    expect(m.total((c) => c.start < w.regionStarts.get('b')! && !c.isWrite && c.kind === 'seq')).toBe(75000);
    expect(m.total((c) => c.kind === 'random' && c.isWrite)).toBe(25000);
    expect(m.total()).toBe(100000);
  });

  it('budgets of any span partition add up exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 400_000 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 5_000_000 }),
        (cuts, rate) => {
          const m = new FakeMachine(rate);
          const w = workload(TWO);
          w.setup(m);
          let t = 0;
          for (const c of cuts) {
            w.run(m, t, t + c);
            t += c;
          }
          const end = Math.min(t, 1_500_000);
          const p0 = Math.min(end, 1_000_000);
          const b0 = Math.floor((p0 * rate) / 1e6);
          const b1 = Math.floor(((end - p0) * rate) / 1e6);
          const bStart = w.regionStarts.get('b')!;
          expect(m.total((c) => c.start < bStart)).toBe(Math.floor((b0 * 3) / 4));
          expect(m.total((c) => c.kind === 'random')).toBe(b0 - Math.floor((b0 * 3) / 4));
          // p1 is rw: floor(b1/2) reads and as many writes.
          expect(m.total((c) => c.start >= bStart && c.kind === 'seq' && c.isWrite)).toBe(Math.floor(b1 / 2));
          expect(m.total((c) => c.start >= bStart && c.kind === 'seq' && !c.isWrite)).toBe(
            Math.floor(b1 / 2),
          );
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  });

  it('sequential patterns continue where they stopped and wrap to the region start', () => {
    const m = new FakeMachine(1000); // one access per ms
    const w = workload(['a, 40960', '', 'p', '100', 'a, 0, 4096, 1, ro']);
    w.setup(m);
    const s = w.regionStarts.get('a')!;
    w.run(m, 0, 7000); // 7 accesses: pages 0..6
    w.run(m, 7000, 12000); // 5 more: pages 7..9, then 0..1
    expect(m.calls.map((c) => [c.start - s, c.length, c.count])).toEqual([
      [0, 40960, 7],
      [7 * 4096, 3 * 4096, 3],
      [0, 40960, 2],
    ]);
  });

  it('rw issues reads and writes of the same places', () => {
    const m = new FakeMachine(1000);
    const w = workload(['a, 40960', '', 'p', '100', 'a, 0, 4096, 1']);
    w.setup(m);
    w.run(m, 0, 8000);
    w.run(m, 8000, 12000);
    const reads = m.calls.filter((c) => !c.isWrite).map((c) => [c.start, c.count]);
    const writes = m.calls.filter((c) => c.isWrite).map((c) => [c.start, c.count]);
    expect(reads).toEqual(writes);
    expect(m.total((c) => c.isWrite)).toBe(6);
  });

  it('crosses phases inside one span and exits the process at the end', () => {
    const m = new FakeMachine(1e6);
    const w = workload(TWO);
    w.setup(m);
    expect(w.run(m, 1000, 1_001_000 + 250_000)).toBe(true); // starts at 1000: phase 0 whole, 250 ms of phase 1
    expect(m.total((c) => c.start >= w.regionStarts.get('b')! && c.kind === 'seq')).toBe(250_000);
    expect(m.exited).toEqual([]);
    expect(w.run(m, 1_251_000, 1_501_000)).toBe(false);
    expect(m.exited).toEqual([w.mainPid]);
    expect(w.run(m, 1_501_000, 1_600_000)).toBe(false);
  });

  it('creates pinned threads, each with its own budget', () => {
    const m = new FakeMachine(1e6);
    const w = workload([
      'a, 4096',
      'b, 4096',
      '',
      'p',
      '10',
      'a, 0, 4096, 1, cpu=1',
      'b, 0, 4096, 1, thread=2, cpu=0',
    ]);
    w.setup(m);
    expect(m.threads.map((t) => t.cpu)).toEqual([undefined, undefined, 0]);
    expect(m.pins.get(w.mainPid!)).toBe(1);
    w.run(m, 0, 10_000);
    const tids = m.threads.map((t) => t.tid);
    expect(m.total((c) => c.tid === tids[0])).toBe(10_000);
    expect(m.total((c) => c.tid === tids[2])).toBe(10_000);
    expect(m.total((c) => c.tid === tids[1])).toBe(0);
  });
});

describe('built-in workloads', () => {
  it('lists every built-in with a duration of tens of seconds at most', () => {
    const names = listWorkloads().map((w) => w.name);
    expect(names).toEqual([
      'stairs',
      'zigzag',
      'demo',
      'hot-cold',
      'per-cpu',
      'thread-pairs',
      'write-mostly',
      'read-mostly',
      'phase-change',
      'vm-like',
      'multi-process',
      'numa',
    ]);
    for (const w of listWorkloads()) expect(w.durationUs).toBeLessThanOrEqual(70e6);
  });

  it('rejects unknown names, listing the known ones', () => {
    expect(() => getWorkload('nope')).toThrow(/unknown workload 'nope' \(known: stairs, zigzag/);
    expect(() => resolveWorkload('nope')).toThrow(/unknown workload 'nope'/);
  });

  it('resolves names and masim file paths; a missing file is named in the error', () => {
    expect(resolveWorkload('zigzag').name).toBe('zigzag');
    expect(() => resolveWorkload('/nonexistent/x.cfg')).toThrow(
      /^\/nonexistent\/x\.cfg: cannot read masim configuration/,
    );
  });

  it('per-cpu runs two pinned threads on private and shared data', () => {
    const m = new FakeMachine(1e6);
    const w = getWorkload('per-cpu');
    w.setup(m);
    w.run(m, 0, 1000);
    const workers = m.threads.filter((t) => t.cpu !== undefined);
    expect(workers.map((t) => t.cpu)).toEqual([0, 1]);
    for (const t of workers)
      expect(new Set(m.calls.filter((c) => c.tid === t.tid).map((c) => c.kind))).toEqual(
        new Set(['seq', 'random']),
      );
    expect(m.total((c) => c.tid === w.mainPid)).toBe(0);
  });

  it('write-mostly writes nine times as much as it reads; read-mostly the reverse', () => {
    for (const [name, writes] of [
      ['write-mostly', 9000],
      ['read-mostly', 1000],
    ] as const) {
      const m = new FakeMachine(1e6);
      const w = getWorkload(name);
      w.setup(m);
      w.run(m, 0, 10_000);
      expect(m.total((c) => c.isWrite)).toBe(writes);
      expect(m.total()).toBe(10_000);
    }
  });

  it('multi-process maps one shared region in two processes', () => {
    const m = new FakeMachine(1e6);
    const w = getWorkload('multi-process');
    expect(w).toBeInstanceOf(CombinedWorkload);
    w.setup(m);
    const shared = m.mmaps.filter((x) => 'shared' in x.opts);
    expect(shared.map((x) => x.tgid)).toHaveLength(2);
    expect(new Set(shared.map((x) => x.tgid)).size).toBe(2);
    expect(new Set(shared.map((x) => (x.opts as { shared: string }).shared)).size).toBe(1);
    expect(w.mainPid).toBe(shared[0]!.tgid);
    expect(w.run(m, 0, 20_000_000)).toBe(false);
    expect(m.exited).toHaveLength(2);
  });
});
