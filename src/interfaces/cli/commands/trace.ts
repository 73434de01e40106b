/**
 * `damon-ts trace -o FILE [--format lackey|binary] -- CMD ARGS`: records the memory accesses of a
 * command under valgrind lackey, for replay on the simulated machine (`record --trace FILE`).
 */
import { Command, Option } from 'commander';
import { captureTrace, TraceFormat } from '../../../backends/trace/capture.js';
import { DEFAULT_INSTRUCTIONS_PER_SECOND } from '../../../backends/trace/lackey-decoder.js';
import { UsageError } from '../../../config/errors.js';

export function register(program: Command): void {
  program
    .command('trace')
    .description('capture the memory accesses of a command with valgrind lackey')
    .argument('<command...>', 'the command to trace and its arguments (after --)')
    .option('-o, --out <file>', 'output trace file', 'damon.trace')
    .addOption(
      new Option('--format <format>', 'output format').choices(['binary', 'lackey']).default('binary'),
    )
    .option(
      '--instructions_per_second <n>',
      'guest instructions per second of virtual time (binary format)',
      String(DEFAULT_INSTRUCTIONS_PER_SECOND),
    )
    .addHelpText(
      'after',
      `
Examples:
  $ damon-ts trace -o ls.trace -- ls -l /tmp
  $ damon-ts trace -o app.log --format lackey -- ./app --size 100
  $ damon-ts record --trace ls.trace`,
    )
    .action(
      async (
        command: string[],
        opts: { out: string; format: TraceFormat; instructions_per_second: string },
      ) => {
        const ips = Number(opts.instructions_per_second);
        if (!(ips > 0) || !Number.isFinite(ips))
          throw new UsageError(
            `--instructions_per_second: expected a positive number, got '${opts.instructions_per_second}'`,
          );
        const [cmd, ...args] = command;
        const r = await captureTrace({
          command: cmd!,
          args,
          output: opts.out,
          format: opts.format,
          instructionsPerSecond: ips,
        });
        const what = r.records !== undefined ? `${r.records} accesses` : `${r.logBytes} bytes of lackey log`;
        process.stderr.write(
          `damon-ts trace: wrote ${what} to ${opts.out}${r.exitCode !== 0 ? ` (the command exited with ${r.exitCode})` : ''}\n`,
        );
      },
    );
}
