/**
 * damo's `report trace` on recorded DAMON trace events: each event line of perf script or trace-cmd
 * report output parsed, the DAMON events of interest reformatted (sizes in units, the region index
 * of damon_aggregated lines counted per nr_regions) and wrapped at max_cols.
 */
import { fmtNr, fmtSzAccurate } from '../records/pyformat.js';

export const DAMON_TRACE_EVENTS = [
  'damon:damon_aggregated',
  'damon:damos_before_apply',
  'damon:damon_monitor_intervals_tune',
  'damon:damos_esz',
  'damon:damos_stat_after_apply_interval',
  'damon:damon_region_aggregated',
] as const;

export type TraceLineKind = 'perf-script' | 'trace-cmd-report';

interface ParsedLine {
  timestamp: string;
  proc: string;
  event: string;
  fields: string[];
}

/** A line's timestamp, process, event and trace fields; null for lines that are not events. */
export function parseTraceLine(line: string, kind: TraceLineKind): ParsedLine | null {
  const f = line.split(/\s+/).filter(Boolean);
  if (f.length < 4) return null;
  if (kind === 'perf-script')
    return {
      proc: `${f[0]}/${f[1]}`,
      timestamp: f[3]!.slice(0, -1),
      event: (f[4] ?? '').slice(0, -1),
      fields: f.slice(5),
    };
  // trace-cmd: some versions leave out the latency column
  const ti = f[2]!.endsWith(':') ? 2 : 3;
  return {
    proc: f[0]!,
    timestamp: f[ti]!.slice(0, -1),
    event: `damon:${(f[ti + 1] ?? '').slice(0, -1)}`,
    fields: f.slice(ti + 2),
  };
}

function int(text: string | undefined, what: string): number {
  if (text === undefined || !/^[+-]?\d+$/.test(text))
    throw new Error(`${what}: '${text ?? ''}' is not an integer`);
  return Number(text);
}
const kv = (f: string | undefined, what: string): number => int(f?.split('=')[1], what);
const range = (f: string | undefined, what: string): [number, number] => {
  const [s, e] = (f ?? '').split('-');
  return [int(s, what), int(e?.slice(0, -1), what)];
};
const sz = (v: number): string => fmtSzAccurate(v, false);

/** Formats the events of a trace text; state (the region counters) lives in the formatter. */
export class TraceFormatter {
  private regionIdx = 0;
  private regionAggregatedIdx = 0;

  constructor(readonly maxCols: number) {}

  private text(event: string, f: string[], where: string): string {
    if (event === 'damon:damon_aggregated' || event === 'damon:damon_region_aggregated') {
      const tid = kv(f[0], where);
      const nr = kv(f[1], where);
      const [s, e] = range(f[2], where);
      const acc = int(f[3], where);
      if (event === 'damon:damon_aggregated') {
        const age = f.length > 4 ? int(f[4], where) : -1;
        const t = `${tid} ${this.regionIdx}/${nr} ${sz(s)} (${sz(e - s)}) ${acc} ${age}`;
        if (++this.regionIdx === nr) this.regionIdx = 0;
        return t;
      }
      const age = int(f[4], where);
      const hits =
        f[5] === 'probe_hits=' ? [] : [f[5]!.split('=')[1]!, ...f.slice(6)].map((h) => parseInt(h, 16));
      const t = `${tid} ${this.regionAggregatedIdx}/${nr} ${sz(s)} (${sz(e - s)}) ${acc} ${age} ${hits.join(' ')}`;
      if (++this.regionAggregatedIdx === nr) this.regionAggregatedIdx = 0;
      return t;
    }
    if (event === 'damon:damos_before_apply') {
      const [s, e] = range(f[4], where);
      return `${kv(f[0], where)} ${kv(f[1], where)} ${kv(f[2], where)} ${kv(f[3], where)} ${sz(s)} (${sz(e - s)}) ${int(f[5], where)} ${int(f[6], where)}`;
    }
    if (event === 'damon:damos_stat_after_apply_interval') {
      const opt = (i: number): number => (f.length > i ? kv(f[i], where) : -1);
      return [
        kv(f[0], where),
        kv(f[1], where),
        fmtNr(kv(f[2], where), false),
        sz(kv(f[3], where)),
        fmtNr(kv(f[4], where), false),
        sz(kv(f[5], where)),
        sz(opt(6)),
        fmtNr(opt(7), false),
        fmtNr(opt(8), false),
      ].join(' ');
    }
    return f.join(' ');
  }

  /** The (wrapped) lines of one event. */
  format(p: ParsedLine, where: string): string[] {
    return wrap([p.timestamp, p.proc, p.event, this.text(p.event, p.fields, where)].join(' '), this.maxCols);
  }
}

/** damo's wrapping: words up to max_cols, continuation lines indented by two spaces. */
export function wrap(line: string, maxCols: number): string[] {
  if (line.length <= maxCols) return [line];
  const out: string[] = [];
  let cur: string[] = [];
  let len = 0;
  for (const w of line.split(/\s+/).filter(Boolean)) {
    if (len + w.length > maxCols) {
      if (cur.length > 0) {
        out.push(cur.join(' '));
        cur = [];
      } else out.push(w);
      cur.push('  ');
      len = 2;
    }
    cur.push(w);
    len += w.length;
    if (cur.length > 1) len += 1;
  }
  if (cur.length > 0) out.push(cur.join(' '));
  return out;
}

/** The report of a recorded trace text: the chosen events, each raw line first with `raw`. */
export function formatTrace(
  text: string,
  kind: TraceLineKind,
  events: readonly string[],
  raw: boolean,
  maxCols: number,
  source: string,
): string {
  const fmt = new TraceFormatter(maxCols);
  const out: string[] = [];
  text
    .trim()
    .split('\n')
    .forEach((line, i) => {
      const p = parseTraceLine(line, kind);
      if (!p || !events.includes(p.event)) return;
      if (raw) out.push(line);
      out.push(...fmt.format(p, `${source}:${i + 1}`));
    });
  return out.map((l) => l + '\n').join('');
}
