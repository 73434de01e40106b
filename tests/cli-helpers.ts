/** Shared by the record/eval/demo CLI tests (tests/cli): the built bin (built once if missing) and a small workload. */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..');
export const bin = join(root, 'dist', 'interfaces', 'cli', 'main.js');

export function ensureBuilt(): void {
  if (!existsSync(bin))
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      { cwd: root },
    );
}

export function run(args: string[], cwd = root): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A temp dir holding small.cfg: 64 KiB hot (read+write) between two 1 MiB cold regions, 2 s. */
export function smallWorkloadDir(): { dir: string; cfg: string } {
  const dir = mkdtempSync(join(tmpdir(), 'damon-ts-cli-ops-'));
  const cfg = join(dir, 'small.cfg');
  writeFileSync(
    cfg,
    '#regions\ncold_lo, 1048576\nhot, 65536\ncold_hi, 1048576\n\n#phases\np\n2000\nhot, 1, 4096, 98\ncold_lo, 1, 4096, 1, ro\ncold_hi, 1, 4096, 1, ro\n',
  );
  return { dir, cfg };
}

/**
 * Runs the built CLI without blocking the event loop (the test can serve or watch the program it
 * records meanwhile); killed after `timeoutMs`.
 */
export function runAsync(
  args: string[],
  timeoutMs: number,
  cwd = root,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('error', reject);
    p.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
