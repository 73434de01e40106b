/**
 * The `damon-ts` command tree, as damo's. Each command lives in its own module under commands/ and
 * registers itself on the program. Exit codes: 0 ok, 1 failure, 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { UsageError } from './errors.js';
import { register as registerArgs } from './commands/args.js';
import { register as registerFeatures } from './commands/features.js';
import { register as registerStart } from './commands/start.js';
import { register as registerTune } from './commands/tune.js';
import { register as registerStop } from './commands/stop.js';
import { register as registerStatus } from './commands/status.js';
import { register as registerTrace } from './commands/trace.js';
import { register as registerReport } from './commands/report.js';
import { register as registerAdjust } from './commands/adjust.js';
import { register as registerConvertRecordFormat } from './commands/convert-record-format.js';
import { register as registerValidate } from './commands/validate.js';
import { register as registerSysfs } from './commands/sysfs.js';
import { register as registerRecord } from './commands/record.js';
import { register as registerEval } from './commands/eval.js';
import { register as registerDemo } from './commands/demo.js';
import { register as registerServe } from './commands/serve.js';
import { register as registerExporter } from './commands/exporter.js';

const require = createRequire(import.meta.url);
const { version } = require('../../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('damon-ts')
    .description('DAMON data access monitoring: simulated machine, kernel backend, damo-compatible reports')
    .version(version)
    .showHelpAfterError()
    .exitOverride();
  // command registrations (one line per command module)
  registerArgs(program);
  registerFeatures(program);
  registerStart(program);
  registerTune(program);
  registerStop(program);
  registerStatus(program);
  registerTrace(program);
  registerReport(program);
  registerAdjust(program);
  registerConvertRecordFormat(program);
  registerValidate(program);
  registerSysfs(program);
  registerRecord(program);
  registerEval(program);
  registerDemo(program);
  registerServe(program);
  registerExporter(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError) {
      process.stderr.write(`damon-ts: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`damon-ts: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
