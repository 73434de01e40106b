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
import type { Command } from 'commander';
import { kernelPaddrRegions } from '../../../backends/kernel/numa-layout.js';
import { recordKernel, recordOngoing } from '../../../backends/kernel/recorder.js';
import { DEFAULT_MACHINE_CONFIG } from '../../../backends/sim/config.js';
import { HUGE_PAGE_SIZE } from '../../../backends/sim/layout.js';
import { simPaddrRegions } from '../../../backends/sim/node-ranges.js';
import { type FootprintSnapshot, writeMemFootprints } from '../../../records/mem-footprint.js';
import { RecordWriter } from '../../../records/writer.js';
import { RECORD_FORMATS, type RecordFormat } from '../../../records/types.js';
import {
  addMonitoringOptions,
  deduceTarget,
  optionsToKdamonds,
  type DeducedTarget,
  type MonitoringOptions,
} from '../../config/options.js';
import type { KdamondsConfig } from '../../config/schema.js';
import { textToUs } from '../../config/units.js';
import { kernelCanRun } from '../../session/kernel-session.js';
import { LIVE_SOURCES, runLiveSession, type LiveSessionResult } from '../../session/live-session.js';
import { progressBar, yieldToEventLoop } from '../../session/progress.js';
import { simFootprintSnapshot } from '../../session/sim-footprints.js';
import { loadSimWorkload, machineWithWorkload, SimSession } from '../../session/sim-session.js';
import { UsageError } from '../errors.js';

export interface RecordOptions extends MonitoringOptions {
  workload?: string;
  trace?: string;
  out: string;
  output_type: string;
  timeout?: string;
  seed?: string;
  nodes?: string;
  snapshot?: string[];
  protection?: string;
  force?: boolean;
  exact_writes?: boolean;
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

function parseSeed(o: RecordOptions): number {
  if (o.seed === undefined) return 1;
  const n = Number(o.seed);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1)
    throw new UsageError(`--seed: expected an integer in [0, 2^32-1], got "${o.seed}"`);
  return n;
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

/**
 * Aborts on the first SIGINT/SIGTERM, so that the recording ends and is written; a second one takes
 * the default action. The handler stays installed until off(): other cleanups that listen to the
 * same signals (tracefs, launched programs) then know the process goes on, and do not re-raise it.
 */
function abortOnSignals(): { signal: AbortSignal; off: () => void } {
  const ac = new AbortController();
  const off = (): void => {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  };
  function on(sig: NodeJS.Signals): void {
    if (!ac.signal.aborted) return ac.abort();
    off();
    process.kill(process.pid, sig);
  }
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return { signal: ac.signal, off };
}

async function recordSim(o: RecordOptions, writer: RecordWriter, signal: AbortSignal): Promise<void> {
  const seed = parseSeed(o);
  if (o.protection !== undefined && o.protection !== 'none' && o.protection !== 'write')
    throw new UsageError(`--protection: expected none or write, got "${o.protection}"`);
  if (o.snapshot)
    throw new UsageError(
      "--snapshot: tried-regions snapshots are the kernel's; the simulated session records every aggregation",
    );
  const workload = loadSimWorkload({ workload: o.workload, trace: o.trace });
  const nodes = parseNodes(o);
  // Each node needs a CPU of its own (CPUs are split evenly over the nodes).
  const machine = machineWithWorkload(workload, {
    seed,
    nodes,
    cpus: Math.max(DEFAULT_MACHINE_CONFIG.cpus, nodes),
  });
  const paddr = (o.ops ?? []).some((x) => x === 'paddr' || x === 'paddr_fault');
  const pid = workload.mainPid;
  if (!paddr && pid === undefined)
    throw new Error(`workload ${workload.name}: no process to monitor with vaddr`);
  const target: DeducedTarget = paddr ? { kind: 'paddr' } : { kind: 'pid', pid: pid! };
  const config = optionsToKdamonds(o, target, { paddrRegions: simPaddrRegions(machine) });
  config.kdamonds.forEach((k, i) =>
    k.contexts.forEach((c) => {
      if (c.ops === 'fvaddr' && c.targets.some((t) => t.regions.length === 0))
        throw new UsageError(`--ops fvaddr (kdamond ${i}): give the regions with -r/--regions`);
    }),
  );
  const session = new SimSession({
    config,
    machine,
    sink: writer,
    seed,
    protection: o.protection as 'none' | 'write' | undefined,
  });
  const total = parseTimeoutUs(o) ?? workload.durationUs ?? Number.POSITIVE_INFINITY;
  const bar = progressBar('record');
  // damo samples the footprints once a second while it records.
  const footprints: FootprintSnapshot[] | null = parseDoRecord(o, true).footprints ? [] : null;
  const pids = paddr ? [] : [pid!];
  let nextFootprintUs = session.now;
  try {
    const step = config.kdamonds[0]?.contexts[0]?.intervals.aggr_us ?? 100_000;
    while (!session.done && session.now < total && !signal.aborted) {
      if (footprints && session.now >= nextFootprintUs) {
        footprints.push(simFootprintSnapshot(machine, pids));
        nextFootprintUs += 1_000_000;
      }
      session.run(Math.min(total, session.now + step), { stepUs: step });
      if (Number.isFinite(total)) bar.update(session.now, total);
      await yieldToEventLoop();
    }
    if (footprints) writeMemFootprints(`${o.out}.mem_footprint`, footprints);
  } finally {
    bar.stop();
    session.stop();
  }
}

/** The run's summary: the source, what it cannot see, what it delivered and what it cost. */
function liveSummary(r: LiveSessionResult): string {
  const s = LIVE_SOURCES[r.source];
  const st = r.stats;
  const cost =
    st.monitorUs !== undefined
      ? `, monitor ${(st.monitorUs / 1000).toFixed(0)} ms in ${st.samples ?? 0} samples`
      : '';
  const written =
    st.pagesWritten !== undefined
      ? `, ${st.pagesWritten} written pages seen (${st.unattributed ?? 0} without CPU/thread)`
      : '';
  const exit = r.exit !== undefined ? `; the program exited with ${r.exit}` : '';
  return (
    `damon-ts: live ${r.source} of pid ${r.pid}: ${r.reports.reportsApplied} reports applied, ${st.lost ?? 0} events lost${written}${cost}${exit}\n` +
    `damon-ts: source: ${s.how}; cannot see: ${s.blind}\n`
  );
}

/** A launched command's pid, and a promise of its exit. */
async function launch(cmd: string[]): Promise<{ pid: number; exited: Promise<unknown> }> {
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'inherit' });
  const exited = new Promise((r) => child.once('exit', r));
  // spawn reports a missing program asynchronously, as an 'error' event (no pid then).
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e) => reject(new Error(`cannot start ${cmd[0]}: ${e.message}`)));
  });
  return { pid: child.pid!, exited };
}

async function recordReal(
  o: RecordOptions,
  target: DeducedTarget | undefined,
  cmd: string[] | null,
  writer: RecordWriter,
  signal: AbortSignal,
): Promise<void> {
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
    const r = await runLiveSession({
      config,
      pid: target?.kind === 'pid' ? target.pid : undefined,
      cmd: cmd ?? undefined,
      exact: o.exact_writes,
      sink: writer,
      signal,
      timeoutMs,
      seed: parseSeed(o),
    });
    process.stderr.write(liveSummary(r));
    return;
  }
  const launched = cmd ? await launch(cmd) : null;
  const deduced = launched ? ({ kind: 'pid', pid: launched.pid } as const) : target;
  const config: KdamondsConfig = optionsToKdamonds(o, deduced, { paddrRegions: kernelPaddrRegions() });
  if (!kernelCanRun(config))
    throw new Error(
      `this kernel has no DAMON sysfs interface offering ${config.kdamonds.map((k) => k.contexts[0]!.ops).join(', ')}: record a simulated workload with --workload instead`,
    );
  const ac = new AbortController();
  signal.addEventListener('abort', () => ac.abort(), { once: true });
  void launched?.exited.then(() => ac.abort());
  await recordKernel(config, writer, {
    signal: ac.signal,
    timeoutMs,
    snapshot: parseSnapshot(o),
    force: o.force,
  });
}

/** `record ongoing`: the kdamonds already running in the kernel, read without changing them. */
async function recordRunning(o: RecordOptions, writer: RecordWriter, signal: AbortSignal): Promise<void> {
  const timeoutUs = parseTimeoutUs(o);
  const r = await recordOngoing(writer, {
    signal,
    timeoutMs: timeoutUs === undefined ? undefined : Math.ceil(timeoutUs / 1000),
  });
  process.stderr.write(`damon-ts: recorded ${r.snapshots} snapshot(s) of the running kdamond(s)\n`);
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
  damon-ts record paddr --timeout 10                # the kernel's DAMON, physical memory
  damon-ts record paddr --numa_node 0 --timeout 10  # the kernel's DAMON, the System RAM of node 0
  damon-ts record --workload hot-cold --nodes 2 --ops paddr --numa_node 1   # simulated node 1
  damon-ts record ongoing --timeout 30              # the kdamonds already running, read only
  damon-ts record 1234 --sample_primitives page_fault --timeout 5
  damon-ts record --sample_primitives page_fault --exp_ops_write_only -- ./prog arg
  damon-ts record --sample_primitives page_fault --exp_ops_write_only --exp_ops_cpus 0 -- ./prog   # writes by CPU 0
  damon-ts record --sample_primitives page_fault --exp_ops_write_only y 1234   # a running process (soft-dirty)`,
  );
  cmd.action(async (args: string[], o: RecordOptions) => {
    if (!(RECORD_FORMATS as readonly string[]).includes(o.output_type))
      throw new UsageError(
        `--output_type: expected one of ${RECORD_FORMATS.join(', ')}, got "${o.output_type}"`,
      );
    const sim = o.workload !== undefined || o.trace !== undefined || (args.length === 0 && !o.kdamonds);
    if (o.workload !== undefined && o.trace !== undefined)
      throw new UsageError('--workload and --trace: give one of them');
    if (sim && args.length > 0)
      throw new UsageError(
        `target "${args.join(' ')}": --workload/--trace run on the simulated machine; give no target with them`,
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
    const writer = RecordWriter.open(o.out, o.output_type as RecordFormat);
    const { signal, off } = abortOnSignals();
    try {
      if (sim) await recordSim(o, writer, signal);
      else if (ongoing) await recordRunning(o, writer, signal);
      else await recordReal(o, target, command, writer, signal);
      writer.close();
    } finally {
      off();
      writer.abort();
    }
  });
}
