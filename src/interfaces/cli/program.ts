/**
 * The `damon-ts` command tree, as damo's. Each command lives in its own module under commands/ and
 * registers itself on the program. Exit codes: 0 ok, 1 failure, 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { spreadFixedArity } from './shared/arity.js';
import { colorsFor } from './shared/color.js';
import { UsageError } from '../../config/errors.js';
import { ExitStatus } from './errors.js';
const require = createRequire(import.meta.url);
const { version } = require('../../../package.json') as { version: string };

/**
 * The command modules, loaded on demand: a run imports only the module of the command it names
 * (start-up stays short, which the CLI's many short runs feel), help without a command all of them.
 */
const COMMANDS: Record<
  string,
  () => Promise<{ register(program: Command, env: { wholeProgram: () => Promise<Command> }): void }>
> = {
  args: () => import('./commands/args.js'),
  features: () => import('./commands/features.js'),
  start: () => import('./commands/start.js'),
  tune: () => import('./commands/tune.js'),
  stop: () => import('./commands/stop.js'),
  status: () => import('./commands/status.js'),
  trace: () => import('./commands/trace.js'),
  report: () => import('./commands/report.js'),
  adjust: () => import('./commands/adjust.js'),
  convert_record_format: () => import('./commands/convert-record-format.js'),
  validate: () => import('./commands/validate.js'),
  sysfs: () => import('./commands/sysfs.js'),
  record: () => import('./commands/record.js'),
  eval: () => import('./commands/eval.js'),
  demo: () => import('./commands/demo.js'),
  serve: () => import('./commands/serve.js'),
  exporter: () => import('./commands/exporter.js'),
  version: () => import('./commands/version.js'),
  pa_layout: () => import('./commands/pa-layout.js'),
  record_info: () => import('./commands/record-info.js'),
  monitor: () => import('./commands/monitor.js'),
  setup_cli_completion: () => import('./commands/setup-cli-completion.js'),
  module: () => import('./commands/module.js'),
  reclaim: () => import('./commands/reclaim.js'),
  lru_sort: () => import('./commands/lru-sort.js'),
  schemes: () => import('./commands/schemes.js'),
  replay: () => import('./commands/replay.js'),
  diagnose: () => import('./commands/diagnose.js'),
};

/** The program with the commands `argv` needs (all of them when it names none of them). */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('damon-ts')
    .description('DAMON data access monitoring: simulated machine, kernel backend, damo-compatible reports')
    .version(version)
    .showHelpAfterError()
    .exitOverride();
  // The program's own options (--help, --version) take no value: the first operand is the command.
  const named = argv.find((a) => !a.startsWith('-'));
  const names =
    named !== undefined && Object.hasOwn(COMMANDS, named)
      ? [named]
      : named === undefined && argv.some((a) => a === '-V' || a === '--version')
        ? []
        : Object.keys(COMMANDS);
  // A command that needs the whole tree (completion) gets it from here rather than importing this module.
  const whole = { wholeProgram: () => buildProgram([]) };
  for (const m of await Promise.all(names.map((n) => COMMANDS[n]!()))) m.register(program, whole);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(spreadFixedArity(argv), { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const c = colorsFor(process.stderr);
    const prefix = c.bold(c.red('damon-ts:'));
    if (e instanceof ExitStatus) {
      if (e.message) process.stderr.write(`${prefix} ${e.message}\n`);
      return e.status;
    }
    process.stderr.write(`${prefix} ${e instanceof Error ? e.message : String(e)}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
