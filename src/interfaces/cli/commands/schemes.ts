/**
 * `damon-ts schemes` (damo's): applies DAMON-based operation schemes and waits, in the foreground,
 * until the monitoring ends. On the simulated machine (no target, or --workload) the workload runs
 * with the schemes for --timeout virtual seconds (default: the workload's own length, or 10 s), then
 * each scheme's statistics are printed. On the kernel, `damon-ts start` applies schemes and leaves
 * them running.
 */
import type { Command } from 'commander';
import { fmtNr, fmtSz } from '../../../records/pyformat.js';
import { type MonitoringOptions } from '../../../config/damo-options.js';
import { addMonitoringOptions } from '../shared/monitoring-options.js';
import { setupSimRun } from '../../../runners/sim-run.js';
import { UsageError } from '../../../config/errors.js';
import { parseSeed } from '../shared/args.js';

interface SchemesCliOptions extends MonitoringOptions {
  workload?: string;
  timeout?: string;
  seed?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('schemes')
    .description('apply operation schemes (simulated machine: for --timeout, then their statistics)')
    .argument('[target]', 'nothing: the simulated workload (kernel targets: use damon-ts start)');
  addMonitoringOptions(cmd)
    .option('--workload <name|file.cfg>', 'the simulated workload (default stairs)')
    .option('--timeout <seconds>', 'how long the schemes run (virtual seconds)')
    .option('--seed <n>', 'seed of the simulated machine (default 1)')
    .addHelpText(
      'after',
      '\nExamples:\n  damon-ts schemes --workload stairs --timeout 10 --damos_action pageout --damos_access_rate 0 0 --damos_age 2s max',
    )
    .action((target: string | undefined, o: SchemesCliOptions) => {
      if (target !== undefined)
        throw new UsageError(
          `target "${target}": schemes runs on the simulated machine; on the kernel, \`damon-ts start\` applies schemes`,
        );
      const seed = parseSeed(o.seed);
      const { workload, machine, config, session } = setupSimRun({ workload: o.workload, seed, options: o });
      const pid = workload.mainPid;
      if (!config.kdamonds.some((k) => k.contexts.some((c) => c.schemes.length > 0)))
        throw new UsageError('no scheme given: add --damos_action (and its access pattern) or --schemes');
      const timeoutS = o.timeout === undefined ? undefined : Number(o.timeout);
      if (timeoutS !== undefined && !(timeoutS > 0))
        throw new UsageError(`--timeout: '${o.timeout}' is not a positive number of seconds`);
      const durationUs =
        timeoutS !== undefined ? Math.round(timeoutS * 1e6) : (workload.durationUs ?? 10_000_000);
      session.run(machine.now + durationUs);
      session.stop();
      const lines: string[] = [];
      session.schemes.forEach((engine, k) =>
        engine?.schemes.forEach((s, i) => {
          const st = s.stat;
          const action = config.kdamonds[k]!.contexts[0]!.schemes[i]!.action;
          lines.push(
            `kdamond ${k} scheme ${i} (${action}): tried ${fmtNr(st.nrTried, false)} regions (${fmtSz(st.szTried, false)}), ` +
              `applied ${fmtNr(st.nrApplied, false)} regions (${fmtSz(st.szApplied, false)}), quota exceeded ${fmtNr(st.qtExceeds, false)} times`,
          );
        }),
      );
      const rss = pid === undefined ? null : machine.residentPages(pid);
      if (rss !== null)
        lines.push(
          `workload ${workload.name}: ${fmtSz(rss * 4096, false)} resident at ${durationUs / 1e6} s`,
        );
      process.stdout.write(lines.join('\n') + '\n');
    });
}
