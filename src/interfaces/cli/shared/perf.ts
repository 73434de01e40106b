/** perf, for the reports that show a CPU profile (report profile, report holistic). */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Whether `cmd` is an executable on PATH (or, with a slash, at that path). */
export function commandAvailable(cmd: string): boolean {
  const candidates = cmd.includes('/')
    ? [cmd]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, cmd));
  return candidates.some((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** `perf report -i PROFILE ARGS...`'s output; an error naming the profile when perf fails. */
export function perfReport(perfPath: string, profile: string, args: string[]): string {
  if (!commandAvailable(perfPath))
    throw new Error(`perf not found at "${perfPath}" (needed to read ${profile})`);
  const r = spawnSync(perfPath, ['report', '-i', profile, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0)
    throw new Error(
      `${perfPath} report -i ${profile} failed (${r.status === null ? `signal ${r.signal}` : `exit ${r.status}`}): ${(r.stderr || '').trim().split('\n').pop() ?? ''}`,
    );
  return r.stdout;
}
