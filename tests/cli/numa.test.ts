/**
 * NUMA placement as a user meets it, on seeded runs of the built-in numa workload on a 2-node
 * simulated machine: `record` + `report numa` (DAMON's remote fraction against the machine's exact
 * count), per-node DAMOS migrate_hot from a kdamonds file, and the placement comparison
 * (runNumaPlacement / `eval --placement`): remote fraction before and after, pages migrated, faults.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNumaPlacement, type NumaPlacementResult } from '../../src/eval/numa-placement.js';
import { pngSize, svgContent } from './images.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'damon-ts-numa-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['dist/interfaces/cli/main.js', ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface NumaJson {
  remote_fraction: number | null;
  records: {
    kdamond_idx: number;
    target_id: number;
    nodes: number[];
    remote_fraction: number | null;
    remote_weight: number;
    known_weight: number;
    snapshots: {
      start_ns: number;
      end_ns: number;
      weight: number;
      remote_fraction: number | null;
      cpu_nodes: Record<string, number>;
      page_nodes: Record<string, number>;
    }[];
    regions_snapshot: number;
    regions: {
      start: number;
      end: number;
      nr_accesses: number;
      cpu_nodes: Record<string, number>;
      page_nodes: Record<string, number>;
      remote: number;
      remote_fraction: number | null;
    }[];
  }[];
}

/** Size-weighted remote fraction of the snapshots ending in (fromNs, toNs], all records together. */
function remoteIn(j: NumaJson, fromNs: number, toNs: number): number {
  let remote = 0;
  let known = 0;
  for (const rec of j.records)
    for (const s of rec.snapshots) {
      if (s.end_ns <= fromNs || s.end_ns > toNs || s.remote_fraction === null) continue;
      let pages = 0;
      for (const v of Object.values(s.page_nodes)) pages += v;
      if (pages === 0) continue;
      // weight counts every hit; the known-page share of it is what the fraction is of.
      remote += s.remote_fraction * s.weight;
      known += s.weight;
    }
  return remote / known;
}

const DURATION_US = 3_000_000;
const results = new Map<string, NumaPlacementResult>();
beforeAll(async () => {
  for (const policy of ['none', 'damos', 'numa-balancing'] as const)
    results.set(policy, await runNumaPlacement({ policy, durationUs: DURATION_US, seed: 1 }));
}, 600_000);

describe('NUMA placement on the numa workload (2 nodes, seed 1, 3 s)', () => {
  it('without placement most accesses are remote, and DAMON estimates that within 5 points', () => {
    const none = results.get('none')!;
    // The buffers were first touched by the other node's worker: all of their accesses are remote.
    expect(none.remoteBefore).toBeGreaterThan(0.85);
    expect(none.remoteAfter).toBeGreaterThan(0.85);
    expect(Math.abs(none.estimatedBefore! - none.remoteBefore)).toBeLessThan(0.05);
    expect(Math.abs(none.estimatedAfter! - none.remoteAfter)).toBeLessThan(0.05);
    expect(none.pagesMigrated).toBe(0);
    expect(none.numaHintingFaults).toBe(0);
  });

  it('per-node DAMOS migrate_hot cuts the remote fraction by more than 75 points, at a counted cost', () => {
    const none = results.get('none')!;
    const d = results.get('damos')!;
    // Same seeded access stream: the same accesses, and the same placement before anything moved.
    expect(d.remoteBefore).toBeCloseTo(none.remoteBefore, 12);
    const total = (r: NumaPlacementResult) => r.windows.reduce((s, w) => s + w.accesses, 0);
    expect(Math.abs(total(d) - total(none)) / total(none)).toBeLessThan(0.01);
    expect(d.remoteBefore - d.remoteAfter).toBeGreaterThan(0.75);
    expect(d.remoteAfter).toBeLessThan(0.13);
    // DAMON sees the drop too (its estimate of the after span).
    expect(Math.abs(d.estimatedAfter! - d.remoteAfter)).toBeLessThan(0.05);
    // Both 8 MiB private buffers (2 × 2048 pages) moved, but for a few pages that a region edge may
    // leave in a cooler region; at most the 1024 shared pages besides.
    expect(d.pagesMigrated).toBeGreaterThanOrEqual(0.99 * 4096);
    expect(d.pagesMigrated).toBeLessThanOrEqual(4096 + 1024);
    expect(d.faults).toBe(d.damonFaults);
    expect(d.damonFaults).toBeGreaterThan(0);
    expect(d.numaHintingFaults).toBe(0);
  });

  it('NUMA balancing reaches a low remote fraction too, through hinting faults', () => {
    const none = results.get('none')!;
    const nb = results.get('numa-balancing')!;
    expect(nb.remoteBefore).toBeCloseTo(none.remoteBefore, 12);
    expect(nb.remoteAfter).toBeLessThan(0.13);
    expect(nb.pagesMigrated).toBeGreaterThanOrEqual(4096);
    expect(nb.faults).toBe(nb.numaHintingFaults);
    expect(nb.numaHintingFaults).toBeGreaterThan(0);
    expect(nb.damonFaults).toBe(0);
    expect(nb.estimatedAfter).toBeNull();
  });
});

describe('damon-ts record + report numa', () => {
  it("gives DAMON's per-node view; its remote fraction is the machine's exact one within 5 points", () => {
    const out = join(tmp, 'numa.data');
    const r = cli(
      'record',
      '--workload',
      'numa',
      '--nodes',
      '2',
      '--sample_primitives',
      'page_fault',
      '--timeout',
      '3',
      '-o',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(cli('report', 'numa', '-i', out, '--json').stdout) as NumaJson;
    expect(j.records).toHaveLength(1);
    const rec = j.records[0]!;
    expect(rec.nodes).toEqual([0, 1]);
    expect(rec.snapshots).toHaveLength(30);
    expect(rec.regions_snapshot).toBe(29);
    expect(Object.keys(rec.snapshots[5]!).sort()).toEqual(
      ['cpu_nodes', 'end_ns', 'page_nodes', 'remote_fraction', 'start_ns', 'weight'].sort(),
    );
    // Both workers are busy: each node's CPUs make about half of the accesses.
    expect(rec.snapshots[20]!.cpu_nodes['0']).toBeGreaterThan(0.35);
    expect(rec.snapshots[20]!.cpu_nodes['1']).toBeGreaterThan(0.35);
    // The recording and runNumaPlacement('none') run the same seeded machine: same truth.
    const none = results.get('none')!;
    expect(Math.abs(remoteIn(j, 250e6, 500e6) - none.remoteBefore)).toBeLessThan(0.05);
    expect(Math.abs(remoteIn(j, 2e9, 3e9) - none.remoteAfter)).toBeLessThan(0.05);
    expect(j.remote_fraction).toBeCloseTo(rec.remote_fraction!, 12);
    // A region of a worker's own buffer: its hits come from one node, its pages on the other.
    const own = rec.regions.find((x) => x.nr_accesses === 20 && Object.keys(x.cpu_nodes).length === 1)!;
    const cnode = Object.keys(own.cpu_nodes)[0]!;
    expect(Object.keys(own.page_nodes)).toEqual([cnode === '0' ? '1' : '0']);
    expect(own.remote).toBe(20);
    expect(own.remote_fraction).toBe(1);

    const text = cli('report', 'numa', '-i', out).stdout;
    expect(text).toContain(
      `# kdamond 0 context 0 target_id 0: 2 nodes, remote ${(rec.remote_fraction! * 100).toFixed(1)} % of the accesses`,
    );
    expect(text).toMatch(/^ +3 s +\d+\.\d % /m);
    expect(text).toMatch(/^\d+ +addr 0x7f[0-9a-f]+-0x7f[0-9a-f]+ size .* remote 100\.0 %$/m);
  }, 300_000);

  it('per-node contexts with migrate_hot (a kdamonds file) bring the remote fraction down', () => {
    const yaml = join(tmp, 'place.yaml');
    const ctx = (nid: number) => `  - contexts:
      - ops: vaddr
        targets: [{pid: 100}]
        sample:
          primitives: {page_table: false, page_fault: true}
          filters: [{type: cpumask, cpumask: [${nid}], matching: true, allow: true}]
        schemes:
          - action: migrate_hot
            target_nid: ${nid}
            access_pattern:
              nr_accesses: {min: 80, max: max}
              nr_accesses_unit: percent
              age: {min: 500000, max: max}
`;
    writeFileSync(yaml, `kdamonds:\n${ctx(0)}${ctx(1)}`);
    const out = join(tmp, 'place.data');
    const r = cli(
      'record',
      '--workload',
      'numa',
      '--nodes',
      '2',
      '--kdamonds',
      yaml,
      '--timeout',
      '3',
      '-o',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(cli('report', 'numa', '-i', out, '--json').stdout) as NumaJson;
    // Each context sees only its node's CPUs.
    expect(j.records.map((x) => x.kdamond_idx)).toEqual([0, 1]);
    for (const [i, rec] of j.records.entries())
      for (const s of rec.snapshots) if (s.weight > 0) expect(s.cpu_nodes[String(i)]).toBe(1);
    expect(remoteIn(j, 250e6, 500e6)).toBeGreaterThan(0.85);
    expect(remoteIn(j, 2e9, 3e9)).toBeLessThan(0.15);
    expect(cli('report', 'numa', '-i', out).stdout).toMatch(
      /^# all records: remote \d+\.\d % of the accesses/m,
    );
    // The picture: one curve per context, the remote fraction falling; the legend reads the
    // first and last fractions of the JSON.
    const svgPath = join(tmp, 'remote.svg');
    expect(cli('report', 'numa', '-i', out, '--output', svgPath).code).toBe(0);
    const svg = svgContent(svgPath);
    const pct = (f: number | null | undefined) => (f == null ? '-' : `${(100 * f).toFixed(1)} %`);
    for (const rec of j.records) {
      const known = rec.snapshots.filter((x) => x.remote_fraction !== null);
      expect(svg.texts).toContain(
        `kdamond ${rec.kdamond_idx} target ${rec.target_id}: remote ${pct(rec.remote_fraction)} overall, first ${pct(known[0]?.remote_fraction)}, last ${pct(known.at(-1)?.remote_fraction)}`,
      );
    }
    const curves = [...svg.svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)];
    expect(curves.length).toBeGreaterThanOrEqual(2);
    // y grows downwards: the late points sit lower (less remote) than the early ones.
    for (const c of curves) {
      const ys = c[1]!.split(' ').map((p) => Number(p.split(',')[1]));
      if (ys.length > 10) expect(ys.at(-1)!).toBeGreaterThan(ys[3]!);
    }
    const pngPath = join(tmp, 'remote.png');
    expect(cli('report', 'numa', '-i', out, '--output', pngPath).code).toBe(0);
    expect(pngSize(pngPath)).toEqual({ width: svg.width, height: svg.height });
  }, 300_000);

  it('a record without the per-node breakdown is an error naming the file; bad options are usage errors', () => {
    const out = join(tmp, 'one-node.data');
    expect(
      cli('record', '--workload', 'numa', '--sample_primitives', 'page_fault', '--timeout', '0.3', '-o', out)
        .code,
    ).toBe(0);
    const r = cli('report', 'numa', '-i', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${out}: no per-node breakdown in the records`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(cli('report', 'numa', '-i', join(tmp, 'numa.data'), '--snapshot', '99').code).toBe(2);
    expect(cli('eval', '--placement', 'nope').stderr).toMatch(/--placement: unknown placement "nope"/);
  }, 300_000);

  it('eval --placement --json: one entry per placement with the before/after numbers and costs', () => {
    const r = cli('eval', '--placement', 'none,numa-balancing', '--duration', '1.2', '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      workload: string;
      placements: Record<string, unknown>[];
    };
    expect(j.workload).toBe('numa');
    expect(j.placements.map((p) => p['policy'])).toEqual(['none', 'numa-balancing']);
    expect(Object.keys(j.placements[1]!).sort()).toEqual(
      [
        'after_us',
        'before_us',
        'damon_faults',
        'duration_us',
        'estimated_after',
        'estimated_before',
        'faults',
        'numa_hinting_faults',
        'pages_migrated',
        'policy',
        'protection_changes',
        'remote_after',
        'remote_avoided_per_fault',
        'remote_before',
        'remote_over_time',
        'remote_overall',
        'tlb_shootdown_ipis',
      ].sort(),
    );
    const nb = j.placements[1]!;
    expect(nb['faults']).toBe(nb['numa_hinting_faults']);
    expect(nb['remote_avoided_per_fault'] as number).toBeGreaterThan(0);
    expect((nb['remote_over_time'] as unknown[]).length).toBe(12);
  }, 300_000);
});
