/**
 * Record readers. The file type is sniffed from the content whatever the file name (sniff.ts). (damo asks
 * `file -b` instead, which makes it reject plain JSON with file ≥ 5.44; we accept it.)
 *
 * streamRecords() delivers snapshots one at a time for JSON files (memory does not grow with the number
 * of snapshots); perf_script text is assembled whole first (see perf-script.ts). Malformed input throws
 * an Error naming the file and the record/snapshot/region (or line); a truncated file is read up to its
 * last complete snapshot, with a warning on stderr.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInflate } from 'node:zlib';
import { checkColumns, checkRegions, checkSnapshotMeta } from './check.js';
import { snapshotToColumns, type ColumnarSnapshot } from './columns.js';
import { JsonRecordScanner } from './json-stream.js';
import { SnapshotDecoder, type DecodedSnapshot } from './snapshot-decoder.js';
import { readPerfScript } from './perf-script.js';
import { normInt, textToBytes, textToNr, textToNs, textToPercent, textToUs } from './textnum.js';
import type {
  DamonRecord,
  RecordHeader,
  RecordIntervals,
  RecordRegion,
  Snapshot,
  TargetId,
} from './types.js';
import { recordHeader } from './types.js';
import { sniff, type SniffedType } from './sniff.js';

export { sniffRecordFile, type SniffedType } from './sniff.js';

export interface RecordStreamHandler {
  /** Called before the record's first snapshot with every key seen so far (damo files put data_source last). */
  recordStart?(header: RecordHeader, recordIndex: number): void;
  snapshot?(snapshot: Snapshot, header: RecordHeader, recordIndex: number, snapshotIndex: number): void;
  /** The complete header. */
  recordEnd?(header: RecordHeader, recordIndex: number, nrSnapshots: number): void;
  /** Awaited after each piece of input, before the next is read: a writer's backpressure. */
  drain?(): void | Promise<void>;
}

export interface StreamResult {
  type: SniffedType;
  truncated: boolean;
}

interface Ctx {
  file: string;
  rec: number;
  snap: number;
  /** Time base shared by the whole file, set by the first time above 2^53 (see types.ts). */
  base: bigint | undefined;
  baseChosen: boolean;
  /** end_time of the record's previous snapshot. */
  prevEnd: number | null;
}

function where(ctx: Ctx, region?: number, key?: string): string {
  return `${ctx.file}: record ${ctx.rec} snapshot ${ctx.snap}${region !== undefined ? ` region ${region}` : ''}${key ? ` (${key})` : ''}`;
}

function relTime(ctx: Ctx, v: unknown, key: string): number {
  let t: number | bigint;
  try {
    t = textToNs(v);
  } catch (e) {
    throw new Error(`${where(ctx, undefined, key)}: ${(e as Error).message}`);
  }
  if (!ctx.baseChosen) {
    ctx.baseChosen = true;
    if (typeof t === 'bigint') ctx.base = t;
  }
  const base = ctx.base;
  if (base === undefined) return Number(t);
  if (typeof t === 'bigint') return Number(t - base);
  return Number.isInteger(t) ? Number(BigInt(t) - base) : t - Number(base);
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what}: expected an object`);
  return v as Record<string, unknown>;
}

function field<T>(o: Record<string, unknown>, key: string, what: string, conv: (v: unknown) => T): T {
  if (!(key in o)) throw new Error(`${what}: missing '${key}'`);
  try {
    return conv(o[key]);
  } catch (e) {
    throw new Error(`${what} (${key}): ${(e as Error).message}`);
  }
}

const num = (f: (v: unknown) => number | bigint) => (v: unknown) => Number(f(v));
const nullable =
  <T>(f: (v: unknown) => T) =>
  (v: unknown): T | null =>
    v === null ? null : f(v);

const isNum = (x: unknown): boolean => typeof x === 'number';
const isNumOrNull = (x: unknown): boolean => x === null || typeof x === 'number';

/**
 * The region as parsed, when it already holds plain numbers (our writer's and damo's kernel records):
 * no copy, no conversion. Extra keys (probe_hits) are left in place; nothing downstream reads them.
 */
function plainRegion(v: unknown): RecordRegion | null {
  if (v === null || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const na = o['nr_accesses'] as Record<string, unknown> | null | undefined;
  const age = o['age'] as Record<string, unknown> | null | undefined;
  if (
    !isNum(o['start']) ||
    !isNum(o['end']) ||
    typeof na !== 'object' ||
    na === null ||
    typeof age !== 'object' ||
    age === null
  )
    return null;
  if (
    !isNum(na['samples']) ||
    !isNumOrNull(na['percent']) ||
    !isNumOrNull(age['usec']) ||
    !isNumOrNull(age['aggr_intervals'])
  )
    return null;
  const szf = o['sz_filter_passed'];
  const b = o['damon_ts'];
  if (!(szf === undefined || isNumOrNull(szf)) || !(b === undefined || (typeof b === 'object' && b !== null)))
    return null;
  if (szf === undefined || szf === null) o['sz_filter_passed'] = 0;
  return o as unknown as RecordRegion;
}

function toRegion(ctx: Ctx, v: unknown, i: number): RecordRegion {
  const plain = plainRegion(v);
  if (plain) return plain;
  const what = where(ctx, i);
  const o = obj(v, what);
  // fast path for the numbers our writer and damo's kernel records hold
  const na = obj(o['nr_accesses'], `${what} (nr_accesses)`);
  const age = obj(o['age'], `${what} (age)`);
  const region: RecordRegion = {
    start: typeof o['start'] === 'number' ? o['start'] : field(o, 'start', what, textToBytes),
    end: typeof o['end'] === 'number' ? o['end'] : field(o, 'end', what, textToBytes),
    nr_accesses: {
      samples: typeof na['samples'] === 'number' ? na['samples'] : field(na, 'samples', what, num(textToNr)),
      percent:
        na['percent'] === null || na['percent'] === undefined
          ? null
          : field(na, 'percent', what, textToPercent),
    },
    age: {
      usec:
        age['usec'] === null || typeof age['usec'] === 'number'
          ? age['usec']
          : field(age, 'usec', what, textToUs),
      aggr_intervals:
        age['aggr_intervals'] === null || typeof age['aggr_intervals'] === 'number'
          ? age['aggr_intervals']
          : field(age, 'aggr_intervals', what, num(textToNr)),
    },
    sz_filter_passed:
      o['sz_filter_passed'] === undefined || o['sz_filter_passed'] === null
        ? 0
        : field(o, 'sz_filter_passed', what, textToBytes),
  };
  if (!('usec' in age) || !('aggr_intervals' in age))
    throw new Error(`${what}: age needs 'usec' and 'aggr_intervals'`);
  const b = o['damon_ts'];
  if (b !== undefined && b !== null) {
    const bo = obj(b, `${what} (damon_ts)`);
    region.damon_ts = {
      writes: Number(bo['writes'] ?? 0),
      cpus: (bo['cpus'] ?? {}) as Record<string, number>,
      tids: (bo['tids'] ?? {}) as Record<string, number>,
    };
    const nu = bo['numa'];
    if (nu !== undefined && nu !== null) {
      const no = obj(nu, `${what} (damon_ts numa)`);
      region.damon_ts.numa = {
        cpu_nodes: (no['cpu_nodes'] ?? {}) as Record<string, number>,
        page_nodes: (no['page_nodes'] ?? {}) as Record<string, number>,
        remote: Number(no['remote'] ?? 0),
      };
    }
  }
  return region;
}

/** A snapshot's fields other than its regions, from the parsed object or the decoder's raw values. */
function snapshotMeta<R>(
  ctx: Ctx,
  o: Record<string, unknown>,
  regions: R,
): Omit<Snapshot, 'regions'> & { regions: R } {
  const what = where(ctx);
  const snap: Omit<Snapshot, 'regions'> & { regions: R } = {
    start_time:
      o['start_time'] === null || o['start_time'] === undefined
        ? null
        : relTime(ctx, o['start_time'], 'start_time'),
    end_time: relTime(
      ctx,
      field(o, 'end_time', what, (x) => x),
      'end_time',
    ),
    regions,
  };
  if (o['total_bytes'] !== undefined && o['total_bytes'] !== null)
    snap.total_bytes = field(o, 'total_bytes', what, textToBytes);
  const siu = o['sample_interval_us'];
  if (siu !== undefined && siu !== null)
    snap.sample_interval_us = field(o, 'sample_interval_us', what, textToUs);
  return snap;
}

function toSnapshot(ctx: Ctx, v: unknown): Snapshot {
  const what = where(ctx);
  const o = obj(v, what);
  if (!('start_time' in o)) throw new Error(`${what}: missing 'start_time'`);
  const regionsV = o['regions'];
  if (!Array.isArray(regionsV)) throw new Error(`${what}: 'regions' must be a list`);
  return snapshotMeta(
    ctx,
    o,
    regionsV.map((r, i) => toRegion(ctx, r, i)),
  );
}

function decodedToColumnar(ctx: Ctx, d: DecodedSnapshot): ColumnarSnapshot {
  const o = {
    start_time: d.startTime,
    end_time: d.endTime,
    total_bytes: d.totalBytes,
    sample_interval_us: d.sampleIntervalUs,
  };
  return snapshotMeta(ctx, o, d.regions);
}

function toTargetId(v: unknown): TargetId {
  if (v === null) return null;
  const n = textToNr(v);
  if (typeof n === 'bigint') return normInt(n);
  return n;
}

function toIntervals(v: unknown, what: string): RecordIntervals | null {
  if (v === null || v === undefined) return null;
  const o = obj(v, what);
  const iv: RecordIntervals = {
    sample_us: field(o, 'sample_us', what, textToUs),
    aggr_us: field(o, 'aggr_us', what, textToUs),
    ops_update_us: field(o, 'ops_update_us', what, textToUs),
  };
  const g = o['intervals_goal'];
  if (g !== undefined && g !== null) {
    const go = obj(g, `${what} (intervals_goal)`);
    iv.intervals_goal = {
      access_bp: field(go, 'access_bp', what, num(textToNr)),
      aggrs: field(go, 'aggrs', what, num(textToNr)),
      min_sample_us: field(go, 'min_sample_us', what, textToUs),
      max_sample_us: field(go, 'max_sample_us', what, textToUs),
    };
  }
  return iv;
}

function setHeaderKey(
  h: RecordHeader & { _hasTarget?: boolean },
  key: string,
  v: unknown,
  what: string,
): void {
  const nullableInt = nullable(num(textToNr));
  try {
    switch (key) {
      case 'kdamond_idx':
        h.kdamond_idx = nullableInt(v);
        break;
      case 'context_idx':
        h.context_idx = nullableInt(v);
        break;
      case 'scheme_idx':
        h.scheme_idx = nullableInt(v);
        break;
      case 'intervals':
        h.intervals = toIntervals(v, `${what} (intervals)`);
        break;
      case 'target_id':
        h.target_id = toTargetId(v);
        h._hasTarget = true;
        break;
      case 'scheme_filters':
        h.scheme_filters = Array.isArray(v) ? v : [];
        break;
      case 'data_source':
        h.data_source = v === null ? 'unknown' : String(v);
        break;
      default:
        // unknown keys (future damo fields) are ignored, as damo does
        break;
    }
  } catch (e) {
    throw new Error(`${what} (${key}): ${(e as Error).message}`);
  }
}

/**
 * How streamJson delivers snapshots: as objects (`handler.snapshot`), as columns (`columnar`; with
 * `general`, through JSON.parse and objects even where the byte decoder applies), or not at all.
 */
type SnapshotMode =
  | { kind: 'objects' }
  | { kind: 'columns'; general: boolean; transient: boolean; snapshot: ColumnarStreamHandler['snapshot'] }
  | { kind: 'none' };

async function streamJson(
  path: string,
  skip: number,
  compressed: boolean,
  handler: RecordStreamHandler,
  mode: SnapshotMode = { kind: 'objects' },
): Promise<boolean> {
  const parseSnapshots = mode.kind !== 'none';
  const ctx: Ctx = { file: path, rec: -1, snap: 0, base: undefined, baseChosen: false, prevEnd: null };
  let header: (RecordHeader & { _hasTarget?: boolean }) | null = null;
  let started = false;
  const startIfNeeded = (): void => {
    if (started || !header) return;
    started = true;
    handler.recordStart?.(clean(header), ctx.rec);
  };
  const clean = (h: RecordHeader & { _hasTarget?: boolean }): RecordHeader => {
    const { _hasTarget, ...rest } = h;
    void _hasTarget;
    if (ctx.base !== undefined) rest.time_base_ns = ctx.base;
    return rest;
  };
  const finishRecord = (nr: number): void => {
    if (!header) return;
    if (!header._hasTarget) throw new Error(`${path}: record ${ctx.rec}: missing 'target_id'`);
    startIfNeeded();
    handler.recordEnd?.(clean(header), ctx.rec, nr);
    header = null;
  };
  const scanner = new JsonRecordScanner(
    path,
    {
      recordStart(i) {
        ctx.rec = i;
        ctx.snap = 0;
        ctx.prevEnd = null;
        started = false;
        header = recordHeader({ target_id: null });
      },
      recordKey(i, key, value) {
        setHeaderKey(header!, key, value, `${path}: record ${i}`);
      },
      snapshot(_i, si, value) {
        ctx.snap = si;
        if (mode.kind === 'none') return;
        const snap = toSnapshot(ctx, value);
        checkRegions(snap.regions, where(ctx));
        checkSnapshotMeta(snap, ctx.prevEnd, where(ctx));
        ctx.prevEnd = snap.end_time;
        startIfNeeded();
        if (mode.kind === 'columns') mode.snapshot(snapshotToColumns(snap), clean(header!), ctx.rec, si);
        else handler.snapshot?.(snap, clean(header!), ctx.rec, si);
      },
      decoded(_i, si, d) {
        ctx.snap = si;
        const snap = decodedToColumnar(ctx, d);
        checkColumns(snap.regions, where(ctx));
        checkSnapshotMeta(snap, ctx.prevEnd, where(ctx));
        ctx.prevEnd = snap.end_time;
        startIfNeeded();
        if (mode.kind === 'columns') mode.snapshot(snap, clean(header!), ctx.rec, si);
      },
      recordEnd(_i, nr) {
        finishRecord(nr);
      },
    },
    parseSnapshots,
    mode.kind === 'columns' && !mode.general ? new SnapshotDecoder(mode.transient) : undefined,
  );
  const file = createReadStream(path, { highWaterMark: 1 << 20, start: skip });
  const inflate = compressed ? createInflate({ chunkSize: 1 << 20 }) : null;
  const source: NodeJS.ReadableStream = inflate ? file.pipe(inflate) : file;
  let truncatedByZlib = false;
  try {
    for await (const chunk of source) {
      scanner.push(chunk as Buffer);
      await handler.drain?.();
    }
  } catch (e) {
    file.destroy();
    const code = (e as NodeJS.ErrnoException).code ?? '';
    const msg = (e as Error).message;
    if (code === 'Z_BUF_ERROR') truncatedByZlib = true;
    else if (inflate && code.startsWith('Z_'))
      throw new Error(
        `${path}: corrupted compressed data (${msg}) near compressed byte ${skip + inflate.bytesWritten}`,
      );
    else throw msg.startsWith(path) ? e : new Error(`${path}: ${msg}`);
  }
  file.destroy();
  // zlib stops at the end of its stream; whatever follows in the file is not part of the record
  const st = statSync(path);
  if (inflate && !truncatedByZlib && st.isFile() && inflate.bytesWritten < st.size - skip)
    throw new Error(
      `${path}: ${st.size - skip - inflate.bytesWritten} bytes of unexpected data after the compressed record (from byte ${inflate.bytesWritten})`,
    );
  const end = scanner.end();
  if (end.complete && !truncatedByZlib) return false;
  const at =
    end.recordIndex < 0
      ? 'before the first record'
      : `in record ${end.recordIndex} after ${end.snapshotIndex} complete snapshots`;
  process.stderr.write(`warning: ${path} is truncated ${at}; reading the complete part\n`);
  // a record cut before its target_id has no snapshot to keep
  if (header && (header as { _hasTarget?: boolean })._hasTarget) finishRecord(end.snapshotIndex);
  return true;
}

/** Reads a record file snapshot by snapshot. */
export async function streamRecords(path: string, handler: RecordStreamHandler): Promise<StreamResult> {
  const { type, skip } = sniff(path);
  if (type !== 'perf_script')
    return { type, truncated: await streamJson(path, skip, type === 'json_compressed', handler) };
  const { records, truncated } = await readPerfScript(path, skip);
  for (const [ri, rec] of records.entries()) {
    const { snapshots, ...header } = rec;
    handler.recordStart?.(header, ri);
    for (const [si, s] of snapshots.entries()) {
      handler.snapshot?.(s, header, ri, si);
      await handler.drain?.();
    }
    handler.recordEnd?.(header, ri, snapshots.length);
  }
  return { type, truncated };
}

export interface ColumnarStreamHandler {
  recordStart?: RecordStreamHandler['recordStart'];
  snapshot(
    snapshot: ColumnarSnapshot,
    header: RecordHeader,
    recordIndex: number,
    snapshotIndex: number,
  ): void;
  recordEnd?: RecordStreamHandler['recordEnd'];
}

export interface ColumnarStreamOptions {
  /**
   * Decode every snapshot through JSON.parse and region objects (the general path), not the byte
   * decoder: the same columns, slower; tests compare the two.
   */
  general?: boolean;
  /**
   * The handler does not keep a snapshot's columns past its call: decoded columns may then be views
   * of the decoder's buffers, reused for the next snapshot (no allocation and copy per snapshot).
   */
  transient?: boolean;
}

/**
 * Reads a record file snapshot by snapshot as columns. JSON snapshots in the plain-number layout are
 * decoded from the bytes straight into typed arrays; others go through the general path.
 */
export async function streamColumnar(
  path: string,
  handler: ColumnarStreamHandler,
  opts: ColumnarStreamOptions = {},
): Promise<StreamResult> {
  const { type, skip } = sniff(path);
  const snapshot: ColumnarStreamHandler['snapshot'] = (s, h, ri, si) => handler.snapshot(s, h, ri, si);
  const records: RecordStreamHandler = {
    recordStart: (h, ri) => handler.recordStart?.(h, ri),
    recordEnd: (h, ri, nr) => handler.recordEnd?.(h, ri, nr),
  };
  if (type !== 'perf_script') {
    const mode: SnapshotMode = {
      kind: 'columns',
      general: opts.general === true,
      transient: opts.transient === true,
      snapshot,
    };
    return { type, truncated: await streamJson(path, skip, type === 'json_compressed', records, mode) };
  }
  return streamRecords(path, {
    ...records,
    snapshot: (s, h, ri, si) => snapshot(snapshotToColumns(s), h, ri, si),
  });
}

/** Reads a whole record file into memory. */
export async function readRecords(path: string): Promise<DamonRecord[]> {
  const records: DamonRecord[] = [];
  let current: Snapshot[] = [];
  await streamRecords(path, {
    recordStart() {
      current = [];
    },
    snapshot(s) {
      current.push(s);
    },
    recordEnd(h) {
      records.push({ ...h, snapshots: current });
    },
  });
  return records;
}

/**
 * The complete headers and snapshot counts of a file's records. JSON snapshots are skipped unparsed, so
 * `time_base_ns` is not known here.
 */
export async function readRecordHeaders(
  path: string,
): Promise<{ header: RecordHeader; nrSnapshots: number }[]> {
  const out: { header: RecordHeader; nrSnapshots: number }[] = [];
  const handler: RecordStreamHandler = {
    recordEnd(header, _i, nr) {
      out.push({ header, nrSnapshots: nr });
    },
  };
  const { type, skip } = sniff(path);
  if (type === 'perf_script') await streamRecords(path, handler);
  else await streamJson(path, skip, type === 'json_compressed', handler, { kind: 'none' });
  return out;
}
