/**
 * The per-CPU reader merging CPUs by timestamp: a kdamond that moved from CPU 1 to CPU 0 has its
 * newer events in CPU 0's buffer, which the reader drains first. Per-CPU buffers are files here
 * (a read returns one sub-buffer, then nothing: what trace_pipe_raw does when drained).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_HEADER_PAGE } from '../../src/backends/tracefs/format.js';
import type { TraceInstance } from '../../src/backends/tracefs/instance.js';
import { RawTraceReader } from '../../src/backends/tracefs/raw-reader.js';
import { aggregatedRecord, subbuffers } from '../kernel/damon-events.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A trace instance whose CPU buffers hold the given events (region starts), stamped from startNs. */
function instanceWith(perCpu: { startNs: number; starts: number[] }[]): TraceInstance {
  const dir = mkdtempSync(join(tmpdir(), 'damon-ts-raw-reader-'));
  dirs.push(dir);
  perCpu.forEach((c, cpu) => {
    const recs = c.starts.map((start) =>
      aggregatedRecord({
        pid: 1,
        targetId: 0,
        nrRegions: 1,
        start,
        end: start + 4096,
        nrAccesses: 0,
        age: 0,
      }),
    );
    writeFileSync(join(dir, `cpu${cpu}`), Buffer.concat(subbuffers(recs, c.startNs)));
  });
  const fake: Pick<
    TraceInstance,
    'cpus' | 'headerPage' | 'subbufSize' | 'perCpuPath' | 'cpuStats' | 'addCloser'
  > = {
    cpus: () => perCpu.map((_, i) => i),
    headerPage: () => DEFAULT_HEADER_PAGE,
    subbufSize: () => 4096,
    perCpuPath: (cpu) => join(dir, `cpu${cpu}`),
    cpuStats: () => ({ entries: 0, overrun: 0, commitOverrun: 0, droppedEvents: 0, readEvents: 0 }),
    addCloser: () => () => {},
  };
  return fake as TraceInstance;
}

function read(inst: TraceInstance, ordered: boolean): { cpu: number; start: number; timeNs: number }[] {
  const got: { cpu: number; start: number; timeNs: number }[] = [];
  const reader = new RawTraceReader(
    inst,
    (cpu, buf, off, _len, timeNs) => got.push({ cpu, start: Number(buf.readBigUInt64LE(off + 24)), timeNs }),
    { ordered },
  );
  reader.start(true);
  reader.poll();
  reader.stop();
  return got;
}

describe('RawTraceReader', () => {
  // CPU 0 holds the events of 5-6 µs, CPU 1 those of 2-3 µs (stamps are the page's time plus 1 µs each).
  const moved = () =>
    instanceWith([
      { startNs: 4000, starts: [0x3000, 0x4000] },
      { startNs: 1000, starts: [0x1000, 0x2000] },
    ]);

  it('ordered: delivers the events of all CPUs by timestamp', () => {
    const got = read(moved(), true);
    expect(got.map((e) => e.start)).toEqual([0x1000, 0x2000, 0x3000, 0x4000]);
    expect(got.map((e) => e.cpu)).toEqual([1, 1, 0, 0]);
    expect(got.map((e) => e.timeNs)).toEqual([2000, 3000, 5000, 6000]);
  });

  it('unordered: delivers each CPU as it is drained', () => {
    expect(read(moved(), false).map((e) => e.start)).toEqual([0x3000, 0x4000, 0x1000, 0x2000]);
  });

  it('ordered: holds back what is newer than the previous poll until the next poll or stop', () => {
    const now = Number(process.hrtime.bigint());
    const inst = instanceWith([
      { startNs: now + 60e9, starts: [0x2000] }, // stamped after this test's polls begin
      { startNs: 1000, starts: [0x1000] },
    ]);
    const got: number[] = [];
    const reader = new RawTraceReader(
      inst,
      (_c, buf, off) => got.push(Number(buf.readBigUInt64LE(off + 24))),
      {
        ordered: true,
      },
    );
    reader.start(true);
    reader.poll();
    expect(got).toEqual([0x1000]);
    reader.stop();
    expect(got).toEqual([0x1000, 0x2000]);
  });
});
