/**
 * A trace instance: the ring buffers, event switches and filters that one monitor uses.
 *
 * By default a private instance (`instances/damon-ts-<pid>-<n>`) is created, so that our event pid
 * filter, buffer size and clock never disturb other tracers or other damon-ts processes, and removing
 * it is the whole cleanup. `topLevel: true` uses the global instance instead; then every setting is
 * journalled and restored as found. Either way cleanup also runs on exit and terminating signals.
 */
import { existsSync, readdirSync, rmdirSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { registerExitCleanup } from './exit-cleanup.js';
import {
  DEFAULT_HEADER_PAGE,
  parseEventFormat,
  parseHeaderPage,
  type EventFormat,
  type HeaderPage,
} from './format.js';
import { openTracefs, type Tracefs } from './mount.js';
import { TraceSettings, readTraceFile } from './settings.js';
import { readCpuStats, type CpuTraceStats } from './stats.js';

export interface TraceInstanceOptions {
  /** Use the global instance (settings journalled and restored) instead of a private one. */
  topLevel?: boolean;
}

const PREFIX = 'damon-ts-';
let seq = 0;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes instances left by damon-ts processes that died without cleanup (SIGKILL). Best effort. */
function removeStaleInstances(instancesDir: string): void {
  for (const name of readdirSync(instancesDir)) {
    const m = new RegExp(`^${PREFIX}(\\d+)-\\d+$`).exec(name);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    try {
      rmdirSync(join(instancesDir, name));
    } catch {
      // Busy or already gone: not ours to insist on.
    }
  }
}

export class TraceInstance {
  readonly dir: string;
  readonly settings: TraceSettings;
  readonly private: boolean;
  private readonly tracefs: Tracefs;
  private readonly closers = new Set<() => void>();
  private readonly unregister: () => void;
  private closed = false;

  private constructor(tracefs: Tracefs, dir: string, isPrivate: boolean) {
    this.tracefs = tracefs;
    this.dir = dir;
    this.private = isPrivate;
    this.settings = new TraceSettings(dir);
    this.unregister = registerExitCleanup(() => this.teardown());
  }

  /** Opens (mounting tracefs if needed) a private instance, or the global one with `topLevel`. */
  static open(opts: TraceInstanceOptions = {}): TraceInstance {
    const tfs = openTracefs();
    try {
      if (opts.topLevel) return new TraceInstance(tfs, tfs.root, false);
      const instances = join(tfs.root, 'instances');
      if (!existsSync(instances))
        throw new Error(`tracefs: ${instances} does not exist (kernel without trace instances)`);
      removeStaleInstances(instances);
      const dir = join(instances, `${PREFIX}${process.pid}-${seq++}`);
      try {
        mkdirSync(dir);
      } catch (e) {
        throw new Error(`tracefs: creating instance ${dir} failed: ${(e as Error).message}`);
      }
      return new TraceInstance(tfs, dir, true);
    } catch (e) {
      tfs.release();
      throw e;
    }
  }

  /** The tracefs root (events/ there holds the formats and header_page). */
  get root(): string {
    return this.tracefs.root;
  }

  /** Parses events/<system>/<event>/format; the Error names the event when it does not exist. */
  eventFormat(system: string, event: string): EventFormat {
    const path = join(this.tracefs.root, 'events', system, event, 'format');
    if (!existsSync(path)) throw new Error(`tracefs: event ${system}:${event} does not exist (${path})`);
    return parseEventFormat(readTraceFile(path), path);
  }

  headerPage(): HeaderPage {
    const path = join(this.tracefs.root, 'events', 'header_page');
    return existsSync(path) ? parseHeaderPage(readTraceFile(path), path) : DEFAULT_HEADER_PAGE;
  }

  /** Bytes per ring-buffer sub-buffer (a trace_pipe_raw read returns at most one). */
  subbufSize(): number {
    const path = join(this.dir, 'buffer_subbuf_size_kb');
    return existsSync(path) ? Number(readTraceFile(path).trim()) * 1024 : 4096;
  }

  /** CPUs with a per-CPU buffer (the possible CPUs). */
  cpus(): number[] {
    return readdirSync(join(this.dir, 'per_cpu'))
      .map((n) => /^cpu(\d+)$/.exec(n)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  cpuStats(cpu: number): CpuTraceStats {
    return readCpuStats(join(this.dir, 'per_cpu', `cpu${cpu}`, 'stats'));
  }

  perCpuPath(cpu: number, file: string): string {
    return join(this.dir, 'per_cpu', `cpu${cpu}`, file);
  }

  enableEvent(system: string, event: string, on = true): void {
    this.eventFormat(system, event); // clear error for a missing event
    this.settings.set(`events/${system}/${event}/enable`, on ? '1' : '0');
  }

  /** Limits events to these tasks (kernel pids = thread ids); empty list = no limit. */
  setEventPids(tids: readonly number[]): void {
    this.settings.set('set_event_pid', tids.join(' '));
  }

  setOption(name: string, on: boolean): void {
    this.settings.set(`options/${name}`, on ? '1' : '0');
  }

  setBufferSizeKb(kb: number): void {
    this.settings.set('buffer_size_kb', String(Math.floor(kb)));
  }

  setClock(clock: string): void {
    this.settings.set('trace_clock', clock);
  }

  setTracingOn(on: boolean): void {
    this.settings.set('tracing_on', on ? '1' : '0');
  }

  /** Registers a close hook (open trace_pipe_raw fds) that must run before the instance goes away. */
  addCloser(fn: () => void): () => void {
    this.closers.add(fn);
    return () => this.closers.delete(fn);
  }

  /** Restores the settings, closes readers, removes a private instance and releases tracefs. Idempotent. */
  close(): void {
    this.unregister();
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    const errors: string[] = [];
    const attempt = (fn: () => void): void => {
      try {
        fn();
      } catch (e) {
        errors.push((e as Error).message);
      }
    };
    for (const fn of [...this.closers]) attempt(fn);
    this.closers.clear();
    attempt(() => this.settings.restore());
    if (this.private) attempt(() => rmdirSync(this.dir));
    attempt(() => this.tracefs.release());
    if (errors.length > 0) throw new Error(`tracefs: closing ${this.dir}: ${errors.join('; ')}`);
  }
}
