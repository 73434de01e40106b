/** `damon-ts version` (damo's): prints the release version, as `--version` does. */
import type { Command } from 'commander';
import { createRequire } from 'node:module';

export function register(program: Command): void {
  program
    .command('version')
    .description('print the version number')
    .action(() => {
      const { version } = createRequire(import.meta.url)('../../../../package.json') as { version: string };
      process.stdout.write(`${version}\n`);
    });
}
