/**
 * Captures a trace of a command under valgrind lackey (`--trace-mem=yes --trace-sched=yes
 * --trace-syscalls=yes`, platform-notes B.3). The log goes to a temporary file on disk (the fastest
 * of valgrind's outputs: one write per line), then is kept as is or converted to the binary format.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_INSTRUCTIONS_PER_SECOND } from './lackey-decoder.js';
import { convertToBinary } from './trace-file.js';

export type TraceFormat = 'lackey' | 'binary';

export interface CaptureOptions {
  command: string;
  args: string[];
  output: string;
  format: TraceFormat;
  instructionsPerSecond?: number;
  /** Where the traced program's stdout/stderr go (default: inherited). */
  stdio?: 'inherit' | 'ignore';
}

export interface CaptureResult {
  /** Exit code of valgrind, which is the traced program's. */
  exitCode: number;
  /** Records in the output (binary format), or bytes of the log (lackey format). */
  records?: number;
  logBytes: number;
}

/** Throws a clear Error when valgrind cannot be run. */
export function checkValgrind(): string {
  const r = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      `valgrind is not available (${r.error ? r.error.message : `exit ${r.status}`}): install valgrind to capture traces`,
    );
  }
  return r.stdout.trim();
}

export async function captureTrace(o: CaptureOptions): Promise<CaptureResult> {
  checkValgrind();
  const dir = mkdtempSync(join(tmpdir(), 'damon-ts-trace-'));
  try {
    const log = join(dir, 'lackey.log');
    const argv = [
      '--tool=lackey',
      '--trace-mem=yes',
      '--trace-sched=yes',
      '--trace-syscalls=yes',
      `--log-file=${log}`,
      o.command,
      ...o.args,
    ];
    const exitCode = await new Promise<number>((resolve, reject) => {
      const child = spawn('valgrind', argv, {
        stdio: ['ignore', o.stdio ?? 'inherit', o.stdio ?? 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
    let logBytes = 0;
    try {
      logBytes = statSync(log).size;
    } catch {
      throw new Error(`valgrind wrote no log for '${o.command}' (exit ${exitCode})`);
    }
    if (o.format === 'lackey') {
      copyFileSync(log, o.output);
      return { exitCode, logBytes };
    }
    const { records } = convertToBinary(log, o.output, {
      instructionsPerSecond: o.instructionsPerSecond ?? DEFAULT_INSTRUCTIONS_PER_SECOND,
      command: [o.command, ...o.args],
    });
    return { exitCode, records, logBytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
