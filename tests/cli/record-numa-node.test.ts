import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/reader.js';

/** What record prints on stderr off a terminal: progress lines (runs over 5 s), then what it wrote. */
const RECORD_DONE = /^(record: .*\n)*damon-ts: wrote \S+: \d+ snapshots, [\d.]+ s( virtual)?\n$/;

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'damon-ts-record-numa-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const GiB = 2 ** 30;

function record(...args: string[]) {
  return spawnSync(process.execPath, ['dist/interfaces/cli/main.js', 'record', ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 60000,
  });
}

describe('damon-ts record --ops paddr --numa_node on a 2-node simulated machine', () => {
  // per-cpu: a worker thread pinned to each CPU; with 2 nodes CPU n is on node n, so each node
  // holds the private data its worker touches first (4 GiB of RAM: node n is [n*2 GiB, (n+1)*2 GiB)).
  it.each([0, 1])(
    'node %i: every region of every snapshot lies in the node, which has accesses',
    async (nid) => {
      const out = join(tmp, `n${nid}.data`);
      const r = record(
        '--workload',
        'per-cpu',
        '--nodes',
        '2',
        '--ops',
        'paddr',
        '--numa_node',
        String(nid),
        '--timeout',
        '1',
        '-o',
        out,
      );
      expect(r.stderr).toMatch(RECORD_DONE);
      expect(r.status).toBe(0);
      const [rec] = await readRecords(out);
      const snaps = rec!.snapshots;
      expect(snaps.length).toBe(10);
      const lo = nid * 2 * GiB;
      const hi = (nid + 1) * 2 * GiB;
      expect(snaps[0]!.regions[0]!.start).toBe(lo);
      expect(snaps[0]!.regions.at(-1)!.end).toBe(hi);
      for (const s of snaps) for (const g of s.regions) expect(lo <= g.start && g.end <= hi).toBe(true);
      expect(snaps.some((s) => s.regions.some((g) => g.nr_accesses.samples > 0))).toBe(true);
    },
  );

  it('refuses a node the machine does not have, and a node count the RAM cannot split into', () => {
    const one = record('--workload', 'per-cpu', '--ops', 'paddr', '--numa_node', '1', '-o', join(tmp, 'x'));
    expect(one.status).toBe(2);
    expect(one.stderr).toMatch(/--numa_node 1: node 1 has no System RAM/);
    const three = record('--workload', 'per-cpu', '--nodes', '3', '-o', join(tmp, 'y'));
    expect(three.status).toBe(2);
    expect(three.stderr).toMatch(/--nodes: expected 1, 2, 4/);
  });
});
