/**
 * Runs damon-ts (the built CLI, as `npm test` builds it) and damo 3.3 (the reference checkout, through python3) on
 * the same arguments, for tests that take damo's output as the golden one.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { damoPy } from '../damo.js';

export { damoAbsent } from '../damo.js';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** damon-ts ARGS in `cwd`. */
export function dts(args: string[], cwd = repo, env: NodeJS.ProcessEnv = process.env): Run {
  const r = spawnSync(process.execPath, [join(repo, 'dist', 'interfaces', 'cli', 'main.js'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    env,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** damo ARGS in `cwd`. */
export function damo(args: string[], cwd = repo, env: NodeJS.ProcessEnv = process.env): Run {
  const r = spawnSync('python3', [damoPy!, ...args], { cwd, encoding: 'utf8', timeout: 300_000, env });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
