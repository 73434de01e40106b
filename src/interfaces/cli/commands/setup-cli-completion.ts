/**
 * `damon-ts setup_cli_completion` (damo's): writes a bash completion script for every command,
 * subcommand and option into a new temporary file and says how to use it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { bashCompletionScript } from '../completion.js';

export function register(program: Command, env: { wholeProgram: () => Promise<Command> }): void {
  program
    .command('setup_cli_completion')
    .description('set up command line auto-completion (bash)')
    .action(async () => {
      // The whole tree: this run loaded only this command's module.
      const script = bashCompletionScript(await env.wholeProgram(), 'damon-ts');
      const path = join(mkdtempSync(join(tmpdir(), 'damon-ts-completion-')), 'damon-ts-completion.bash');
      writeFileSync(path, script, { mode: 0o644 });
      process.stdout.write(
        [
          'It is nearly done: one more step.',
          `Run "source ${path}" in your shell.`,
          '',
          'That works for the current shell session only.',
          `For every session, save "${path}" somewhere`,
          'and have your .bashrc (or the like) "source" the saved file.',
          '',
        ].join('\n'),
      );
    });
}
