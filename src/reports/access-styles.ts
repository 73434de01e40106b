/**
 * How `report access` chooses its templates, in damo's order: the user's templates and `--format set`,
 * then the --style preset, then --total_sz_only, then defaults for whatever is still unset (the
 * DAMOS-filter-passed lines when the records were taken with filters), and `--format append` last.
 */
import type { DamonRecord } from '../records/types.js';
import { isOpsFilter } from './access-scheme-filters.js';
import type { AccessFormat } from './access-options.js';

export const ACCESS_STYLES = [
  'detailed',
  'simple-boxes',
  'temperature-sz-hist',
  'recency-sz-hist',
  'cold-memory-tail',
  'recency-percentiles',
  'idle-time-percentiles',
  'temperature-percentiles',
  'cold',
  'hot',
] as const;
export type AccessStyle = (typeof ACCESS_STYLES)[number];

export const FORMAT_AREAS = [
  'record_head',
  'snapshot_head',
  'region',
  'snapshot_tail',
  'record_tail',
] as const;
export type FormatArea = (typeof FORMAT_AREAS)[number];
export interface FormatEdit {
  action: 'set' | 'append';
  area: FormatArea;
  text: string;
}

export interface StyleArgs {
  style: AccessStyle;
  formats: FormatEdit[];
  totalSzOnly: boolean;
  regionBox: boolean;
}

const FIELD: Record<FormatArea, 'recordHead' | 'snapshotHead' | 'region' | 'snapshotTail' | 'recordTail'> = {
  record_head: 'recordHead',
  snapshot_head: 'snapshotHead',
  region: 'region',
  snapshot_tail: 'snapshotTail',
  record_tail: 'recordTail',
};

const hasOpsFilters = (records: DamonRecord[]): boolean =>
  records.some((r) => r.scheme_filters.some(isOpsFilter));
const hasFilters = (records: DamonRecord[]): boolean => records.some((r) => r.scheme_filters.length > 0);
const multiSnapshots = (records: DamonRecord[]): boolean => records.some((r) => r.snapshots.length > 1);
const SNAPSHOT_TIME = 'snapshot time: [<start time>, <end time>] (<duration>)';

function histStyle(f: AccessFormat, style: AccessStyle, records: DamonRecord[]): void {
  const temp = style === 'temperature-sz-hist';
  const legend = temp ? '<temperature>' : '<idle time (us)>';
  const hist = temp ? '<temperature-sz histogram>' : '<recency-sz histogram>';
  const dfHist = temp ? '<temperature-df-passed-sz histogram>' : '<recency-df-passed-sz histogram>';
  const head: string[] = [];
  if (hasOpsFilters(records))
    head.push('# damos filters (df): <filters passed type>', `${legend} <df-passed size>`, dfHist, '');
  head.push(`${legend} <total size>`, hist);
  f.snapshotHead = head.join('\n');
  f.region = '';
}

function percentilesStyle(f: AccessFormat, kind: 'recency' | 'temperature', records: DamonRecord[]): void {
  const head: string[] = [];
  if (multiSnapshots(records)) head.push(SNAPSHOT_TIME);
  if (hasOpsFilters(records))
    head.push(
      '# damos filters (df): <filters passed type>',
      `# df-passed ${kind} percentiles`,
      `<df-passed ${kind} percentiles>`,
      '',
    );
  head.push(`# total ${kind} percentiles`, `<${kind} percentiles>`);
  f.snapshotHead = head.join('\n');
  f.region = '';
}

function boxStyle(f: AccessFormat): void {
  f.boxMinMaxHeight = [1, 1];
  f.boxMinMaxLength = [1, 40];
  f.boxAlign = 'right';
  f.boxColorset = 'emotion';
}

function applyStyle(f: AccessFormat, style: AccessStyle, records: DamonRecord[]): void {
  switch (style) {
    case 'simple-boxes':
      f.snapshotHead = SNAPSHOT_TIME;
      f.region = '<box> size <size> access <access hz> age <age>';
      boxStyle(f);
      break;
    case 'temperature-sz-hist':
    case 'recency-sz-hist':
    case 'cold-memory-tail':
      histStyle(f, style, records);
      break;
    case 'recency-percentiles':
    case 'idle-time-percentiles':
      percentilesStyle(f, 'recency', records);
      break;
    case 'temperature-percentiles':
      percentilesStyle(f, 'temperature', records);
      break;
    case 'cold':
    case 'hot':
      f.region = '<box> <size> access <access hz> <age>';
      boxStyle(f);
      f.sortRegionsBy = ['temperature'];
      if (style === 'hot') f.sortRegionsDsc = ['temperature'];
      break;
    default:
      break;
  }
}

function defaults(f: AccessFormat, records: DamonRecord[], a: StyleArgs): void {
  const filters = hasFilters(records);
  if (f.recordHead === null)
    f.recordHead =
      records.length > 1
        ? 'kdamond <kdamond index> / context <context index> / scheme <scheme index> / target id <target id> / recorded for <duration> from <abs start time>'
        : '';
  if (f.recordTail === null) {
    const tail = ['record DAMON intervals: <intervals>'];
    if (records.some((r) => r.intervals?.intervals_goal && r.intervals.intervals_goal.aggrs !== 0))
      tail.push('# <intervals goal>');
    if (records.some((r) => r.data_source === 'damon_stat')) tail.push('# data source: <data source>');
    f.recordTail = tail.join('\n');
  }
  if (f.snapshotHead === null) {
    const head: string[] = [];
    if (multiSnapshots(records)) head.push(SNAPSHOT_TIME);
    head.push('heatmap: <heatmap>', 'intervals: <snapshot intervals>');
    if (filters)
      head.push('# damos filters (df): <filters passed type>', 'df-pass: <filters passed heatmap>');
    f.snapshotHead = head.join('\n');
  }
  if (f.snapshotTail === null)
    f.snapshotTail = filters
      ? 'memory bw estimate: <estimated memory bandwidth>  df-passed: <filters passed estimated memory bandwidth>\ntotal size: <total bytes>  df-passed <filters passed bytes>'
      : 'memory bw estimate: <estimated memory bandwidth>\ntotal size: <total bytes>';
  // damo puts the record tail (not the snapshot tail) before the box legend here
  if (a.regionBox && !f.snapshotTail.includes('<region box description>'))
    f.snapshotTail = `${f.recordTail}\n<region box description>`;
  const region = '<index> addr <start address> size <size> access <access hz> age <age>';
  if (a.regionBox) f.region = f.boxMinMaxHeight[1] > 1 ? `<box>${region}` : `<box>\n${region}`;
  if (f.region === null) f.region = filters ? `${region} df-passed <filters passed bytes>` : region;
}

/** Completes `f`'s templates for these records and arguments. */
export function setFormats(f: AccessFormat, records: DamonRecord[], a: StyleArgs): void {
  for (const e of a.formats) if (e.action === 'set') f[FIELD[e.area]] = e.text;
  applyStyle(f, a.style, records);
  if (a.totalSzOnly) {
    f.snapshotHead = '';
    f.region = '';
    f.snapshotTail = '<total bytes>';
  }
  defaults(f, records, a);
  for (const e of a.formats) if (e.action === 'append') f[FIELD[e.area]] = (f[FIELD[e.area]] ?? '') + e.text;
}
