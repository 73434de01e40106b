/**
 * Whole-file writes in damo's own layout, for `adjust` and `convert_record_format`: json is
 * `json.dumps(to_kvpairs, indent=4)`, json_compressed the same through zlib at the default level
 * (bytes 78 9c), perf_script damo's trace lines with the fake snapshot of single-snapshot records.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { perfScriptFakeSnapshot, recordsToDamoJson, snapshotToPerfScript } from './serialize.js';
import type { DamonRecord, RecordFormat } from './types.js';

export function recordsToBytes(records: DamonRecord[], format: RecordFormat): Buffer {
  if (format === 'perf_script') {
    const parts: string[] = [];
    for (const rec of records) {
      for (const s of rec.snapshots) parts.push(snapshotToPerfScript(rec, s));
      if (rec.snapshots.length === 1) parts.push(perfScriptFakeSnapshot(rec, rec.snapshots[0]!));
    }
    return Buffer.from(parts.join(''), 'utf8');
  }
  const json = Buffer.from(recordsToDamoJson(records), 'utf8');
  return format === 'json' ? json : deflateSync(json);
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
