/**
 * `damon-ts demo` (npm start): the stairs workload on the simulated machine, monitored side by side
 * by three setups (page_table, page_fault, and a write-only view with write-protect) on one machine;
 * prints a terminal heatmap of each, their working set size percentiles and the accuracy summary;
 * writes the record (kdamond i = setup i) and a heatmap image.
 */
import type { Command } from 'commander';
import { DEFAULT_SETUPS, runEvalAsync, type EvalSetup } from '../../../eval/eval.js';
import { formatEval } from '../../../eval/format.js';
import { streamRecords } from '../../../records/reader.js';
import { RecordWriter } from '../../../records/writer.js';
import { computeHeatmaps, formatHeatmapAscii } from '../../../reports/heatmap.js';
import { percentileIndex } from '../../../reports/percentile.js';
import { heatmapSvg, imageFormat, writeImage } from '../../../reports/plot.js';
import { colorEnabled } from '../shared/color.js';
import { snapshotWss } from '../../../reports/wss.js';
import { fmtSz } from '../../../records/pyformat.js';
import { progressBar } from '../shared/progress.js';
import { loadSimWorkload } from '../../../runners/sim-session.js';
import { UsageError } from '../../../config/errors.js';

const DEMO_SETUPS: EvalSetup[] = [
  DEFAULT_SETUPS.find((s) => s.name === 'page_table')!,
  DEFAULT_SETUPS.find((s) => s.name === 'page_fault')!,
  DEFAULT_SETUPS.find((s) => s.name === 'write-only write-protect')!,
];

const PERCENTILES = [0, 25, 50, 75, 100];

/** WSS (acc_thres 1, sz_thres 1: damo's defaults) of every snapshot of every kdamond's record. */
async function wssByKdamond(path: string): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  await streamRecords(path, {
    snapshot(s, h) {
      const k = h.kdamond_idx ?? 0;
      if (!out.has(k)) out.set(k, []);
      out.get(k)!.push(snapshotWss(s, 1, 1));
    },
  });
  return out;
}

interface DemoOptions {
  workload: string;
  out: string;
  heatmap: string;
  duration?: string;
  isolation: string;
  seed: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('demo')
    .description(
      'the built-in demonstration: stairs on the simulated machine, page_table vs page_fault vs write-only, with ground truth',
    )
    .option('--workload <name|file.cfg>', 'workload to run', 'stairs')
    .option('-o, --out <file>', 'record file to write', 'damon.data')
    .option('--heatmap <file>', 'heatmap image to write (.png or .svg)', 'heatmap.png')
    .option('--duration <seconds>', 'virtual seconds to run (default: the whole workload)')
    .option(
      '--isolation <mode>',
      'shared (one machine, default: fastest) or replica (one machine per setup)',
      'shared',
    )
    .option('--seed <n>', 'seed', '1');
  cmd.addHelpText(
    'after',
    '\nExamples:\n  npm start\n  damon-ts demo --workload hot-cold --duration 5 --heatmap hc.svg',
  );
  cmd.action(async (o: DemoOptions) => {
    if (o.isolation !== 'replica' && o.isolation !== 'shared')
      throw new UsageError(`--isolation: expected replica or shared, got "${o.isolation}"`);
    const seed = Number(o.seed);
    if (!Number.isInteger(seed) || seed < 0)
      throw new UsageError(`--seed: expected a non-negative integer, got "${o.seed}"`);
    const duration = o.duration === undefined ? undefined : Number(o.duration);
    if (duration !== undefined && !(duration > 0))
      throw new UsageError(`--duration: expected a positive number of seconds, got "${o.duration}"`);
    try {
      imageFormat(o.heatmap);
    } catch (e) {
      throw new UsageError(`--heatmap ${(e as Error).message}`);
    }
    const t0 = performance.now();
    const writer = RecordWriter.open(o.out, 'json_compressed');
    const bar = progressBar('demo');
    let result;
    try {
      result = await runEvalAsync({
        workload: () => loadSimWorkload({ workload: o.workload }),
        setups: DEMO_SETUPS,
        machine: { seed },
        seed,
        isolation: o.isolation,
        durationUs: duration === undefined ? undefined : Math.round(duration * 1e6),
        sink: writer,
        onStep: (now, end) => bar.update(now, end),
      });
    } finally {
      bar.stop();
      writer.close();
    }
    const say = (s: string) => process.stdout.write(s);
    say(
      `# ${result.workload} on the simulated machine, ${(result.durationUs / 1e6).toFixed(1)} s virtual; record: ${o.out} (kdamond i = setup i)\n\n`,
    );
    for (const [i, s] of DEMO_SETUPS.entries()) {
      const [m] = await computeHeatmaps(o.out, { resol: [12, 72], drawRange: 'hottest', kdamondIdx: i });
      say(`## heatmap of kdamond ${i}: ${s.name} (time down, address across)\n`);
      say(formatHeatmapAscii(m!, colorEnabled(process.stdout) ? 'gray' : null, true));
      say('\n');
    }
    const wss = await wssByKdamond(o.out);
    say('## working set size percentiles (damo report wss: acc_thres 1)\n');
    say(`${'setup'.padEnd(26)}${PERCENTILES.map((p) => `p${p}`.padStart(12)).join('')}\n`);
    for (const [i, s] of DEMO_SETUPS.entries()) {
      const l = (wss.get(i) ?? []).sort((a, b) => a - b);
      const cells = PERCENTILES.map((p) =>
        (l.length ? fmtSz(l[percentileIndex(p, l.length)]!, false) : '-').padStart(12),
      );
      say(`${s.name.padEnd(26)}${cells.join('')}\n`);
    }
    say('\n## accuracy against the ground truth\n');
    say(formatEval(result));
    // The image shows the page_fault setup (kdamond 1), where the terminal shows all three.
    const IMG = 1;
    const [img] = await computeHeatmaps(o.out, { resol: [300, 400], drawRange: 'hottest', kdamondIdx: IMG });
    const name = DEMO_SETUPS[IMG]!.name;
    writeImage(o.heatmap, heatmapSvg(img!, `${result.workload}: kdamond ${IMG}, ${name} (damon-ts demo)`));
    say(
      `\nwrote ${o.out} (kdamond i = setup i) and ${o.heatmap} (the heatmap of kdamond ${IMG}: ${name}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
  });
}
