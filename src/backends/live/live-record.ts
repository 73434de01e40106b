/**
 * Entry points for the `record` command and the library: start a live source on a launched program
 * or a running process, with reports going to a sink (normally `ctx.reportAccesses` of a report-fed
 * context). Programs are held before their first instruction until monitoring is set up.
 *
 * Report times default to the core's wall clock (wallClockTimeBaseUs), for runWallClock contexts.
 *
 * Sample filters (--exp_ops_cpus, --exp_ops_tids, --sample_filter) are not applied here: they are the
 * context's sample filters (src/core), applied to these reports like to any others.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { registerExitCleanup } from '../tracefs/exit-cleanup.js';
import { PageFaultSource } from './fault-source.js';
import { ReferencedBytesSource, type WssSample } from './referenced-source.js';
import { wallClockTimeBaseUs, type ReportSink, type ReportSource, type SourceStats } from './source.js';
import { launchWithUffdHelper } from './uffd-helper.js';
import { WriteOnlySource } from './write-only-source.js';
import { SoftDirtySource } from './soft-dirty-source.js';

export interface LiveRun<S = SourceStats> {
  pid: number;
  /** The launched program (null when attached to a running process). */
  child: ChildProcess | null;
  /** Resolves with the program's exit code or signal name (never, for an attached process, until it ends). */
  exited: Promise<number | string>;
  /** Stops monitoring (and with `killProgram`, sends the launched program SIGTERM); returns the counters. */
  stop(killProgram?: boolean): Promise<S>;
}

type Stdio = 'inherit' | 'ignore' | 'pipe';

/**
 * Spawns `cmd args` held in a shell that waits for a byte on fd 3 and then execs the program in
 * place (same pid), so tracing can be limited to the pid before the program runs.
 */
function spawnHeld(
  cmd: string,
  args: readonly string[],
  stdio: Stdio,
): { child: ChildProcess; go: () => void; exited: Promise<number | string> } {
  const child = spawn('/bin/sh', ['-c', 'read _ <&3; exec 3<&-; exec "$@"', 'sh', cmd, ...args], {
    stdio: [stdio, stdio, stdio, 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, sig) => resolve(code ?? sig ?? -1)),
  );
  return { child, exited, go: () => (child.stdio[3] as Writable).end('\n') };
}

function untilExit(pid: number): Promise<number | string> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch {
        clearInterval(t);
        resolve('gone');
      }
    }, 200);
    t.unref();
  });
}

/**
 * A launched program must not outlive its monitor (it would keep running registered, or held in
 * its shell): on exit or a terminating signal of this process it gets SIGKILL.
 */
function runOf(
  pid: number,
  source: ReportSource,
  exited: Promise<number | string>,
  child: ChildProcess | null,
): LiveRun {
  const unregister = child
    ? registerExitCleanup(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      })
    : () => undefined;
  void exited.then(() => unregister());
  return {
    pid,
    child,
    exited,
    async stop(killProgram = false) {
      const s = await source.stop();
      if (killProgram && child && child.exitCode === null) child.kill('SIGTERM');
      return s;
    },
  };
}

export interface LiveWriteOnlyOptions {
  cmd: string;
  args?: readonly string[];
  /** Every written page instead of DAMON's sampling semantics (every page protected: costly). */
  exact?: boolean;
  /** Attribute writes to CPUs and threads through the fault tracepoint (default true). */
  attribute?: boolean;
  /** Whether the context keeps a write by this CPU and thread: others re-arm (WriteOnlySourceOptions). */
  eligible?: (cpu: number, tid: number) => boolean;
  timeBaseUs?: number;
  stdio?: Stdio;
  /** Called with the pid while the program is still held (e.g. to add the context's target). */
  onLaunched?: (pid: number) => void;
}

/**
 * `record --sample_primitives page_fault --exp_ops_write_only y -- CMD`: launches CMD with the
 * uffd-wp helper. The source is driven by the context: `source.arm()` at each sample's prepare
 * point (sampling mode), `source.sample()` right before each check (as runLiveSession does; the
 * wiring is shown in docs/live-sources.md).
 */
export async function recordLiveWriteOnly(
  o: LiveWriteOnlyOptions,
  sink: ReportSink,
): Promise<LiveRun & { source: WriteOnlySource }> {
  const prog = await launchWithUffdHelper(o.cmd, o.args ?? [], {
    stdio: [o.stdio ?? 'inherit', o.stdio ?? 'inherit', o.stdio ?? 'inherit'],
    protect: o.exact ? 'all' : 'none',
  });
  let source: WriteOnlySource;
  try {
    o.onLaunched?.(prog.pid);
    source = new WriteOnlySource({
      pid: prog.pid,
      exact: o.exact,
      attribute: o.attribute,
      eligible: o.eligible,
      timeBaseUs: o.timeBaseUs ?? wallClockTimeBaseUs(),
    });
    source.start(sink);
  } catch (e) {
    prog.child.kill('SIGKILL');
    throw e;
  }
  prog.go();
  return { ...runOf(prog.pid, source, prog.exited, prog.child), source };
}

/**
 * `record --sample_primitives page_fault --exp_ops_write_only y PID`: write-only monitoring of a
 * running process through its soft-dirty bits, driven by the context like recordLiveWriteOnly.
 */
export async function recordLiveSoftDirty(
  o: { pid: number; timeBaseUs?: number; attribute?: boolean },
  sink: ReportSink,
): Promise<LiveRun & { source: SoftDirtySource }> {
  const source = new SoftDirtySource({
    pid: o.pid,
    attribute: o.attribute,
    timeBaseUs: o.timeBaseUs ?? wallClockTimeBaseUs(),
  });
  source.start(sink);
  return { ...runOf(o.pid, source, untilExit(o.pid), null), source };
}

export interface LivePageFaultOptions {
  /** A running process ... */
  pid?: number;
  /** ... or a command to launch (held until tracing is on). */
  cmd?: string;
  args?: readonly string[];
  kernel?: boolean;
  timeBaseUs?: number;
  stdio?: Stdio;
  onLost?: (lost: number) => void;
  /** Called with the pid while a launched command is still held. */
  onLaunched?: (pid: number) => void;
}

/** Page-fault reports of a process or a launched command (natural faults: see fault-source.ts). */
export async function recordLivePageFaults(o: LivePageFaultOptions, sink: ReportSink): Promise<LiveRun> {
  const onLost =
    o.onLost ?? ((n: number) => process.stderr.write(`damon-ts: page_fault source: ${n} events lost\n`));
  const mk = (pid: number): PageFaultSource =>
    new PageFaultSource({
      pid,
      kernel: o.kernel,
      timeBaseUs: o.timeBaseUs ?? wallClockTimeBaseUs(),
      stampArrival: true,
      onLost: (l) => onLost(Math.max(l.overrun + l.dropped, l.missedStored)),
    });
  if (o.pid !== undefined) {
    const source = mk(o.pid);
    source.start(sink);
    return runOf(o.pid, source, untilExit(o.pid), null);
  }
  if (!o.cmd) throw new Error('page_fault source: give a pid or a command');
  const held = spawnHeld(o.cmd, o.args ?? [], o.stdio ?? 'inherit');
  let source: PageFaultSource;
  try {
    o.onLaunched?.(held.child.pid!);
    source = mk(held.child.pid!);
    source.start(sink);
  } catch (e) {
    held.child.kill('SIGKILL');
    throw e;
  }
  held.go();
  return runOf(held.child.pid!, source, held.exited, held.child);
}

/** Working-set samples of a process every `intervalUs` from clear_refs + smaps (no helper). */
export function monitorReferencedBytes(
  o: { pid: number; intervalUs?: number; timeBaseUs?: number },
  onSample: (s: WssSample) => void,
): { stop(): void; ended: Promise<Error | undefined> } {
  const src = new ReferencedBytesSource(o);
  let resolveEnd: (e: Error | undefined) => void = () => undefined;
  const ended = new Promise<Error | undefined>((r) => (resolveEnd = r));
  src.start(onSample, (e) => resolveEnd(e));
  return {
    ended,
    stop() {
      src.stop();
      resolveEnd(undefined);
    },
  };
}
