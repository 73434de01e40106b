/**
 * Runs damon-ts (its sources, through tsx) and damo 3.3 (the reference checkout, through python3) on
 * the same arguments, for tests that take damo's output as the golden one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DAMO = join(repo, '..', '..', 'shared', 'reference', 'damo', 'src', 'damo.py');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** damon-ts ARGS in `cwd`. */
export function dts(args: string[], cwd = repo, env: NodeJS.ProcessEnv = process.env): Run {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      join(repo, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs'),
      join(repo, 'src/interfaces/cli/main.ts'),
      ...args,
    ],
    { cwd, encoding: 'utf8', timeout: 300_000, env },
  );
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Why damo cannot be run here, or null when it can. */
export function damoAbsent(): string | null {
  if (spawnSync('python3', ['--version']).status !== 0) return 'python3 is not installed';
  if (!existsSync(DAMO)) return `damo 3.3 is not at ${DAMO}`;
  return null;
}

/** damo ARGS in `cwd`. */
export function damo(args: string[], cwd = repo, env: NodeJS.ProcessEnv = process.env): Run {
  const r = spawnSync('python3', [DAMO, ...args], { cwd, encoding: 'utf8', timeout: 300_000, env });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
