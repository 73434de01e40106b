/**
 * Record files in damo's own layout, for `adjust` and `convert_record_format`: json is
 * `json.dumps(to_kvpairs, indent=4)`, json_compressed the same through zlib at the default level
 * (bytes 78 9c), perf_script damo's trace lines with the fake snapshot of single-snapshot records.
 * DamoLayout produces that text snapshot by snapshot, so that no piece of it grows with the record
 * (a whole-file string stops at V8's string limit, about 512 MiB of text).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import {
  DAMO_FILE,
  damoRecordFrame,
  damoSnapshotText,
  perfScriptFakeSnapshot,
  snapshotToPerfScript,
} from './serialize.js';
import type { DamonRecord, RecordFormat, RecordHeader, Snapshot } from './types.js';

/** Thrown when a record's header changed after its first snapshot was written (keys after `snapshots`). */
export class HeaderAfterSnapshots extends Error {
  constructor(readonly recordIndex: number) {
    super(`record ${recordIndex}: header keys after its snapshots`);
  }
}

/**
 * damo's text of a list of records, given snapshot by snapshot to `out`. A record's text before its
 * snapshots is written with its first snapshot, from the header then; recordEnd() throws
 * HeaderAfterSnapshots if that part of the header changed since (only data_source may follow the
 * snapshots, as in damo's files).
 */
export class DamoLayout {
  private nrRecords = 0;
  private nrSnapshots = 0;
  private head: string | null = null;
  private first: Snapshot | null = null;

  constructor(
    private readonly format: RecordFormat,
    private readonly out: (text: string) => void,
  ) {}

  /** What of the header the text before the snapshots depends on. */
  private headOf(h: RecordHeader): string {
    if (this.format === 'perf_script') return `${h.target_id} ${h.time_base_ns}`;
    return `${damoRecordFrame(h).head} ${h.time_base_ns}`;
  }

  private startRecord(): void {
    if (this.format !== 'perf_script') this.out(this.nrRecords === 0 ? DAMO_FILE.open : DAMO_FILE.between);
    this.nrRecords++;
  }

  snapshot(h: RecordHeader, s: Snapshot): void {
    if (this.head === null) {
      this.startRecord();
      this.head = this.headOf(h);
      if (this.format !== 'perf_script') this.out(damoRecordFrame(h).head);
    }
    if (this.format === 'perf_script') {
      this.out(snapshotToPerfScript(h, s));
      if (this.nrSnapshots === 0) this.first = s;
    } else {
      this.out((this.nrSnapshots > 0 ? ',\n' : '') + damoSnapshotText(s, h.time_base_ns));
    }
    this.nrSnapshots++;
  }

  recordEnd(h: RecordHeader): void {
    if (this.head !== null && this.head !== this.headOf(h))
      throw new HeaderAfterSnapshots(this.nrRecords - 1);
    if (this.format === 'perf_script') {
      if (this.nrSnapshots === 1) this.out(perfScriptFakeSnapshot(h, this.first!));
    } else if (this.head === null) {
      this.startRecord();
      this.out(damoRecordFrame(h).empty);
    } else {
      this.out(damoRecordFrame(h).tail);
    }
    this.head = null;
    this.first = null;
    this.nrSnapshots = 0;
  }

  end(): void {
    if (this.format !== 'perf_script') this.out(this.nrRecords === 0 ? DAMO_FILE.empty : DAMO_FILE.close);
  }
}

export function recordsToBytes(records: DamonRecord[], format: RecordFormat): Buffer {
  const parts: Buffer[] = [];
  const layout = new DamoLayout(format, (t) => parts.push(Buffer.from(t, 'utf8')));
  for (const rec of records) {
    for (const s of rec.snapshots) layout.snapshot(rec, s);
    layout.recordEnd(rec);
  }
  layout.end();
  const bytes = Buffer.concat(parts);
  return format === 'json_compressed' ? deflateSync(bytes) : bytes;
}

/** Writes the records to `path` through a temporary file and a rename. */
export function writeRecordsFile(
  path: string,
  records: DamonRecord[],
  format: RecordFormat,
  mode = 0o600,
): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, recordsToBytes(records, format), { mode });
  renameSync(tmp, path);
}
