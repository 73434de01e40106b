/**
 * `damon-ts report <access|heatmap|wss|nr_regions|record_info>`: damo's reports on a record file, with
 * damo's option names and output. The computations live in src/reports; this module parses options
 * and prints.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { computeGuides, formatGuide } from '../../../reports/guide.js';
import {
  COLORSET_NAMES,
  computeHeatmaps,
  formatHeatmapAscii,
  formatHeatmapRaw,
  type Colorset,
  type Heatmap,
  type HeatmapOptions,
} from '../../../reports/heatmap.js';
import {
  editView,
  INTERACTIVE_EDIT_HELP,
  shortcutEdit,
  type EditAction,
  type HeatmapView,
} from '../../../reports/heatmap-edit.js';
import { BREAKDOWN_KINDS, type BreakdownBy } from '../../../reports/breakdown.js';
import { reportNrRegions } from '../../../reports/nr-regions.js';
import { fdSink, stringSink, type TextSink } from '../../../reports/output.js';
import { pyRange } from '../../../reports/percentile.js';
import { heatmapSvg, writeImage, wssPlotSvg } from '../../../reports/plot.js';
import { colorEnabled } from '../shared/color.js';
import { computeWss, formatWss, WSS_DEFAULTS } from '../../../reports/wss.js';
import { UsageError } from '../../../config/errors.js';
import { registerReportDamon } from './report-damon.js';
import { registerReportSharing } from './report-sharing.js';
import { registerReportNuma } from './report-numa.js';
import { registerReportDirty } from './report-dirty.js';
import { addPaLayout } from '../shared/pa-layout.js';
import { addRecordInfo } from '../shared/record-info.js';
import { registerTimes } from './report-times.js';
import { registerFootprints } from './report-footprints.js';
import { registerHolistic } from './report-holistic.js';
import { registerProfile } from './report-profile.js';
import { registerTrace } from './report-trace.js';
import { intArg, numArg, countArgs, checkImageName, inputFile, choice } from '../shared/args.js';
import { registerAccess } from './report-access.js';
import { inputOption } from '../shared/options.js';

/** damo's `-r/--range START END [STEP]`: Python range() of percentiles, none above 100. */
function percentilesArg(v: string[] | undefined, dflt: number[]): number[] {
  if (!v) return dflt;
  const r = countArgs(v, '--range', 2, 3).map((x) => intArg(x, '--range'));
  if (r[2] === 0) throw new UsageError('--range step must not be zero');
  const ps = pyRange(r[0]!, r[1]!, r[2] ?? 1);
  if (ps.some((p) => p > 100)) throw new UsageError('--range: percentiles above 100');
  return ps;
}

const BY = BREAKDOWN_KINDS;

interface HeatmapCliOptions {
  input: string;
  output: string;
  resol?: string[];
  time_range?: string[];
  address_range?: string[];
  draw_range: string;
  guide?: boolean;
  guide_human?: boolean;
  abs_time?: boolean;
  abs_addr?: boolean;
  df_passed?: boolean;
  stdout_colorset: string;
  stdout_skip_colorset_example?: boolean;
  kdamond_idx?: string;
  context_idx?: string;
  scheme_idx?: string;
  tid?: string;
  by?: string;
  sort_temperature?: boolean;
  temperature_weights?: string[];
  interactive_edit?: boolean;
}

/** Repeated `--address_range a b [guided]` groups (a third numeric base only when it is the only group). */
function addressRanges(v: string[]): [string, string, string?][] {
  if (v.length === 3 && v[2] !== 'guided') return [[v[0]!, v[1]!, v[2]!]];
  const out: [string, string, string?][] = [];
  for (let i = 0; i < v.length;) {
    if (i + 1 >= v.length) throw new UsageError('--address_range takes <start> <end> [guided|base] groups');
    if (v[i + 2] === 'guided') {
      out.push([v[i]!, v[i + 1]!, 'guided']);
      i += 3;
    } else {
      out.push([v[i]!, v[i + 1]!]);
      i += 2;
    }
  }
  return out;
}

function idArg(v: string | undefined, option: string): number | null | undefined {
  if (v === undefined) return undefined;
  return v === 'None' ? null : intArg(v, option);
}

/**
 * --interactive_edit: after each drawing, read an edit from stdin (a line: a key, or a menu answer),
 * apply it to the drawn ranges and draw again. It reads lines, so it needs no terminal: piped input
 * scripts the edits, and the end of the input quits as 'q' does.
 */
async function interactiveEdit(
  maps: Heatmap[],
  opts: HeatmapOptions,
  toStdout: boolean,
  draw: () => Promise<Heatmap[]>,
  sink: TextSink,
): Promise<void> {
  const m0 = maps[0]!;
  const view: HeatmapView = { time: [m0.t0, m0.t1!], addrs: [] };
  for (const m of maps)
    if (!view.addrs.some(([a, b]) => a === m.a0 && b === m.a1)) view.addrs.push([m.a0, m.a1!]);
  const base = m0.timeBase;
  // the regions were laid out once, in the first drawing's ranges (damo sorts its records once)
  if (opts.sortTemperature) opts.sortRanges = view.addrs.map(([a, b]) => [a, b]);
  const lines = createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
  const ask = async (prompt: string): Promise<string | null> => {
    sink.write(prompt);
    sink.flush();
    const r = await lines.next();
    return r.done ? null : r.value;
  };
  const redraw = async (): Promise<void> => {
    opts.timeRange =
      base === undefined ? [view.time[0], view.time[1]] : [view.time[0], view.time[1], base.toString()];
    opts.addressRanges = view.addrs.map(([a, b]) => [a, b]);
    opts.floatRanges = true;
    await draw();
  };
  for (;;) {
    const answer = await ask('Enter (zoom, scroll, quit, help): ');
    if (answer === null || ['0', 'q', 'quit'].includes(answer)) return;
    if (shortcutEdit(view, answer, toStdout)) {
      await redraw();
      continue;
    }
    if (['3', 'help'].includes(answer)) {
      sink.write(INTERACTIVE_EDIT_HELP + '\n');
      continue;
    }
    const action: EditAction | null = ['1', 'zoom'].includes(answer)
      ? 'zoom'
      : ['2', 'scroll'].includes(answer)
        ? 'scroll'
        : null;
    if (action === null) {
      sink.write('Wrong input.\n');
      continue;
    }
    const t = await ask('Enter (1. Time, 2. Space, 3. Time and Space): ');
    if (t === null) return;
    const target = ({ '1': 'time', '2': 'space', '3': 'both' } as const)[t];
    const p = target && (await ask('Enter percentage: '));
    if (p === null) return;
    const ratio = Number(p) / 100;
    if (!target || p === undefined || p.trim() === '' || !Number.isFinite(ratio)) {
      sink.write('Wrong input.\n');
      continue;
    }
    editView(view, action, target, ratio);
    await redraw();
  }
}

function registerHeatmap(report: Command): void {
  report
    .command('heatmap')
    .description('draw the access heatmap (time × address) of a record')
    .addOption(inputOption())
    .option('--output <dest>', 'stdout (coloured digits), raw, or an image file (.png or .svg)', 'stdout')
    .option(
      '--resol <n...>',
      'resolution: <time rows> <address columns> (default 40 80 on stdout, 500 500 otherwise)',
    )
    .option('--time_range <v...>', 'time range: <start> <end> [guided|guided_end|base]')
    .option('--address_range <v...>', 'address range(s): <start> <end> [guided|base]')
    .option('--draw_range <which>', 'hottest or all contiguous address ranges', 'hottest')
    .option('--guide', 'print the guide (time span, contiguous address ranges) in raw numbers')
    .option('--guide_human', 'print the guide in human-readable units')
    .option('--abs_time', 'raw output: absolute times')
    .option('--abs_addr', 'raw output: absolute addresses')
    .option('--df_passed', 'scale heat by the bytes that passed DAMOS filters')
    .option('--stdout_colorset <name>', `terminal colours: ${COLORSET_NAMES.join(', ')}`, 'gray')
    .option('--stdout_skip_colorset_example', 'omit the colour legend line')
    .option('--kdamond_idx <n>', 'kdamond of the record to draw')
    .option('--context_idx <n>', 'context of the record to draw')
    .option('--scheme_idx <n>', 'scheme of the record to draw')
    .option('--tid <id>', 'target id of the record to draw')
    .option('--by <kind>', 'one map per cpu, thread, or read/write (report-fed records)')
    .option(
      '--sort_temperature',
      'lay the regions of each range out coldest to hottest (the space axis is size)',
    )
    .option(
      '--temperature_weights <w...>',
      'weights of access frequency and age in temperature (default 1 1)',
    )
    .option(
      '--interactive_edit',
      'after drawing, read zoom/scroll edits from stdin (h j k l + -, or the menu) and draw again; end of input quits',
    )
    .addHelpText(
      'after',
      `
Examples:
  damon-ts report heatmap                          # 80x40 coloured map of the hottest range
  damon-ts report heatmap --sort_temperature       # how much memory is how hot
  damon-ts report heatmap --output raw --resol 500 500
  damon-ts report heatmap --output heatmap.png --draw_range all
  damon-ts report heatmap --by write --output rw.svg
  damon-ts report heatmap --guide`,
    )
    .action(async (o: HeatmapCliOptions) => {
      const path = inputFile(o.input);
      const sink = fdSink();
      if (o.guide || o.guide_human) {
        for (const g of await computeGuides(path, false)) sink.write(formatGuide(g, !o.guide_human));
        sink.flush();
        return;
      }
      const toStdout = o.output === 'stdout';
      if (!toStdout && o.output !== 'raw') checkImageName(o.output, '--output');
      const resol = o.resol
        ? countArgs(o.resol, '--resol', 2, 2).map((v) => intArg(v, '--resol'))
        : toStdout
          ? [40, 80]
          : [500, 500];
      if (resol[0]! < 1 || resol[1]! < 1) throw new UsageError('--resol values must be positive');
      const colorset = choice(o.stdout_colorset, COLORSET_NAMES, '--stdout_colorset') as Colorset;
      const opts: HeatmapOptions = {
        resol: [resol[0]!, resol[1]!],
        drawRange: choice(o.draw_range, ['hottest', 'all'] as const, '--draw_range'),
        dfPassed: o.df_passed === true,
      };
      if (o.time_range)
        opts.timeRange = countArgs(o.time_range, '--time_range', 2, 3) as [string, string, string?];
      if (o.address_range) opts.addressRanges = addressRanges(o.address_range);
      const kd = idArg(o.kdamond_idx, '--kdamond_idx');
      const cx = idArg(o.context_idx, '--context_idx');
      const sc = idArg(o.scheme_idx, '--scheme_idx');
      if (kd !== undefined) opts.kdamondIdx = kd;
      if (cx !== undefined) opts.contextIdx = cx;
      if (sc !== undefined) opts.schemeIdx = sc;
      if (o.tid !== undefined) opts.tid = o.tid;
      if (o.by !== undefined) opts.by = choice(o.by, BY, '--by') as BreakdownBy;
      if (o.temperature_weights && !o.sort_temperature)
        process.stderr.write('damon-ts: --temperature_weights takes effect with --sort_temperature\n');
      if (o.sort_temperature)
        opts.sortTemperature = o.temperature_weights
          ? (countArgs(o.temperature_weights, '--temperature_weights', 2, 2).map((v) =>
              numArg(v, '--temperature_weights'),
            ) as [number, number])
          : [1, 1];
      const draw = async (): Promise<Heatmap[]> => {
        const maps = await computeHeatmaps(path, opts);
        if (maps.length === 0)
          throw new Error(`${path}: the records have no ${opts.by ?? ''} breakdown to draw`);
        if (o.output === 'raw') {
          for (const m of maps) formatHeatmapRaw(m, o.abs_time === true, o.abs_addr === true, sink);
        } else if (toStdout) {
          for (const m of maps) {
            if (m.label) sink.write(`# ${m.label}\n`);
            sink.write(
              formatHeatmapAscii(
                m,
                colorEnabled(process.stdout) ? colorset : null,
                o.stdout_skip_colorset_example === true,
              ),
            );
          }
        } else {
          maps.forEach((m, i) => {
            const dot = o.output.lastIndexOf('.');
            const suffix = [maps.length > 1 && !m.label ? String(i) : '', m.label.replace(/\s+/g, '')]
              .filter(Boolean)
              .join('.');
            const file =
              suffix && dot > 0 ? `${o.output.slice(0, dot)}.${suffix}${o.output.slice(dot)}` : o.output;
            writeImage(file, heatmapSvg(m, `DAMON access heatmap${m.label ? ` (${m.label})` : ''}`));
            process.stderr.write(`wrote ${file}\n`);
          });
        }
        sink.flush();
        return maps;
      };
      const maps = await draw();
      if (o.interactive_edit) await interactiveEdit(maps, opts, toStdout, draw, sink);
    });
}

interface WssCliOptions {
  input: string;
  range?: string[];
  exclude_samples: string;
  work_time: string;
  acc_thres: string;
  sz_thres: string;
  sortby: string;
  raw_number?: boolean;
  all_wss?: boolean;
  per_target?: boolean;
  collapse_targets?: boolean;
  nr_cols_bar: string;
  plot?: string;
}

function registerWss(report: Command): void {
  report
    .command('wss')
    .description('working set size distribution of a record')
    .addOption(inputOption())
    .option('-r, --range <n...>', 'percentiles as <start> <end> <step> (Python range)')
    .option('--exclude_samples <n>', 'snapshots to skip at the start of each record', '20')
    .option('--work_time <us>', 'merge snapshots into windows of this many µs', '1')
    .option('--acc_thres <n>', 'minimum nr_accesses of a working-set region', '1')
    .option('--sz_thres <bytes>', 'minimum size of a working-set region', '1')
    .option('--sortby <key>', "'size' sorts the values; 'time' keeps them in time order", 'size')
    .option('--raw_number', 'print sizes in bytes')
    .option('--all_wss', 'print every value instead of percentiles')
    .option('--per_target', 'one distribution per target')
    .option('--collapse_targets', 'sum the targets into one distribution (default)')
    .option('--nr_cols_bar <n>', 'width of the bars', '59')
    .option('--plot <file>', 'also draw the distribution into an image (.png or .svg)')
    .addHelpText(
      'after',
      `
Examples:
  damon-ts report wss
  damon-ts report wss -r 1 101 1 --raw_number
  damon-ts report wss --work_time 1000000 --plot wss.png`,
    )
    .action(async (o: WssCliOptions) => {
      const path = inputFile(o.input);
      const percentiles = percentilesArg(o.range, WSS_DEFAULTS.percentiles);
      const opts = {
        ...WSS_DEFAULTS,
        percentiles,
        excludeSamples: intArg(o.exclude_samples, '--exclude_samples'),
        workTimeUs: numArg(o.work_time, '--work_time'),
        accThres: numArg(o.acc_thres, '--acc_thres'),
        szThres: numArg(o.sz_thres, '--sz_thres'),
        sortBy: o.sortby,
        rawNumber: o.raw_number === true,
        allWss: o.all_wss === true,
        collapseTargets: o.collapse_targets === true || o.per_target !== true,
        nrColsBar: intArg(o.nr_cols_bar, '--nr_cols_bar'),
      };
      if (o.plot) checkImageName(o.plot, '--plot');
      const lists = await computeWss(path, opts);
      const sink = fdSink();
      formatWss(lists, opts, sink);
      sink.flush();
      if (o.plot) {
        const series = [...lists].map(([key, values]) => ({ key, values }));
        writeImage(
          o.plot,
          wssPlotSvg(
            series,
            opts.sortBy === 'time' ? 'snapshot (time order, % of the record)' : 'percentile',
          ),
        );
      }
    });
}

/** The `<percentile>\t<value>` rows of each `# target_id` block of nr_regions' text. */
function nrRegionsSeries(text: string): { key: string; values: number[] }[] {
  const series: { key: string; values: number[] }[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# target_id\t'))
      series.push({ key: line.slice('# target_id\t'.length), values: [] });
    else if (line && !line.startsWith('#') && series.length)
      series[series.length - 1]!.values.push(Number(line.split('\t')[1]));
  }
  return series;
}

function registerNrRegions(report: Command): void {
  report
    .command('nr_regions')
    .description('distribution of the number of regions per snapshot')
    .addOption(inputOption())
    .option('-r, --range <n...>', 'percentiles as <start> <end> <step> (Python range)')
    .option('--sortby <key>', "'time' keeps time order instead of sorting", 'size')
    .option('-p, --plot <file>', 'draw the distribution into an image (.png or .svg) instead of printing it')
    .addHelpText(
      'after',
      '\nExamples:\n  damon-ts report nr_regions -r 1 101 1\n  damon-ts report nr_regions --plot nr_regions.svg',
    )
    .action(async (o: { input: string; range?: string[]; sortby: string; plot?: string }) => {
      const path = inputFile(o.input);
      if (o.plot) checkImageName(o.plot, '--plot');
      const percentiles = percentilesArg(o.range, [0, 25, 50, 75, 100]);
      if (!o.plot) {
        const sink = fdSink();
        await reportNrRegions(path, percentiles, o.sortby === 'time', sink);
        sink.flush();
        return;
      }
      // as damo: with --plot the distribution goes into the image only
      const { sink, text } = stringSink();
      await reportNrRegions(path, percentiles, o.sortby === 'time', sink);
      sink.flush();
      const xLabel = o.sortby === 'time' ? 'runtime (percent)' : 'percentile';
      writeImage(
        o.plot,
        wssPlotSvg(nrRegionsSeries(text()), xLabel, 'number of monitoring target regions', undefined, (v) =>
          String(Math.round(v)),
        ),
      );
    });
}

export function register(program: Command): void {
  const report = program
    .command('report')
    .description(
      'visualize a record file (access, heatmap, wss, nr_regions, record_info, footprints, times, holistic, profile, trace, sharing, numa, dirty) or show the running DAMON and the machine (damon, sysinfo, pa_layout)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  damon-ts report wss -i damon.data\n  damon-ts report heatmap --output heatmap.png',
    );
  registerAccess(report);
  registerHeatmap(report);
  registerWss(report);
  registerNrRegions(report);
  addRecordInfo(report.command('record_info'));
  registerReportDamon(report);
  addPaLayout(report.command('pa_layout'));
  registerTimes(report);
  registerFootprints(report);
  registerHolistic(report);
  registerProfile(report);
  registerTrace(report);
  registerReportSharing(report);
  registerReportDirty(report);
  registerReportNuma(report);
}
