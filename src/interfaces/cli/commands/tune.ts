/**
 * `damon-ts tune`: updates running DAMON online (commit) with a full specification: options left
 * out go back to their defaults, as with damo's tune.
 */
import type { Command } from 'commander';
import type { MonitoringOptions } from '../../config/options.js';
import type { KdamondsConfig } from '../../config/schema.js';
import { addMonitoringOptions } from '../../config/options.js';
import { UsageError } from '../errors.js';
import { controlConfig } from './start.js';
import { type ControlOptions, addControlOptions, kernelOf } from './status.js';

type TuneOptions = MonitoringOptions & ControlOptions;

const TUNE_BACKENDS: Record<string, (config: KdamondsConfig, o: TuneOptions) => void> = {
  kernel: (config, o) => {
    kernelOf(o).tune(config, { force: o.force });
    process.stdout.write('committed\n');
  },
};

export function register(program: Command): void {
  const cmd = program
    .command('tune')
    .description('update the parameters of running DAMON (the full specification: omitted options take their defaults)')
    .argument('[target]', 'paddr, a pid, or a kdamonds JSON (file or inline)');
  addMonitoringOptions(cmd);
  addControlOptions(cmd, true);
  cmd.addHelpText('after', `
Examples:
  damon-ts tune -s 10ms -a 200ms
  damon-ts tune --monitoring_intervals_autotune
  damon-ts tune config.json`);
  cmd.action((target: string | undefined, o: TuneOptions) => {
    const run = TUNE_BACKENDS[o.backend];
    if (!run) throw new UsageError(`--backend: unknown backend "${o.backend}"`);
    run(controlConfig(target, o), o);
  });
}
