/**
 * Record → text. Two JSON layouts:
 * - compact (what RecordWriter writes while recording): plain JSON numbers, no indentation; damo reads
 *   it since its text_to_* rules accept numbers;
 * - damo's own (`adjust`, `convert_record_format`): `json.dumps(to_kvpairs, indent=4)` with formatted
 *   strings (damo-report-math.md §6), byte-identical to what damo writes once decompressed.
 * and damo's perf_script text (§1.3).
 */
import { fmtBp, fmtNr, fmtSz, fmtTimeNsExact, fmtTimeUs, pyD, pyF, pyFloatRepr } from './pyformat.js';
import { textToBytes, textToNr } from './textnum.js';
import type { DamonRecord, RecordHeader, RecordRegion, Snapshot } from './types.js';
import { snapshotTotalBytes } from './types.js';

/** An absolute ns time: base + relative, exact. */
export function absTime(t: number, base: bigint | undefined): number | bigint {
  if (base === undefined || base === 0n) return t;
  return Number.isInteger(t) ? base + BigInt(t) : Number(base) + t;
}

function jsonNum(v: number | bigint | null | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (!Number.isFinite(v)) throw new Error(`cannot write ${v} to a JSON record`);
  return Number.isInteger(v) && Math.abs(v) >= 1e21 ? BigInt(v).toString() : String(v);
}

function breakdownJson(r: RecordRegion): string {
  const b = r.damon_ts;
  if (!b) return '';
  const numa = b.numa
    ? `,"numa":{"cpu_nodes":${JSON.stringify(b.numa.cpu_nodes)},"page_nodes":${JSON.stringify(b.numa.page_nodes)},"remote":${b.numa.remote}}`
    : '';
  return `,"damon_ts":{"writes":${b.writes},"cpus":${JSON.stringify(b.cpus)},"tids":${JSON.stringify(b.tids)}${numa}}`;
}

/** One snapshot as compact JSON. */
export function snapshotToJson(s: Snapshot, base?: bigint): string {
  const parts: string[] = [];
  for (const r of s.regions) {
    parts.push(
      `{"start":${jsonNum(r.start)},"end":${jsonNum(r.end)},"nr_accesses":{"samples":${jsonNum(r.nr_accesses.samples)},` +
        `"percent":${jsonNum(r.nr_accesses.percent)}},"age":{"usec":${jsonNum(r.age.usec)},` +
        `"aggr_intervals":${jsonNum(r.age.aggr_intervals)}},"sz_filter_passed":${jsonNum(r.sz_filter_passed)}` +
        `${breakdownJson(r)}}`,
    );
  }
  const start = s.start_time === null ? null : absTime(s.start_time, base);
  return (
    `{"start_time":${jsonNum(start)},"end_time":${jsonNum(absTime(s.end_time, base))},` +
    `"regions":[${parts.join(',')}],"total_bytes":${jsonNum(snapshotTotalBytes(s))},"damos_stats":null,` +
    `"sample_interval_us":${jsonNum(s.sample_interval_us ?? null)}}`
  );
}

function intervalsJson(h: RecordHeader): string {
  const i = h.intervals;
  if (!i) return 'null';
  const g = i.intervals_goal;
  const goal = g
    ? `,"intervals_goal":{"access_bp":${jsonNum(g.access_bp)},"aggrs":${jsonNum(g.aggrs)},` +
      `"min_sample_us":${jsonNum(g.min_sample_us)},"max_sample_us":${jsonNum(g.max_sample_us)}}`
    : '';
  return `{"sample_us":${jsonNum(i.sample_us)},"aggr_us":${jsonNum(i.aggr_us)},"ops_update_us":${jsonNum(i.ops_update_us)}${goal}}`;
}

/** The compact JSON of a record up to the opening of its snapshots array, and the text closing it. */
export function recordJsonFrame(h: RecordHeader): { head: string; tail: string } {
  return {
    head:
      `{"kdamond_idx":${jsonNum(h.kdamond_idx)},"context_idx":${jsonNum(h.context_idx)},"intervals":${intervalsJson(h)},` +
      `"scheme_idx":${jsonNum(h.scheme_idx)},"target_id":${jsonNum(h.target_id)},` +
      `"scheme_filters":${JSON.stringify(h.scheme_filters)},"snapshots":[`,
    tail: `],"data_source":${JSON.stringify(h.data_source)}}`,
  };
}

/** Python json.dumps(v, indent=4) of a tree of plain values; non-integral numbers print as Python floats. */
type PyValue = null | string | number | bigint | boolean | PyValue[] | { [k: string]: PyValue };

function pyDumps(v: PyValue, indent: string): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : pyFloatRepr(v);
  if (typeof v === 'string')
    return JSON.stringify(v).replace(
      /[\u007f-\uffff]/g,
      (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
    );
  const inner = indent + '    ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[\n${v.map((x) => inner + pyDumps(x, inner)).join(',\n')}\n${indent}]`;
  }
  const keys = Object.keys(v);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${pyDumps(v[k]!, inner)}`).join(',\n')}\n${indent}}`;
}

function regionKv(r: RecordRegion): PyValue {
  const kv: { [k: string]: PyValue } = {
    start: fmtNr(r.start, false),
    end: fmtNr(r.end, false),
    nr_accesses: { samples: r.nr_accesses.samples, percent: r.nr_accesses.percent },
    age: {
      usec: r.age.usec === null ? null : fmtTimeNsExact(r.age.usec * 1000, false),
      aggr_intervals: r.age.aggr_intervals === null ? null : fmtNr(r.age.aggr_intervals, false),
    },
    probe_hits: [],
    sz_filter_passed: fmtSz(r.sz_filter_passed, false),
  };
  if (r.damon_ts)
    kv['damon_ts'] = {
      writes: r.damon_ts.writes,
      cpus: r.damon_ts.cpus,
      tids: r.damon_ts.tids,
      ...(r.damon_ts.numa ? { numa: { ...r.damon_ts.numa } } : {}),
    };
  return kv;
}

const truthy = (v: unknown): boolean =>
  typeof v === 'boolean' ? v : ['y', 'yes', 'true'].includes(String(v).toLowerCase());

/** A DAMOS filter of a record as damo prints it: its parsed form written back (paths, numbers). */
function schemeFilterKv(f: unknown, raw: boolean): PyValue {
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return f as PyValue;
  const kv = f as Record<string, unknown>;
  const type = String(kv.filter_type);
  const range = kv.address_range as { start?: unknown; end?: unknown } | null | undefined;
  const hp = kv.hugepage_size;
  return {
    filter_type: type,
    matching: truthy(kv.matching),
    allow: truthy(kv.allow ?? kv.filter_pass ?? false),
    memcg_path: type === 'memcg' ? (kv.memcg_path as PyValue) : '',
    address_range:
      type === 'addr' && range
        ? { start: fmtNr(Number(textToNr(range.start)), raw), end: fmtNr(Number(textToNr(range.end)), raw) }
        : null,
    damon_target_idx: type === 'target' ? fmtNr(Number(textToNr(kv.damon_target_idx)), raw) : null,
    hugepage_size: Array.isArray(hp) ? hp.map((x) => fmtSz(textToBytes(x), raw)) : null,
  };
}

/** A snapshot as damo's to_kvpairs(raw) gives it (see recordKv). */
function snapshotKv(s: Snapshot, base: bigint | undefined, print?: { raw: boolean }): PyValue {
  const raw = print ? print.raw : true;
  return {
    start_time: s.start_time === null ? null : fmtTimeNsExact(absTime(s.start_time, base), raw),
    end_time: fmtTimeNsExact(absTime(s.end_time, base), raw),
    regions: s.regions.map(regionKv),
    total_bytes: fmtSz(snapshotTotalBytes(s), raw),
    damos_stats: null,
    sample_interval_us:
      s.sample_interval_us === undefined || s.sample_interval_us === null
        ? null
        : print
          ? fmtTimeNsExact(s.sample_interval_us * 1000, raw)
          : s.sample_interval_us,
  };
}

/**
 * A record as damo's to_kvpairs(raw) gives it. Files hold the raw form (`print` absent); `report access
 * --json` prints either form, where damo writes a snapshot's sample interval as its ns count when raw.
 */
function recordKv(rec: DamonRecord, print?: { raw: boolean }): PyValue {
  const i = rec.intervals;
  const g = i?.intervals_goal;
  const raw = print ? print.raw : true;
  const us = (v: number): string => fmtTimeUs(v, raw);
  return {
    kdamond_idx: rec.kdamond_idx,
    context_idx: rec.context_idx,
    intervals: i
      ? {
          sample_us: us(i.sample_us),
          aggr_us: us(i.aggr_us),
          ops_update_us: us(i.ops_update_us),
          intervals_goal: {
            access_bp: fmtBp(g?.access_bp ?? 0, raw),
            aggrs: fmtNr(g?.aggrs ?? 0, raw),
            min_sample_us: us(g?.min_sample_us ?? 0),
            max_sample_us: us(g?.max_sample_us ?? 0),
          },
        }
      : null,
    scheme_idx: rec.scheme_idx,
    target_id: rec.target_id,
    scheme_filters: print
      ? rec.scheme_filters.map((f) => schemeFilterKv(f, raw))
      : (rec.scheme_filters as PyValue[]),
    snapshots: rec.snapshots.map((s) => snapshotKv(s, rec.time_base_ns, print)),
    data_source: rec.data_source,
  };
}

/** Indentation of a record, and of its snapshots, in damo's file (a list of records, indent=4). */
const RECORD_INDENT = '    ';
const SNAPSHOT_INDENT = '            ';
const NO_SNAPSHOTS = `\n${RECORD_INDENT}    "snapshots": []`;

/**
 * A record's text in damo's file layout around its snapshots, so that a file can be written snapshot
 * by snapshot: `head`, the snapshots joined by `,\n`, `tail`; or `empty` for a record without
 * snapshots. The text starts at the record's own level (the file's list indents it: DAMO_FILE).
 */
export function damoRecordFrame(h: RecordHeader): { head: string; tail: string; empty: string } {
  const empty = pyDumps(recordKv({ ...h, snapshots: [] }), RECORD_INDENT);
  // A string value cannot hold a raw newline, so the indented key is found only where damo puts it.
  const at = empty.indexOf(NO_SNAPSHOTS) + NO_SNAPSHOTS.length - 1;
  return {
    head: `${empty.slice(0, at)}\n`,
    tail: `\n${RECORD_INDENT}    ${empty.slice(at)}`,
    empty,
  };
}

/** One snapshot in damo's file layout, indented as inside its record (damoRecordFrame). */
export function damoSnapshotText(s: Snapshot, base: bigint | undefined): string {
  return SNAPSHOT_INDENT + pyDumps(snapshotKv(s, base), SNAPSHOT_INDENT);
}

/** damo's record file around its records: before the first, between two, after the last; no record. */
export const DAMO_FILE = {
  open: `[\n${RECORD_INDENT}`,
  between: `,\n${RECORD_INDENT}`,
  close: '\n]',
  empty: '[]',
} as const;

/** What damo prints for `--json` (raw or with units). */
export function recordsToDamoPrintJson(records: DamonRecord[], raw: boolean): string {
  return pyDumps(
    records.map((r) => recordKv(r, { raw })),
    '',
  );
}

/** damo's perf_script line of one region. */
function perfLine(targetId: string, nrRegions: number, endSec: string, r: RecordRegion): string {
  const age = r.age.aggr_intervals === null ? 'None' : pyD(r.age.aggr_intervals);
  return (
    `kdamond.x xxxx xxxx ${endSec}: damon:damon_aggregated: target_id=${targetId} nr_regions=${nrRegions} ` +
    `${pyD(r.start)}-${pyD(r.end)}: ${pyD(r.nr_accesses.samples)} ${age}\n`
  );
}

function secText(t: number | bigint): string {
  return pyF(Number(t) / 1e9, 6);
}

/** perf_script lines of one snapshot. */
export function snapshotToPerfScript(h: RecordHeader, s: Snapshot): string {
  const tid = h.target_id === null ? 'None' : h.target_id.toString();
  const sec = secText(absTime(s.end_time, h.time_base_ns));
  let out = '';
  for (const r of s.regions) out += perfLine(tid, s.regions.length, sec, r);
  return out;
}

/** damo's fake snapshot for a single-snapshot record, so that readers can infer its start (§1.3). */
export function perfScriptFakeSnapshot(h: RecordHeader, only: Snapshot): string {
  const tid = h.target_id === null ? 'None' : h.target_id.toString();
  const dur = only.start_time === null ? 0 : only.end_time - only.start_time;
  const sec = secText(absTime(only.end_time + dur, h.time_base_ns));
  return `kdamond.x xxxx xxxx ${sec}: damon:damon_aggregated: target_id=${tid} nr_regions=1 0-0: -1 -1\n`;
}
