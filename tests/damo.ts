/**
 * Where damo 3.3 (the reference the reports and formats are compared with) is: $DAMON_TS_DAMO_SRC,
 * or shared/reference/damo/src beside the project's checkout. Tests that compare with damo skip
 * with the reason where it is absent.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');

/** damo's src directory (holding damo.py), or null. */
export const damoSrc: string | null =
  [process.env.DAMON_TS_DAMO_SRC, join(repo, '..', 'shared', 'reference', 'damo', 'src')].find(
    (d): d is string => d !== undefined && existsSync(join(d, 'damo.py')),
  ) ?? null;

/** damo.py, or null. */
export const damoPy: string | null = damoSrc && join(damoSrc, 'damo.py');

/** Why damo cannot be run here, or null when it can. */
export function damoAbsent(): string | null {
  if (spawnSync('python3', ['--version']).status !== 0) return 'python3 is not installed';
  if (!damoSrc)
    return 'damo 3.3 is not in ../shared/reference/damo beside the project (or $DAMON_TS_DAMO_SRC)';
  return null;
}
