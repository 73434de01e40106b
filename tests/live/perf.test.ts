import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PerfScriptParser } from '../../src/backends/live/perf-script.js';
import {
  perfCommands,
  perfLostFromStderr,
  PerfSource,
  readPerfScriptFile,
} from '../../src/backends/live/perf-source.js';
import { ReportBatcher } from '../../src/backends/live/source.js';
import type { ReportBatch } from '../../src/core/types.js';
import { fixtureBinary, REPO, skipReason } from './kernel-features.js';

type Row = [vaddr: number, cpu: number, tid: number, tgid: number, isWrite: number, time: number];

function rows(): { sink: (b: ReportBatch) => void; out: Row[] } {
  const out: Row[] = [];
  return {
    out,
    sink: (b) => {
      for (let i = 0; i < b.length; i++)
        out.push([b.vaddr[i]!, b.cpu[i]!, b.tid[i]!, b.tgid[i]!, b.isWrite[i]!, b.time[i]!]);
    },
  };
}

const FIX = join(REPO, 'tests/live/fixtures');

describe('perf script parser (fixture files: this VM has no PMU)', () => {
  it('reads perf mem samples with load/store from the event or data_src', async () => {
    const r = rows();
    const stats = await readPerfScriptFile(join(FIX, 'perf-mem.txt'), r.sink, 5_000_000_000);
    expect(r.out).toEqual([
      [0x7ffd5a3c1e28, 0, 4012, 4012, 0, 123_456_789],
      [0x55d0c9001040, 1, 4015, 4012, 1, 123_456_800],
      [0x7f1000000010, 3, 4016, 4012, 0, 123_456_900],
      [0x7f1000000020, 2, 4016, 4012, 1, 123_457_000],
    ]);
    expect(stats).toEqual({ lines: 4, samples: 4, loads: 2, stores: 2, unknownKind: 0 });
  });

  it('reads page-fault samples, skips callchains, takes write from error_code', async () => {
    const r = rows();
    const stats = await readPerfScriptFile(join(FIX, 'perf-faults.txt'), r.sink, 1_140_000_000);
    expect(r.out).toEqual([
      [0x7fab0da69000, 1, 11903, 11903, 0, 873_745],
      [0x7fab0da6a000, 0, 11905, 11903, 0, 873_750],
      [0x7f236edff000, 0, 11960, 11960, 1, 10_922_478],
      [0x7f236edfe000, 1, 11961, 11960, 0, 10_922_479], // --ns time truncated to µs
      [0x7f236edfd000, 1, 11960, -1, 1, 10_922_480], // no pid/: process unknown
    ]);
    expect(stats).toMatchObject({ samples: 5, loads: 1, stores: 2, unknownKind: 2 });
  });

  it('parses input split anywhere across chunks, and names bad lines', () => {
    const text = 'a 1/2 [000] 1.000001: page-faults: 1000\nb 1/3 [001] 1.000002: page-faults: 2000\n';
    const r = rows();
    const p = new PerfScriptParser('chunks', new ReportBatcher(r.sink));
    for (let i = 0; i < text.length; i += 7) p.feed(text.slice(i, i + 7));
    p.end();
    expect(r.out.map((x) => x[0])).toEqual([0x1000, 0x2000]);
    const bad = new PerfScriptParser('f.txt', new ReportBatcher(() => undefined));
    expect(() => bad.feed('a 1/2 [000] 1.0: page-faults: 1000\nhello world\n')).toThrow(
      /f.txt:2: not a perf script sample line: 'hello world'/,
    );
    const noAddr = new PerfScriptParser('g.txt', new ReportBatcher(() => undefined));
    expect(() => noAddr.feed('a 1/2 [000] 1.0: cycles: \n')).toThrow(
      /g.txt:1: no data address .*record with -d/,
    );
  });

  it('builds perf command lines and counts lost events', () => {
    expect(perfCommands({ mode: 'mem', pid: 42 })).toEqual({
      record: ['mem', 'record', '--sample-cpu', '-k', 'CLOCK_MONOTONIC', '-o', '-', '-p', '42'],
      script: ['script', '-i', '-', '-F', 'comm,pid,tid,cpu,time,event,addr,data_src'],
    });
    expect(perfCommands({ mode: 'page-faults', cmd: 'ls', args: ['-l'] }).record).toEqual([
      'record',
      '-e',
      'page-faults',
      '-c',
      '1',
      '-d',
      '--sample-cpu',
      '-k',
      'CLOCK_MONOTONIC',
      '-o',
      '-',
      '--',
      'ls',
      '-l',
    ]);
    expect(() => perfCommands({})).toThrow(/give a pid or a command/);
    expect(perfLostFromStderr('Processed 100 events and lost 3 chunks!\nLOST 25 events!\n')).toBe(28);
  });
});

const skip = skipReason('live perf source test', ['root', 'perf', 'cc']) !== null;

describe.skipIf(skip)('live perf source', () => {
  it('streams the tracepoint samples of a launched program with threads and CPUs', async () => {
    const r = rows();
    const writer = fixtureBinary('writer');
    const src = new PerfSource({
      mode: 'tracepoint',
      cmd: '/bin/sh',
      args: ['-c', `printf 'go\\n' | ${writer} 64 32 >/dev/null`],
    });
    src.start(r.sink);
    await src.finished;
    const stats = await src.stop();
    expect(stats.lost).toBe(0);
    expect(stats.samples).toBe(r.out.length);
    // Two threads pinned to CPUs 0 and 1 each write-fault 32 pages of one buffer: both CPUs appear
    // among write faults, and there are at least 64 of them.
    expect(r.out.filter((x) => x[4] === 1).length).toBeGreaterThanOrEqual(64);
    expect(new Set(r.out.map((x) => x[1]))).toEqual(new Set([0, 1]));
    expect(new Set(r.out.map((x) => x[2])).size).toBeGreaterThanOrEqual(3);
  });

  it('names perf failures', async () => {
    const src = new PerfSource({ mode: 'tracepoint', cmd: 'true', perf: '/nonexistent/perf' });
    src.start(() => undefined);
    await expect(src.stop()).rejects.toThrow(/cannot run '\/nonexistent\/perf'/);
  });
});
