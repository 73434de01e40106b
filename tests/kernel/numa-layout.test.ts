import fc from 'fast-check';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPaddrRegion, systemRamRanges, type AddrRange } from '../../src/backends/kernel/iomem.js';
import {
  kernelPaddrRegions,
  type MemoryBlockLayout,
  numaNodePaddrRegions,
  numaNodeRanges,
  readMemoryBlockLayout,
} from '../../src/backends/kernel/numa-layout.js';

const tmp = mkdtempSync(join(tmpdir(), 'damon-ts-numa-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let fixtureNo = 0;
/** A sysfs root with memory/block_size_bytes and node/nodeN/memoryM for the given blocks. */
function sysfsFixture(blockSizeText: string, nodes: Record<number, number[]>, extra: string[] = []): string {
  const root = join(tmp, `sys${fixtureNo++}`);
  mkdirSync(join(root, 'memory'), { recursive: true });
  writeFileSync(join(root, 'memory', 'block_size_bytes'), blockSizeText);
  for (const [nid, blocks] of Object.entries(nodes)) {
    const dir = join(root, 'node', `node${nid}`);
    mkdirSync(dir, { recursive: true });
    for (const b of blocks) mkdirSync(join(dir, `memory${b}`));
    for (const e of extra) mkdirSync(join(dir, e));
  }
  return root;
}

function iomemFixture(text: string): string {
  const file = join(tmp, `iomem${fixtureNo++}`);
  writeFileSync(file, text);
  return file;
}

const MiB16 = 0x1000000;
// Blocks of 16 MiB: node 0 has 0-2, node 1 has 3, 4 and 6 (5 is absent), node 2 has none.
const SYS = sysfsFixture('1000000\n', { 0: [0, 1, 2], 1: [3, 4, 6], 2: [] }, [
  'memory_failure',
  'memory_side_cache',
]);
// Holes between RAM entries, a RAM entry across the node 0/1 boundary, two adjacent entries, and
// RAM over the absent block 5.
const IOMEM = iomemFixture(
  [
    '00000000-00000fff : Reserved',
    '00001000-0009fbff : System RAM',
    '000a0000-000fffff : PCI Bus 0000:00',
    '00100000-037fffff : System RAM',
    '  01000000-01ffffff : Kernel code',
    '03800000-04ffffff : System RAM',
    '05000000-06ffffff : System RAM',
    'fee00000-fee00fff : Local APIC',
    '',
  ].join('\n'),
);

describe('NUMA node layout from sysfs memory blocks and /proc/iomem', () => {
  it('gives each node its System RAM pieces, cut at block boundaries and merged where contiguous', () => {
    expect(numaNodePaddrRegions(0, { iomem: IOMEM, sysfsRoot: SYS })).toEqual([
      { start: 0x1000, end: 0x9fc00 },
      { start: 0x100000, end: 3 * MiB16 },
    ]);
    expect(numaNodePaddrRegions(1, { iomem: IOMEM, sysfsRoot: SYS })).toEqual([
      { start: 3 * MiB16, end: 5 * MiB16 },
      { start: 6 * MiB16, end: 7 * MiB16 },
    ]);
    // A memoryless node and a node that does not exist have nothing.
    expect(numaNodePaddrRegions(2, { iomem: IOMEM, sysfsRoot: SYS })).toEqual([]);
    expect(numaNodePaddrRegions(7, { iomem: IOMEM, sysfsRoot: SYS })).toEqual([]);
  });

  it('reads the block map: hex block size with or without 0x, blocks per node, non-block entries skipped', () => {
    const layout = readMemoryBlockLayout(SYS)!;
    expect(layout.blockSize).toBe(MiB16);
    expect(layout.nodes).toEqual([0, 1, 2]);
    expect([...layout.blockNode.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 1],
      [4, 1],
      [6, 1],
    ]);
    expect(readMemoryBlockLayout(sysfsFixture('0x8000000', { 0: [1] }))!.blockSize).toBe(128 * 2 ** 20);
  });

  it('names the file and the content on a bad block size, and a block listed under two nodes', () => {
    for (const bad of ['', 'zz', '0', '-10']) {
      const root = sysfsFixture(bad, { 0: [0] });
      expect(() => readMemoryBlockLayout(root)).toThrow(
        `${join(root, 'memory', 'block_size_bytes')}: expected a positive hexadecimal block size, got "${bad}"`,
      );
    }
    const dup = sysfsFixture('1000', { 0: [0, 1], 1: [1] });
    expect(() => readMemoryBlockLayout(dup)).toThrow(
      `${join(dup, 'node', 'node1', 'memory1')}: block 1 is also in node0`,
    );
    const noMemoryDir = join(tmp, 'nomem');
    mkdirSync(join(noMemoryDir, 'node', 'node0'), { recursive: true });
    expect(() => readMemoryBlockLayout(noMemoryDir)).toThrow(
      `${join(noMemoryDir, 'memory', 'block_size_bytes')}: cannot read (ENOENT)`,
    );
  });

  it('without NUMA sysfs, node 0 is all System RAM and another node is an error naming the directory', () => {
    const root = join(tmp, 'no-numa');
    mkdirSync(root);
    expect(readMemoryBlockLayout(root)).toBeNull();
    expect(numaNodePaddrRegions(0, { iomem: IOMEM, sysfsRoot: root })).toEqual([
      { start: 0x1000, end: 0x9fc00 },
      { start: 0x100000, end: 0x7000000 },
    ]);
    expect(() => numaNodePaddrRegions(1, { iomem: IOMEM, sysfsRoot: root })).toThrow(
      `${join(root, 'node')} does not exist (no NUMA sysfs)`,
    );
  });

  it('refuses an iomem listing read without root (zeroed addresses)', () => {
    const zero = iomemFixture('00000000-00000000 : System RAM\n00000000-00000000 : System RAM\n');
    expect(() => numaNodePaddrRegions(0, { iomem: zero, sysfsRoot: SYS })).toThrow(/reading them needs root/);
  });

  it('the provider gives the default span without a node and the node ranges with one', () => {
    const p = kernelPaddrRegions({ iomem: IOMEM, sysfsRoot: SYS });
    expect(p()).toEqual([{ start: 0x1000, end: 0x7000000 }]);
    expect(p(1)).toEqual(numaNodePaddrRegions(1, { iomem: IOMEM, sysfsRoot: SYS }));
  });

  it('property: node ranges are sorted, disjoint, merged, and together are exactly the System RAM in blocks', () => {
    const SPACE = 256;
    const arb = fc.record({
      blockShift: fc.integer({ min: 0, max: 4 }),
      // owner of each block slot: a node 0-3, or -1 for no block
      owners: fc.array(fc.integer({ min: -1, max: 3 }), { minLength: SPACE, maxLength: SPACE }),
      // RAM as cut points: sorted addresses paired into [start, end); repeats make touching entries
      cuts: fc.array(fc.integer({ min: 0, max: SPACE }), { maxLength: 20 }),
    });
    fc.assert(
      fc.property(arb, ({ blockShift, owners, cuts }) => {
        const bs = 1 << blockShift;
        const nBlocks = SPACE >> blockShift;
        const blockNode = new Map<number, number>();
        for (let b = 0; b < nBlocks; b++) if (owners[b]! >= 0) blockNode.set(b, owners[b]!);
        const layout: MemoryBlockLayout = { blockSize: bs, nodes: [0, 1, 2, 3], blockNode };
        const sorted = [...cuts].sort((a, b) => a - b);
        const ram: AddrRange[] = [];
        for (let i = 0; i + 1 < sorted.length; i += 2)
          if (sorted[i]! < sorted[i + 1]!) ram.push({ start: sorted[i]!, end: sorted[i + 1]! });
        // iomem order is not trusted: feed the ranges reversed.
        const byNode = numaNodeRanges([...ram].reverse(), layout);
        const owner = new Array<number>(SPACE).fill(-1);
        for (const [nid, ranges] of byNode) {
          ranges.forEach((r, i) => {
            if (!(r.start < r.end)) throw new Error(`node ${nid}: empty range ${r.start}-${r.end}`);
            // sorted and apart: touching ranges must have been merged
            if (i > 0 && !(ranges[i - 1]!.end < r.start))
              throw new Error(`node ${nid}: unsorted or unmerged`);
            for (let a = r.start; a < r.end; a++) {
              if (owner[a] !== -1) throw new Error(`address ${a} in nodes ${owner[a]} and ${nid}`);
              owner[a] = nid;
            }
          });
        }
        const expected = Array.from({ length: SPACE }, (_, a) => {
          const inRam = ram.some((r) => r.start <= a && a < r.end);
          const block = blockNode.get(Math.floor(a / bs));
          return inRam && block !== undefined ? block : -1;
        });
        expect(owner).toEqual(expected);
      }),
      { seed: 20260501, numRuns: 300 },
    );
  });
});

const NODE_DIR = '/sys/devices/system/node';
const realIomem = (() => {
  try {
    const ram = systemRamRanges(readFileSync('/proc/iomem', 'utf8'));
    return ram.length && ram.some((r) => r.start > 0) ? ram : null;
  } catch {
    return null;
  }
})();
const realNodes = existsSync(NODE_DIR) ? readdirSync(NODE_DIR).filter((n) => /^node\d+$/.test(n)) : [];
const realReady = realIomem !== null && realNodes.length === 1 && realNodes[0] === 'node0';
if (!realReady)
  console.log(
    `numa-layout real-machine test skipped: needs root-readable /proc/iomem and exactly one NUMA node (nodes: ${realNodes.join(', ') || 'none'}, iomem ${realIomem ? 'readable' : 'not readable as root'})`,
  );

describe('this machine (read only)', () => {
  it.skipIf(!realReady)(
    'node 0 is the System RAM covered by the memory blocks of /sys/devices/system/memory',
    () => {
      // Independent of the node directory: every block the memory directory lists, walked block by block.
      const bs = parseInt(readFileSync('/sys/devices/system/memory/block_size_bytes', 'utf8'), 16);
      const blocks = new Set(
        readdirSync('/sys/devices/system/memory')
          .map((e) => /^memory(\d+)$/.exec(e))
          .filter((m) => m !== null)
          .map((m) => Number(m[1])),
      );
      const expected: AddrRange[] = [];
      for (const r of realIomem!) {
        for (let b = Math.floor(r.start / bs); b * bs < r.end; b++) {
          if (!blocks.has(b)) continue;
          const start = Math.max(r.start, b * bs);
          const end = Math.min(r.end, (b + 1) * bs);
          const last = expected[expected.length - 1];
          if (last && last.end === start) last.end = end;
          else expected.push({ start, end });
        }
      }
      const got = numaNodePaddrRegions(0);
      expect(got).toEqual(expected);
      expect(got[0]!.start).toBe(defaultPaddrRegion().start);
      expect(numaNodePaddrRegions(1)).toEqual([]);
    },
  );
});
