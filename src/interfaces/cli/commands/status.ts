/**
 * `damon-ts status`: kdamonds, their parameters and DAMOS stats (what damo's `report damon` shows).
 */
import { type Command } from 'commander';
import { simStatusCommand } from '../shared/sim-daemon.js';
import { type ControlOptions, addControlOptions, addTriedRegionsOptions } from '../shared/control-options.js';
import { readKernelStatus, statusText, statusJson, printJson } from '../shared/kdamonds-status.js';
import { jsonOption } from '../shared/options.js';

export function register(program: Command): void {
  const cmd = program
    .command('status')
    .description('show kdamonds: state, parameters, DAMOS stats (damo report damon)')
    .addOption(jsonOption('print as JSON'));
  addTriedRegionsOptions(cmd);
  addControlOptions(cmd, false);
  cmd.addHelpText(
    'after',
    `
Examples:
  damon-ts status
  damon-ts status --tried_regions
  damon-ts status --json
See also: damon-ts report damon (parts of this, and the kdamonds' CPU use).`,
  );
  cmd.action((o: ControlOptions & { json?: boolean; tried_regions?: boolean }) => {
    if (o.backend === 'sim') return simStatusCommand(o);
    const r = readKernelStatus(o);
    if (o.json) printJson(statusJson(r));
    else process.stdout.write(statusText(r));
  });
}
