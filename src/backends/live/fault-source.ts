/**
 * Page-fault source: exceptions:page_fault_user (and optionally page_fault_kernel) of one process,
 * read from the binary per-CPU ring buffers of a private trace instance (platform-notes B.2).
 *
 * Events are limited to the target's threads with set_event_pid, and options/event-fork adds the
 * threads and children it creates later. Each event becomes a report: vaddr = fault address,
 * isWrite = x86 error_code bit 1, cpu = the buffer's CPU, tid = common_pid, time = the event's
 * CLOCK_MONOTONIC time (trace_clock mono). Lost events (ring overrun/drops, flagged pages) are
 * counted in stats().lost and passed to `onLost`; they are never hidden.
 *
 * What natural faults see: only first touches of pages (not-present faults) and accesses to pages
 * the kernel made faultable (write-protected, NUMA hinting, swapped out). A page touched again after
 * it is mapped produces no event; for continuous write sampling use the write-only source.
 */
import { eventField, readField, readU64, type EventField } from '../tracefs/format.js';
import { TraceInstance } from '../tracefs/instance.js';
import { RawTraceReader, type LostEvents } from '../tracefs/raw-reader.js';
import { processTids } from './proc-maps.js';
import {
  monotonicUs,
  ReportBatcher,
  type ReportSink,
  type ReportSource,
  type SourceStats,
} from './source.js';
import { TgidCache } from './thread-groups.js';
import { join } from 'node:path';

export interface PageFaultSourceOptions {
  pid: number;
  /** Also trace exceptions:page_fault_kernel (faults taken in kernel mode on user addresses). */
  kernel?: boolean;
  /** Follow threads and children created later (options/event-fork; default true). */
  followForks?: boolean;
  /** Ring buffer per CPU in KiB (default 4096). */
  bufferSizeKb?: number;
  /** Poll period of the per-CPU buffers in ms (default 5). */
  pollMs?: number;
  /** Subtracted from CLOCK_MONOTONIC µs to give report times (default 0). */
  timeBaseUs?: number;
  /**
   * Stamp reports with the time the reader got them instead of the fault time. A wall-clock context
   * treats reports older than its current sample as stale; the reader polls every few ms, so
   * event times would make the faults of a sample's last milliseconds stale. Arrival times move a
   * fault by at most one poll period and lose none.
   */
  stampArrival?: boolean;
  /** Called when a poll found newly lost events. */
  onLost?: (lost: LostEvents) => void;
}

const WRITE_BIT = 2;

export class PageFaultSource implements ReportSource {
  readonly name = 'page_fault';
  private instance: TraceInstance | null = null;
  private reader: RawTraceReader | null = null;
  private batcher: ReportBatcher | null = null;
  private tgids: TgidCache | null = null;
  private counts = { events: 0, writes: 0, lost: 0 };
  private final: SourceStats | null = null;

  constructor(private readonly opts: PageFaultSourceOptions) {}

  start(sink: ReportSink): void {
    if (this.instance) throw new Error('page_fault source: already started');
    const o = this.opts;
    const tids = processTids(o.pid);
    if (tids.length === 0) throw new Error(`page_fault source: process ${o.pid} does not exist`);
    const inst = TraceInstance.open();
    this.instance = inst;
    try {
      const events = ['page_fault_user', ...(o.kernel ? ['page_fault_kernel'] : [])];
      const fmts = events.map((e) => inst.eventFormat('exceptions', e));
      const fmt = fmts[0]!;
      const fAddr: EventField = eventField(fmt, 'address');
      const fErr: EventField = eventField(fmt, 'error_code');
      const fPid: EventField = eventField(fmt, 'common_pid');
      const ids = new Set(fmts.map((f) => f.id));
      // Both events share one layout (platform-notes B.2); check rather than assume.
      for (const f of fmts.slice(1)) {
        if (
          eventField(f, 'address').offset !== fAddr.offset ||
          eventField(f, 'error_code').offset !== fErr.offset
        )
          throw new Error(`page_fault source: exceptions:${f.name} layout differs from page_fault_user`);
      }
      const batcher = new ReportBatcher(sink);
      this.batcher = batcher;
      const tgids = new TgidCache(o.pid, join(inst.root, 'saved_tgids'));
      this.tgids = tgids;
      const base = o.timeBaseUs ?? 0;
      const counts = this.counts;
      inst.setClock('mono');
      inst.setBufferSizeKb(o.bufferSizeKb ?? 4096);
      inst.setOption('event-fork', o.followForks ?? true);
      inst.setOption('record-tgid', true);
      inst.setEventPids(tids);
      const arrival = o.stampArrival ?? false;
      const aoff = fAddr.offset;
      const eoff = fErr.offset;
      const reader = new RawTraceReader(
        inst,
        (cpu, buf, off, _len, ns) => {
          if (!ids.has(buf.readUInt16LE(off))) return;
          const tid = readField(buf, off, fPid);
          const write = (buf.readUInt32LE(off + eoff) & WRITE_BIT) !== 0;
          counts.events++;
          if (write) counts.writes++;
          if (arrival && this.arrivalUs < 0) this.arrivalUs = monotonicUs() - base;
          batcher.push(
            readU64(buf, off + aoff),
            1,
            cpu,
            tid,
            tgids.tgidOf(tid),
            write,
            arrival ? this.arrivalUs : Math.floor(ns / 1000) - base,
          );
        },
        { pollMs: o.pollMs, onPollEnd: () => this.afterPoll(), onError: (e) => this.fail(e) },
      );
      this.reader = reader;
      for (const e of events) inst.enableEvent('exceptions', e);
      reader.start();
    } catch (e) {
      this.release();
      throw e;
    }
  }

  private lastLost = 0;
  /** Arrival time of the current poll's events (-1: not taken yet). */
  private arrivalUs = -1;

  private afterPoll(): void {
    this.arrivalUs = -1;
    this.batcher?.flush();
    const r = this.reader;
    if (!r || r.pagesFlaggedMissed === this.lastLost) return;
    // A flagged page is the first sign of loss: read the exact counts then.
    this.lastLost = r.pagesFlaggedMissed;
    const lost = r.lost();
    this.counts.lost = Math.max(lost.overrun + lost.dropped, lost.missedStored);
    this.opts.onLost?.(lost);
  }

  private fail(e: Error): void {
    process.stderr.write(`damon-ts: page_fault source stopped: ${e.message}\n`);
    this.release();
  }

  stats(): SourceStats {
    if (this.final) return this.final;
    return {
      reports: this.batcher?.delivered ?? 0,
      lost: this.counts.lost,
      events: this.counts.events,
      writeFaults: this.counts.writes,
      unknownTgid: this.tgids?.unknown ?? 0,
    };
  }

  stop(): SourceStats {
    if (this.final) return this.final;
    if (this.reader && this.instance) {
      try {
        // Stop new events first so the final drain ends.
        this.instance.setTracingOn(false);
        const lost = this.reader.stop();
        this.counts.lost = Math.max(lost.overrun + lost.dropped, lost.missedStored);
        if (this.counts.lost > 0) this.opts.onLost?.(lost);
      } finally {
        this.batcher?.flush();
      }
    }
    this.final = this.stats();
    this.release();
    return this.final;
  }

  private release(): void {
    this.reader = null;
    const inst = this.instance;
    this.instance = null;
    inst?.close();
  }
}
