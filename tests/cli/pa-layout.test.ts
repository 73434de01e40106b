/**
 * `damon-ts report pa_layout` (and its deprecated top-level name) against damo 3.3 on this machine's
 * /proc/iomem and memory blocks; the placing of resources on a fixed layout.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  defaultPaddrRange,
  formatPaLayout,
  iomemRanges,
  memoryBlockRanges,
  nodeRamRanges,
  placeResources,
} from '../../src/reports/pa-layout.js';
import { damo, damoAbsent, dts } from './damo-golden.js';

const IOMEM = `00000000-00000fff : Reserved
00001000-0009fbff : System RAM
00100000-bfffffff : System RAM
  01000000-02259aff : Kernel code
c0001000-eebfffff : PCI Bus 0000:00
100000000-17fffffff : System RAM
180000000-1ffffffff : System RAM
`;

describe('pa_layout on a two-node layout', () => {
  const MiB128 = 128 << 20;
  // node 0: blocks 0..23 (0-3 GiB) online and 32..39 (4-5 GiB); node 1: 40..63 (5-8 GiB), 40 offline
  const blocks = [
    ...Array.from({ length: 24 }, (_, i) => ({ nid: 0, index: i, state: 'online' })),
    ...Array.from({ length: 8 }, (_, i) => ({ nid: 0, index: 32 + i, state: 'online' })),
    ...Array.from({ length: 24 }, (_, i) => ({
      nid: 1,
      index: 40 + i,
      state: i === 0 ? 'offline' : 'online',
    })),
  ];
  const placed = placeResources(memoryBlockRanges(blocks, MiB128), iomemRanges(IOMEM));

  it('cuts a resource at a block boundary and drops what no block holds', () => {
    const text = formatPaLayout(placed, defaultPaddrRange(IOMEM), true);
    expect(text.split('\n')).toEqual([
      '#         start            end\tnode\tstate\tresource\tsize',
      '              0            4096\t0\tonline\tReserved\t4096',
      '           4096          654336\t0\tonline\tSystem RAM\t650240',
      '        1048576      3221225472\t0\tonline\tSystem RAM\t3220176896',
      '       16777216        36018944\t0\tonline\tKernel code\t19241728',
      '     4294967296      5368709120\t0\tonline\tSystem RAM\t1073741824',
      '     5368709120      5502926848\t1\toffline\tSystem RAM\t134217728',
      '     5502926848      6442450944\t1\tonline\tSystem RAM\t939524096',
      '     6442450944      8589934592\t1\tonline\tSystem RAM\t2147483648',
      'Default paddr monitoring range: [4096, 8589934592) (size 8589930496)',
      '',
    ]);
    expect(formatPaLayout(placed, defaultPaddrRange(IOMEM), false, 1).split('\n').slice(1, 4)).toEqual([
      '      5.000 GiB       5.125 GiB\t1\toffline\tSystem RAM\t128.000 MiB',
      '      5.125 GiB       6.000 GiB\t1\tonline\tSystem RAM\t896.000 MiB',
      '      6.000 GiB       8.000 GiB\t1\tonline\tSystem RAM\t2.000 GiB',
    ]);
  });

  it('lists the System RAM of a node, touching pieces merged', () => {
    expect(nodeRamRanges(placed, 1)).toEqual([[5 * 2 ** 30, 8 * 2 ** 30]]);
    expect(nodeRamRanges(placed, 0)).toEqual([
      [4096, 654336],
      [1048576, 3 * 2 ** 30],
      [4 * 2 ** 30, 5 * 2 ** 30],
    ]);
  });

  it('names the line of a bad address', () => {
    expect(() => iomemRanges('00000000-0000zzzz : Reserved\n', 'iomem.txt')).toThrow(
      'iomem.txt:1: "0000zzzz" is not a hexadecimal address',
    );
  });
});

const why =
  damoAbsent() ??
  (process.geteuid?.() !== 0 ? 'not root: /proc/iomem hides its addresses' : null) ??
  (existsSync('/sys/devices/system/node') ? null : 'no /sys/devices/system/node on this machine');
if (why) console.log(`skipping the comparison with damo: ${why}`);

describe.skipIf(why !== null)('damon-ts report pa_layout = damo report pa_layout on this machine', () => {
  it.each([
    [],
    ['--raw_number'],
    ['--numa_node', '0'],
    ['--numa_addr', '0'],
    ['--numa_addr', '0', '--raw_number'],
  ])('report pa_layout %s', (...args: string[]) => {
    const want = damo(['report', 'pa_layout', ...args]);
    const got = dts(['report', 'pa_layout', ...args]);
    expect(want.code).toBe(0);
    expect(got.code).toBe(0);
    expect(got.stdout).toBe(want.stdout);
    expect(got.stdout).toMatch(args[0] === '--numa_addr' ? /^\[/ : /System RAM/);
  });

  it('the deprecated top-level pa_layout prints the same and a deprecation notice', () => {
    const got = dts(['pa_layout', '--raw_number']);
    expect(got.code).toBe(0);
    expect(got.stdout).toBe(damo(['pa_layout', '--raw_number']).stdout);
    expect(got.stderr).toContain('use "damon-ts report pa_layout"');
  });
});

describe('damon-ts version', () => {
  it('prints the package version, as --version does', () => {
    const v = dts(['version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(dts(['--version']).stdout).toBe(v.stdout);
  });
});
