/** `damon-ts report holistic` (damo's): heatmaps, working set, footprints and hotspots of a record. */
import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { readMemFootprints } from '../../../records/mem-footprint.js';
import { readRecords } from '../../../records/reader.js';
import { computeGuides, formatGuide } from '../../../reports/guide.js';
import { holisticLong, holisticShort } from '../../../reports/holistic.js';
import { pagerTail } from '../../../reports/raw-form.js';
import { UsageError } from '../../../config/errors.js';
import { commandAvailable, perfReport } from '../shared/perf.js';

interface HolisticCliOptions {
  access_pattern: string;
  footprints?: string;
  profile?: string;
  long?: boolean;
  perf_path: string;
  heatmap_time_last_n_sec?: string;
}

export function registerHolistic(report: Command): void {
  report
    .command('holistic')
    .description(
      'show a holistic report: heatmaps, working set and footprint distributions, hotspot functions',
    )
    .option('--access_pattern <file>', 'access pattern record file', 'damon.data')
    .option('--footprints <file>', 'memory footprints record file (default: <access_pattern>.mem_footprint)')
    .option('--profile <file>', 'perf profile record file (default: <access_pattern>.profile)')
    .option('--long', 'make the long report')
    .option('--perf_path <path>', 'path of perf', 'perf')
    .addOption(new Option('--heatmap_time_last_n_sec <s>').hideHelp())
    .addHelpText(
      'after',
      '\nExamples:\n  damon-ts record --workload zigzag -o z.data && damon-ts report holistic --access_pattern z.data',
    )
    .action(async (o: HolisticCliOptions) => {
      let lastNs: number | undefined;
      if (o.heatmap_time_last_n_sec !== undefined) {
        const s = Number(o.heatmap_time_last_n_sec);
        if (!(s > 0))
          throw new UsageError(
            `--heatmap_time_last_n_sec: '${o.heatmap_time_last_n_sec}' is not a positive number`,
          );
        lastNs = s * 1e9;
      }
      const path = o.access_pattern;
      if (!existsSync(path)) throw new Error(`access pattern record file ${path} does not exist`);
      const records = await readRecords(path);
      const guides = await computeGuides(path, false);
      const footprints = readMemFootprints(o.footprints ?? `${path}.mem_footprint`);
      const profile = o.profile ?? `${path}.profile`;
      const input = { path, records, guides, footprints, hotspots: null as string[] | null, lastNs };
      if (o.long) {
        input.hotspots = [perfReport(o.perf_path, profile, ['--stdio']).split('\n').slice(0, 30).join('\n')];
        const text = (await holisticLong(input, (g) => formatGuide(g, true).replace(/\n$/, ''))).replace(
          /\n$/,
          '',
        );
        // damo pages a long text (less writes it as it is off a terminal): no final newline then.
        process.stdout.write(text + pagerTail(text.split('\n').length - 1));
        return;
      }
      // The short report has hotspots only where perf is installed, as damo's.
      if (commandAvailable('perf'))
        input.hotspots = perfReport(o.perf_path, profile, ['--stdio']).split('\n').slice(5, 21);
      process.stdout.write(await holisticShort(input));
    });
}
