/**
 * What `serve` and `exporter` show: a finished record (--record FILE) or a live simulated run
 * (--live --workload NAME with damo's monitoring options). Shared by both commands.
 */
import { type Command, Option } from 'commander';
import { UsageError } from '../../cli/errors.js';
import { addMonitoringOptions, optionsToKdamonds, type MonitoringOptions } from '../../config/options.js';
import { textToUs } from '../../config/units.js';
import { loadSimWorkload, machineWithWorkload, SimSession } from '../../session/sim-session.js';
import { unsupportedInSim } from '../../session/contexts.js';
import { inputFile, intArg, numArg } from '../../cli/commands/report.js';
import type { Feed } from './feed.js';
import { liveFeed, runSimLive, type LiveRun } from './live-feed.js';
import { recordFeed } from './record-feed.js';

export interface SourceOptions extends MonitoringOptions {
  record?: string;
  live?: boolean;
  workload?: string;
  speed: string;
  duration?: string;
  seed: string;
}

export function addSourceOptions(cmd: Command): Command {
  cmd
    .addOption(new Option('--record <file>', 'show a record file (damo json / json_compressed / perf_script)').conflicts('live'))
    .option('--live', 'run a simulated monitoring session and show it as it runs')
    .option('--workload <name>', 'built-in workload name or masim .cfg file of the live run (default stairs)')
    .option('--speed <factor>', 'virtual seconds per wall-clock second of the live run', '1')
    .option('--duration <time>', 'stop the live run at this virtual time (e.g. "30 s"); default: when the workload ends')
    .option('--seed <n>', 'seed of the simulated machine and contexts', '42');
  return addMonitoringOptions(cmd);
}

export interface OpenedSource {
  feed: Feed;
  /** The live run, if any. */
  run: LiveRun | null;
  warnings: string[];
}

export async function openSource(o: SourceOptions): Promise<OpenedSource> {
  if (o.record !== undefined) return { feed: await recordFeed(inputFile(o.record)), run: null, warnings: [] };
  if (!o.live) throw new UsageError('give --record FILE or --live [--workload NAME]');
  const speed = numArg(o.speed, '--speed');
  if (!(speed > 0)) throw new UsageError(`--speed: must be positive, got ${o.speed}`);
  const seed = intArg(o.seed, '--seed');
  const w = loadSimWorkload({ workload: o.workload });
  const machine = machineWithWorkload(w, { seed });
  const pid = w.mainPid;
  if (pid === undefined) throw new Error(`workload ${w.name}: no main process to monitor`);
  const extras = { paddrRegions: () => [{ start: 0, end: machine.memoryBytes }] };
  let config = optionsToKdamonds(o, { kind: 'pid', pid }, extras);
  // Several contexts (e.g. --sample_primitives page_table --sample_primitives page_fault, shown side
  // by side) each monitor the workload's process: one --target_pid per extra context.
  if (config.kdamonds.length > 1 && !o.target_pid)
    config = optionsToKdamonds({ ...o, target_pid: Array(config.kdamonds.length - 1).fill(String(pid)) }, { kind: 'pid', pid }, extras);
  const warnings = unsupportedInSim(config).map((what) => `${what}: not run by the simulated session; no DAMOS stats to show`);
  const feed = liveFeed(`live ${w.name}`);
  const session = new SimSession({ config, machine, sink: feed, seed });
  let untilUs: number | undefined;
  if (o.duration !== undefined) {
    try {
      untilUs = machine.now + textToUs(o.duration);
    } catch (e) {
      throw new UsageError(`--duration: ${(e as Error).message}`);
    }
  }
  return { feed, run: runSimLive(feed, session, { speed, untilUs }), warnings };
}
