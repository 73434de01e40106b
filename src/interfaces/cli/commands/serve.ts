/** `damon-ts serve`: the live web dashboard (and /metrics) of a record file or a live simulated run. */
import type { Command } from 'commander';
import { addSourceOptions, type SourceOptions } from '../shared/source-options.js';
import { ListenOptions, serveUntilSignal, addListenOptions } from '../shared/listen.js';

export function register(program: Command): void {
  const cmd = program
    .command('serve')
    .description(
      'web dashboard (heatmap, wss, regions, breakdowns, DAMOS stats) of a record or a live simulated run; also /metrics',
    );
  addListenOptions(cmd, '8080');
  addSourceOptions(cmd);
  cmd
    .addHelpText(
      'after',
      `
Examples:
  damon-ts serve --record damon.data                       # http://127.0.0.1:8080/
  damon-ts serve --live --workload stairs --speed 2
  damon-ts serve --kernel                                  # the host's running kdamonds (read-only)
  damon-ts serve --live --sample_primitives page_table --sample_primitives page_fault   # side by side
  damon-ts serve --record damon.data --host 0.0.0.0 --allow-remote --port 9000          # prints a token

Security: loopback only by default; the live stream (WebSocket /stream) refuses pages of other
origins (403). See docs/dashboard.md.`,
    )
    .action((o: SourceOptions & ListenOptions) => serveUntilSignal(o, false, ''));
}
