/**
 * Driving the running kernel's DAMON: start, tune (online commit), stop, with ownership. damon-ts
 * refuses to touch kdamonds it did not start unless forced; whatever it changes is put back as found
 * by `stop` (or by the session's exit cleanup for in-process recording).
 */
import type { KdamondsConfig } from '../../config/schema.js';
import { checkConfigAgainstKernel, writeKdamond } from './config-writer.js';
import { type KernelFeatures, detectFeatures, requireDamonSysfs } from './features.js';
import { defaultPaddrRegion } from './iomem.js';
import { OwnershipStore, type OwnershipRecord, defaultStateDir } from './ownership.js';
import { DamonSysfs, DEFAULT_DAMON_ADMIN } from './sysfs.js';
import { readTree, restoreTree, runningKdamonds } from './tree.js';

export interface KernelDamonOptions {
  /** DAMON sysfs admin directory (default /sys/kernel/mm/damon/admin). */
  adminRoot?: string;
  /** Where the ownership state file lives (default /run/damon-ts as root). */
  stateDir?: string;
  /** iomem listing for the default paddr region (default /proc/iomem). */
  iomemPath?: string;
  /** Another implementation of the sysfs tree (tests use an in-memory kernel model). */
  sysfs?: DamonSysfs;
}

/** A kdamond is running that damon-ts may not take over (or damon-ts already runs its own). */
export class KdamondBusyError extends Error {
  override name = 'KdamondBusyError';
}

export class NotOwnerError extends Error {
  override name = 'NotOwnerError';
}

function describe(list: { index: number; pid: number }[]): string {
  return list.map((k) => `kdamond ${k.index} (pid ${k.pid})`).join(', ');
}

export class KernelDamon {
  readonly fs: DamonSysfs;
  readonly store: OwnershipStore;
  private readonly iomemPath: string | undefined;
  private cachedFeatures: KernelFeatures | null = null;

  constructor(opts: KernelDamonOptions = {}) {
    this.fs = opts.sysfs ?? new DamonSysfs(opts.adminRoot ?? DEFAULT_DAMON_ADMIN);
    this.store = new OwnershipStore(opts.stateDir ?? defaultStateDir(), this.fs.root);
    this.iomemPath = opts.iomemPath;
  }

  features(): KernelFeatures {
    requireDamonSysfs(this.fs);
    this.cachedFeatures ??= detectFeatures(this.fs, { traceEvents: false });
    return this.cachedFeatures;
  }

  /** The configuration as it will be written: default paddr regions filled, checked against the kernel. */
  prepare(config: KdamondsConfig): KdamondsConfig {
    let span: { start: number; end: number } | null = null;
    const full: KdamondsConfig = {
      kdamonds: config.kdamonds.map((k) => ({
        ...k,
        contexts: k.contexts.map((c) => ({
          ...c,
          targets: c.targets.map((t) =>
            c.ops === 'paddr' && t.regions.length === 0
              ? { ...t, regions: [(span ??= defaultPaddrRegion(this.iomemPath))] }
              : t,
          ),
        })),
      })),
    };
    checkConfigAgainstKernel(full, this.features());
    return full;
  }

  /** Our kdamonds, if the state file names kdamonds that still run with the recorded pids. */
  owned(): OwnershipRecord | null {
    const rec = this.store.load();
    if (!rec) return null;
    const running = runningKdamonds(this.fs);
    const alive = rec.kdamonds.every((k) => running.some((r) => r.index === k.index && r.pid === k.pid));
    return alive ? rec : null;
  }

  /**
   * Writes the configuration and turns its kdamonds on. Refuses when a kdamond runs that damon-ts did
   * not start, unless `force`: then those are turned off and `stop` restarts them as found.
   */
  start(config: KdamondsConfig, opts: { force?: boolean } = {}): OwnershipRecord {
    requireDamonSysfs(this.fs);
    const prev = this.store.load();
    if (prev && this.owned()) {
      throw new KdamondBusyError(
        `damon-ts already runs ${describe(prev.kdamonds)} (started ${prev.startedAt} by pid ${prev.startedBy}); use tune or stop`,
      );
    }
    // What this kernel cannot run is the first thing to say, whoever runs kdamonds now.
    const full = this.prepare(config);
    const running = runningKdamonds(this.fs);
    if (running.length > 0 && !opts.force) {
      throw new KdamondBusyError(
        `${describe(running)} is running and was not started by damon-ts; refusing to take it over ` +
          '(pass --force to stop it; `damon-ts stop` then restores and restarts it as found)',
      );
    }
    // A stale state file (our kdamonds ended by themselves) still holds the tree found originally.
    const found = prev?.found ?? readTree(this.fs);
    const tookOver = [...(prev?.tookOver ?? []), ...running];
    try {
      for (const r of running) this.fs.write(`kdamonds/${r.index}/state`, 'off');
      this.fs.write('kdamonds/nr_kdamonds', full.kdamonds.length);
      full.kdamonds.forEach((k, i) => writeKdamond(this.fs, i, k));
      full.kdamonds.forEach((_, i) => this.fs.write(`kdamonds/${i}/state`, 'on'));
    } catch (e) {
      this.rollback(found, e);
    }
    const rec: OwnershipRecord = {
      adminRoot: this.fs.root,
      startedBy: process.pid,
      startedAt: new Date().toISOString(),
      kdamonds: full.kdamonds.map((_, i) => ({ index: i, pid: Number(this.fs.read(`kdamonds/${i}/pid`)) })),
      found,
      tookOver,
    };
    this.store.save(rec);
    return rec;
  }

  private rollback(found: ReturnType<typeof readTree>, cause: unknown): never {
    try {
      for (const r of runningKdamonds(this.fs)) this.fs.write(`kdamonds/${r.index}/state`, 'off');
      restoreTree(this.fs, found);
    } catch (e) {
      throw new Error(
        `${(cause as Error).message}; restoring the DAMON tree also failed: ${(e as Error).message}`,
      );
    }
    throw cause;
  }

  /** Online update (commit) of our running kdamonds with a full configuration, as damo's tune. */
  tune(config: KdamondsConfig, opts: { force?: boolean } = {}): void {
    requireDamonSysfs(this.fs);
    const rec = this.owned();
    const targets = rec?.kdamonds ?? (opts.force ? runningKdamonds(this.fs) : []);
    if (!rec && !opts.force) {
      const running = runningKdamonds(this.fs);
      throw new NotOwnerError(
        running.length
          ? `${describe(running)} was not started by damon-ts; refusing to tune it (pass --force)`
          : 'no kdamond started by damon-ts is running; use start',
      );
    }
    const full = this.prepare(config);
    if (full.kdamonds.length !== targets.length) {
      throw new Error(
        `tune: the configuration has ${full.kdamonds.length} kdamond(s) but ${targets.length} run; the number of kdamonds cannot change online`,
      );
    }
    full.kdamonds.forEach((k, i) => {
      const index = targets[i]!.index;
      writeKdamond(this.fs, index, k, true);
      this.fs.write(`kdamonds/${index}/state`, 'commit');
    });
  }

  /**
   * Stops our kdamonds and restores the tree found before `start` (restarting kdamonds taken over).
   * Without a state file, running kdamonds are not ours: refused unless `force` (then only turned off).
   */
  stop(opts: { force?: boolean } = {}): { stopped: number[]; restored: boolean } {
    requireDamonSysfs(this.fs);
    const rec = this.store.load();
    const running = runningKdamonds(this.fs);
    if (!rec) {
      if (running.length && !opts.force) {
        throw new NotOwnerError(
          `${describe(running)} was not started by damon-ts; refusing to stop it (pass --force)`,
        );
      }
      for (const r of running) this.fs.write(`kdamonds/${r.index}/state`, 'off');
      return { stopped: running.map((r) => r.index), restored: false };
    }
    const foreign = running.filter((r) => !rec.kdamonds.some((k) => k.index === r.index && k.pid === r.pid));
    if (foreign.length && !opts.force) {
      throw new NotOwnerError(
        `${describe(foreign)} was started by someone else after damon-ts started its kdamonds; refusing to stop it (pass --force)`,
      );
    }
    for (const r of running) this.fs.write(`kdamonds/${r.index}/state`, 'off');
    restoreTree(this.fs, rec.found);
    this.store.clear();
    return { stopped: running.map((r) => r.index), restored: true };
  }
}
