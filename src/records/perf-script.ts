/**
 * damo's reader of perf_script / trace-cmd text (damo-report-math.md §1.3), quirks included: the
 * trace-cmd field rule, one global "open snapshot" flag, the float first start and the fake snapshot.
 * Records have to be assembled whole (the first start depends on the last snapshot), so this reader
 * holds the records in memory; the JSON formats are the streaming ones.
 */
import { createReadStream } from 'node:fs';
import { checkRegions, checkSnapshotMeta } from './check.js';
import { pyInt } from './textnum.js';
import type { DamonRecord, RecordRegion, Snapshot } from './types.js';
import { recordHeader } from './types.js';

export class PerfScriptParser {
  readonly records: DamonRecord[] = [];
  private readonly byTarget = new Map<string, DamonRecord>();
  private open = false;
  /** The open snapshot's target and nr_regions, when a damon_aggregated line opened it. */
  private openAggregated: { target: string; nrRegions: number } | null = null;
  /** The line of each snapshot's first region, for error messages. */
  private readonly firstLine = new Map<Snapshot, number>();
  private lineNo = 0;
  /** The input ended inside a damon_aggregated snapshot (its last regions are missing). */
  truncated = false;

  constructor(private readonly file: string) {}

  private fail(msg: string): never {
    throw new Error(`${this.file}:${this.lineNo}: ${msg}`);
  }

  private int(text: string | undefined, what: string): number | bigint {
    const v = text === undefined ? null : pyInt(text);
    if (v === null) this.fail(`invalid ${what} '${text ?? ''}'`);
    return v;
  }

  private kv(field: string | undefined, what: string): number | bigint {
    const eq = field?.indexOf('=') ?? -1;
    if (field === undefined || eq < 0 || field.slice(0, eq) !== what)
      this.fail(`expected ${what}=<n>, got '${field ?? ''}'`);
    return this.int(field.slice(eq + 1), what);
  }

  line(line: string): void {
    this.lineNo++;
    const f = line.trim().split(/\s+/);
    if (f.length < 4) return;
    const ti = f[2]!.endsWith(':') ? 2 : 3;
    if (f.length < ti + 2) this.fail('too few fields for a trace line');
    const ts = f[ti]!.slice(0, -1);
    const event = f[ti + 1]!.slice(0, -1);
    const tf = f.slice(ti + 2);
    let targetId: number | bigint;
    let nrRegions: number;
    let addr: string;
    let nr: string;
    let age: string | undefined;
    const aggregated = event === 'damon:damon_aggregated' || event === 'damon_aggregated';
    if (aggregated) {
      if (tf.length !== 4 && tf.length !== 5)
        this.fail(`a damon_aggregated line has ${tf.length} fields after the event, not 4 or 5`);
      targetId = this.kv(tf[0], 'target_id');
      nrRegions = Number(this.kv(tf[1], 'nr_regions'));
      [addr, nr, age] = [tf[2]!, tf[3]!, tf[4]];
    } else if (event === 'damon:damos_before_apply' || event === 'damos_before_apply') {
      if (tf.length !== 7) return;
      targetId = this.kv(tf[2], 'target_idx');
      nrRegions = Number(this.kv(tf[3], 'nr_regions'));
      [addr, nr, age] = [tf[4]!, tf[5]!, tf[6]];
    } else return;
    const sec = Number(ts);
    if (!Number.isFinite(sec)) this.fail(`invalid timestamp '${ts}'`);
    const endTime = Math.trunc(sec * 1e9);
    const range = addr.endsWith(':') ? addr.slice(0, -1).split('-') : [];
    if (range.length !== 2) this.fail(`invalid address range '${addr}'`);
    const region: RecordRegion = {
      start: Number(this.int(range[0], 'region start')),
      end: Number(this.int(range[1], 'region end')),
      nr_accesses: { samples: Number(this.int(nr, 'nr_accesses')), percent: null },
      age: { usec: null, aggr_intervals: age === undefined ? null : Number(this.int(age, 'age')) },
      sz_filter_passed: 0,
    };
    const key = targetId.toString();
    if (aggregated) {
      if (nrRegions < 1) this.fail(`invalid nr_regions ${nrRegions}`);
      // a snapshot's lines come together, all of one target and one nr_regions: anything else means
      // lines were lost or damaged, and damo would merge two snapshots into one
      const o = this.openAggregated;
      if (this.open && o && (o.target !== key || o.nrRegions !== nrRegions))
        this.fail(
          `a line of target ${key} with nr_regions=${nrRegions} inside a snapshot of target ${o.target} with nr_regions=${o.nrRegions} that has not got all its regions`,
        );
    }
    let rec = this.byTarget.get(key);
    if (!rec) {
      rec = { ...recordHeader({ target_id: targetId }), snapshots: [] };
      this.byTarget.set(key, rec);
      this.records.push(rec);
    }
    const lastSnap = rec.snapshots[rec.snapshots.length - 1];
    const st = lastSnap ? lastSnap.end_time : null;
    if (st !== null && st > endTime) this.fail('trace is not time-sorted');
    if (!this.open) {
      const s: Snapshot = { start_time: st, end_time: endTime, regions: [] };
      rec.snapshots.push(s);
      this.firstLine.set(s, this.lineNo);
      this.open = true;
      this.openAggregated = aggregated ? { target: key, nrRegions } : null;
    }
    const snap = rec.snapshots[rec.snapshots.length - 1]!;
    snap.regions.push(region);
    if (snap.regions.length === nrRegions) this.open = false;
  }

  /** The first-start and fake-snapshot pass, and the checks of every snapshot; returns the records. */
  finish(): DamonRecord[] {
    if (this.open && this.openAggregated) {
      // the input ended inside a snapshot: keep the complete ones, as the JSON readers do
      this.truncated = true;
      const rec = this.byTarget.get(this.openAggregated.target)!;
      rec.snapshots.pop();
      if (rec.snapshots.length === 0) this.records.splice(this.records.indexOf(rec), 1);
    }
    if (this.records.length === 0 && !this.truncated)
      throw new Error(
        `${this.file}: no DAMON trace line (damon_aggregated or damos_before_apply) in ${this.lineNo} lines: not a record file`,
      );
    for (const rec of this.records) {
      const snaps = rec.snapshots;
      if (snaps.length < 2) break; // damo stops the pass here (`break`), leaving later records as they are
      const first = snaps[0]!;
      const last = snaps[snaps.length - 1]!;
      first.start_time = first.end_time - (last.end_time - first.end_time) / (snaps.length - 1);
      first.start_is_float = true;
      if (isFake(last)) snaps.pop();
    }
    this.records.forEach((rec, ri) => {
      let prevEnd: number | null = null;
      rec.snapshots.forEach((s, si) => {
        const at = `${this.file}:${this.firstLine.get(s) ?? 0}: record ${ri} snapshot ${si}`;
        checkRegions(s.regions, at);
        checkSnapshotMeta(s, prevEnd, at);
        prevEnd = s.end_time;
        s.total_bytes = sumSizes(s);
      });
    });
    return this.records;
  }
}

function isFake(s: Snapshot): boolean {
  const r = s.regions[0];
  return (
    s.regions.length === 1 &&
    r!.start === 0 &&
    r!.end === 0 &&
    r!.nr_accesses.samples === -1 &&
    r!.age.aggr_intervals === -1
  );
}

function sumSizes(s: Snapshot): number {
  let t = 0;
  for (const r of s.regions) t += r.end - r.start;
  return t;
}

/** The longest perf_script line read: damo's trace lines are about 150 bytes. */
const MAX_LINE = 1 << 16;

/** Reads a perf_script file whole; a cut last snapshot is dropped with a warning on stderr. */
export async function readPerfScript(
  path: string,
  skip: number,
): Promise<{ records: DamonRecord[]; truncated: boolean }> {
  const parser = new PerfScriptParser(path);
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let lineNo = 0;
  const take = (b: Buffer): void => {
    lineNo++;
    let text = (pendingLen ? Buffer.concat([...pending, b]) : b).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    pending = [];
    pendingLen = 0;
    parser.line(text);
  };
  const file = createReadStream(path, { start: skip, highWaterMark: 1 << 20 });
  try {
    for await (const chunk of file as AsyncIterable<Buffer>) {
      let from = 0;
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i]!;
        if (c === 0x0a) {
          take(chunk.subarray(from, i));
          from = i + 1;
        } else if ((c < 0x20 && c !== 0x09 && c !== 0x0d) || c === 0x7f)
          throw new Error(
            `${path}:${lineNo + 1}: binary data (0x${c.toString(16).padStart(2, '0')}): not perf script text`,
          );
        else if (i - from + pendingLen > MAX_LINE)
          throw new Error(
            `${path}:${lineNo + 1}: a line longer than ${MAX_LINE} bytes: not perf script text`,
          );
      }
      if (from < chunk.length) {
        pending.push(chunk.subarray(from));
        pendingLen += chunk.length - from;
      }
    }
  } finally {
    file.destroy();
  }
  if (pendingLen) take(Buffer.alloc(0));
  const records = parser.finish();
  if (parser.truncated)
    process.stderr.write(
      `warning: ${path} is truncated: its last snapshot misses regions; reading the complete snapshots\n`,
    );
  return { records, truncated: parser.truncated };
}
