/**
 * The virtual DAMON sysfs admin tree: path resolution over the model (model.ts), reads and writes
 * with the kernel's errno, and kdamonds wired to the simulated machine (runtime.ts). Its API is the
 * kernel backend's DamonSysfs (read/write/exists/list/isDir/mode on paths relative to the admin
 * directory), so the kernel backend's config writer and tree reader work on it unchanged.
 */
import { SysfsError } from '../../backends/kernel/sysfs.js';
import { DEFAULT_DAMON_ADMIN, type SysfsFiles } from '../../backends/kernel/sysfs.js';
import { SysfsErrno, errnoOf } from './errno.js';
import { OPERATIONS, SysKdamonds, type DirEntry, type Entry, type SysKdamond } from './model.js';
import { KdamondRuntime } from './runtime.js';
import { SimHost } from '../../runners/sim-host.js';

/** A path relative to the admin directory: the kernel's absolute path is accepted too. */
export function normalizeSysfsPath(path: string): string {
  let p = path.trim();
  if (p.startsWith(DEFAULT_DAMON_ADMIN)) p = p.slice(DEFAULT_DAMON_ADMIN.length);
  return p
    .split('/')
    .filter((x) => x !== '' && x !== '.')
    .join('/');
}

export class VirtualSysfs implements SysfsFiles {
  readonly root = DEFAULT_DAMON_ADMIN;
  readonly model: SysKdamonds;
  readonly runtimes = new WeakMap<SysKdamond, KdamondRuntime>();

  constructor(readonly host: SimHost = new SimHost()) {
    this.model = new SysKdamonds(
      () => OPERATIONS,
      (k, index) => {
        const rt = new KdamondRuntime(k, host, () => `kdamonds/${index()}`);
        k.control = rt;
        this.runtimes.set(k, rt);
      },
    );
  }

  path(rel: string): string {
    return `${this.root}/${normalizeSysfsPath(rel)}`;
  }

  private resolve(rel: string): Entry {
    let cur: Entry = { kind: 'dir', entries: () => this.model.entries() };
    for (const part of normalizeSysfsPath(rel).split('/').filter(Boolean)) {
      if (cur.kind !== 'dir') throw new SysfsErrno('ENOTDIR');
      const next = cur.entries().get(part);
      if (!next) throw new SysfsErrno('ENOENT');
      cur = next;
    }
    return cur;
  }

  /** Reads a file (value without the trailing newline); throws SysfsErrno. */
  readRaw(rel: string): string {
    const e = this.resolve(rel);
    if (e.kind === 'dir') throw new SysfsErrno('EISDIR');
    return e.read();
  }

  /** Writes a file; throws SysfsErrno with the kernel's errno. */
  writeRaw(rel: string, value: string): void {
    const e = this.resolve(rel);
    if (e.kind === 'dir') throw new SysfsErrno('EISDIR');
    if (!e.write) throw new SysfsErrno('EACCES');
    try {
      e.write(value);
    } catch (err) {
      if (err instanceof SysfsErrno) throw err;
      throw new SysfsErrno(errnoOf(err), (err as Error).message);
    }
  }

  // --- the DamonSysfs API (SysfsError with file, value and errno) ---

  exists(rel: string): boolean {
    try {
      this.resolve(rel);
      return true;
    } catch {
      return false;
    }
  }

  read(rel: string): string {
    try {
      return this.readRaw(rel);
    } catch (e) {
      throw new SysfsError('read', this.path(rel), undefined, errnoOf(e));
    }
  }

  write(rel: string, value: string | number): void {
    const text = String(value);
    try {
      this.writeRaw(rel, text);
    } catch (e) {
      const err = new SysfsError('write', this.path(rel), text, errnoOf(e));
      if (e instanceof SysfsErrno && e.message !== e.code)
        err.message += `: ${e.message.slice(e.code.length + 2)}`;
      throw err;
    }
  }

  list(rel: string): string[] {
    const e = this.resolve(rel);
    if (e.kind !== 'dir') throw new SysfsError('read', this.path(rel), undefined, 'ENOTDIR');
    return [...(e as DirEntry).entries().keys()].sort((a, b) => {
      const na = /^\d+$/.test(a),
        nb = /^\d+$/.test(b);
      return na && nb ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0;
    });
  }

  isDir(rel: string): boolean {
    return this.resolve(rel).kind === 'dir';
  }

  /** 0755 for directories, 0600 read-write files, 0400 read-only ones (as DAMON's sysfs). */
  mode(rel: string): number {
    const e = this.resolve(rel);
    return e.kind === 'dir' ? 0o755 : e.write ? 0o600 : 0o400;
  }

  /** The kdamond at index k and its runtime. */
  kdamond(k: number): { dir: SysKdamond; runtime: KdamondRuntime } | null {
    const dir = this.model.kdamonds[k];
    return dir ? { dir, runtime: this.runtimes.get(dir)! } : null;
  }

  /** Periodic work of the running kdamonds (refresh_ms). */
  refresh(): void {
    for (const k of this.model.kdamonds) this.runtimes.get(k)?.refresh();
  }
}
