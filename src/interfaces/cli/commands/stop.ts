/**
 * `damon-ts stop`: stops the kdamonds damon-ts started and restores the DAMON tree as it was found
 * (restarting kdamonds taken over with --force). Kdamonds it did not start are left alone unless
 * --force.
 */
import type { Command } from 'commander';
import { UsageError } from '../../../config/errors.js';
import { type ControlOptions, addControlOptions, kernelOf } from '../shared/control-options.js';
import { simStop } from '../shared/sim-daemon.js';

const STOP_BACKENDS: Record<string, (o: ControlOptions) => void | Promise<void>> = {
  sim: simStop,
  kernel: (o) => {
    const r = kernelOf(o).stop({ force: o.force });
    if (r.stopped.length === 0 && !r.restored) process.stdout.write('no kdamond running\n');
    for (const k of r.stopped) process.stdout.write(`stopped kdamond ${k}\n`);
    if (r.restored) process.stdout.write('DAMON sysfs tree restored as found before start\n');
  },
};

export function register(program: Command): void {
  const cmd = program
    .command('stop')
    .description('stop DAMON started by damon-ts and restore what it changed');
  addControlOptions(cmd, true);
  cmd.addHelpText(
    'after',
    `
Examples:
  damon-ts stop
  damon-ts stop --force          # also stop kdamonds damon-ts did not start`,
  );
  cmd.action((o: ControlOptions) => {
    const run = STOP_BACKENDS[o.backend];
    if (!run) throw new UsageError(`--backend: unknown backend "${o.backend}"`);
    return run(o);
  });
}
