/** The options every control command (start, tune, stop, status) shares: the backend and the kernel backend's files. */
import { type Command, Option } from 'commander';
import { KernelDamon } from '../../../backends/kernel/control.js';
import { UsageError } from '../../../config/errors.js';
import { damonAdminOption } from './options.js';

export interface ControlOptions {
  backend: string;
  damon_admin?: string;
  state_dir?: string;
  iomem?: string;
  force?: boolean;
  socket?: string;
  workload?: string;
}

/** Adds --backend and the kernel backend's options. */
export function addControlOptions(cmd: Command, withForce: boolean): Command {
  cmd.addOption(
    new Option('--backend <backend>', 'where DAMON runs (sim: simulated kdamonds in the damon-ts daemon)')
      .choices(['kernel', 'sim'])
      .default('kernel'),
  );
  cmd.option(
    '--socket <path>',
    'sim backend: the daemon socket (default: $DAMON_TS_SOCKET or damon-ts-<uid>/sim.sock in the temp dir)',
  );
  cmd.option(
    '--workload <name>',
    'sim backend: workload the daemon runs when start launches it (built-in name or masim .cfg; default hot-cold)',
  );
  cmd.addOption(damonAdminOption());
  cmd.option('--state_dir <dir>', 'where damon-ts keeps which kdamonds it started (default /run/damon-ts)');
  cmd.option('--iomem <file>', 'iomem listing for the default paddr region', '/proc/iomem');
  if (withForce) cmd.option('--force', 'act on kdamonds damon-ts did not start (they are restored by stop)');
  return cmd;
}

/** --tried_regions, and the --force that lets it refresh the tried regions of kdamonds damon-ts did not start. */
export function addTriedRegionsOptions(cmd: Command): Command {
  return cmd
    .option('--tried_regions', 'also read the tried regions of each scheme of running kdamonds')
    .option(
      '--force',
      'refresh the DAMOS stats (and with --tried_regions the tried regions) of kdamonds damon-ts did not start too (default: shown as the kernel last updated them)',
    );
}

export function kernelOf(o: ControlOptions): KernelDamon {
  if (o.backend !== 'kernel') throw new UsageError(`--backend: unknown backend "${o.backend}"`);
  return new KernelDamon({ adminRoot: o.damon_admin, stateDir: o.state_dir, iomemPath: o.iomem });
}
