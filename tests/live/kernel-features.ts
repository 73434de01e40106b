/**
 * What the real-kernel tests of the live sources and tracefs need, detected once; each missing piece
 * is named so that skipped tests say why.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = join(here, '..', '..');

const isRoot = process.getuid?.() === 0;
const hasTracefs =
  existsSync('/proc/filesystems') && /\btracefs\b/.test(readFileSync('/proc/filesystems', 'utf8'));
const hasCc = spawnSync('cc', ['--version']).status === 0;
const hasUffd = existsSync('/dev/userfaultfd') || existsSync('/proc/sys/vm/unprivileged_userfaultfd');
const hasPerf = spawnSync('perf', ['--version']).status === 0;
const hasValgrind = spawnSync('valgrind', ['--version']).status === 0;

function missing(needs: Record<string, boolean>): string | null {
  const m = Object.entries(needs)
    .filter(([, ok]) => !ok)
    .map(([k]) => k);
  return m.length ? m.join(', ') : null;
}

/** Why a test needing these features must skip, or null when all are there (prints the reason). */
export function skipReason(
  test: string,
  needs: ('root' | 'tracefs' | 'cc' | 'userfaultfd' | 'perf' | 'valgrind')[],
): string | null {
  const all = {
    root: isRoot,
    tracefs: hasTracefs,
    cc: hasCc,
    userfaultfd: hasUffd,
    perf: hasPerf,
    valgrind: hasValgrind,
  };
  const why = missing(Object.fromEntries(needs.map((n) => [n, all[n]])));
  if (why) console.log(`[skip] ${test}: missing ${why}`);
  return why;
}

let buildDir: string | null = null;

/** Compiles tests/live/fixtures/<name>.c into a temp dir (once) and returns the binary path. */
export function fixtureBinary(name: string): string {
  buildDir ??= mkdtempSync(join(tmpdir(), 'damon-ts-live-test-'));
  const out = join(buildDir, name);
  if (!existsSync(out))
    execFileSync('cc', ['-O2', '-pthread', '-o', out, join(here, 'fixtures', `${name}.c`)]);
  return out;
}

/** Builds the preload helper with the project's script into a temp dir; returns its path. */
export function helperLibrary(): string {
  buildDir ??= mkdtempSync(join(tmpdir(), 'damon-ts-live-test-'));
  execFileSync('bash', [join(REPO, 'scripts', 'build-native.sh')], { stdio: 'pipe' });
  return join(REPO, 'native', 'build', 'libdamon-ts-uffd-wp.so');
}

/** Reads a child's stdout line by line. */
export function lines(child: ChildProcess): () => Promise<string> {
  const it = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return async () => {
    const r = await it.next();
    if (r.done) throw new Error('child closed stdout');
    return r.value as string;
  };
}

/** Runs a TypeScript fixture in a child node with tsx. */
export function spawnTs(file: string, args: string[] = []): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** tracefs mount points currently in /proc/self/mounts. */
export function tracefsMounts(): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[2] === 'tracefs')
    .map((l) => l.split(' ')[1]!);
}
