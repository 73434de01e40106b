/**
 * `damon-ts features`: what the kernel's DAMON supports, and what damon-ts will use of it.
 */
import type { Command } from 'commander';
import { detectFeatures, requireDamonSysfs } from '../../../backends/kernel/features.js';
import { DamonSysfs } from '../../../backends/kernel/sysfs.js';
import { featuresJson, formatFeatures } from '../shared/features-view.js';
import { damonAdminOption, jsonOption } from '../shared/options.js';

export function register(program: Command): void {
  program
    .command('features')
    .description('list the DAMON features the running kernel supports and what damon-ts uses')
    .addOption(damonAdminOption())
    .addOption(jsonOption('print as JSON'))
    .addHelpText(
      'after',
      `
Examples:
  damon-ts features
  damon-ts features --json`,
    )
    .action((o: { damon_admin: string; json?: boolean }) => {
      const fs = new DamonSysfs(o.damon_admin);
      requireDamonSysfs(fs);
      const f = detectFeatures(fs);
      if (o.json) process.stdout.write(JSON.stringify(featuresJson(f), null, 2) + '\n');
      else process.stdout.write(formatFeatures(f));
    });
}
