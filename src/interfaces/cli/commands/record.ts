/**
 * `damon-ts record [TARGET]` (damo's record): monitors and writes the aggregated snapshots to a
 * record file (-o, default damon.data).
 * - no target, --workload NAME|FILE.cfg or --trace FILE: the simulated machine runs the workload
 *   (default: the built-in stairs) and DAMON monitors it (default ops: vaddr of its main process);
 * - `paddr` or a pid: the kernel's DAMON (page_table), or live page-fault reports of the pid
 *   (--sample_primitives page_fault);
 * - a command (`record "prog args"` or `record -- prog args`): launched and monitored: write-only
 *   (page_fault + --exp_ops_write_only) through the uffd-wp helper, page_fault through the fault
 *   tracepoint, page_table through the kernel's DAMON on its pid.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { RecordStats } from '../../../backends/kernel/recorder.js';
import { DEFAULT_MACHINE_CONFIG } from '../../../backends/sim/config.js';
import { HUGE_PAGE_SIZE } from '../../../backends/sim/layout.js';
import type { Machine } from '../../../backends/sim/machine.js';
import type { FootprintSnapshot } from '../../../records/mem-footprint.js';
import { RecordWriter } from '../../../records/writer.js';
import { RECORD_FORMATS, type RecordFormat } from '../../../records/types.js';
import {
  deduceTarget,
  optionsToKdamonds,
  type DeducedTarget,
  type MonitoringOptions,
} from '../../../config/damo-options.js';
import { addMonitoringOptions } from '../shared/monitoring-options.js';
import type { KdamondsConfig } from '../../../config/schema.js';
import { textToUs } from '../../../config/units.js';
import { progressBar } from '../shared/progress.js';
import { yieldToEventLoop } from '../../../runners/event-loop.js';
import { UsageError } from '../../../config/errors.js';
import { ExitStatus } from '../errors.js';
import { parseSeed } from '../shared/args.js';

export interface RecordOptions extends MonitoringOptions {
  workload?: string;
  trace?: string;
  replay?: string;
  out: string;
  output_type: string;
  timeout?: string;
  seed?: string;
  nodes?: string;
  snapshot?: string[];
  protection?: string;
  force?: boolean;
  exact_writes?: boolean;
  slices?: string;
  do_record?: string[];
}

const DO_RECORD = ['access', 'cpu_profile', 'mem_footprint', 'vmas', 'proc_stats', 'damon_trace_events'];

/** --do_record: what to record besides the access pattern; damo's default records footprints too. */
function parseDoRecord(o: RecordOptions, sim: boolean): { footprints: boolean } {
  const what = o.do_record ?? ['access', ...(sim ? ['mem_footprint'] : [])];
  for (const w of what) {
    if (!DO_RECORD.includes(w))
      throw new UsageError(`--do_record: '${w}' is not one of ${DO_RECORD.join(', ')}`);
    if (w !== 'access' && w !== 'mem_footprint')
      throw new UsageError(`--do_record ${w}: damon-ts records access and mem_footprint only`);
  }
  if (!what.includes('access')) throw new UsageError('--do_record: access must be recorded');
  if (what.includes('mem_footprint') && !sim)
    throw new UsageError('--do_record mem_footprint: recorded on the simulated machine only');
  return { footprints: what.includes('mem_footprint') };
}

function parseTimeoutUs(o: RecordOptions): number | undefined {
  if (o.timeout === undefined) return undefined;
  const n = Number(o.timeout);
  if (!(n > 0)) throw new UsageError(`--timeout: expected a positive number of seconds, got "${o.timeout}"`);
  return Math.round(n * 1e6);
}

function parseSnapshot(o: RecordOptions): { delayMs: number; count: number } | undefined {
  if (!o.snapshot) return undefined;
  if (o.snapshot.length !== 2) throw new UsageError('--snapshot: expected <delay> <count>');
  const delayUs = (() => {
    try {
      return textToUs(o.snapshot[0]!);
    } catch (e) {
      throw new UsageError(`--snapshot: ${(e as Error).message}`);
    }
  })();
  const count = Number(o.snapshot[1]);
  if (!Number.isInteger(count) || count < 0)
    throw new UsageError(`--snapshot: expected a non-negative count, got "${o.snapshot[1]}"`);
  return { delayMs: Math.max(1, Math.floor(delayUs / 1000)), count };
}

/** --nodes: the simulated RAM (default size) must split into whole 2 MiB blocks per node. */
function parseNodes(o: RecordOptions): number {
  if (o.nodes === undefined) return DEFAULT_MACHINE_CONFIG.nodes;
  const n = /^\d+$/.test(o.nodes) ? Number(o.nodes) : NaN;
  if (!(n >= 1 && n <= 64) || DEFAULT_MACHINE_CONFIG.memoryBytes % (HUGE_PAGE_SIZE * n) !== 0)
    throw new UsageError(
      `--nodes: expected 1, 2, 4, 8, 16, 32 or 64 (the simulated RAM splits evenly in 2 MiB blocks), got "${o.nodes}"`,
    );
  return n;
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Aborts on the first SIGINT/SIGTERM/SIGHUP, so that the recording ends and is written; a second one
 * takes the default action. The handler stays installed until off(): other cleanups that listen to
 * the same signals (tracefs, launched programs) then know the process goes on, and do not re-raise it.
 */
function abortOnSignals(): { signal: AbortSignal; off: () => void; received: () => NodeJS.Signals | null } {
  const ac = new AbortController();
  let received: NodeJS.Signals | null = null;
  const off = (): void => {
    for (const s of STOP_SIGNALS) process.off(s, on);
  };
  function on(sig: NodeJS.Signals): void {
    if (!ac.signal.aborted) {
      received = sig;
      return ac.abort();
    }
    off();
    process.kill(process.pid, sig);
  }
  for (const s of STOP_SIGNALS) process.on(s, on);
  return { signal: ac.signal, off, received: () => received };
}

/** A program's exit as a shell reports it: its code, or 128+signo when a signal killed it. */
function exitStatus(exit: number | string): number {
  if (typeof exit === 'number') return exit;
  const signo = (osConstants.signals as Record<string, number>)[exit];
  return signo === undefined ? 1 : 128 + signo;
}

/** How a recorded program ended, for `record -- PROG`'s own exit status. */
interface ProgramEnd {
  exit: number | string;
  /** --timeout ended it (the recording's end stopped it). */
  stopped: boolean;
}

/** Runs the simulated session; returns the virtual time recorded (µs). */
async function recordSim(o: RecordOptions, writer: RecordWriter, signal: AbortSignal): Promise<number> {
  const seed = parseSeed(o.seed);
  if (o.protection !== undefined && o.protection !== 'none' && o.protection !== 'write')
    throw new UsageError(`--protection: expected none or write, got "${o.protection}"`);
  if (o.snapshot)
    throw new UsageError(
      "--snapshot: tried-regions snapshots are the kernel's; the simulated session records every aggregation",
    );
  // The simulated machine loads only for a simulated run (the kernel and live paths start faster).
  const [{ setupSimRun }, { simFootprintSnapshot }, { loadReplayRecord, RecordReplayWorkload }, mem] =
    await Promise.all([
      import('../../../runners/sim-run.js'),
      import('../../../runners/sim-footprints.js'),
      import('../../../workloads/record-replay.js'),
      import('../../../records/mem-footprint.js'),
    ]);
  let load: InstanceType<typeof RecordReplayWorkload> | undefined;
  if (o.replay !== undefined) {
    const r = await loadReplayRecord(o.replay);
    if (r.nrRecords > 1)
      process.stderr.write(`damon-ts: ${o.replay} has ${r.nrRecords} records; replaying the first\n`);
    load = new RecordReplayWorkload(`replay of ${o.replay}`, r.plan);
    // Monitored as it was recorded, unless intervals are given.
    const iv = r.record.intervals!;
    if (!o.sample && !o.aggr && !o.updr && !o.monitoring_intervals && !o.kdamonds)
      o.monitoring_intervals = [`${iv.sample_us}`, `${iv.aggr_us}`, `${iv.ops_update_us}`];
  }
  const nodes = parseNodes(o);
  const { workload, machine, config, session, pid } = setupSimRun({
    load,
    workload: o.workload,
    trace: o.trace,
    seed,
    // Each node needs a CPU of its own (CPUs are split evenly over the nodes).
    machine: { nodes, cpus: Math.max(DEFAULT_MACHINE_CONFIG.cpus, nodes) },
    options: o,
    adjust: (config, machine, pid) => {
      config.kdamonds.forEach((k, i) =>
        k.contexts.forEach((c) => {
          if (c.ops === 'fvaddr' && c.targets.some((t) => t.regions.length === 0))
            throw new UsageError(`--ops fvaddr (kdamond ${i}): give the regions with -r/--regions`);
        }),
      );
      if (o.slices !== undefined) sliceContexts(config, o.slices, machine, pid);
    },
    sink: writer,
    protection: o.protection as 'none' | 'write' | undefined,
  });
  const total = parseTimeoutUs(o) ?? workload.durationUs ?? Number.POSITIVE_INFINITY;
  const bar = progressBar('record');
  // damo samples the footprints once a second while it records.
  const footprints: FootprintSnapshot[] | null = parseDoRecord(o, true).footprints ? [] : null;
  const pids = pid === null ? [] : [pid];
  let nextFootprintUs = session.now;
  try {
    const step = config.kdamonds[0]?.contexts[0]?.intervals.aggr_us ?? 100_000;
    while (!session.done && session.now < total && !signal.aborted) {
      if (footprints && session.now >= nextFootprintUs) {
        footprints.push(simFootprintSnapshot(machine, pids));
        nextFootprintUs += 1_000_000;
      }
      session.run(Math.min(total, session.now + step), { stepUs: step });
      if (Number.isFinite(total)) bar.update(session.now, total, `${writer.nrSnapshots} snapshots`);
      await yieldToEventLoop();
    }
    if (footprints) mem.writeMemFootprints(`${o.out}.mem_footprint`, footprints);
    return session.now;
  } finally {
    bar.stop();
    session.stop();
  }
}

/**
 * --slices: the context becomes one kdamond per thread of the target (or per CPU), each with an
 * "allow threads TID" ("allow cpumask CPU") sample filter added, so that each records the working
 * set of one thread (CPU). Needs the page_fault primitive (sample filters act on reports).
 */
function sliceContexts(config: KdamondsConfig, kind: string, machine: Machine, pid: number | null): void {
  if (kind !== 'thread' && kind !== 'cpu')
    throw new UsageError(`--slices: expected thread or cpu, got "${kind}"`);
  if (config.kdamonds.length !== 1)
    throw new UsageError('--slices: give one context (it is repeated for each thread or CPU)');
  const k = config.kdamonds[0]!;
  if (!k.contexts[0]!.sample.primitives.page_fault)
    throw new UsageError('--slices: needs --sample_primitives page_fault (the slices are sample filters)');
  if (kind === 'thread' && pid === null)
    throw new UsageError('--slices thread: needs a process target (vaddr)');
  const ids = kind === 'thread' ? machine.threadsOf(pid!) : [...Array(machine.config.cpus).keys()];
  config.kdamonds = ids.map((id) => {
    const c = structuredClone(k);
    const filters = c.contexts[0]!.sample.filters;
    const only =
      kind === 'thread'
        ? { type: 'threads' as const, tid_arr: [id] }
        : { type: 'cpumask' as const, cpumask: [id] };
    // Alone: damo's "allow" filter. Before other filters (e.g. write-only): first reject the
    // other threads (CPUs), so that the rest decides only for this one.
    if (filters.length === 0) filters.push({ ...only, matching: true, allow: true });
    else filters.unshift({ ...only, matching: false, allow: false });
    return c;
  });
}

/**
 * Throws unless `name` is an executable file (a path, or found in $PATH as the shell would): a
 * program that cannot start is refused before anything is recorded, not reported as its exit 127.
 */
function findProgram(name: string): void {
  const candidates = name.includes('/')
    ? [name]
    : (process.env.PATH ?? '').split(':').map((d) => join(d || '.', name));
  for (const c of candidates) {
    try {
      accessSync(c, fsConstants.X_OK);
      if (statSync(c).isFile()) return;
    } catch {
      // not this one
    }
  }
  throw new Error(
    `cannot start ${name}: ${name.includes('/') ? 'no executable file there' : 'no executable of that name in $PATH'}`,
  );
}

/** A launched command, and a promise of its exit code or signal name. */
async function launch(
  cmd: string[],
): Promise<{ pid: number; exited: Promise<number | string>; kill: () => boolean }> {
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'inherit' });
  const exited = new Promise<number | string>((r) => child.once('exit', (code, sig) => r(code ?? sig ?? 1)));
  // spawn reports a missing program asynchronously, as an 'error' event (no pid then).
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e) => reject(new Error(`cannot start ${cmd[0]}: ${e.message}`)));
  });
  return {
    pid: child.pid!,
    exited,
    kill: () => child.exitCode === null && child.signalCode === null && child.kill('SIGTERM'),
  };
}

async function recordReal(
  o: RecordOptions,
  target: DeducedTarget | undefined,
  cmd: string[] | null,
  writer: RecordWriter,
  signal: AbortSignal,
): Promise<ProgramEnd | null> {
  const pageFault = (o.sample_primitives ?? []).includes('page_fault') || o.exp_ops_use_reports === true;
  const timeoutUs = parseTimeoutUs(o);
  const timeoutMs = timeoutUs === undefined ? undefined : Math.ceil(timeoutUs / 1000);
  if (pageFault) {
    if (target?.kind === 'paddr')
      throw new UsageError(
        'paddr with page_fault needs the kernel RFC; live page-fault reports are per process: give a pid or a command',
      );
    // The live session puts the monitored pid into the target.
    const config = optionsToKdamonds(o, { kind: 'pid', pid: target?.kind === 'pid' ? target.pid : 0 });
    const live = await import('../../../runners/live-session.js');
    const r = await live.runLiveSession({
      config,
      pid: target?.kind === 'pid' ? target.pid : undefined,
      cmd: cmd ?? undefined,
      exact: o.exact_writes,
      sink: writer,
      signal,
      timeoutMs,
      seed: parseSeed(o.seed),
    });
    process.stderr.write(live.liveRunSummary(r));
    return cmd && r.exit !== undefined ? { exit: r.exit, stopped: r.timedOut } : null;
  }
  const [{ kernelPaddrRegions }, { recordKernel }, { kernelCanRun }] = await Promise.all([
    import('../../../backends/kernel/numa-layout.js'),
    import('../../../backends/kernel/recorder.js'),
    import('../../../runners/kernel-session.js'),
  ]);
  const launched = cmd ? await launch(cmd) : null;
  const deduced = launched ? ({ kind: 'pid', pid: launched.pid } as const) : target;
  const config: KdamondsConfig = optionsToKdamonds(o, deduced, { paddrRegions: kernelPaddrRegions() });
  if (!kernelCanRun(config))
    throw new Error(
      `this kernel has no DAMON sysfs interface offering ${config.kdamonds.map((k) => k.contexts[0]!.ops).join(', ')}: record a simulated workload with --workload instead`,
    );
  const ac = new AbortController();
  signal.addEventListener('abort', () => ac.abort(), { once: true });
  let ended = false;
  void launched?.exited.then(() => {
    ended = true;
    ac.abort();
  });
  try {
    warnDropped(
      await recordKernel(config, writer, {
        signal: ac.signal,
        timeoutMs,
        snapshot: parseSnapshot(o),
        force: o.force,
      }),
    );
  } finally {
    // The program does not outlive its recording (a refused or failed one included).
    if (launched && !ended) launched.kill();
  }
  if (!launched) return null;
  const stopped = !ended && !signal.aborted;
  return { exit: await launched.exited, stopped };
}

/** `record ongoing`: the kdamonds already running in the kernel, read without changing them. */
async function recordRunning(o: RecordOptions, writer: RecordWriter, signal: AbortSignal): Promise<void> {
  const timeoutUs = parseTimeoutUs(o);
  const { recordOngoing } = await import('../../../backends/kernel/recorder.js');
  const r = await recordOngoing(writer, {
    signal,
    timeoutMs: timeoutUs === undefined ? undefined : Math.ceil(timeoutUs / 1000),
  });
  warnDropped(r);
  process.stderr.write(`damon-ts: recorded ${r.snapshots} snapshot(s) of the running kdamond(s)\n`);
}

/** A record with gaps says so: aggregations the kernel's events did not fully deliver. */
function warnDropped(r: RecordStats): void {
  const lost = r.lost ? r.lost.overrun + r.lost.dropped + r.lost.missedStored : 0;
  if (r.incompleteAggregations > 0 || lost > 0)
    process.stderr.write(
      `damon-ts: ${r.incompleteAggregations} incomplete aggregation(s) left out of the record (trace events lost: ${lost})\n`,
    );
}

export function register(program: Command): void {
  const cmd = program
    .command('record')
    .description(
      'record the data access pattern of a simulated workload, a process, a command or the physical address space',
    )
    .argument(
      '[target...]',
      'nothing (simulated default workload), paddr, a pid, a command, or kdamonds JSON',
    );
  addMonitoringOptions(cmd);
  cmd
    .option(
      '--workload <name|file.cfg>',
      'run this built-in workload or masim configuration on the simulated machine',
    )
    .option(
      '--trace <file>',
      'replay this trace (valgrind lackey log or damon-ts binary trace) on the simulated machine',
    )
    .option(
      '--replay <record>',
      "replay this record's access pattern on the simulated machine (monitored with its intervals unless given)",
    )
    .option('-o, --out <file>', 'output record file', 'damon.data')
    .option('--output_type <type>', `record format (${RECORD_FORMATS.join(', ')})`, 'json_compressed')
    .option('--timeout <seconds>', 'stop after this long (virtual seconds on the simulated machine)')
    .option('--seed <n>', 'seed of the simulated machine and the monitors (default 1)')
    .option('--nodes <n>', 'NUMA nodes of the simulated machine (RAM and CPUs split evenly; default 1)')
    .option(
      '--snapshot <delay_count...>',
      'kernel: record tried-regions snapshots every <delay> for <count> times instead of tracepoints',
    )
    .option(
      '--protection <kind>',
      'simulated page_fault primitive: none (PAGE_NONE) or write (write-protect); default: write for a write-only view',
    )
    .option(
      '--slices <kind>',
      'simulated machine: one context per thread (thread) or CPU (cpu) of the target, each with its own sample filter, for report sharing',
    )
    .option(
      '--exact_writes',
      'live write-only of a command: report every written page (every page write-protected each sample: the program pays a fault per written page per sample) instead of sampling',
    )
    .option(
      '--do_record <what...>',
      'what to record: access, and (simulated machine, default there) mem_footprint into <out>.mem_footprint',
    )
    .option(
      '--force',
      'kernel: take over running kdamonds damon-ts did not start (their configuration is restored and restarted at the end)',
    );
  cmd.addHelpText(
    'after',
    `
Examples:
  damon-ts record                                   # the stairs workload on the simulated machine
  damon-ts record --workload hot-cold --sample_primitives page_fault -o hc.data
  damon-ts record --workload my.cfg --ops paddr --exp_ops_write_only --sample_primitives page_fault
  damon-ts record --trace prog.lackey --output_type json
  damon-ts record --replay orig.data -o replayed.data   # orig.data's pattern replayed on the simulated machine
  damon-ts record --workload thread-pairs --sample_primitives page_fault --slices thread   # then: report sharing
  damon-ts record paddr --timeout 10                # the kernel's DAMON, physical memory
  damon-ts record paddr --numa_node 0 --timeout 10  # the kernel's DAMON, the System RAM of node 0
  damon-ts record --workload hot-cold --nodes 2 --ops paddr --numa_node 1   # simulated node 1
  damon-ts record ongoing --timeout 30              # the kdamonds already running, read only
  damon-ts record 1234 --sample_primitives page_fault --timeout 5
  damon-ts record --sample_primitives page_fault --exp_ops_write_only -- ./prog arg
  damon-ts record --sample_primitives page_fault --exp_ops_write_only --exp_ops_cpus 0 -- ./prog   # writes by CPU 0
  damon-ts record --sample_primitives page_fault --exp_ops_write_only y 1234   # a running process (soft-dirty)

The output: a FIFO, symlink, device or directory is refused; a file it replaces is kept as FILE.old;
it is a complete record after every flush (once a second). Exit status: the launched program's
(128+signal if killed); 128+signal when a signal stopped the recording.
Limitation: write-only monitoring of a launched command registers its anonymous memory with
damon-ts's userfaultfd, so the program's own UFFDIO_REGISTER of that memory fails with EBUSY;
monitor such a program by pid instead (soft-dirty).`,
  );
  cmd.action(async (args: string[], o: RecordOptions) => {
    if (!(RECORD_FORMATS as readonly string[]).includes(o.output_type))
      throw new UsageError(
        `--output_type: expected one of ${RECORD_FORMATS.join(', ')}, got "${o.output_type}"`,
      );
    const sources = [o.workload, o.trace, o.replay].filter((x) => x !== undefined).length;
    const sim = sources > 0 || (args.length === 0 && !o.kdamonds);
    if (sources > 1) throw new UsageError('--workload, --trace and --replay: give one of them');
    if (sim && args.length > 0)
      throw new UsageError(
        `target "${args.join(' ')}": --workload/--trace/--replay run on the simulated machine; give no target with them`,
      );
    if (!sim) parseDoRecord(o, false);
    let target: DeducedTarget | undefined;
    let command: string[] | null = null;
    const ongoing = args.length === 1 && args[0] === 'ongoing';
    if (args.length > 1) command = args;
    else if (args.length === 1 && !ongoing) {
      target = deduceTarget(args[0]);
      if (target?.kind === 'cmd') command = args[0]!.split(/\s+/).filter(Boolean);
    }
    if (command) findProgram(command[0]!);
    // Refuses an output that is not a regular file before anything runs.
    const writer = RecordWriter.open(o.out, o.output_type as RecordFormat);
    const { signal, off, received } = abortOnSignals();
    let end: ProgramEnd | null = null;
    const t0 = performance.now();
    try {
      let virtualUs: number | undefined;
      if (sim) virtualUs = await recordSim(o, writer, signal);
      else if (ongoing) await recordRunning(o, writer, signal);
      else end = await recordReal(o, target, command, writer, signal);
      writer.close();
      const span =
        virtualUs !== undefined
          ? `${(virtualUs / 1e6).toFixed(1)} s virtual`
          : `${((performance.now() - t0) / 1000).toFixed(1)} s`;
      process.stderr.write(`damon-ts: wrote ${o.out}: ${writer.nrSnapshots} snapshots, ${span}\n`);
    } finally {
      off();
      writer.abort();
    }
    const sig = received();
    if (sig) throw new ExitStatus(128 + osConstants.signals[sig], `${sig}: recording stopped`);
    if (end && end.stopped) {
      const how = typeof end.exit === 'number' ? `exit status ${end.exit}` : `signal ${end.exit}`;
      throw new ExitStatus(
        exitStatus(end.exit),
        `--timeout ${o.timeout} s ended the program ${command!.join(' ')} (${how})`,
      );
    }
    // As perf does: the recorded program's exit status is the command's.
    if (end && exitStatus(end.exit) !== 0) throw new ExitStatus(exitStatus(end.exit));
  });
}
