/** What `serve` and `exporter` show, as options: a record, a live simulated run or the kernel's kdamonds. */
import { type Command, Option } from 'commander';
import type { MonitoringOptions } from '../../../config/damo-options.js';
import { textToUs } from '../../../config/units.js';
import { UsageError } from '../../../config/errors.js';
import type { SourceSpec } from '../../web/server/sources.js';
import { inputFile, intArg, numArg } from './args.js';
import { addMonitoringOptions } from './monitoring-options.js';

export interface SourceOptions extends MonitoringOptions {
  record?: string;
  live?: boolean;
  kernel?: boolean;
  workload?: string;
  trace?: string;
  speed: string;
  duration?: string;
  seed: string;
}

export function addSourceOptions(cmd: Command): Command {
  cmd
    .addOption(
      new Option(
        '--record <file>',
        'show a record file (damo json / json_compressed / perf_script)',
      ).conflicts('live'),
    )
    .addOption(
      new Option('--live', 'run a simulated monitoring session and show it as it runs').conflicts('kernel'),
    )
    .option(
      '--kernel',
      "show the kdamonds running in this host's kernel (read-only: damon_aggregated tracepoints)",
    )
    .option('--workload <name>', 'built-in workload name or masim .cfg file of the live run (default stairs)')
    .addOption(
      new Option(
        '--trace <file>',
        "replay a trace (valgrind lackey or binary) as the live run's workload",
      ).conflicts('workload'),
    )
    .option('--speed <factor>', 'virtual seconds per wall-clock second of the live run', '1')
    .option(
      '--duration <time>',
      'stop the live run at this virtual time (e.g. "30 s"); default: when the workload ends',
    )
    .option('--seed <n>', 'seed of the simulated machine and contexts', '42');
  return addMonitoringOptions(cmd);
}

export function sourceSpec(o: SourceOptions): SourceSpec {
  let durationUs: number | undefined;
  if (o.duration !== undefined) {
    try {
      durationUs = textToUs(o.duration);
    } catch (e) {
      throw new UsageError(`--duration: ${(e as Error).message}`);
    }
  }
  const { record, live, kernel, workload, trace, speed, seed, ...monitoring } = o;
  return {
    record: record === undefined ? undefined : inputFile(record),
    live,
    kernel,
    workload,
    trace: trace === undefined ? undefined : inputFile(trace),
    speed: numArg(speed, '--speed'),
    durationUs,
    seed: intArg(seed, '--seed'),
    monitoring,
  };
}
