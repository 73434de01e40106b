/** `damon-ts report footprints` (damo's): distribution of the memory footprints a record sampled. */
import type { Command } from 'commander';
import { readMemFootprints } from '../../../records/mem-footprint.js';
import { formatDist } from '../../../reports/dist.js';
import { FOOTPRINT_METRICS, type FootprintMetric, footprintValues } from '../../../reports/footprints.js';
import { pyRange } from '../../../reports/percentile.js';
import { wssPlotSvg, writeImage } from '../../../reports/plot.js';
import { UsageError } from '../../../config/errors.js';
import { inputOption } from '../shared/options.js';

function ints(v: string[], option: string, n: number): number[] {
  if (v.length !== n) throw new UsageError(`${option} takes ${n} values, got ${v.length}`);
  return v.map((x) => {
    if (!/^\s*[+-]?\d+\s*$/.test(x)) throw new UsageError(`${option}: '${x}' is not an integer`);
    return Number(x);
  });
}

interface FootprintsCliOptions {
  input: string;
  range?: string[];
  sortby: string;
  plot?: string;
  nr_cols_bar: string;
  raw_number?: boolean;
  all_footprint?: boolean;
}

export function registerFootprints(report: Command): void {
  report
    .command('footprints')
    .description('distribution of the memory footprints (vsz, rss, sys_used) sampled while recording')
    .argument('[metric]', `${FOOTPRINT_METRICS.join(', ')} or all`, 'all')
    .addOption(
      inputOption('footprint record file (record writes <out>.mem_footprint)', 'damon.data.mem_footprint'),
    )
    .option('-r, --range <n...>', 'percentiles as <start> <stop> <step> (Python range)')
    .option('-s, --sortby <key>', "'size' sorts the values; 'time' keeps them in time order", 'size')
    .option('-p, --plot <file>', 'draw the distributions into one image (.png or .svg) instead')
    .option('--nr_cols_bar <n>', 'width of the bars', '59')
    .option('--raw_number', 'print sizes in bytes')
    .option('--all_footprint', 'print every value instead of percentiles')
    .addHelpText(
      'after',
      '\nExamples:\n  damon-ts record --workload zigzag -o z.data   # also writes z.data.mem_footprint\n  damon-ts report footprints rss -i z.data.mem_footprint',
    )
    .action((metric: string, o: FootprintsCliOptions) => {
      if (metric !== 'all' && !(FOOTPRINT_METRICS as readonly string[]).includes(metric))
        throw new UsageError(`metric: '${metric}' is not one of ${FOOTPRINT_METRICS.join(', ')}, all`);
      if (o.sortby !== 'size' && o.sortby !== 'time')
        throw new UsageError(`--sortby: '${o.sortby}' is not one of time, size`);
      const r = o.range ? ints(o.range, '--range', 3) : [0, 101, 25];
      if (r[2] === 0) throw new UsageError('--range step must not be zero');
      const percentiles = pyRange(r[0]!, r[1]!, r[2]!);
      if (percentiles.some((p) => p > 100 || p < -100))
        throw new UsageError('--range: percentiles beyond 100');
      const nrColsBar = ints([o.nr_cols_bar], '--nr_cols_bar', 1)[0]!;
      const snapshots = readMemFootprints(o.input);
      const metrics = metric === 'all' ? FOOTPRINT_METRICS : [metric as FootprintMetric];
      if (o.plot) {
        const series = metrics.map((m) => ({
          key: m,
          values: footprintValues(snapshots, m, o.sortby === 'size'),
        }));
        const xLabel = o.sortby === 'size' ? 'percentile' : 'runtime (percent)';
        writeImage(
          o.plot,
          wssPlotSvg(series, xLabel, 'memory footprint', (k) => k),
        );
        return;
      }
      for (const m of metrics) {
        const values = footprintValues(snapshots, m, o.sortby === 'size');
        const text = formatDist(m, values, {
          percentiles,
          all: o.all_footprint === true,
          raw: o.raw_number === true,
          nrColsBar,
        });
        process.stdout.write(text + '\n');
      }
    });
}
