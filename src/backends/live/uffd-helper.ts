/**
 * Launching a program with the userfaultfd write-protect preload helper (native/uffd-wp-preload.c),
 * built by scripts/build-native.sh into native/build/. The helper reports over an inherited socket
 * (fd 3) that it registered the program's memory ("R") or why it could not ("E..."), then waits for
 * one byte: the caller sets up monitoring and calls go(), so nothing the program does is missed.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';

export const HELPER_ENV = 'DAMON_TS_UFFD_HELPER';

/** Path of the built helper: $DAMON_TS_UFFD_HELPER, else <package>/native/build/libdamon-ts-uffd-wp.so. */
export function uffdHelperPath(): string {
  // src/backends/live and dist/backends/live are both three levels below the package root.
  return (
    process.env[HELPER_ENV] ??
    fileURLToPath(new URL('../../../native/build/libdamon-ts-uffd-wp.so', import.meta.url))
  );
}

export interface LaunchedProgram {
  child: ChildProcess;
  pid: number;
  /** Lets the program run (its main() starts). */
  go(): void;
  /** Resolves with the exit code (or the signal name) when the program ends. */
  exited: Promise<number | string>;
}

export interface LaunchOptions {
  /** stdin, stdout, stderr of the program (default: inherit all three). */
  stdio?:
    | [StdioOptions, StdioOptions, StdioOptions]
    | ['pipe' | 'inherit' | 'ignore', 'pipe' | 'inherit' | 'ignore', 'pipe' | 'inherit' | 'ignore'];
  env?: NodeJS.ProcessEnv;
  /**
   * What the helper write-protects: nothing (sampling mode: the monitor arms each region's sampling
   * page) or every registered page (exact mode). Default: nothing.
   */
  protect?: 'none' | 'all';
  /** How long to wait for the helper's answer (default 10 s). */
  timeoutMs?: number;
}

/**
 * Starts `cmd args` with the helper preloaded and waits until the helper has registered its memory.
 * Throws an Error naming the helper file when it is not built, and the helper's message when it fails.
 */
export async function launchWithUffdHelper(
  cmd: string,
  args: readonly string[],
  opts: LaunchOptions = {},
): Promise<LaunchedProgram> {
  const helper = uffdHelperPath();
  if (!existsSync(helper))
    throw new Error(
      `write-only monitoring needs the preload helper ${helper}: build it with 'bash scripts/build-native.sh' (needs a C compiler)`,
    );
  const stdio = [...(opts.stdio ?? ['inherit', 'inherit', 'inherit']), 'pipe'] as StdioOptions;
  const env = {
    ...(opts.env ?? process.env),
    LD_PRELOAD: helper,
    DAMON_TS_UFFD_SYNC_FD: '3',
    DAMON_TS_UFFD_PROTECT: opts.protect ?? 'none',
  };
  const child = spawn(cmd, [...args], { stdio, env });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, sig) => resolve(code ?? sig ?? -1)),
  );
  const sync = child.stdio[3] as Duplex;
  const answer = await new Promise<string>((resolve, reject) => {
    let got = '';
    const timer = setTimeout(
      () => reject(new Error(`${cmd}: no answer from the uffd helper within ${opts.timeoutMs ?? 10000} ms`)),
      opts.timeoutMs ?? 10000,
    );
    const done = (f: () => void): void => {
      clearTimeout(timer);
      sync.removeAllListeners('data');
      f();
    };
    sync.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.startsWith('R') || (got.startsWith('E') && got.length > 1)) done(() => resolve(got));
    });
    child.once('error', (e) => done(() => reject(new Error(`${cmd}: cannot start: ${e.message}`))));
    child.once('exit', (code, sig) =>
      done(() =>
        reject(
          new Error(
            `${cmd}: exited (${code ?? sig}) before the uffd helper answered (is ${cmd} a static binary, or setuid? LD_PRELOAD does not apply then)`,
          ),
        ),
      ),
    );
  }).catch((e: Error) => {
    child.kill('SIGKILL');
    throw e;
  });
  if (answer.startsWith('E')) {
    child.kill('SIGKILL');
    throw new Error(`${cmd}: uffd helper failed: ${answer.slice(1)}`);
  }
  return {
    child,
    pid: child.pid!,
    exited,
    go() {
      sync.end('G');
    },
  };
}
