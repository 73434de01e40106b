/**
 * perf as a report source: `perf record -o -` piped into `perf script -i -`, parsed as it streams
 * (perf-script.ts), or a saved `perf script` text file. Modes:
 *   mem         perf mem record (PEBS/IBS/SPE: loads and stores with data addresses). Needs a hardware
 *               PMU; this project's VM has none, so this mode is only tested on fixture text.
 *   page-faults perf record -e page-faults -c 1 -d: every fault with its address (no read/write bit).
 *   tracepoint  perf record -e exceptions:page_fault_user -c 1: address and error_code (read/write).
 * Samples carry CPU (--sample-cpu) and pid/tid; times are CLOCK_MONOTONIC (-k CLOCK_MONOTONIC), in µs
 * minus timeBaseUs. Lost events: perf's "lost N chunks" / "LOST N events" warnings are counted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readChunks } from '../trace/chunk-reader.js';
import { PerfScriptParser, type PerfScriptStats } from './perf-script.js';
import { ReportBatcher, type ReportSink, type ReportSource, type SourceStats } from './source.js';

export type PerfMode = 'mem' | 'page-faults' | 'tracepoint';

export interface PerfSourceOptions {
  mode?: PerfMode;
  /** Attach to this process (-p) ... */
  pid?: number;
  /** ... or launch this command under perf. */
  cmd?: string;
  args?: readonly string[];
  /** The perf binary (default "perf"). */
  perf?: string;
  timeBaseUs?: number;
}

const SCRIPT_FIELDS: Record<PerfMode, string> = {
  mem: 'comm,pid,tid,cpu,time,event,addr,data_src',
  'page-faults': 'comm,pid,tid,cpu,time,event,addr',
  tracepoint: 'comm,pid,tid,cpu,time,event,trace',
};

/** The perf record and perf script command lines for the options (exported for docs and tests). */
export function perfCommands(o: PerfSourceOptions): { record: string[]; script: string[] } {
  const mode = o.mode ?? 'tracepoint';
  const target =
    o.pid !== undefined ? ['-p', String(o.pid)] : o.cmd ? ['--', o.cmd, ...(o.args ?? [])] : null;
  if (!target) throw new Error('perf source: give a pid or a command');
  const common = ['--sample-cpu', '-k', 'CLOCK_MONOTONIC', '-o', '-'];
  const record =
    mode === 'mem'
      ? ['mem', 'record', ...common, ...target]
      : mode === 'page-faults'
        ? ['record', '-e', 'page-faults', '-c', '1', '-d', ...common, ...target]
        : ['record', '-e', 'exceptions:page_fault_user', '-c', '1', ...common, ...target];
  return { record, script: ['script', '-i', '-', '-F', SCRIPT_FIELDS[mode]] };
}

/** Lost counts in perf's warnings on stderr. */
export function perfLostFromStderr(text: string): number {
  let lost = 0;
  for (const m of text.matchAll(/lost (\d+) chunks/g)) lost += Number(m[1]);
  for (const m of text.matchAll(/LOST (\d+) events/g)) lost += Number(m[1]);
  return lost;
}

export class PerfSource implements ReportSource {
  readonly name = 'perf';
  private record: ChildProcess | null = null;
  private parser: PerfScriptParser | null = null;
  private batcher: ReportBatcher | null = null;
  private stderr = '';
  private error: Error | null = null;
  /** Resolves when perf script has ended (the command exited, or stop()). */
  finished: Promise<void> = Promise.resolve();

  constructor(private readonly opts: PerfSourceOptions) {}

  start(sink: ReportSink): void {
    const perf = this.opts.perf ?? 'perf';
    const { record, script } = perfCommands(this.opts);
    this.batcher = new ReportBatcher(sink);
    const parser = new PerfScriptParser('perf script', this.batcher, this.opts.timeBaseUs ?? 0);
    this.parser = parser;
    const rec = spawn(perf, record, { stdio: ['ignore', 'pipe', 'pipe'] });
    const scr = spawn(perf, script, { stdio: [rec.stdout!, 'pipe', 'pipe'] });
    this.record = rec;
    for (const p of [rec, scr]) {
      p.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
      p.once('error', (e) => (this.error ??= new Error(`perf source: cannot run '${perf}': ${e.message}`)));
    }
    scr.stdout!.on('data', (d: Buffer) => {
      try {
        parser.feed(d);
        this.batcher!.flush();
      } catch (e) {
        this.error ??= e as Error;
        rec.kill('SIGINT');
      }
    });
    this.finished = new Promise((resolve) => scr.once('close', () => resolve()));
  }

  stats(): SourceStats {
    const s: PerfScriptStats = this.parser?.stats ?? {
      lines: 0,
      samples: 0,
      loads: 0,
      stores: 0,
      unknownKind: 0,
    };
    return { reports: this.batcher?.delivered ?? 0, lost: perfLostFromStderr(this.stderr), ...s };
  }

  /** Stops perf record (SIGINT: it flushes), parses the rest, throws what went wrong (naming perf's stderr). */
  async stop(): Promise<SourceStats> {
    if (this.record && this.record.exitCode === null) this.record.kill('SIGINT');
    await this.finished;
    this.parser?.end();
    const rc = this.record?.exitCode;
    if (!this.error && this.parser && this.parser.stats.samples === 0 && rc !== 0 && rc !== null)
      this.error = new Error(
        `perf source: perf record failed (exit ${rc}): ${this.stderr.trim().split('\n').slice(-3).join(' / ')}`,
      );
    if (this.error) throw this.error;
    return this.stats();
  }
}

/** Parses a saved `perf script` text file into reports; returns the parse counters. */
export async function readPerfScriptFile(
  path: string,
  sink: ReportSink,
  timeBaseUs = 0,
): Promise<PerfScriptStats> {
  const batcher = new ReportBatcher(sink);
  const parser = new PerfScriptParser(path, batcher, timeBaseUs);
  for await (const chunk of readChunks(path)) parser.feed(Buffer.from(chunk));
  parser.end();
  return parser.stats;
}
