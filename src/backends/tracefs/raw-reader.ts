/**
 * Reader of the binary per-CPU ring buffers (per_cpu/cpuN/trace_pipe_raw) of a trace instance.
 *
 * The files are opened O_NONBLOCK and drained in a short poll loop: a blocking read would sit in the
 * libuv thread pool and keep the process alive until the next event (platform-notes B.2). Each read
 * returns at most one sub-buffer, which is decoded at once into the handler; the buffer is reused, so
 * handlers copy what they keep. Lost events are never hidden: pages flagged "missed" are counted, and
 * the per-CPU stats (overrun, dropped events) are read at stop and on demand.
 *
 * Each CPU's buffer is in time order, but draining them one after the other is not: a kdamond that
 * moved from CPU 1 to CPU 0 has its older events read after its newer ones. With `ordered`, events
 * are merged by timestamp the way trace_pipe does, with a watermark: an event stamped before the
 * previous poll began was already in its CPU's buffer when that poll read it, so each poll delivers,
 * sorted, everything older than the previous poll's start; the rest waits for the next poll (or
 * stop). The instance's clock must then be 'mono', comparable with process.hrtime.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import type { HeaderPage } from './format.js';
import type { TraceInstance } from './instance.js';
import { decodeSubbuffer, type RawEventHandler } from './ring-buffer.js';
import type { CpuTraceStats } from './stats.js';

/** Called per event with the CPU whose buffer held it; `off` points at the u16 common_type. */
export type CpuEventHandler = (cpu: number, buf: Buffer, off: number, len: number, timeNs: number) => void;

export interface RawReaderOptions {
  /** CPUs to read (default: all of the instance). */
  cpus?: readonly number[];
  /** Poll period in ms (default 5). */
  pollMs?: number;
  /** Called after each poll that decoded events (e.g. to flush a report batch). */
  onPollEnd?: () => void;
  /** Called when reading fails in the background poll (the reader stops). */
  onError?: (e: Error) => void;
  /** Deliver events in timestamp order across CPUs (see the header; the clock must be 'mono'). */
  ordered?: boolean;
}

interface HeldEvent {
  cpu: number;
  timeNs: number;
  data: Buffer;
}

const nowNs = (): number => Number(process.hrtime.bigint());

export interface LostEvents {
  /** Sum over CPUs of events overwritten before being read, since the reader started. */
  overrun: number;
  /** Sum over CPUs of events the kernel dropped (buffer full), since the reader started. */
  dropped: number;
  /** Pages that came with the kernel's missed-events flag. */
  pagesFlaggedMissed: number;
  /** Sum of the lost counts the kernel stored in flagged pages (where it had room to store them). */
  missedStored: number;
}

export class RawTraceReader {
  readonly cpus: readonly number[];
  private readonly fds: number[] = [];
  private readonly baseline: CpuTraceStats[] = [];
  private readonly hdr: HeaderPage;
  private readonly page: Buffer;
  private readonly pollMs: number;
  private timer: NodeJS.Timeout | null = null;
  private removeCloser: (() => void) | null = null;
  private cpuIndex = 0;
  private readonly dispatch: RawEventHandler;
  /** Events read but not yet delivered (ordered), and the time the previous poll began. */
  private held: HeldEvent[] = [];
  private watermarkNs = 0;
  /** Events decoded so far. */
  events = 0;
  pagesFlaggedMissed = 0;
  missedStored = 0;

  constructor(
    private readonly instance: TraceInstance,
    private readonly onEvent: CpuEventHandler,
    private readonly opts: RawReaderOptions = {},
  ) {
    this.cpus = opts.cpus ?? instance.cpus();
    this.hdr = instance.headerPage();
    this.page = Buffer.alloc(instance.subbufSize());
    this.pollMs = opts.pollMs ?? 5;
    this.dispatch = opts.ordered
      ? (buf, off, len, timeNs) =>
          this.held.push({ cpu: this.cpuIndex, timeNs, data: Buffer.from(buf.subarray(off, off + len)) })
      : (buf, off, len, timeNs) => this.onEvent(this.cpuIndex, buf, off, len, timeNs);
  }

  /** Opens the per-CPU buffers and starts the poll loop (unless `manual`: then call poll() yourself). */
  start(manual = false): void {
    if (this.fds.length > 0) throw new Error('tracefs reader: already started');
    for (const cpu of this.cpus) {
      const path = this.instance.perCpuPath(cpu, 'trace_pipe_raw');
      try {
        this.fds.push(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
      } catch (e) {
        this.closeFds();
        throw new Error(`tracefs: opening ${path} failed: ${(e as Error).message}`);
      }
      this.baseline.push(this.instance.cpuStats(cpu));
    }
    this.removeCloser = this.instance.addCloser(() => this.closeFds());
    this.watermarkNs = nowNs();
    if (!manual) this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      try {
        this.poll();
      } catch (e) {
        this.timer = null;
        this.opts.onError?.(e as Error);
        return;
      }
      this.schedule();
    }, this.pollMs);
  }

  /** Reads and decodes everything pending on every CPU now; returns the number of events. */
  poll(): number {
    const before = this.events;
    const size = this.page.length;
    const began = nowNs();
    for (let k = 0; k < this.fds.length; k++) {
      const fd = this.fds[k]!;
      this.cpuIndex = this.cpus[k]!;
      for (;;) {
        let n: number;
        try {
          n = readSync(fd, this.page, 0, size, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
          throw new Error(
            `tracefs: reading cpu${this.cpuIndex}/trace_pipe_raw failed: ${(e as Error).message}`,
          );
        }
        if (n <= 0) break;
        const info = decodeSubbuffer(this.page, 0, n, this.hdr, this.dispatch);
        this.events += info.events;
        if (info.missed) {
          this.pagesFlaggedMissed++;
          if (info.missedCount > 0) this.missedStored += info.missedCount;
        }
      }
    }
    if (this.opts.ordered) {
      this.deliverHeld(this.watermarkNs);
      this.watermarkNs = began;
    }
    if (this.events > before) this.opts.onPollEnd?.();
    return this.events - before;
  }

  /** Delivers the held events stamped before `untilNs`, oldest first (stable for equal stamps). */
  private deliverHeld(untilNs: number): void {
    if (this.held.length === 0) return;
    this.held.sort((a, b) => a.timeNs - b.timeNs);
    let n = 0;
    while (n < this.held.length && this.held[n]!.timeNs < untilNs) n++;
    const out = this.held.slice(0, n);
    this.held = this.held.slice(n);
    for (const e of out) this.onEvent(e.cpu, e.data, 0, e.data.length, e.timeNs);
  }

  /** Lost events since start, from the per-CPU stats and the page flags. */
  lost(): LostEvents {
    let overrun = 0;
    let dropped = 0;
    this.cpus.forEach((cpu, k) => {
      const s = this.instance.cpuStats(cpu);
      overrun += s.overrun - this.baseline[k]!.overrun;
      dropped += s.droppedEvents - this.baseline[k]!.droppedEvents;
    });
    return { overrun, dropped, pagesFlaggedMissed: this.pagesFlaggedMissed, missedStored: this.missedStored };
  }

  /** Stops polling, drains what is left, reads the lost counts and closes the buffers. */
  stop(): LostEvents {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.fds.length === 0)
      return {
        overrun: 0,
        dropped: 0,
        pagesFlaggedMissed: this.pagesFlaggedMissed,
        missedStored: this.missedStored,
      };
    this.poll();
    this.deliverHeld(Infinity);
    const lost = this.lost();
    this.closeFds();
    return lost;
  }

  private closeFds(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const fd of this.fds.splice(0)) closeSync(fd);
    this.removeCloser?.();
    this.removeCloser = null;
  }
}
