/** Shared test inputs: a record file of a short simulated run with two contexts (page_table, page_fault). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { optionsToKdamonds, type MonitoringOptions } from '../../src/config/damo-options.js';
import { loadSimWorkload, machineWithWorkload, SimSession } from '../../src/runners/sim-session.js';
import type { SnapshotSink } from '../../src/runners/snapshot-recorder.js';
import { RecordWriter } from '../../src/records/writer.js';
import { resetSharedSplitState } from '../../src/core/region-ops.js';

/** A session of the stairs workload with a page_table and a page_fault vaddr context. */
export function twoContextSession(sink: SnapshotSink, seed = 7, extra: MonitoringOptions = {}): SimSession {
  resetSharedSplitState();
  const w = loadSimWorkload({ workload: 'stairs' });
  const machine = machineWithWorkload(w, { seed, accessesPerSecond: 2e6 }); // light: tests share 2 cores
  const pid = w.mainPid!;
  const config = optionsToKdamonds(
    { sample_primitives: ['page_table', 'page_fault'], target_pid: [String(pid)], ...extra },
    { kind: 'pid', pid },
  );
  return new SimSession({ config, machine, sink, seed });
}

/** Writes `seconds` of virtual time of twoContextSession to a json_compressed record; returns its path. */
export function makeRecord(seconds: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'damon-ts-web-'));
  const path = join(dir, 'damon.data');
  const w = RecordWriter.open(path, 'json_compressed', { flushIntervalMs: 0 });
  const s = twoContextSession(w);
  s.run(seconds * 1e6);
  s.stop();
  w.close();
  return path;
}
