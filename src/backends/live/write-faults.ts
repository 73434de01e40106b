/**
 * Who wrote a page: the CPU, thread and time of write faults of a process, read from
 * exceptions:page_fault_user (and page_fault_kernel, for writes the kernel makes on the process's
 * behalf, e.g. read() into a buffer) in a private trace instance limited to the process's threads.
 *
 * A write-protected page faults once when written (uffd-wp WP_ASYNC, soft-dirty), so the first
 * writer of a watched page in an interval is known. Only watched pages are remembered: in sampling
 * mode the armed sampling pages (a sorted list, binary-searched per event), in exact mode all.
 * A source that protects a page again after a fault (re-arming it after a writer its context's
 * filters reject) says so through `decide`: that fault is then not the page's writer.
 */
import { TraceInstance } from '../tracefs/instance.js';
import { RawTraceReader } from '../tracefs/raw-reader.js';
import { eventField, readField, readU64 } from '../tracefs/format.js';
import { processTids } from './proc-maps.js';
import { TgidCache } from './thread-groups.js';
import { join } from 'node:path';

export const PAGE_SIZE = 4096;
const WRITE_BIT = 2;

export interface WriteFault {
  cpu: number;
  tid: number;
  /** CLOCK_MONOTONIC µs minus the time base. */
  time: number;
}

/** Called per write fault of a watched page: true when the page is protected again (not remembered). */
export type FaultDecider = (page: number, fault: WriteFault) => boolean;

/** Whether `page` is in sorted[0..n) (binary search). */
function contains(sorted: Float64Array, n: number, page: number): boolean {
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v < page) lo = mid + 1;
    else if (v > page) hi = mid - 1;
    else return true;
  }
  return false;
}

export class WriteFaults {
  private readonly instance: TraceInstance;
  private readonly reader: RawTraceReader;
  private readonly faults = new Map<number, WriteFault>();
  /** Pages whose faults are remembered (sorted page numbers), or null for all; none until watch(). */
  private watched: Float64Array | null = new Float64Array(0);
  private nWatched = 0;
  readonly tgids: TgidCache;
  /** Write faults of watched pages seen. */
  seen = 0;
  /** See FaultDecider; null: every page's first fault is its writer. */
  decide: FaultDecider | null = null;

  /** Starts tracing the write faults of `pid` (and of threads it creates). */
  constructor(pid: number, timeBaseUs: number) {
    const inst = TraceInstance.open();
    this.instance = inst;
    try {
      this.tgids = new TgidCache(pid, join(inst.root, 'saved_tgids'));
      const events = ['page_fault_user', 'page_fault_kernel'].map((name) => {
        const fmt = inst.eventFormat('exceptions', name);
        return {
          name,
          id: fmt.id,
          addr: eventField(fmt, 'address').offset,
          err: eventField(fmt, 'error_code').offset,
          pidField: eventField(fmt, 'common_pid'),
        };
      });
      const [user, kernel] = events as [(typeof events)[0], (typeof events)[0]];
      inst.setClock('mono');
      inst.setBufferSizeKb(4096);
      inst.setOption('event-fork', true);
      inst.setOption('record-tgid', true);
      inst.setEventPids(processTids(pid));
      this.reader = new RawTraceReader(inst, (cpu, buf, off, _len, ns) => {
        const id = buf.readUInt16LE(off);
        const ev = id === user.id ? user : id === kernel.id ? kernel : null;
        if (ev === null || (buf.readUInt32LE(off + ev.err) & WRITE_BIT) === 0) return;
        const page = Math.floor(readU64(buf, off + ev.addr) / PAGE_SIZE);
        const w = this.watched;
        if (w !== null && !contains(w, this.nWatched, page)) return;
        if (this.faults.has(page)) return;
        this.seen++;
        const fault = {
          cpu,
          tid: readField(buf, off, ev.pidField),
          time: Math.floor(ns / 1000) - timeBaseUs,
        };
        if (this.decide === null || !this.decide(page, fault)) this.faults.set(page, fault);
      });
      for (const e of events) inst.enableEvent('exceptions', e.name);
      this.reader.start(true);
    } catch (e) {
      inst.close();
      throw e;
    }
  }

  /** Remember only these pages (page numbers, sorted ascending, first n), or every page (null). */
  watch(sortedPages: Float64Array | null, n = 0): void {
    this.watched = sortedPages;
    this.nWatched = n;
  }

  /** Reads the events buffered so far. */
  poll(): void {
    this.reader.poll();
  }

  /** Makes `fault` the writer of `page`, unless it has one (a re-arm that did not take). */
  remember(page: number, fault: WriteFault): void {
    if (!this.faults.has(page)) this.faults.set(page, fault);
  }

  /** The first write fault of `page` since the last clear(), if seen. */
  of(page: number): WriteFault | undefined {
    return this.faults.get(page);
  }

  /** Forgets faults at or before `uptoTime` (all when omitted). */
  clear(uptoTime = Infinity): void {
    if (uptoTime === Infinity) this.faults.clear();
    else for (const [page, a] of this.faults) if (a.time <= uptoTime) this.faults.delete(page);
  }

  /** Events known lost (overwritten, dropped, or flagged missed by the kernel). */
  lost(): number {
    const l = this.reader.lost();
    return Math.max(l.overrun + l.dropped, l.missedStored);
  }

  close(): void {
    this.reader.stop();
    this.instance.close();
  }
}
