/**
 * report dirty and eval --dirty_rate through the built CLI, on seeded simulated runs whose dirtied
 * pages the machine knows exactly. Tolerance: the damon-ts dirty rate within 25 % of the truth, for
 * monitoring with at least 100 regions (-n 100; with the default 10, a region straddling the edge
 * of a hot set is counted whole, 35 % over on the hot workload below).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, run } from '../cli-helpers.js';
import { fmtSz } from '../../src/records/pyformat.js';
import { pngSize, svgContent } from './images.js';

const TOLERANCE_PCT = 25;
const MiB = 2 ** 20;
const dir = mkdtempSync(join(tmpdir(), 'damon-ts-dirty-'));

/** 4 MiB rewritten all the time beside 32 MiB only read: 4 MiB dirtied per second. */
const hot = join(dir, 'hot.cfg');
writeFileSync(
  hot,
  '#regions\nidle, 33554432\nhot, 4194304\n\n#phases\nrun\n4000\nhot, 1, 4096, 99, wo\nidle, 1, 4096, 1, ro\n',
);
/**
 * 6,000 random page writes per second over 64 MiB, once it is populated: about 31 % of it dirtied per
 * second. (Writes that first map a page are not protection faults, so no write-only monitor sees
 * them: a heap populated as it runs would be undercounted.)
 */
const sparse = join(dir, 'sparse.cfg');
writeFileSync(
  sparse,
  '#regions\nidle, 33554432\nheap, 67108864\n\n#phases\npopulate\n100\nheap, 0, 4096, 1, wo\nidle, 0, 4096, 1, wo\n\n' +
    'run\n5000\nheap, 1, 4096, 6, wo\nidle, 1, 4096, 994, ro\n',
);

interface EvalJson {
  targets: {
    pid: number;
    comm: string;
    windows: number;
    truthRate: number;
    damon: { rate: number; errPct: number; windowErrPct: number };
    qemu: { rate: number; errPct: number; windowErrPct: number; samplesPerWindow: number };
  }[];
  costs: {
    damon: { protections: number; faults: number; perSecond: { protections: number; faults: number } };
    qemu: { pagesHashed: number; faults: number; perSecond: number };
  };
}

function evalDirty(args: string[]): EvalJson {
  const r = run(['eval', '--dirty_rate', '--accesses_per_second', '1e6', '--json', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as EvalJson;
}

beforeAll(ensureBuilt, 120_000);

describe('eval --dirty_rate: damon-ts and QEMU page sampling against the exact dirtied pages', () => {
  it('a hot write set: damon-ts within tolerance (near exact), QEMU sampled 512 pages per GiB', () => {
    const r = evalDirty(['--workload', hot, '--seed', '3', '-n', '100']);
    const t = r.targets[0]!;
    expect(t.windows).toBe(3);
    // The workload rewrites its 4 MiB many times a second: the truth is 4 MiB/s.
    expect(t.truthRate).toBeGreaterThan(3.9 * MiB);
    expect(t.truthRate).toBeLessThanOrEqual(4 * MiB);
    expect(t.damon.errPct).toBeLessThanOrEqual(TOLERANCE_PCT);
    expect(Math.abs(t.damon.rate - t.truthRate) / t.truthRate).toBeLessThan(0.05);
    expect(t.qemu.samplesPerWindow).toBe(Math.floor((512 * (36 * MiB + 328 * 1024)) / 2 ** 30));
    expect(r.costs.qemu.pagesHashed).toBeGreaterThan(0);
    expect(r.costs.qemu.faults).toBe(0);
    expect(r.costs.damon.protections).toBeGreaterThan(0);
  }, 240_000);

  it('sparse random writes, 200 regions, 100 ms samples, 1 s aggregation: within tolerance, steadier than QEMU', () => {
    const r = evalDirty(['--workload', sparse, '-s', '100ms', '-a', '1s', '-n', '200', '--seed', '3']);
    const t = r.targets[0]!;
    expect(t.windows).toBe(4);
    // 16,384 pages, 6,000 random writes per second: 16384 × (1 − e^(−6000/16384)) pages per second.
    const expected = 16384 * (1 - Math.exp(-6000 / 16384)) * 4096;
    expect(Math.abs(t.truthRate - expected) / expected).toBeLessThan(0.05);
    expect(t.damon.errPct).toBeLessThanOrEqual(TOLERANCE_PCT);
    expect(t.damon.windowErrPct).toBeLessThanOrEqual(TOLERANCE_PCT);
    expect(t.damon.windowErrPct).toBeLessThan(t.qemu.windowErrPct);
  }, 240_000);

  it('one sample per 1 s window, 10..20 regions: lower error than QEMU while touching fewer pages', () => {
    const r = evalDirty(['--workload', hot, '-s', '1s', '-a', '1s', '-n', '10', '-m', '20', '--seed', '3']);
    const t = r.targets[0]!;
    expect(t.windows).toBe(3);
    expect(t.damon.windowErrPct).toBeLessThanOrEqual(TOLERANCE_PCT);
    expect(t.damon.windowErrPct).toBeLessThan(t.qemu.windowErrPct);
    // Pages touched: protection changes and faults, against pages hashed (QEMU takes no fault).
    const damon = r.costs.damon.perSecond.protections + r.costs.damon.perSecond.faults;
    expect(damon).toBeGreaterThan(0);
    expect(damon).toBeLessThan(r.costs.qemu.perSecond);
  }, 240_000);

  it('rejects a window that is not a multiple of the aggregation interval, naming both', () => {
    const r = run(['eval', '--dirty_rate', '--workload', hot, '--window', '150ms']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/window \(150000 µs\).*aggregation interval \(100000 µs\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

interface TargetJson {
  rank: number;
  target_id: string;
  setup: string;
  memory_bytes: number;
  dirty_rate: number;
  dirty_rate_percentiles: Record<string, number>;
  windows: { startUs: number; endUs: number; dirtyBytes: number; rate: number }[];
  written_wss: { avg: number; percentiles: Record<string, number> };
  forecast: {
    bandwidth: number;
    converges: boolean;
    rounds: number;
    finalRoundBytes: number;
    downtimeS: number | null;
  };
}

describe('report dirty on a record of two processes', () => {
  const out = join(dir, 'mp.data');
  beforeAll(() => {
    // multi-process: A (pid 100) rewrites its 64 MiB; B (pid 101) rewrites 32 MiB and a 64 MiB
    // shared mapping: B dirties 1.5 times what A does.
    const r = run([
      'record',
      '--workload',
      'multi-process',
      '--target_pid',
      '101',
      '--sample_primitives',
      'page_fault',
      '--exp_ops_write_only',
      'y',
      '--timeout',
      '2.2',
      '-o',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
  }, 300_000);

  it('--json: one object per target, least dirty first, with rate, written wss and forecast', () => {
    const r = run(['report', 'dirty', '-i', out, '--json', '--bandwidth', '10G']);
    expect(r.stderr).toBe('');
    const targets = JSON.parse(r.stdout) as TargetJson[];
    expect(targets.map((t) => t.rank)).toEqual([1, 2]);
    expect(targets.map((t) => t.target_id)).toEqual(['0', '1']);
    const [a, b] = targets as [TargetJson, TargetJson];
    expect(a.setup).toBe('damon-ts sim vaddr page_fault write-only');
    expect(a.windows).toHaveLength(2);
    expect(a.dirty_rate).toBeLessThan(b.dirty_rate);
    // A rewrites 64 MiB, B 96 MiB, in every window.
    expect(a.dirty_rate).toBeGreaterThan(64 * MiB * 0.75);
    expect(a.dirty_rate).toBeLessThan(64 * MiB * 1.25);
    expect(b.dirty_rate).toBeGreaterThan(96 * MiB * 0.75);
    expect(b.dirty_rate).toBeLessThan(96 * MiB * 1.25);
    expect(Object.keys(a.written_wss.percentiles)).toEqual(['0', '25', '50', '75', '100']);
    expect(a.written_wss.percentiles['50']).toBeGreaterThan(60 * MiB);
    expect(a.forecast.bandwidth).toBe(1.25e9);
    // 10 Gbit/s sends A's ~156 MiB in 0.13 s: within the 300 ms limit, one stop-and-copy round.
    expect(a.forecast).toMatchObject({ converges: true, rounds: 1, finalRoundBytes: a.memory_bytes });
  });

  it('the forecast follows the link: a slow link needs more rounds or does not converge', () => {
    const r = run(['report', 'dirty', '-i', out, '--json', '--bandwidth', '1Gbit']);
    const [a, b] = JSON.parse(r.stdout) as [TargetJson, TargetJson];
    // 125 MB/s against ~67 MB/s (A) and ~100 MB/s (B) of rewritten hot sets larger than 300 ms of link.
    expect(a.forecast.converges).toBe(false);
    expect(b.forecast.converges).toBe(false);
    const fast = JSON.parse(
      run(['report', 'dirty', '-i', out, '--json', '--bandwidth', '100G']).stdout,
    ) as TargetJson[];
    expect(fast[0]!.forecast.converges).toBe(true);
  });

  it('text: the ranking, the written working set percentiles and the forecast line', () => {
    const r = run(['report', 'dirty', '-i', out]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^# dirty rate: distinct bytes written per 1\.00 s window/);
    expect(lines[1]).toMatch(/^# rank +target +dirty rate +written wss \(avr\) +memory +forecast$/);
    expect(lines[2]).toMatch(/^1 +0 +\d+\.\d{3} MiB\/s +\d+\.\d{3} MiB +\d+\.\d{3} MiB {2}1 round, downtime/);
    expect(lines[3]).toMatch(/^2 +1 +\d+\.\d{3} MiB\/s/);
    expect(r.stdout).toMatch(/# written working set: <percentile> <wss>/);
    expect(r.stdout).toMatch(/# pre-copy at 10 Gbit\/s \(downtime limit 300\.0 ms\): converges in 1 round/);
  });

  it('--output draws one curve per target (a point per window, at its rate), the link speed dashed', () => {
    const targets = JSON.parse(
      run(['report', 'dirty', '-i', out, '--json', '--bandwidth', '1G']).stdout,
    ) as TargetJson[];
    const svgPath = join(dir, 'dirty.svg');
    const r = run(['report', 'dirty', '-i', out, '--bandwidth', '1G', '--output', svgPath]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const svg = svgContent(svgPath);
    const curves = [...svg.svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1]!.split(' '));
    expect(curves.map((c) => c.length)).toEqual(targets.map((t) => t.windows.length));
    expect(svg.svg).toMatch(/stroke-dasharray="6 4"/);
    expect(svg.texts).toContain('link 1 Gbit/s');
    expect(svg.texts).toContain('dirty rate per 1 s window, link 1 Gbit/s');
    // The legend reads each target's dirty rate and forecast, least dirty first, as the text ranks them.
    const legend = svg.texts.filter((t) => t.startsWith('target '));
    expect(legend).toEqual(
      targets.map((t) =>
        expect.stringMatching(
          new RegExp(
            `^target ${t.target_id}: ${fmtSz(Math.round(t.dirty_rate), false).replace('.', '\\.')}/s \\((\\d+ rounds?, downtime [\\d.]+ ms|does not converge)\\)$`,
          ),
        ),
      ),
    );
    // Points sit at their window's rate: y falls as the rate grows, in the same order.
    const ys = curves[0]!.map((p) => Number(p.split(',')[1]));
    const rates = targets[0]!.windows.map((w) => w.rate);
    for (let k = 1; k < ys.length; k++)
      expect(Math.sign(ys[k - 1]! - ys[k]!)).toBe(Math.sign(rates[k]! - rates[k - 1]!));
    const pngPath = join(dir, 'dirty.png');
    expect(run(['report', 'dirty', '-i', out, '--bandwidth', '1G', '--output', pngPath]).code).toBe(0);
    expect(pngSize(pngPath)).toEqual({ width: svg.width, height: svg.height });
  });

  it('bad input: an unknown link speed and a record without write samples get clear errors', () => {
    const bad = run(['report', 'dirty', '-i', out, '--bandwidth', 'fast']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--bandwidth: 'fast' is not a link speed/);
    const long = run(['report', 'dirty', '-i', out, '--window', '10s']);
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(
      /mp\.data: target 0: the record spans 2\.\d+ s, less than one --window of 10 s/,
    );
    const plain = join(dir, 'plain.data');
    expect(run(['record', '--workload', hot, '--timeout', '0.3', '-o', plain]).code).toBe(0);
    const r = run(['report', 'dirty', '-i', plain]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/plain\.data: target 0 .*no write samples.*--exp_ops_write_only y/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
