/**
 * `damon-ts tune`: updates running DAMON online (commit) with a full specification: options left
 * out go back to their defaults, as with damo's tune.
 */
import type { Command } from 'commander';
import type { KdamondsConfig } from '../../../config/schema.js';
import { type StartOptions, registerConfigCommand } from '../shared/config-command.js';
import { kernelOf } from '../shared/control-options.js';
import { simTune } from '../shared/sim-daemon.js';

const TUNE_BACKENDS: Record<string, (config: KdamondsConfig, o: StartOptions) => void> = {
  sim: simTune,
  kernel: (config, o) => {
    kernelOf(o).tune(config, { force: o.force });
    process.stdout.write('committed\n');
  },
};

export function register(program: Command): void {
  registerConfigCommand(
    program,
    'tune',
    'update the parameters of running DAMON (the full specification: omitted options take their defaults)',
    `\
  damon-ts tune -s 10ms -a 200ms
  damon-ts tune --monitoring_intervals_autotune
  damon-ts tune config.json`,
    TUNE_BACKENDS,
  );
}
