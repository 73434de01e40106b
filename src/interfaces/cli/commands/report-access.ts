/**
 * `damon-ts report access`: damo's access-pattern report of a record file, with damo's options (styles,
 * templates, histograms and percentiles, region boxes, record filters, --exec, --repeat) and output.
 * The text is built in src/reports (access*.ts); this module reads options and prints.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { start as startRepl } from 'node:repl';
import { pathToFileURL } from 'node:url';
import { Option, type Command } from 'commander';
import { parseDamosFilter } from '../../../config/option-text.js';
import { readRecords } from '../../../records/reader.js';
import { recordsToDamoPrintJson } from '../../../records/serialize.js';
import { textToNr, textToUs } from '../../../records/textnum.js';
import type { DamonRecord } from '../../../records/types.js';
import {
  ACCESS_STYLES,
  formatAccess,
  MissingIntervalsError,
  type AccessStyle,
} from '../../../reports/access.js';
import { fillAccessUnits } from '../../../reports/access-filter.js';
import {
  BOX_VALUES,
  defaultAccessFormat,
  DEFAULT_MIN_CHARS,
  SORT_KEYS,
  type AccessFormat,
  type BoxValueName,
  type SortKey,
} from '../../../reports/access-options.js';
import { FORMAT_AREAS, type FormatArea, type FormatEdit } from '../../../reports/access-styles.js';
import { BREAKDOWN_KINDS } from '../../../reports/breakdown.js';
import { COLORSET_NAMES, type Colorset } from '../../../reports/heatmap.js';
import { fdSink } from '../../../reports/output.js';
import { PAGER_LINES, reportRawForm } from '../../../reports/raw-form.js';
import { filterRecords } from '../../../reports/record-filter.js';
import { colorEnabled } from '../shared/color.js';
import { UsageError } from '../../../config/errors.js';
import { addRecordFilterOptions, recordFilterOf, type FilterCliOptions } from '../shared/record-filter.js';
import { countArgs, inputFile, intArg } from '../shared/args.js';
import { damonAdminOption, jsonOption } from '../shared/options.js';
import { triedRegionsRecords } from '../shared/tried-records.js';

interface AccessCliOptions extends FilterCliOptions {
  damon_admin: string;
  state_dir?: string;
  input?: string[];
  input_file?: string[];
  style: string;
  percentiles_range?: string[];
  sort_regions_by?: string[];
  sort_regions_dsc?: string[];
  temperature_weights?: string[];
  hist_logscale?: boolean;
  hist_ranges?: string[];
  hist_cumulate?: boolean;
  format?: string[];
  format_record_head?: string;
  format_record_tail?: string;
  format_snapshot_head?: string;
  format_snapshot_tail?: string;
  format_region?: string;
  snapshot_heatmap_width?: string;
  snapshot_heatmap_colorset: string;
  snapshot_heatmap_static?: boolean;
  region_box?: boolean;
  region_box_values?: string[];
  region_box_min_max_length?: string[];
  region_box_min_max_height?: string[];
  region_box_colorset: string;
  region_box_scales?: string[];
  region_box_align: string;
  min_chars_for?: string[];
  total_sz_only?: boolean;
  dont_merge_regions?: boolean;
  snapshot_damos_filter?: string[];
  raw_form?: boolean;
  raw_number?: boolean;
  json?: boolean;
  exec?: string;
  repeat?: string[] | boolean;
  by?: string;
}

function choice<T extends string>(v: string, allowed: readonly T[], option: string): T {
  if (!(allowed as readonly string[]).includes(v))
    throw new UsageError(`${option}: '${v}' is not one of ${allowed.join(', ')}`);
  return v as T;
}

function choices<T extends string>(v: string[], allowed: readonly T[], option: string): T[] {
  return v.map((x) => choice(x, allowed, option));
}

function ints(v: string[], option: string, n: number): number[] {
  return countArgs(v, option, n, n).map((x) => intArg(x, option));
}

/** `--format <set|append> <area> <template>`, repeatable: the values in threes. */
function formatEdits(v: string[] | undefined): FormatEdit[] {
  if (!v) return [];
  if (v.length % 3 !== 0)
    throw new UsageError(
      `--format takes <set|append> <area> <format string> triples, got ${v.length} values`,
    );
  const out: FormatEdit[] = [];
  for (let i = 0; i < v.length; i += 3) {
    const action = choice(v[i]!, ['set', 'append'] as const, '--format action');
    const area = choice(v[i + 1]!, FORMAT_AREAS, '--format target area') as FormatArea;
    out.push({ action, area, text: v[i + 2]! });
  }
  return out;
}

/** --percentiles_range: Python range() of up to three integers, or the percentiles themselves. */
function percentilesRange(v: string[] | undefined): number[] | null {
  if (!v) return null;
  const n = v.map((x) => intArg(x, '--percentiles_range'));
  if (n.length <= 3 && n.length >= 3 && n[2] === 0)
    throw new UsageError('--percentiles_range: step must not be zero');
  return n;
}

function minCharsFor(v: string[] | undefined): [string, number][] {
  if (!v) return DEFAULT_MIN_CHARS;
  if (v.length % 2 !== 0) throw new UsageError('--min_chars_for takes <keyword> <number> pairs');
  const extra: [string, number][] = [];
  for (let i = 0; i < v.length; i += 2) extra.push([v[i]!, intArg(v[i + 1]!, '--min_chars_for')]);
  // damo appends to its defaults, and the first entry of a keyword wins
  return [...DEFAULT_MIN_CHARS, ...extra];
}

function accessFormat(o: AccessCliOptions): AccessFormat {
  const f = defaultAccessFormat();
  if (o.sort_regions_by)
    f.sortRegionsBy = choices(o.sort_regions_by, SORT_KEYS, '--sort_regions_by') as SortKey[];
  if (o.sort_regions_dsc)
    f.sortRegionsDsc = choices(o.sort_regions_dsc, [...SORT_KEYS, 'all'] as const, '--sort_regions_dsc');
  if (o.temperature_weights)
    f.temperatureWeights = ints(o.temperature_weights, '--temperature_weights', 3) as [
      number,
      number,
      number,
    ];
  f.histLogscale = o.hist_logscale === true;
  f.histCumulate = o.hist_cumulate === true;
  if (o.hist_ranges) {
    if (o.hist_ranges.length % 2 !== 0) throw new UsageError('--hist_ranges takes <min> <max> pairs');
    f.histRanges = o.hist_ranges;
  }
  f.percentilesRange = percentilesRange(o.percentiles_range);
  f.recordHead = o.format_record_head ?? null;
  f.recordTail = o.format_record_tail ?? null;
  f.snapshotHead = o.format_snapshot_head ?? null;
  f.snapshotTail = o.format_snapshot_tail ?? null;
  f.region = o.format_region ?? null;
  if (o.snapshot_heatmap_width !== undefined) {
    f.heatmapWidth = intArg(o.snapshot_heatmap_width, '--snapshot_heatmap_width');
    if (f.heatmapWidth < 1) throw new UsageError('--snapshot_heatmap_width must be positive');
  }
  f.heatmapColorset = choice(
    o.snapshot_heatmap_colorset,
    COLORSET_NAMES,
    '--snapshot_heatmap_colorset',
  ) as Colorset;
  f.heatmapStatic = o.snapshot_heatmap_static === true;
  if (o.region_box_values) {
    countArgs(o.region_box_values, '--region_box_values', 3, 3);
    const vals = choices(o.region_box_values, BOX_VALUES, '--region_box_values') as BoxValueName[];
    if (vals[0] === 'none') throw new UsageError('--region_box_values: the length cannot be none');
    f.boxValues = vals as [BoxValueName, BoxValueName, BoxValueName];
  }
  if (o.region_box_min_max_length)
    f.boxMinMaxLength = ints(o.region_box_min_max_length, '--region_box_min_max_length', 2) as [
      number,
      number,
    ];
  if (o.region_box_min_max_height)
    f.boxMinMaxHeight = ints(o.region_box_min_max_height, '--region_box_min_max_height', 2) as [
      number,
      number,
    ];
  f.boxColorset = choice(o.region_box_colorset, COLORSET_NAMES, '--region_box_colorset') as Colorset;
  if (o.region_box_scales) {
    countArgs(o.region_box_scales, '--region_box_scales', 3, 3);
    f.boxScales = choices(o.region_box_scales, ['linear', 'log'] as const, '--region_box_scales') as [
      'linear' | 'log',
      'linear' | 'log',
      'linear' | 'log',
    ];
  }
  f.boxAlign = choice(o.region_box_align, ['left', 'right'] as const, '--region_box_align');
  f.minCharsFor = minCharsFor(o.min_chars_for);
  f.rawNumber = o.raw_number === true;
  f.color = colorEnabled(process.stdout);
  return f;
}

/** --repeat: nothing (every second, until interrupted) or <delay> <count>. */
function repeatArg(v: string[] | boolean | undefined): { delayMs: number; count: number } | null {
  if (v === undefined) return null;
  if (v === true || (Array.isArray(v) && v.length === 0)) return { delayMs: 1000, count: -1 };
  if (!Array.isArray(v) || v.length !== 2)
    throw new UsageError('--repeat receives only zero or two arguments');
  let delayUs: number;
  let count: number;
  try {
    delayUs = textToUs(v[0]!);
    count = Number(textToNr(v[1]!));
  } catch {
    throw new UsageError(`--repeat: '${v.join(' ')}' is not <delay> <count>`);
  }
  if (!Number.isFinite(delayUs) || delayUs < 0 || !Number.isInteger(count))
    throw new UsageError(`--repeat: '${v.join(' ')}' is not <delay> <count>`);
  return { delayMs: delayUs / 1000, count };
}

/** --exec: 'interpreter' (a REPL with `records`) or an ES module file whose main(records, argv) runs. */
async function runExec(cmd: string, records: DamonRecord[]): Promise<void> {
  if (cmd === 'interpreter') {
    const r = startRepl({ prompt: '> ' });
    process.stdout.write("DAMON records are available as 'records'\n");
    r.context.records = records;
    await new Promise<void>((done) => r.on('exit', () => done()));
    process.stdout.write('Exit the session.\n');
    return;
  }
  const fields = cmd.split(/\s+/).filter(Boolean);
  if (fields.length === 0 || !existsSync(fields[0]!))
    throw new Error(`--exec: '${fields[0] ?? ''}' is not a file (give a module file, or 'interpreter')`);
  const mod = (await import(pathToFileURL(resolve(fields[0]!)).href)) as {
    main?: unknown;
    default?: unknown;
  };
  const main = typeof mod.main === 'function' ? mod.main : mod.default;
  if (typeof main !== 'function')
    throw new Error(`--exec: ${fields[0]} exports no main(records, argv) function`);
  await (main as (r: DamonRecord[], argv: string[]) => unknown)(records, fields);
}

/** damo pages long output through less (which drops the final newline) unless repeating. */
function pagedText(text: string, repeating: boolean): string {
  const newlines = text.split('\n').length - 1;
  return text + (repeating || newlines <= PAGER_LINES ? '\n' : '');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Inputs {
  files: string[];
  tried: [number, number, number][];
}

/**
 * The record files of `-i`: damo's `--input` takes a file, or `tried_regions_of <kdamond> <context>
 * <scheme>` (DAMOS tried regions of a running kdamond), and may be given again for more; damo reads the
 * files (the tried regions only when no file is given) and shows the records of all, in order.
 */
function inputs(o: AccessCliOptions): Inputs {
  const given = [...(o.input ?? []), ...(o.input_file ?? [])];
  const words = given.length > 0 ? given : ['damon.data'];
  const files: string[] = [];
  const tried: [number, number, number][] = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i] !== 'tried_regions_of') {
      files.push(words[i]!);
      continue;
    }
    const idx = words.slice(i + 1, i + 4);
    if (idx.length !== 3 || !idx.every((w) => /^\d+$/.test(w)))
      throw new UsageError(
        `--input: tried_regions_of takes <kdamond idx> <context idx> <scheme idx>, got "${idx.join(' ')}"`,
      );
    tried.push(idx.map(Number) as [number, number, number]);
    i += 3;
  }
  if (files.length > 0) return { files: files.map(inputFile), tried: [] };
  if (o.raw_form) throw new UsageError('--raw_form shows record files, not tried_regions_of');
  return { files: [], tried };
}

/** A list of files as damo prints it (Python's repr of a list of str). */
const pyList = (files: string[]): string => `[${files.map((f) => `'${f}'`).join(', ')}]`;

async function readInputs(o: AccessCliOptions, { files, tried }: Inputs): Promise<DamonRecord[]> {
  if (files.length === 0)
    return triedRegionsRecords({ ...o, backend: 'kernel' }, tried, o.dont_merge_regions !== true);
  const records: DamonRecord[] = [];
  for (const path of files) records.push(...(await readRecords(path)));
  return records;
}

async function showOnce(o: AccessCliOptions, input: Inputs, repeating: boolean): Promise<void> {
  const paths = input.files;
  const sink = fdSink();
  if (o.raw_form && !o.exec) {
    await reportRawForm(paths, o.raw_number === true, sink);
    sink.flush();
    return;
  }
  const records = await readInputs(o, input);
  const filter = recordFilterOf(o);
  const f = accessFormat(o);
  filterRecords(records, { ...filter, temperatureWeights: f.temperatureWeights });
  fillAccessUnits(records);
  if (o.exec) {
    await runExec(o.exec, records);
    return;
  }
  if (o.json) {
    sink.write(pagedText(recordsToDamoPrintJson(records, o.raw_number === true), repeating));
    sink.flush();
    return;
  }
  let text: string;
  try {
    text = formatAccess(records, {
      style: choice(o.style, ACCESS_STYLES, '--style') as AccessStyle,
      formats: formatEdits(o.format),
      totalSzOnly: o.total_sz_only === true,
      regionBox: o.region_box === true,
      format: f,
      ...(o.by ? { by: choice(o.by, BREAKDOWN_KINDS, '--by') } : {}),
    });
  } catch (e) {
    if (e instanceof MissingIntervalsError) throw new Error(`${paths.join(', ')}: ${e.message}`);
    throw e;
  }
  if (records.length === 0 && !repeating && paths.length > 0) text = `No record in ${pyList(paths)}\n${text}`;
  sink.write(pagedText(text, repeating));
  sink.flush();
}

export function registerAccess(report: Command): void {
  const cmd = report
    .command('access')
    .description('show the access pattern snapshots of records')
    .addOption(
      new Option(
        '-i, --input <words...>',
        'record file (default damon.data), or tried_regions_of <kdamond> <context> <scheme> (of a kdamond damon-ts started); repeat -i for more files, shown one after another',
      ),
    )
    .addOption(new Option('--input_file <files...>', "record files (damo's older name of -i)").hideHelp())
    .addOption(damonAdminOption())
    .option('--state_dir <dir>', 'where damon-ts keeps which kdamonds it started (default /run/damon-ts)')
    .option('--style <style>', `output style: ${ACCESS_STYLES.join(', ')}`, 'detailed')
    .option(
      '--snapshot_damos_filter <words...>',
      'DAMOS filters for live snapshots, as --damos_filter (checked; a record keeps the filters it was taken with)',
    )
    .option(
      '--percentiles_range <n...>',
      'percentiles to show: Python range() of up to 3 numbers, or the percentiles themselves',
    )
    .option('--sort_regions_by <keys...>', `sort regions by: ${SORT_KEYS.join(', ')} (default address)`)
    .option('--sort_regions_dsc <keys...>', 'sort these keys (or all) in descending order')
    .option(
      '--temperature_weights <w...>',
      'weights of size, access rate and age in temperature (default 0 100 100)',
    )
    .option('--hist_logscale', 'histogram ranges in log scale')
    .option('--hist_ranges <v...>', 'histogram ranges: <min> <max> pairs')
    .option('--hist_cumulate', 'draw histograms cumulatively')
    .option(
      '--format <v...>',
      'customize the text: <set|append> <record_head|snapshot_head|region|snapshot_tail|record_tail> <format string> (repeatable)',
    )
    .option('--format_record_head <template>', 'template at the start of each record')
    .option('--format_record_tail <template>', 'template at the end of each record')
    .option('--format_snapshot_head <template>', 'template at the start of each snapshot')
    .option('--format_snapshot_tail <template>', 'template at the end of each snapshot')
    .option('--format_region <template>', 'template of each region')
    .option('--snapshot_heatmap_width <n>', 'width of the snapshot heatmap line (default 80)')
    .option(
      '--snapshot_heatmap_colorset <name>',
      `heatmap line colours: ${COLORSET_NAMES.join(', ')}`,
      'gray',
    )
    .option('--snapshot_heatmap_static', 'draw address gaps to scale in the heatmap line')
    .option('--region_box', 'show each region as a box')
    .option(
      '--region_box_values <v...>',
      "values of the box's length, colour and height (size, access_rate, age, none)",
    )
    .option('--region_box_min_max_length <n...>', 'minimum and maximum box length (default 1 30)')
    .option('--region_box_min_max_height <n...>', 'minimum and maximum box height (default 1 5)')
    .option('--region_box_colorset <name>', `box colours: ${COLORSET_NAMES.join(', ')}`, 'gray')
    .option(
      '--region_box_scales <v...>',
      'linear or log for length, colour and height (default log linear log)',
    )
    .option('--region_box_align <side>', 'left or right', 'left')
    .option('--min_chars_for <v...>', 'minimum width of a keyword: <keyword> <number> (repeatable)')
    .option('--total_sz_only', 'print only the total size of the regions of each snapshot')
    .option(
      '--dont_merge_regions',
      'live snapshots: keep adjacent regions of one pattern apart (records: no effect)',
    )
    .option('--raw_form', "damo's raw text form of every snapshot")
    .option('--raw_number', 'print numbers without units')
    .addOption(jsonOption('print the records as JSON'))
    .option(
      '--exec <cmd>',
      "run an ES module's main(records, argv) on the records ('FILE args'), or 'interpreter'",
    )
    .option(
      '--repeat [delay_count...]',
      'repeat <count> times every <delay> (no values: every second until stopped)',
    )
    .option('--by <kind>', 'also break the regions down by cpu, thread or write (report-fed records)');
  addRecordFilterOptions(cmd)
    .addHelpText(
      'after',
      `
Colour escapes (heatmap line, boxes) are written where colour is on: on a terminal, or with FORCE_COLOR.

Examples:
  damon-ts report access --raw_form -i damon.data
  damon-ts report access -i a.data -i b.data
  damon-ts report access --style hot
  damon-ts report access --style temperature-sz-hist --hist_cumulate
  damon-ts report access --style recency-percentiles --percentiles_range 0 101 10
  damon-ts report access --total_sz_only
  damon-ts report access --format set region "<start address> <size> <temperature>"
  damon-ts report access --by cpu`,
    )
    .action(async (o: AccessCliOptions) => {
      choice(o.style, ACCESS_STYLES, '--style');
      if (o.snapshot_damos_filter) {
        const words = o.snapshot_damos_filter;
        if (words[0] !== 'allow' && words[0] !== 'reject')
          throw new UsageError(`--snapshot_damos_filter: expected allow or reject, got "${words[0]}"`);
        const groups: string[][] = [];
        for (const w of words) {
          if (w === 'allow' || w === 'reject') groups.push([w]);
          else groups[groups.length - 1]!.push(w);
        }
        for (const g of groups) parseDamosFilter('--snapshot_damos_filter', g);
        process.stderr.write(
          'damon-ts: --snapshot_damos_filter applies to live snapshots; a record shows the DAMOS filters it was taken with\n',
        );
      }
      formatEdits(o.format);
      const repeat = repeatArg(o.repeat);
      const input = inputs(o);
      if (!repeat) return showOnce(o, input, false);
      let stop = false;
      const onInt = (): void => {
        process.stdout.write('\nsignal 2 received\n');
        stop = true;
      };
      process.on('SIGINT', onInt);
      try {
        for (let n = 0; !stop && (repeat.count === -1 || n < repeat.count); n++) {
          await showOnce(o, input, true);
          if (stop) break;
          await sleep(repeat.delayMs);
        }
      } finally {
        process.off('SIGINT', onInt);
      }
    });
}
