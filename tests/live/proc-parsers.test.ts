import { describe, expect, it } from 'vitest';
import { isAnonPrivateWritable, parseMaps } from '../../src/backends/live/proc-maps.js';
import { ReportBatcher } from '../../src/backends/live/source.js';
import type { ReportBatch } from '../../src/core/types.js';

const MAPS = `55d0c8a00000-55d0c8a02000 r--p 00000000 08:01 1234    /usr/bin/cat
55d0c9000000-55d0c9021000 rw-p 00000000 00:00 0       [heap]
7f1000000000-7f1000100000 rw-p 00000000 00:00 0
7f1000200000-7f1000201000 rw-p 00002000 08:01 99      /usr/lib/libc.so.6
7f1000300000-7f1000301000 rw-s 00000000 00:01 7       /dev/zero (deleted)
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0       [stack]
7ffd00100000-7ffd00102000 r--p 00000000 00:00 0       [vvar]
`;

describe('maps parsing', () => {
  it('parses entries and picks anonymous private writable ones', () => {
    const m = parseMaps(MAPS, 'maps');
    expect(m[1]).toEqual({
      start: 0x55d0c9000000,
      end: 0x55d0c9021000,
      perms: 'rw-p',
      inode: 0,
      path: '[heap]',
    });
    expect(m.filter(isAnonPrivateWritable).map((e) => e.path)).toEqual(['[heap]', '', '[stack]']);
  });
  it('names the bad line', () => {
    expect(() => parseMaps('00-10 rw-p 0 00:00 0\nnonsense\n', '/proc/9/maps')).toThrow(
      /\/proc\/9\/maps:2: not a maps line: nonsense/,
    );
  });
});

describe('ReportBatcher', () => {
  it('delivers full batches and the rest on flush, with paddr unknown', () => {
    const got: number[][] = [];
    const b = new ReportBatcher(
      (batch: ReportBatch) => got.push(Array.from(batch.vaddr.subarray(0, batch.length))),
      4,
    );
    for (let i = 0; i < 10; i++) b.push(i * 4096, 1, 0, 1, 1, i % 2 === 0, i);
    expect(got).toEqual([
      [0, 4096, 8192, 12288],
      [16384, 20480, 24576, 28672],
    ]);
    expect(b.batch.paddr[0]).toBe(-1);
    b.flush();
    expect(got[2]).toEqual([32768, 36864]);
    expect(b.delivered).toBe(10);
    b.flush();
    expect(got.length).toBe(3);
  });
});
