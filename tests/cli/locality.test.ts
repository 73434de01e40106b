/**
 * Thread and CPU locality through the CLI on seeded simulated runs: per-CPU and per-thread slices
 * stay accurate under sharing (eval against the machine's ground truth), and `report sharing` on a
 * `record --slices` record finds the thread pairs that share memory, with the shared bytes of the
 * machine's ground truth.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../src/backends/sim/machine.js';
import type { GroundTruthWindow } from '../../src/backends/sim/ground-truth.js';
import { getWorkload } from '../../src/workloads/builtins.js';
import { ensureBuilt, run } from '../cli-helpers.js';
import { fmtSz } from '../../src/records/pyformat.js';
import { pngSize, svgContent } from './images.js';

const LONG = 600_000;
const tmp = mkdtempSync(join(tmpdir(), 'damon-ts-locality-'));
beforeAll(ensureBuilt, 120_000);

interface SetupJson {
  name: string;
  accuracy: { f1: number };
  costs: { faults: number; rearms: number };
}

function evalJson(workload: string, setups: string, extra: string[] = []): SetupJson[] {
  const r = run([
    'eval',
    '--workload',
    workload,
    '--setups',
    setups,
    '--duration',
    '1.5',
    '--json',
    ...extra,
  ]);
  // Off a terminal eval prints progress lines ("eval: 0.5 s of 1.5 s virtual"); nothing else.
  expect(r.stderr.split('\n').filter((l) => l !== '' && !/^eval: [\d.]+ s of /.test(l))).toEqual([]);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { setups: SetupJson[] }).setups;
}

/** The thread-pairs workload's threads, and per window the pages each thread touched (ground truth). */
function truth(seconds: number): { tids: number[]; windows: Map<number, Set<number>>[] } {
  const w = getWorkload('thread-pairs');
  const probe = new Machine({ seed: 1 });
  probe.addWorkload(w);
  const tids = probe.threadsOf(w.mainPid!).slice(1);
  const m = new Machine({
    seed: 1,
    groundTruth: {
      intervalUs: 5000,
      windowUs: 100_000,
      views: tids.map((t) => ({ name: `t${t}`, tids: [t] })),
    },
  });
  m.addWorkload(getWorkload('thread-pairs'));
  const windows: Map<number, Set<number>>[] = [];
  m.groundTruth!.onWindow((gw: GroundTruthWindow) => {
    const per = new Map<number, Set<number>>();
    tids.forEach((t, v) => {
      const s = new Set<number>();
      const counts = gw.virt.views[v + 1]!.accesses;
      for (let k = 0; k < gw.virt.length; k++) if (counts[k]! > 0) s.add(gw.virt.vpn[k]!);
      per.set(t, s);
    });
    windows.push(per);
  });
  for (let t = 0; t < seconds * 1e6; t += 100_000) m.advance(t, t + 100_000);
  return { tids, windows };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

describe('per-CPU and per-thread slices under sharing (eval)', () => {
  it(
    'per-cpu: every CPU and thread slice reaches F1 >= 0.95, with the re-armed faults in the cost table',
    () => {
      const setups = evalJson('per-cpu', 'cpus:0,cpus:1,tids:101,tids:102', [
        '--accesses_per_second',
        '10000000',
      ]);
      expect(setups.map((s) => s.name)).toEqual(['cpus:0', 'cpus:1', 'tids:101', 'tids:102']);
      for (const s of setups) {
        expect(s.accuracy.f1, s.name).toBeGreaterThanOrEqual(0.95);
        // the other worker's faults on this slice's sampling pages were re-armed, and counted
        expect(s.costs.rearms, s.name).toBeGreaterThan(0);
        expect(s.costs.rearms, s.name).toBeLessThan(s.costs.faults);
      }
      const table = run([
        'eval',
        '--workload',
        'per-cpu',
        '--setups',
        'cpus:1',
        '--duration',
        '0.3',
        '--accesses_per_second',
        '10000000',
      ]);
      expect(table.stdout).toMatch(/faults +re-armed +stale faults/);
    },
    LONG,
  );

  it(
    'thread-pairs: every thread and CPU slice reaches F1 >= 0.95',
    () => {
      const setups = evalJson('thread-pairs', 'tids:101,tids:102,tids:103,tids:104,cpus:0,cpus:1');
      for (const s of setups) expect(s.accuracy.f1, s.name).toBeGreaterThanOrEqual(0.95);
    },
    LONG,
  );
});

describe('report sharing on the thread-pairs workload', () => {
  const data = join(tmp, 'pairs.data');
  beforeAll(() => {
    const r = run([
      'record',
      '--workload',
      'thread-pairs',
      '--sample_primitives',
      'page_fault',
      '--slices',
      'thread',
      '--timeout',
      '1.5',
      '-o',
      data,
    ]);
    expect(r.code).toBe(0);
  }, LONG);

  it(
    'groups the threads that share a buffer, with the shared bytes of the ground truth within 25 %',
    () => {
      const r = run(['report', 'sharing', '-i', data, '--json', '--llc', '16 MiB']);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout) as {
        by: string;
        slices: { id: number; wss_p50: number }[];
        shared_bytes: number[][];
        groups: { threads: number[]; shared_bytes: number }[];
        idle: number[];
      };
      const { tids, windows } = truth(1.5);
      expect(j.by).toBe('thread');
      // True sharing: pairs whose pages overlap in most windows.
      const trueShared = (a: number, b: number) =>
        median(
          windows.map((w) => {
            let n = 0;
            for (const p of w.get(a)!) if (w.get(b)!.has(p)) n++;
            return n * 4096;
          }),
        );
      const truePairs: number[][] = [];
      for (let x = 0; x < tids.length; x++)
        for (let y = x + 1; y < tids.length; y++)
          if (trueShared(tids[x]!, tids[y]!) > 0) truePairs.push([tids[x]!, tids[y]!]);
      expect(truePairs.length).toBe(2);
      expect(j.groups.map((g) => g.threads)).toEqual(
        [...truePairs].sort((p, q) => trueShared(q[0]!, q[1]!) - trueShared(p[0]!, p[1]!)),
      );
      const idx = (t: number) => j.slices.findIndex((s) => s.id === t);
      const least = Math.min(...truePairs.map((p) => trueShared(p[0]!, p[1]!)));
      for (let x = 0; x < tids.length; x++)
        for (let y = x + 1; y < tids.length; y++) {
          const est = j.shared_bytes[idx(tids[x]!)]![idx(tids[y]!)]!;
          const tru = trueShared(tids[x]!, tids[y]!);
          if (tru > 0) expect(Math.abs(est - tru) / tru, `${tids[x]}-${tids[y]}`).toBeLessThanOrEqual(0.25);
          // threads that share nothing: only where region edges blur, far below any true pair
          else expect(est, `${tids[x]}-${tids[y]}`).toBeLessThan(0.25 * least);
        }
      // each thread's own working set too
      for (const t of tids) {
        const tru = median(windows.map((w) => w.get(t)!.size * 4096));
        expect(Math.abs(j.slices[idx(t)]!.wss_p50 - tru) / tru).toBeLessThanOrEqual(0.25);
      }
      // the main thread only waits
      expect(j.idle).toEqual([tids[0]! - 1]);
    },
    LONG,
  );

  it('prints the damo-style text with the LLC from the CPU cache sysfs', () => {
    // A 4-CPU machine with two LLC domains of 16 MiB.
    const sys = join(tmp, 'cpu');
    for (let c = 0; c < 4; c++) {
      const d = join(sys, `cpu${c}`, 'cache', 'index3');
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'level'), '3\n');
      writeFileSync(join(d, 'size'), '16384K\n');
      writeFileSync(join(d, 'shared_cpu_list'), c < 2 ? '0-1\n' : '2-3\n');
      const l2 = join(sys, `cpu${c}`, 'cache', 'index2');
      mkdirSync(l2, { recursive: true });
      writeFileSync(join(l2, 'level'), '2\n');
      writeFileSync(join(l2, 'size'), '1024K\n');
    }
    const r = run(['report', 'sharing', '-i', data, '--cpu_sysfs', sys]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/LLC 16\.000 MiB \(L3 of .*cpu\)/);
    expect(r.stdout).toMatch(/^group 0: threads 101 102 .* -> LLC domain 0 \(cpus 0-1\)$/m);
    expect(r.stdout).toMatch(/^group 1: threads 103 104 .* -> LLC domain 1 \(cpus 2-3\)$/m);
    expect(r.stdout).toMatch(/^thread +100 +101 +102 +103 +104$/m);
    const none = run(['report', 'sharing', '-i', data, '--cpu_sysfs', join(tmp, 'nothing')]);
    expect(none.stdout).toMatch(/LLC size unknown \(give --llc\)/);
    const timeline = run(['report', 'sharing', '-i', data, '--timeline', '--llc', '8M']);
    expect(timeline.stdout).toMatch(/^time +thread 100 +thread 101/m);
  });

  it('--output draws the matrix: thread names, the median shared bytes in the cells, a colour bar in bytes', () => {
    const j = JSON.parse(run(['report', 'sharing', '-i', data, '--json']).stdout) as {
      slices: { id: number }[];
      shared_bytes: number[][];
    };
    const svgPath = join(tmp, 'sharing.svg');
    const r = run(['report', 'sharing', '-i', data, '--output', svgPath]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`wrote ${svgPath}\n`);
    const svg = svgContent(svgPath);
    const n = j.slices.length;
    for (const s of j.slices) expect(svg.texts).toContain(`thread ${s.id}`);
    // Every cell reads the matrix's value, row by row, as the text report prints it.
    const cells = [...svg.svg.matchAll(/<title>threads (\d+) and (\d+): ([^<]*)<\/title>/g)];
    expect(cells).toHaveLength(n * n);
    for (const [, a, b, label] of cells) {
      const i = j.slices.findIndex((s) => s.id === Number(a));
      const k = j.slices.findIndex((s) => s.id === Number(b));
      expect(label).toBe(fmtSz(Math.round(j.shared_bytes[i]![k]!), false));
      expect(svg.texts).toContain(label);
    }
    // The colour bar's top tick is within the largest value, in MiB.
    const max = Math.max(...j.shared_bytes.flat());
    const ticks = svg.texts.filter((t) => /^\d+ MiB$/.test(t)).map((t) => Number(t.split(' ')[0]) * 2 ** 20);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...ticks)).toBeLessThanOrEqual(max);
    expect(svg.texts).toContain('bytes shared');
    // The PNG is the same picture, rendered at the SVG's size.
    const pngPath = join(tmp, 'sharing.png');
    expect(run(['report', 'sharing', '-i', data, '--output', pngPath]).code).toBe(0);
    expect(pngSize(pngPath)).toEqual({ width: svg.width, height: svg.height });
    // An unknown picture format is refused before any work, and the old file stays.
    const keep = join(tmp, 'sharing.gif');
    writeFileSync(keep, 'old');
    const bad = run(['report', 'sharing', '-i', data, '--output', keep]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /--output .*sharing\.gif: cannot write a \.gif image; damon-ts draws \.png and \.svg/,
    );
    expect(readFileSync(keep, 'utf8')).toBe('old');
  });

  it(
    'refuses what it cannot answer, naming the input',
    () => {
      const cpu = run(['report', 'sharing', '-i', data, '--by', 'cpu']);
      expect(cpu.code).not.toBe(0);
      expect(cpu.stderr).toMatch(/pairs\.data: the record has thread slices, not cpu slices/);
      expect(run(['report', 'sharing', '-i', data, '--llc', 'lots']).stderr).toMatch(/--llc: expected bytes/);
      expect(run(['report', 'sharing', '-i', data, '--by', 'core']).stderr).toMatch(/--by: 'core'/);
      const plain = join(tmp, 'plain.data');
      expect(run(['record', '--workload', 'thread-pairs', '--timeout', '0.3', '-o', plain]).code).toBe(0);
      const r = run(['report', 'sharing', '-i', plain]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/plain\.data: the record has neither per-thread\/CPU slices/);
      expect(r.stderr).not.toMatch(/at .*\.js/);
    },
    LONG,
  );
});

describe('record --slices cpu', () => {
  it(
    'CPU slices: the two CPUs share both buffers (each pair runs across them)',
    () => {
      const data = join(tmp, 'cpus.data');
      const rec = run([
        'record',
        '--workload',
        'thread-pairs',
        '--sample_primitives',
        'page_fault',
        '--slices',
        'cpu',
        '--timeout',
        '1.5',
        '-o',
        data,
      ]);
      expect(rec.code).toBe(0);
      const j = JSON.parse(run(['report', 'sharing', '-i', data, '--json']).stdout) as {
        by: string;
        shared_bytes: number[][];
        groups: { cpus: number[] }[];
      };
      expect(j.by).toBe('cpu');
      expect(j.groups.map((g) => g.cpus)).toEqual([[0, 1]]);
      const { tids, windows } = truth(1.5);
      // CPU 0 runs the first thread of each pair, CPU 1 the second
      const both = median(
        windows.map((w) => {
          let n = 0;
          const c0 = new Set([...w.get(tids[0]!)!, ...w.get(tids[2]!)!]);
          for (const p of new Set([...w.get(tids[1]!)!, ...w.get(tids[3]!)!])) if (c0.has(p)) n++;
          return n * 4096;
        }),
      );
      expect(Math.abs(j.shared_bytes[0]![1]! - both) / both).toBeLessThanOrEqual(0.25);
      expect(
        run(['record', '--workload', 'thread-pairs', '--slices', 'cpu', '-o', join(tmp, 'x')]).stderr,
      ).toMatch(/--slices: needs --sample_primitives page_fault/);
    },
    LONG,
  );

  it(
    'slices narrow other filters: write-only thread slices group the pairs too',
    () => {
      const data = join(tmp, 'writes.data');
      const rec = run([
        'record',
        '--workload',
        'thread-pairs',
        '--sample_primitives',
        'page_fault',
        '--exp_ops_write_only',
        'y',
        '--slices',
        'thread',
        '--timeout',
        '1.5',
        '-o',
        data,
      ]);
      expect(rec.code).toBe(0);
      const j = JSON.parse(run(['report', 'sharing', '-i', data, '--json']).stdout) as {
        groups: { threads: number[] }[];
      };
      expect(j.groups.map((g) => g.threads)).toEqual([
        [101, 102],
        [103, 104],
      ]);
    },
    LONG,
  );
});
