/**
 * valgrind lackey as a report source, live (valgrind's log streamed through a pipe) or from a saved
 * log, on top of the trace layer's lackey decoder (src/backends/trace/lackey-decoder.ts: loads,
 * stores, modifies, threads from --trace-sched and OS tids from --trace-syscalls).
 *
 * Every memory access is reported (exact, no sampling). valgrind serializes threads, so cpu is -1.
 * Time: with clock 'trace' a report carries the log's instruction-count time (µs since the start
 * of the run, plus timeBaseUs); with 'arrival' (the default for live runs, whose consumer samples on
 * a wall clock) it carries CLOCK_MONOTONIC µs − timeBaseUs at the moment its chunk arrived.
 * Expect valgrind to run the program 100–1000× slower than native (platform-notes B.3).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { readChunks } from '../trace/chunk-reader.js';
import { LackeyDecoder } from '../trace/lackey-decoder.js';
import type { TraceInfo } from '../trace/trace-batch.js';
import {
  monotonicUs,
  ReportBatcher,
  type ReportSink,
  type ReportSource,
  type SourceStats,
} from './source.js';

export interface LackeySourceOptions {
  cmd: string;
  args?: readonly string[];
  valgrind?: string;
  clock?: 'trace' | 'arrival';
  timeBaseUs?: number;
  /** Guest instructions per second for the trace clock (the decoder's default otherwise). */
  instructionsPerSecond?: number;
  /** stdio of the program (default inherit). */
  stdio?: 'inherit' | 'ignore';
}

/** The valgrind command line of a live lackey run: the log goes to fd 3. */
export function lackeyCommand(o: LackeySourceOptions): string[] {
  return [
    '--tool=lackey',
    '--trace-mem=yes',
    '--trace-sched=yes',
    '--trace-syscalls=yes',
    '--log-fd=3',
    o.cmd,
    ...(o.args ?? []),
  ];
}

/** Feeds a lackey stream into reports. */
class LackeyReports {
  readonly info: TraceInfo = {};
  readonly decoder: LackeyDecoder;
  readonly batcher: ReportBatcher;
  records = 0;

  constructor(
    source: string,
    sink: ReportSink,
    private readonly clock: 'trace' | 'arrival',
    private readonly timeBaseUs: number,
    ips?: number,
  ) {
    this.decoder = new LackeyDecoder(source, this.info, ips ? { instructionsPerSecond: ips } : {});
    this.batcher = new ReportBatcher(sink);
  }

  feed(chunk: Uint8Array): void {
    this.decoder.feed(chunk);
    this.drain();
  }

  end(): void {
    this.decoder.end();
    this.drain();
    this.batcher.flush();
  }

  private drain(): void {
    const arrival = this.clock === 'arrival' ? monotonicUs() - this.timeBaseUs : 0;
    const tgid = this.info.pid ?? -1;
    for (const b of this.decoder.queue.drain()) {
      for (let i = 0; i < b.length; i++) {
        const t = this.clock === 'arrival' ? arrival : Math.floor(b.timeNs[i]! / 1000) + this.timeBaseUs;
        this.batcher.push(b.addr[i]!, b.size[i]!, -1, b.tid[i]!, tgid, b.isWrite[i] === 1, t);
      }
      this.records += b.length;
    }
  }
}

export class LackeySource implements ReportSource {
  readonly name = 'lackey';
  private child: ChildProcess | null = null;
  private feed: LackeyReports | null = null;
  private error: Error | null = null;
  /** Resolves when valgrind's log has ended. */
  finished: Promise<void> = Promise.resolve();

  constructor(private readonly opts: LackeySourceOptions) {}

  start(sink: ReportSink): void {
    const o = this.opts;
    const feed = new LackeyReports(
      `valgrind lackey of ${o.cmd}`,
      sink,
      o.clock ?? 'arrival',
      o.timeBaseUs ?? 0,
      o.instructionsPerSecond,
    );
    this.feed = feed;
    const io = o.stdio ?? 'inherit';
    const child = spawn(o.valgrind ?? 'valgrind', lackeyCommand(o), { stdio: [io, io, io, 'pipe'] });
    this.child = child;
    child.once(
      'error',
      (e) => (this.error ??= new Error(`lackey source: cannot run valgrind: ${e.message}`)),
    );
    const log = child.stdio[3] as Readable;
    log.on('data', (d: Buffer) => {
      if (this.error) return;
      try {
        feed.feed(d);
      } catch (e) {
        this.error = e as Error;
        child.kill('SIGKILL');
      }
    });
    this.finished = new Promise((resolve) => log.once('close', () => resolve()));
  }

  get pid(): number | undefined {
    return this.feed?.info.pid;
  }

  stats(): SourceStats {
    return { reports: this.feed?.batcher.delivered ?? 0, lost: 0, records: this.feed?.records ?? 0 };
  }

  /** Waits for the program to end (or kills it with `kill`), then flushes. Throws decode errors. */
  async stop(kill = false): Promise<SourceStats> {
    if (kill && this.child && this.child.exitCode === null) this.child.kill('SIGTERM');
    await this.finished;
    if (!this.error) this.feed?.end();
    if (this.error) throw this.error;
    return this.stats();
  }
}

/** Reports from a saved lackey log (trace clock). Returns the number of reports. */
export async function readLackeyLog(path: string, sink: ReportSink, timeBaseUs = 0): Promise<number> {
  const feed = new LackeyReports(path, sink, 'trace', timeBaseUs);
  for await (const chunk of readChunks(path)) feed.feed(chunk);
  feed.end();
  return feed.batcher.delivered;
}
