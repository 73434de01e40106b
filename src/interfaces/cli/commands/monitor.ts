/**
 * `damon-ts monitor` (damo's): records for --delay seconds, prints a report of that window (heats:
 * the rows of a 10x80 terminal heatmap of the window; wss; holistic), and repeats --count times (0:
 * until interrupted).
 * - no target or --workload: the simulated machine runs the workload on, one window after another;
 * - ongoing, paddr, a pid or a command: the kernel's DAMON through this CLI's own start, record and
 *   stop, as damo does; kdamonds damon-ts did not start are refused (they are someone else's).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DamonSysfs, DEFAULT_DAMON_ADMIN } from '../../../backends/kernel/sysfs.js';
import { requireDamonSysfs } from '../../../backends/kernel/features.js';
import {
  type FootprintSnapshot,
  readMemFootprints,
  writeMemFootprints,
} from '../../../records/mem-footprint.js';
import { readRecords } from '../../../records/reader.js';
import type { RecordHeader, Snapshot } from '../../../records/types.js';
import { RecordWriter } from '../../../records/writer.js';
import { computeGuides } from '../../../reports/guide.js';
import { computeHeatmaps, formatHeatmapAscii } from '../../../reports/heatmap.js';
import { holisticShort } from '../../../reports/holistic.js';
import { stringSink } from '../../../reports/output.js';
import { computeWss, formatWss, WSS_DEFAULTS } from '../../../reports/wss.js';
import { yieldToEventLoop } from '../../../runners/event-loop.js';
import { simFootprintSnapshot } from '../../../runners/sim-footprints.js';
import { setupSimRun } from '../../../runners/sim-run.js';
import { UsageError } from '../../../config/errors.js';
import { parseSeed } from '../shared/args.js';

const REPORT_TYPES = ['heats', 'wss', 'holistic'] as const;
type ReportType = (typeof REPORT_TYPES)[number];

interface MonitorCliOptions {
  report_type: string;
  delay: string;
  count: string;
  workload?: string;
  seed?: string;
  record_dir?: string;
  force?: boolean;
}

/** `%f` of a number of seconds, as damo passes --delay on. */
const secText = (s: number): string => s.toFixed(6);

/** The report of one window's record, as damo prints it. */
async function windowReport(type: ReportType, path: string, delayS: number): Promise<string> {
  if (type === 'heats') {
    const maps = await computeHeatmaps(path, {
      resol: [10, 80],
      drawRange: 'hottest',
      timeRange: [`${secText(-delayS)} s`, '0 s', 'guided_end'],
    });
    const text = maps.map((m) => formatHeatmapAscii(m, 'gray', false)).join('');
    return text
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l + '\n')
      .join('');
  }
  if (type === 'wss') {
    const { sink, text } = stringSink();
    formatWss(await computeWss(path, WSS_DEFAULTS), WSS_DEFAULTS, sink);
    return text() + '\n';
  }
  const out = await holisticShort({
    path,
    records: await readRecords(path),
    guides: await computeGuides(path, false),
    footprints: readMemFootprints(`${path}.mem_footprint`),
    hotspots: null,
    lastNs: delayS * 1e9,
  });
  return out + '\n';
}

/** A sink whose target changes at each window. */
class WindowSink {
  target: RecordWriter | null = null;
  addSnapshot(h: RecordHeader, s: Snapshot): void {
    this.target?.addSnapshot(h, s);
  }
}

async function monitorSim(
  o: MonitorCliOptions,
  type: ReportType,
  delayS: number,
  count: number,
  dir: string,
): Promise<void> {
  const seed = parseSeed(o.seed);
  const sink = new WindowSink();
  const { config, session, machine, pid } = setupSimRun({ workload: o.workload, seed, options: {}, sink });
  const step = config.kdamonds[0]?.contexts[0]?.intervals.aggr_us ?? 100_000;
  let stop = false;
  const onSignal = (): void => {
    stop = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (let k = 0; (count === 0 || k < count) && !stop && !session.done; k++) {
      const path = join(dir, `monitor.${k}.data`);
      const writer = RecordWriter.open(path, 'json_compressed');
      sink.target = writer;
      const footprints: FootprintSnapshot[] = [];
      const end = session.now + Math.round(delayS * 1e6);
      let nextFootprint = session.now;
      while (session.now < end && !session.done && !stop) {
        if (session.now >= nextFootprint) {
          footprints.push(simFootprintSnapshot(machine, [pid!]));
          nextFootprint += 1_000_000;
        }
        session.run(Math.min(end, session.now + step), { stepUs: step });
        await yieldToEventLoop();
      }
      sink.target = null;
      writer.close();
      writeMemFootprints(`${path}.mem_footprint`, footprints);
      process.stdout.write(await windowReport(type, path, delayS));
    }
  } finally {
    session.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** This CLI, run again (damo runs itself for start, record and stop). */
function self(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    encoding: 'utf8',
  });
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

async function monitorKernel(
  target: string,
  o: MonitorCliOptions,
  type: ReportType,
  delayS: number,
  count: number,
  dir: string,
): Promise<void> {
  if (type === 'holistic')
    throw new UsageError(
      '--report_type holistic: needs memory footprints, which damon-ts samples on the simulated machine only',
    );
  const fs = new DamonSysfs(DEFAULT_DAMON_ADMIN);
  requireDamonSysfs(fs);
  // Refuse before anything changes: a running kdamond that damon-ts did not start is someone else's.
  const nr = Number(fs.read('kdamonds/nr_kdamonds'));
  const running: number[] = [];
  for (let i = 0; i < nr; i++) if (fs.read(`kdamonds/${i}/state`).trim() === 'on') running.push(i);
  if (running.length > 0 && !o.force)
    throw new Error(
      `kdamond ${running.join(', ')} ${running.length > 1 ? 'are' : 'is'} running and not started by this monitor: ` +
        `monitor would ${target === 'ongoing' ? 'record' : 'take over'} ${running.length > 1 ? 'them' : 'it'}; pass --force to do so`,
    );
  if (target !== 'ongoing') {
    const s = self(['start', target, ...(o.force ? ['--force'] : [])]);
    if (s.status !== 0) throw new Error(`starting DAMON failed: ${s.out.trim()}`);
  }
  try {
    for (let k = 0; count === 0 || k < count; k++) {
      const path = join(dir, `monitor.${k}.data`);
      const r = self(['record', 'ongoing', '--timeout', secText(delayS), '-o', path]);
      if (r.status !== 0) throw new Error(`recording failed: ${r.out.trim()}`);
      process.stdout.write(await windowReport(type, path, delayS));
    }
  } finally {
    if (target !== 'ongoing') self(['stop']);
  }
}

export function register(program: Command): void {
  program
    .command('monitor')
    .description('repeat recording and reporting the data access pattern')
    .argument('[target]', 'nothing (simulated workload), ongoing, paddr, a pid, or a command')
    .option('--report_type <type>', `report type (${REPORT_TYPES.join(', ')})`, 'heats')
    .option('--delay <seconds>', 'length of each recording window', '3')
    .option('--count <n>', 'number of reports (0: until interrupted)', '0')
    .option('--workload <name|file.cfg>', 'simulated machine: the workload to run (default: stairs)')
    .option('--seed <n>', 'simulated machine: its seed (default 1)')
    .option('--record_dir <dir>', "keep each window's record there (monitor.<n>.data)")
    .option('--force', 'kernel: act on kdamonds damon-ts did not start')
    .addHelpText(
      'after',
      "\nExamples:\n  damon-ts monitor --workload zigzag --count 5 --delay 1\n  damon-ts monitor --report_type wss --count 3\n  damon-ts monitor ongoing --force      # the kernel's running kdamonds, read only",
    )
    .action(async (target: string | undefined, o: MonitorCliOptions) => {
      if (!(REPORT_TYPES as readonly string[]).includes(o.report_type))
        throw new UsageError(`--report_type: '${o.report_type}' is not one of ${REPORT_TYPES.join(', ')}`);
      const delayS = Number(o.delay);
      if (!(delayS > 0)) throw new UsageError(`--delay: '${o.delay}' is not a positive number of seconds`);
      const count = /^\d+$/.test(o.count) ? Number(o.count) : NaN;
      if (!Number.isSafeInteger(count))
        throw new UsageError(`--count: '${o.count}' is not a non-negative integer`);
      if (target !== undefined && o.workload !== undefined)
        throw new UsageError(
          `target "${target}": --workload runs on the simulated machine; give no target with it`,
        );
      if (o.record_dir !== undefined) mkdirSync(o.record_dir, { recursive: true });
      const dir = o.record_dir ?? mkdtempSync(join(tmpdir(), 'damon-ts-monitor-'));
      try {
        const type = o.report_type as ReportType;
        if (target === undefined) await monitorSim(o, type, delayS, count, dir);
        else await monitorKernel(target, o, type, delayS, count, dir);
      } finally {
        if (o.record_dir === undefined) rmSync(dir, { recursive: true, force: true });
      }
    });
}
