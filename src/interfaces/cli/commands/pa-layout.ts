/** `damon-ts pa_layout`: the deprecated top-level name of `report pa_layout`, kept as damo keeps it. */
import type { Command } from 'commander';
import { addPaLayout } from '../shared/pa-layout.js';

export function register(program: Command): void {
  const cmd = addPaLayout(program.command('pa_layout'));
  cmd.description('show the physical address layout (deprecated: use "report pa_layout")');
  cmd.hook('preAction', () => {
    process.stderr.write(
      'damon-ts: "pa_layout" is deprecated and will go; use "damon-ts report pa_layout"\n',
    );
  });
}
