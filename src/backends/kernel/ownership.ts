/**
 * Which kdamonds damon-ts started, and the tree it found before starting them. `damon-ts start`
 * exits leaving its kdamonds running (as damo's does), so this is kept in a state file that `tune`,
 * `stop` and `status` of later processes read. A kdamond is ours only while its pid is the one we
 * recorded: if it stopped or someone restarted it, it is not ours any more.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TreeFile } from './tree.js';

export interface OwnershipRecord {
  adminRoot: string;
  /** pid of the process that started the kdamonds (informational). */
  startedBy: number;
  startedAt: string;
  kdamonds: { index: number; pid: number }[];
  /** The tree as found before damon-ts changed it; `stop` restores it. */
  found: TreeFile[];
  /** Kdamonds found running and stopped because of --force (restarted by `stop`). */
  tookOver: { index: number; pid: number }[];
}

/** Default directory of state files: /run/damon-ts when writable (root), else the temp dir. */
export function defaultStateDir(): string {
  return process.getuid?.() === 0 && existsSync('/run') ? '/run/damon-ts' : join(tmpdir(), 'damon-ts');
}

export class OwnershipStore {
  constructor(
    readonly dir: string,
    readonly adminRoot: string,
  ) {}

  get file(): string {
    return join(this.dir, `kernel-${this.adminRoot.replace(/[^A-Za-z0-9]+/g, '_')}.json`);
  }

  load(): OwnershipRecord | null {
    if (!existsSync(this.file)) return null;
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as OwnershipRecord;
    } catch (e) {
      throw new Error(
        `${this.file}: unreadable damon-ts state file (${(e as Error).message}); remove it if no damon-ts kdamond runs`,
      );
    }
  }

  save(r: OwnershipRecord): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(r), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  clear(): void {
    rmSync(this.file, { force: true });
  }
}
