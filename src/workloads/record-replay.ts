/**
 * A record replayed as a workload on the simulated machine (`record --replay FILE`): one process
 * maps every range the record's regions cover, at the recorded addresses, and reads each accessed
 * region page by page in the time slices the replay plan gives (src/records/replay-plan.ts), so
 * that DAMON monitoring the process with the record's intervals finds the recorded pattern again.
 * Times are relative: the first snapshot starts at the first run call. The process exits after the
 * last snapshot's end.
 */
import { existsSync } from 'node:fs';
import { readRecords } from '../records/reader.js';
import { type ReplayPlan, REPLAY_PAGE_SIZE, replayPlan } from '../records/replay-plan.js';
import type { DamonRecord } from '../records/types.js';
import type { MachineView, MachineWorkload } from './machine-view.js';

export class RecordReplayWorkload implements MachineWorkload {
  readonly durationUs: number;
  private pid: number | undefined;
  private t0: number | undefined;
  /** Next slice to emit: snapshot index and slice index within it. */
  private snap = 0;
  private slice = 0;
  private finished = false;

  constructor(
    readonly name: string,
    private readonly plan: ReplayPlan,
  ) {
    this.durationUs = Math.ceil(plan.durationUs);
  }

  get mainPid(): number | undefined {
    return this.pid;
  }

  setup(m: MachineView): void {
    this.pid = m.createProcess(this.name);
    for (const r of this.plan.ranges) m.mmap(this.pid, r.start, r.end - r.start, { anon: true, prot: 'rw' });
  }

  run(m: MachineView, fromUs: number, toUs: number): boolean {
    if (this.finished) return false;
    if (this.pid === undefined) throw new Error(`workload ${this.name}: run before setup`);
    this.t0 ??= fromUs;
    const end = toUs - this.t0;
    const snaps = this.plan.snapshots;
    while (this.snap < snaps.length) {
      const s = snaps[this.snap]!;
      if (s.startUs + this.slice * s.sliceUs >= end) break;
      for (const r of s.regions) {
        if (r.samples <= this.slice) continue;
        const len = r.end - r.start;
        m.access(this.pid, r.start, len, REPLAY_PAGE_SIZE, len / REPLAY_PAGE_SIZE, false);
      }
      if (++this.slice >= s.nrSlices) {
        this.slice = 0;
        this.snap++;
      }
    }
    if (this.snap < snaps.length || end < this.plan.durationUs) return true;
    this.finished = true;
    m.exitProcess(this.pid);
    return false;
  }
}

/** The first record of a record file, with its replay plan (damo replays the first record only). */
export async function loadReplayRecord(
  path: string,
): Promise<{ record: DamonRecord; plan: ReplayPlan; nrRecords: number }> {
  if (!existsSync(path)) throw new Error(`${path}: record file not found`);
  // The reader's errors name the file.
  const records = await readRecords(path);
  const record = records[0];
  if (!record) throw new Error(`${path}: no monitoring records in the file`);
  return { record, plan: replayPlan(record, path), nrRecords: records.length };
}
