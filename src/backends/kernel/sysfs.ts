/**
 * Access to DAMON's sysfs admin tree. The root is configurable so that tests can point it at an empty
 * directory ("DAMON absent") or at an unreadable one ("not root"). Every failed write names the file,
 * the value, the errno and what DAMON means by it.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_DAMON_ADMIN = '/sys/kernel/mm/damon/admin';

/** What DAMON's sysfs interface means by each errno (mm/damon/sysfs*.c). */
const ERRNO_MEANING: Record<string, string> = {
  EINVAL:
    'invalid value, or a configuration the kernel rejects (e.g. an operations set it lacks, bad regions or intervals)',
  EBUSY: 'a kdamond is running (stop it first) or another writer holds the DAMON sysfs lock',
  ENOENT: 'no such file: this kernel lacks the feature',
  EACCES: 'permission denied: DAMON sysfs needs root',
  EPERM: 'operation not permitted: DAMON sysfs needs root (CAP_SYS_ADMIN)',
  ENOMEM: 'out of memory',
  ESRCH: 'no such process (target pid)',
  EAGAIN: 'temporarily unavailable; retry',
};

export function errnoMeaning(code: string | undefined): string {
  return (code && ERRNO_MEANING[code]) ?? 'unexpected error';
}

/** A failed sysfs operation: file, value and errno are kept for callers and tests. */
export class SysfsError extends Error {
  override name = 'SysfsError';
  constructor(
    readonly op: 'read' | 'write',
    readonly file: string,
    readonly value: string | undefined,
    readonly code: string | undefined,
  ) {
    super(
      op === 'write'
        ? `writing "${value}" to ${file} failed: ${code ?? 'error'} (${errnoMeaning(code)})`
        : `reading ${file} failed: ${code ?? 'error'} (${errnoMeaning(code)})`,
    );
  }
}

/**
 * The DAMON sysfs files as the kernel backend reads and writes them, paths relative to the admin
 * directory (e.g. "kdamonds/0/state"). The real tree (DamonSysfs) and the simulated machine's
 * virtual tree both provide it, so the same config writer and status readers serve both.
 */
export interface SysfsFiles {
  /** Where a file is, for messages. */
  path(rel: string): string;
  exists(rel: string): boolean;
  read(rel: string): string;
  write(rel: string, value: string | number): void;
  list(rel: string): string[];
  isDir(rel: string): boolean;
}

export class DamonSysfs implements SysfsFiles {
  constructor(readonly root: string = DEFAULT_DAMON_ADMIN) {}

  path(rel: string): string {
    return join(this.root, rel);
  }

  exists(rel: string): boolean {
    return existsSync(this.path(rel));
  }

  /**
   * A file's content, trimmed. A read the kernel refuses with EBUSY/EAGAIN (a kdamond's state while
   * it starts or stops, under the DAMON sysfs lock) is retried a few times, 5 to 80 ms apart.
   */
  read(rel: string): string {
    for (let attempt = 0; ; attempt++) {
      try {
        return readFileSync(this.path(rel), 'utf8').trim();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if ((code !== 'EBUSY' && code !== 'EAGAIN') || attempt >= 4)
          throw new SysfsError('read', this.path(rel), undefined, code);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 * 2 ** attempt);
      }
    }
  }

  write(rel: string, value: string | number): void {
    const text = String(value);
    try {
      writeFileSync(this.path(rel), text);
    } catch (e) {
      throw new SysfsError('write', this.path(rel), text, (e as NodeJS.ErrnoException).code);
    }
  }

  /** Entries of a directory, sorted with numeric names in numeric order. */
  list(rel: string): string[] {
    try {
      return readdirSync(this.path(rel)).sort((a, b) => {
        const na = /^\d+$/.test(a),
          nb = /^\d+$/.test(b);
        return na && nb ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0;
      });
    } catch (e) {
      throw new SysfsError('read', this.path(rel), undefined, (e as NodeJS.ErrnoException).code);
    }
  }

  isDir(rel: string): boolean {
    return statSync(this.path(rel)).isDirectory();
  }

  /** sysfs marks files by mode: 0400 read-only, 0200 write-only, 0600 read-write. */
  mode(rel: string): number {
    return statSync(this.path(rel)).mode & 0o777;
  }
}

/** A number as the kernel takes it: "max" and anything >= 2^64-1 are written as u64 max. */
export function sysfsNumber(n: number): string {
  if (n >= 2 ** 64 - 1) return '18446744073709551615';
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a non-negative integer: ${n}`);
  return n.toLocaleString('en-US', { useGrouping: false });
}
