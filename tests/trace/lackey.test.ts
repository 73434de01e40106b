import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LackeyDecoder } from '../../src/backends/trace/lackey-decoder.js';
import type { TraceInfo } from '../../src/backends/trace/trace-batch.js';
import { decodeAll } from './helpers.js';

function decode(
  text: string,
  cuts: number[] = [],
  ips?: number,
): { recs: ReturnType<typeof decodeAll>; info: TraceInfo } {
  const info: TraceInfo = {};
  const dec = new LackeyDecoder('t.log', info, ips === undefined ? {} : { instructionsPerSecond: ips });
  return { recs: decodeAll(dec, Buffer.from(text, 'latin1'), cuts), info };
}

const BASIC = [
  '==77== Lackey, an example Valgrind tool',
  'I  04000000,3',
  ' L 1fff000778,8',
  'I  04000003,5',
  'I  04000008,2',
  ' S 0000aBcD,4',
  ' M 04a18de0,16',
  '',
].join('\n');

// Modelled on a real valgrind 3.19 log (platform-notes B.3): SCHED text glued to a clone line,
// a blank line after it, an exited ThreadId reused, async syscall and ni_syscall continuation lines.
const THREADS = [
  '==500== Lackey, an example Valgrind tool',
  '--500--   SCHED[1]:  acquired lock (thread_wrapper(starting new thread))',
  '--500--   SCHED[1]: entering VG_(scheduler)',
  'I  04000000,3',
  ' L 1000,8',
  'SYSCALL[500,1](56) sys_clone ( 3d0f00, 0x5229f70, 0x522a990, 0x522a990, 0x522a6c0 ) --> [pre-success] Success(0x1f5) --500--   SCHED[1]: releasing lock (VG_(vg_yield)) -> VgTs_Yielding',
  '--500--   SCHED[1]:  acquired lock (VG_(vg_yield))',
  '',
  ' S 2000,4',
  'SYSCALL[500,1](56) sys_clone ( 1200011, 0x0, 0x0, 0x0, 0x0 ) --> [pre-success] Success(0x2710)',
  'SYSCALL[500,1](56) sys_clone ( 3d0f00, 0x5a2af70, 0x5a2b990, 0x5a2b990, 0x5a2b6c0 ) --> [pre-success] Success(0x1f6) --500--   SCHED[1]: releasing lock (VG_(vg_yield)) -> VgTs_Yielding',
  '--500--   SCHED[3]:  acquired lock (thread_wrapper(starting new thread))',
  ' L 3000,8',
  '--500--   SCHED[3]: releasing lock (VG_(vg_yield)) -> VgTs_Yielding',
  '--500--   SCHED[2]:  acquired lock (thread_wrapper(starting new thread))',
  '--500--   SCHED[2]: entering VG_(scheduler)',
  ' M 4000,8',
  'SYSCALL[500,2](60) exit( 0 ) --> [pre-success] Success(0x0) ',
  '--500--   SCHED[2]: exiting VG_(scheduler)',
  '--500--   SCHED[2]: release lock in VG_(exit_thread)',
  '--500--   SCHED[1]:  acquired lock (VG_(vg_yield))',
  'SYSCALL[500,1](334) unimplemented (by the kernel) syscall: 334! (ni_syscall)',
  ' --> [pre-fail] Failure(0x26) ',
  'SYSCALL[500,1](56) sys_clone ( 3d0f00, 0x1, 0x2, 0x3, 0x4 ) --> [async] ... ',
  'SYSCALL[500,1](56) ... [async] --> Success(0x1f7) ',
  ' L 5000,8',
  '--500--   SCHED[2]:  acquired lock (thread_wrapper(starting new thread))',
  ' S 6000,8',
  'SYSCALL[500,3](0) sys_read ( 4, 0x1ffeffee28, 832 ) --> [async] ... ',
  ' L 7000,8',
  '==500== Exit code: 0',
  '',
].join('\n');

describe('lackey decoder', () => {
  it('decodes L/S/M records with time from the instruction count', () => {
    const { recs, info } = decode(BASIC, [], 1e6); // 1 µs per instruction
    expect(recs).toEqual([
      [1000, 0x1fff000778, 8, 77, -1, 0],
      [3000, 0xabcd, 4, 77, -1, 1],
      [3000, 0x4a18de0, 16, 77, -1, 0],
      [3000, 0x4a18de0, 16, 77, -1, 1],
    ]);
    expect(info).toEqual({ source: 'lackey', instructionsPerSecond: 1e6, pid: 77 });
  });

  it('maps valgrind ThreadIds to OS tids through clone results, with ThreadId reuse', () => {
    const { recs } = decode(THREADS);
    expect(recs.map((r) => [r[1], r[3], r[5]])).toEqual([
      [0x1000, 500, 0],
      [0x2000, 500, 1],
      [0x3000, 0x1f6, 0], // ThreadId 3 started first: the prediction (3 = second clone) holds
      [0x4000, 0x1f5, 0],
      [0x4000, 0x1f5, 1],
      [0x5000, 500, 0], // the async clone's result does not change the running thread
      [0x6000, 0x1f7, 1], // ThreadId 2 reused by the third thread clone (the fork is not a thread)
      [0x7000, 0x1f6, 0], // a SYSCALL line of ThreadId 3 makes it the running thread
    ]);
  });

  it('without SCHED lines, follows threads through their SYSCALL lines', () => {
    const log = [
      'SYSCALL[9,1](56) sys_clone ( 3d0f00, 0x1 ) --> [pre-success] Success(0x10)',
      ' L 100,8',
      'SYSCALL[9,2](273) sys_set_robust_list ( 0x1, 24 )[sync] --> Success(0x0) ',
      ' S 200,8',
      'SYSCALL[9,1](61) sys_wait4 ( 1 ) --> [async] ... ',
      ' L 300,8',
      '',
    ].join('\n');
    expect(decode(log).recs.map((r) => r[3])).toEqual([9, 0x10, 9]);
  });

  it('gives the same records whatever the chunk boundaries (property)', () => {
    const whole = decode(THREADS + BASIC.replace('==77==', '==500==')).recs;
    const len = Buffer.byteLength(THREADS + BASIC);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: len - 1 }), { maxLength: 12 }), (cuts) => {
        expect(
          decode(
            THREADS + BASIC.replace('==77==', '==500=='),
            cuts.sort((a, b) => a - b),
          ).recs,
        ).toEqual(whole);
      }),
      { numRuns: 200, seed: 7 },
    );
    // Every single cut position, including inside records and right after newlines.
    for (let c = 1; c < BASIC.length; c++) expect(decode(BASIC, [c], 1e6).recs).toHaveLength(4);
  });

  it('counts I lines of every length (the 14-byte fast path and the others)', () => {
    const log = 'I  0401ab70,15\nI  1fff00077800,3\nI  0401ab70,3\n L 10,8\n';
    expect(decode(log, [], 1e9).recs).toEqual([[3, 16, 8, -1, -1, 0]]);
  });

  it('accepts a last line without a newline', () => {
    expect(decode('I  0400,1\n L 10,8').recs).toEqual([[1, 16, 8, -1, -1, 0]]);
  });

  const bad: [string, string, RegExp][] = [
    ['bad address', 'I  04,1\n L zz,8\n', /^t\.log:2: bad address in lackey line ' L zz,8'/],
    ['missing size', 'I  04,1\n\n S 1234,\n', /^t\.log:3: bad size in lackey line ' S 1234,'/],
    ['trailing junk', ' L 1234,8x\n', /^t\.log:1: bad size in lackey line ' L 1234,8x'/],
    ['foreign line', '==1== hi\nhello world\n', /^t\.log:2: not a lackey trace line: 'hello world'/],
    ['unterminated bad last line', ' L 12', /^t\.log:1: bad address in lackey line ' L 12'/],
  ];
  for (const [what, text, re] of bad) {
    it(`rejects ${what} with file:line and the text`, () => {
      expect(() => decode(text)).toThrow(re);
    });
  }
});
