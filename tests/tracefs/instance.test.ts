import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceInstance } from '../../src/backends/tracefs/instance.js';
import { RawTraceReader } from '../../src/backends/tracefs/raw-reader.js';
import { lines, REPO, skipReason, spawnTs, tracefsMounts } from '../live/kernel-features.js';

const skip = skipReason('tracefs instance tests', ['root', 'tracefs']) !== null;

/** Top-level settings the fixture changes, as read now (from an independent tracefs handle). */
function topLevelSnapshot(): Record<string, string> {
  const inst = TraceInstance.open({ topLevel: true });
  try {
    return {
      fork: inst.settings.get('options/event-fork'),
      pids: inst.settings.get('set_event_pid'),
      mounts: tracefsMounts().join(','),
    };
  } finally {
    inst.close();
  }
}

describe.skipIf(skip)('trace instances on the real kernel', () => {
  it('configures a private instance, reads events, and removes it on close', () => {
    const before = tracefsMounts();
    const inst = TraceInstance.open();
    const dir = inst.dir;
    let n = 0;
    try {
      expect(existsSync(join(dir, 'per_cpu'))).toBe(true);
      inst.setClock('mono');
      expect(inst.settings.get('trace_clock')).toBe('mono');
      inst.setEventPids([process.pid]);
      expect(inst.settings.get('set_event_pid')).toBe(String(process.pid));
      const fmt = inst.eventFormat('exceptions', 'page_fault_user');
      const reader = new RawTraceReader(inst, (_c, buf, off) => {
        if (buf.readUInt16LE(off) === fmt.id) n++;
      });
      inst.enableEvent('exceptions', 'page_fault_user');
      reader.start(true);
      // Fresh pages fault on first touch in this very process.
      const b = Buffer.alloc(64 << 20);
      for (let i = 0; i < b.length; i += 4096) b[i] = 1;
      reader.poll();
      expect(reader.stop()).toEqual({ overrun: 0, dropped: 0, pagesFlaggedMissed: 0, missedStored: 0 });
      expect(n).toBeGreaterThan(1000);
    } finally {
      inst.close();
    }
    expect(existsSync(dir)).toBe(false);
    expect(tracefsMounts()).toEqual(before);
    inst.close(); // idempotent
  });

  it('names the event and file on errors, and still cleans up', () => {
    const inst = TraceInstance.open();
    try {
      expect(() => inst.enableEvent('exceptions', 'no_such_event')).toThrow(
        /event exceptions:no_such_event does not exist/,
      );
      expect(() => inst.settings.set('buffer_size_kb', 'lots')).toThrow(
        /writing 'lots' to .*buffer_size_kb failed: EINVAL/,
      );
    } finally {
      inst.close();
    }
    expect(existsSync(inst.dir)).toBe(false);
  });

  it('restores top-level settings exactly as found', () => {
    const before = topLevelSnapshot();
    const top = TraceInstance.open({ topLevel: true });
    try {
      top.setEventPids([process.pid, 1]);
      top.setOption('event-fork', before.fork !== '1');
      expect(top.settings.get('set_event_pid').split(' ').sort()).toEqual([String(process.pid), '1'].sort());
    } finally {
      top.close();
    }
    expect(topLevelSnapshot()).toEqual(before);
  });

  for (const [how, signal] of [
    ['SIGINT', 'SIGINT'],
    ['SIGTERM', 'SIGTERM'],
    ['an uncaught error', null],
    ['a plain exit', null],
  ] as const) {
    it(`cleans up after ${how}`, async () => {
      const before = topLevelSnapshot();
      const mode = how === 'an uncaught error' ? 'throw' : how === 'a plain exit' ? 'exit' : 'wait';
      const child = spawnTs(join(REPO, 'tests/tracefs/fixtures/hold-instance.mts'), [mode]);
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const { dir } = JSON.parse(await lines(child)()) as { dir: string };
      expect(existsSync(dir)).toBe(true);
      const exited = new Promise<[number | null, string | null]>((r) =>
        child.once('exit', (c, s) => r([c, s])),
      );
      if (signal) child.kill(signal);
      const [code, sig] = await exited;
      if (signal) expect(sig).toBe(signal);
      else if (mode === 'throw') {
        expect(code).toBe(1);
        expect(stderr).toMatch(/boom/);
      } else expect(code).toBe(0);
      expect(existsSync(dir)).toBe(false);
      expect(topLevelSnapshot()).toEqual(before);
      expect(readFileSync('/proc/self/mounts', 'utf8')).not.toMatch(/damon-ts-tracefs-/);
    });
  }
});
