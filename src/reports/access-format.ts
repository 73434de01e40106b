/**
 * `report access` as damo prints it: five templates (record head and tail, snapshot head and tail,
 * region) whose `<keyword>`s are replaced, in damo's keyword order, by what they name, each padded to
 * its minimum width (--min_chars_for). Styles and defaults choose the templates (access-styles.ts);
 * this module expands them. Regions must carry their percent and µs units (access-filter.ts).
 */
import { absTime } from '../records/serialize.js';
import { fmtBp, fmtHz, fmtNr, fmtPercent, fmtSz, fmtTimeNs, fmtTimeUs } from '../records/pyformat.js';
import type { DamonRecord, RecordRegion, Snapshot } from '../records/types.js';
import { snapshotTotalBytes } from '../records/types.js';
import { colorSamples } from './access-color.js';
import { regionBoxDescription, regionBoxText, type BoxRanges } from './access-box.js';
import { percentilesText, recencyHistText, temperatureHistText } from './access-hist.js';
import { snapshotHeatmapText } from './access-heatmap-line.js';
import { filtersPassType } from './access-scheme-filters.js';
import { temperature } from './temperature.js';
import { AccessFormat } from './access-options.js';

/** Whether the templates are the --total_sz_only ones (no blank line between snapshots then). */
export function isTotalSzOnly(f: AccessFormat): boolean {
  return f.snapshotHead === '' && f.region === '' && f.snapshotTail === '<total bytes>';
}

/** [sample µs, aggregation µs] of a snapshot: the record's, or what intervals auto-tuning made them. */
export function snapshotIntervals(s: Snapshot, rec: DamonRecord): [number, number] {
  const iv = rec.intervals!;
  if (!iv.intervals_goal || iv.intervals_goal.aggrs === 0) return [iv.sample_us, iv.aggr_us];
  const ratio = iv.aggr_us / iv.sample_us;
  if (s.sample_interval_us !== undefined && s.sample_interval_us !== null)
    return [s.sample_interval_us, s.sample_interval_us * ratio];
  const snapAggr = (s.end_time - (s.start_time ?? s.end_time)) / 1000;
  // a snapshot close to the record's interval shows the record's (simpler) numbers
  if (Math.abs(snapAggr - iv.aggr_us) / iv.aggr_us < 0.1) return [iv.sample_us, iv.aggr_us];
  return [snapAggr / ratio, snapAggr];
}

export function aggrUsOf(s: Snapshot, rec: DamonRecord): number {
  return snapshotIntervals(s, rec)[1];
}

/** Everything a keyword's text may depend on. */
export interface Ctx {
  fmt: AccessFormat;
  records: DamonRecord[];
  box: BoxRanges;
  rec: DamonRecord;
  snap?: Snapshot;
  region?: RecordRegion;
  index?: number;
}

type Render = (c: Ctx) => string;

const firstStart = (rec: DamonRecord): number => {
  const s = rec.snapshots[0]!;
  return s.start_time ?? s.end_time;
};
const abs = (rec: DamonRecord, t: number): number | bigint => absTime(t, rec.time_base_ns);

function templatesText(f: AccessFormat): string {
  return [
    `record head: "${f.recordHead}"`,
    `snapshot head: "${f.snapshotHead}"`,
    `region: "${f.region}"`,
    `snapshot tail: "${f.snapshotTail}"`,
    `record tail: "${f.recordTail}"`,
  ].join('\n');
}

const RECORD_KEYWORDS: [string, Render][] = [
  ['<kdamond index>', (c) => pyNone(c.rec.kdamond_idx)],
  ['<context index>', (c) => pyNone(c.rec.context_idx)],
  ['<scheme index>', (c) => pyNone(c.rec.scheme_idx)],
  ['<target id>', (c) => pyNone(c.rec.target_id)],
  ['<abs start time>', (c) => fmtTimeNs(abs(c.rec, firstStart(c.rec)), c.fmt.rawNumber)],
  [
    '<duration>',
    (c) =>
      fmtTimeNs(c.rec.snapshots[c.rec.snapshots.length - 1]!.end_time - firstStart(c.rec), c.fmt.rawNumber),
  ],
  [
    '<intervals>',
    (c) =>
      `sample ${fmtTimeUs(c.rec.intervals!.sample_us, c.fmt.rawNumber)}, aggr ${fmtTimeUs(c.rec.intervals!.aggr_us, c.fmt.rawNumber)}`,
  ],
  ['<intervals goal>', (c) => intervalsGoalText(c.rec, c.fmt.rawNumber)],
  ['<data source>', (c) => c.rec.data_source],
  ['<format strings>', (c) => templatesText(c.fmt)],
];

function pyNone(v: number | bigint | null): string {
  return v === null ? 'None' : String(v);
}

function intervalsGoalText(rec: DamonRecord, raw: boolean): string {
  const g = rec.intervals!.intervals_goal ?? { access_bp: 0, aggrs: 0, min_sample_us: 0, max_sample_us: 0 };
  return (
    `target ${fmtBp(g.access_bp, raw)} accesses per ${fmtNr(g.aggrs, raw)} aggrs, ` +
    `[${fmtTimeUs(g.min_sample_us, raw)}, ${fmtTimeUs(g.max_sample_us, raw)}] sampling interval`
  );
}

function filtersPassedBytes(s: Snapshot, raw: boolean): string {
  let bytes = 0;
  for (const r of s.regions) bytes += r.sz_filter_passed;
  return fmtSz(bytes, raw);
}

function positiveSampleRatio(s: Snapshot, rec: DamonRecord, raw: boolean): string {
  const iv = rec.intervals!;
  const max = (iv.aggr_us / iv.sample_us) * s.regions.length;
  let n = 0;
  for (const r of s.regions) n += r.nr_accesses.samples;
  return fmtPercent((n * 100) / max, raw);
}

function tuningStatus(s: Snapshot, rec: DamonRecord, raw: boolean): string {
  const iv = rec.intervals!;
  const maxPerRegion = iv.aggr_us / iv.sample_us;
  let maxObs = 0;
  let obs = 0;
  for (const r of s.regions) {
    maxObs += maxPerRegion * (r.end - r.start);
    obs += (r.end - r.start) * r.nr_accesses.samples;
  }
  return (
    `${fmtPercent((obs * 100) / Math.max(maxObs, 1), raw)} (${fmtSz(obs, raw)} / ${fmtSz(maxObs, raw)}) ` +
    `${fmtTimeUs(iv.sample_us, raw)} ${fmtTimeUs(iv.aggr_us, raw)}`
  );
}

function intervalsText(s: Snapshot, rec: DamonRecord, raw: boolean): string {
  const iv = rec.intervals!;
  const ratio = iv.aggr_us / iv.sample_us;
  const aggr = aggrUsOf(s, rec);
  const maxHz = ratio / (aggr / 1000000);
  return `sample ${fmtTimeUs(aggr / ratio, raw)} aggr ${fmtTimeUs(aggr, raw)} (max access hz ${fmtHz(maxHz, raw, true)})`;
}

function memBw(s: Snapshot, rec: DamonRecord, raw: boolean, passedOnly: boolean): string {
  let bytes = 0;
  for (const r of s.regions)
    bytes += (passedOnly ? r.sz_filter_passed : r.end - r.start) * r.nr_accesses.samples;
  return `${fmtSz(bytes / (aggrUsOf(s, rec) / 1000000), raw)} per second`;
}

const SNAPSHOT_KEYWORDS: [string, Render][] = [
  ['<total bytes>', (c) => fmtSz(snapshotTotalBytes(c.snap!), c.fmt.rawNumber)],
  [
    '<duration>',
    (c) => fmtTimeNs(c.snap!.end_time - (c.snap!.start_time ?? c.snap!.end_time), c.fmt.rawNumber),
  ],
  [
    '<start time>',
    (c) => fmtTimeNs((c.snap!.start_time ?? c.snap!.end_time) - firstStart(c.rec), c.fmt.rawNumber),
  ],
  ['<end time>', (c) => fmtTimeNs(c.snap!.end_time - firstStart(c.rec), c.fmt.rawNumber)],
  ['<abs start time>', (c) => fmtTimeNs(abs(c.rec, c.snap!.start_time ?? c.snap!.end_time), c.fmt.rawNumber)],
  ['<abs end time>', (c) => fmtTimeNs(abs(c.rec, c.snap!.end_time), c.fmt.rawNumber)],
  ['<number of regions>', (c) => fmtNr(c.snap!.regions.length, c.fmt.rawNumber)],
  ['<region box colors>', (c) => colorSamples(c.fmt.color ? c.fmt.boxColorset : null)],
  ['<region box description>', (c) => regionBoxDescription(c.fmt, c.box)],
  ['<temperature-sz histogram>', (c) => temperatureHistText(c.snap!, aggrUsOf(c.snap!, c.rec), c.fmt, false)],
  [
    '<temperature-df-passed-sz histogram>',
    (c) => temperatureHistText(c.snap!, aggrUsOf(c.snap!, c.rec), c.fmt, true),
  ],
  ['<recency-sz histogram>', (c) => recencyHistText(c.snap!, aggrUsOf(c.snap!, c.rec), c.fmt, false)],
  [
    '<recency-df-passed-sz histogram>',
    (c) => recencyHistText(c.snap!, aggrUsOf(c.snap!, c.rec), c.fmt, true),
  ],
  [
    '<recency percentiles>',
    (c) => percentilesText(c.snap!, aggrUsOf(c.snap!, c.rec), c.fmt, false, 'recency'),
  ],
  [
    '<df-passed recency percentiles>',
    (c) => percentilesText(c.snap!, aggrUsOf(c.snap!, c.rec), c.fmt, true, 'recency'),
  ],
  [
    '<temperature percentiles>',
    (c) => percentilesText(c.snap!, aggrUsOf(c.snap!, c.rec), c.fmt, false, 'temperature'),
  ],
  [
    '<df-passed temperature percentiles>',
    (c) => percentilesText(c.snap!, aggrUsOf(c.snap!, c.rec), c.fmt, true, 'temperature'),
  ],
  ['<heatmap>', (c) => snapshotHeatmapText(c.snap!.regions, c.fmt)],
  [
    '<filters passed heatmap>',
    (c) =>
      snapshotHeatmapText(
        c.snap!.regions.filter((r) => r.sz_filter_passed !== 0),
        c.fmt,
      ),
  ],
  ['<filters passed type>', (c) => filtersPassType(c.rec.scheme_filters)],
  ['<filters passed bytes>', (c) => filtersPassedBytes(c.snap!, c.fmt.rawNumber)],
  ['<positive access samples ratio>', (c) => positiveSampleRatio(c.snap!, c.rec, c.fmt.rawNumber)],
  ['<estimated memory bandwidth>', (c) => memBw(c.snap!, c.rec, c.fmt.rawNumber, false)],
  ['<filters passed estimated memory bandwidth>', (c) => memBw(c.snap!, c.rec, c.fmt.rawNumber, true)],
  ['<intervals tuning status>', (c) => tuningStatus(c.snap!, c.rec, c.fmt.rawNumber)],
  // records keep no DAMOS stats of the snapshot-retrieval scheme (they come from live snapshots)
  ['<damos stats>', () => 'none'],
  ['<snapshot intervals>', (c) => intervalsText(c.snap!, c.rec, c.fmt.rawNumber)],
];

const REGION_KEYWORDS: [string, Render][] = [
  ['<index>', (c) => fmtNr(c.index!, c.fmt.rawNumber)],
  ['<start address>', (c) => fmtSz(c.region!.start, c.fmt.rawNumber)],
  ['<end address>', (c) => fmtSz(c.region!.end, c.fmt.rawNumber)],
  ['<size>', (c) => fmtSz(c.region!.end - c.region!.start, c.fmt.rawNumber)],
  ['<access rate>', (c) => fmtPercent(c.region!.nr_accesses.percent!, c.fmt.rawNumber)],
  [
    '<access hz>',
    (c) => fmtHz(c.region!.nr_accesses.samples / (aggrUsOf(c.snap!, c.rec) / 1000000), c.fmt.rawNumber),
  ],
  ['<age>', (c) => fmtTimeUs(c.region!.age.usec!, c.fmt.rawNumber)],
  ['<temperature>', (c) => fmtNr(temperature(c.region!, c.fmt.temperatureWeights), c.fmt.rawNumber)],
  // records keep no data-attribute probe hits
  ['<probe hits>', () => ''],
  ['<filters passed bytes>', (c) => fmtSz(c.region!.sz_filter_passed, c.fmt.rawNumber)],
  ['<box>', (c) => regionBoxText(c.region!, c.fmt, c.box)],
];

export const KEYWORDS = { record: RECORD_KEYWORDS, snapshot: SNAPSHOT_KEYWORDS, region: REGION_KEYWORDS };

function padded(f: AccessFormat, keyword: string, text: string): string {
  const m = f.minCharsFor.find(([k]) => k === keyword);
  return m && text.length < m[1] ? text + ' '.repeat(m[1] - text.length) : text;
}

/** A template with its keywords replaced; null for an empty template (it prints no line). */
export function expand(template: string, keywords: [string, Render][], c: Ctx): string | null {
  if (template === '') return null;
  let t = template;
  for (const [k, render] of keywords) {
    if (!t.includes(k)) continue;
    t = t.split(k).join(padded(c.fmt, k, render(c)));
  }
  return t.split('\\n').join('\n');
}

function sortedRegions(regions: RecordRegion[], f: AccessFormat): RecordRegion[] {
  let out = regions;
  for (const field of f.sortRegionsBy) {
    const dsc =
      f.sortRegionsDsc !== null && (f.sortRegionsDsc.includes('all') || f.sortRegionsDsc.includes(field));
    const key: (r: RecordRegion) => number =
      field === 'address'
        ? (r) => r.start
        : field === 'access_rate'
          ? (r) => r.nr_accesses.percent!
          : field === 'age'
            ? (r) => r.age.usec!
            : field === 'size'
              ? (r) => r.end - r.start
              : (r) => temperature(r, f.temperatureWeights);
    out = [...out].sort((a, b) => (dsc ? key(b) - key(a) : key(a) - key(b)));
  }
  return out;
}

/** The text damo prints for the records with the (complete) templates of `f`. */
export function formatRecords(
  records: DamonRecord[],
  f: AccessFormat,
  box: BoxRanges,
  afterRegions?: (rec: DamonRecord, s: Snapshot) => string[],
): string {
  const out: (string | null)[] = [];
  const totalOnly = isTotalSzOnly(f);
  for (const rec of records) {
    const base: Ctx = { fmt: f, records, box, rec };
    out.push(expand(f.recordHead!, RECORD_KEYWORDS, base));
    rec.snapshots.forEach((snap, si) => {
      const sc: Ctx = { ...base, snap };
      out.push(expand(f.snapshotHead!, SNAPSHOT_KEYWORDS, sc));
      sortedRegions(snap.regions, f).forEach((region, index) =>
        out.push(expand(f.region!, REGION_KEYWORDS, { ...sc, region, index })),
      );
      if (afterRegions) out.push(...afterRegions(rec, snap));
      out.push(expand(f.snapshotTail!, SNAPSHOT_KEYWORDS, sc));
      if (si < rec.snapshots.length - 1 && !totalOnly) out.push('');
    });
    out.push(expand(f.recordTail!, RECORD_KEYWORDS, base));
  }
  return out.filter((l): l is string => l !== null).join('\n');
}
