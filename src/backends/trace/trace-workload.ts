/**
 * A trace (lackey log or binary trace) replayed as a workload on the simulated machine, streamed: the
 * file is read chunk by chunk as virtual time advances.
 *
 * One process; the trace's main thread (its pid, or the first tid seen) is the process's main thread
 * and every other trace tid becomes a new machine thread when it first appears. A record at trace time
 * t ns is issued in the span holding t0 + floor(t / 1000) µs, t0 being the first span's start. Records
 * with a CPU (binary traces from other sources) move their thread to that CPU when it exists.
 *
 * The trace does not say how the address space is laid out, so VMAs are made on the fly: the first
 * access to an address maps the aligned window of `vmaWindowBytes` (default 1 MiB) around it.
 * The records of one span are grouped by (thread, page, kind) into one machine batch each, issued in
 * first-touch order: the machine counts a page once per batch and spreads a thread's accesses over
 * the span by its own clock anyway, so the set of touched pages, their first-touch order and the
 * access counts are what a span carries, and they are kept.
 */
import { MachineView, MachineWorkload, PAGE_SIZE } from '../../workloads/machine-view.js';
import { TraceBatch } from './trace-batch.js';
import { openTraceSync, TraceReader, TraceReadOptions } from './trace-file.js';

/** The end of a process's address space on the simulated machine (x86-64's 47-bit user space). */
const USER_SPACE_END = 2 ** 47;

export interface TraceWorkloadOptions extends TraceReadOptions {
  name?: string;
  /** Size and alignment of the VMAs mapped around touched addresses (a multiple of 4096). */
  vmaWindowBytes?: number;
}

export const DEFAULT_VMA_WINDOW_BYTES = 1 << 20;

export class TraceWorkload implements MachineWorkload {
  readonly name: string;
  private readonly window: number;
  private reader: TraceReader<Generator<TraceBatch>> | null = null;
  private batch: TraceBatch | null = null;
  private idx = 0;
  private pid: number | undefined;
  private t0: number | undefined;
  private readonly tids = new Map<number, number>();
  private readonly cpus = new Map<number, number>();
  private readonly windows = new Set<number>();
  private readonly groups = new AccessGroups();
  private finished = false;
  /** Accesses issued so far (records, before coalescing). */
  accesses = 0;

  constructor(
    readonly path: string,
    private readonly opts: TraceWorkloadOptions = {},
  ) {
    this.name = opts.name ?? path;
    this.window = opts.vmaWindowBytes ?? DEFAULT_VMA_WINDOW_BYTES;
    if (!(this.window > 0 && this.window % PAGE_SIZE === 0))
      throw new Error(
        `${path}: vmaWindowBytes must be a positive multiple of ${PAGE_SIZE}, got ${this.window}`,
      );
  }

  get mainPid(): number | undefined {
    return this.pid;
  }

  setup(m: MachineView): void {
    this.pid = m.createProcess(this.name);
    this.reader = openTraceSync(this.path, this.opts);
  }

  run(m: MachineView, fromUs: number, toUs: number): boolean {
    if (this.finished) return false;
    if (this.reader === null || this.pid === undefined)
      throw new Error(`workload ${this.name}: run before setup`);
    this.t0 ??= fromUs;
    const limitNs = (toUs - this.t0) * 1000;
    const g = this.groups;
    let lastWin = -1;
    let lastTraceTid = NaN;
    let lastCpu = NaN;
    let tid = -1;
    let keys!: Map<number, number>; // set with `tid` on the first record
    for (;;) {
      let b = this.batch;
      if (b === null || this.idx >= b.length) {
        const next = this.reader.batches.next();
        if (next.done) {
          this.accesses += g.flush(m);
          this.finished = true;
          m.exitProcess(this.pid);
          return false;
        }
        b = this.batch = next.value;
        this.idx = 0;
      }
      let i = this.idx;
      const n = b.length;
      for (; i < n; i++) {
        if (b.timeNs[i]! >= limitNs) break;
        if (b.tid[i] !== lastTraceTid || b.cpu[i] !== lastCpu) {
          lastTraceTid = b.tid[i]!;
          lastCpu = b.cpu[i]!;
          tid = this.machineTid(m, lastTraceTid, lastCpu);
          keys = g.keysOf(tid);
        }
        const addr = b.addr[i]!;
        const key = Math.floor(addr / PAGE_SIZE) * 2 + b.isWrite[i]!;
        const e = keys.get(key);
        if (e !== undefined) {
          g.count[e]!++;
          continue;
        }
        const win = Math.floor(addr / this.window);
        if (win !== lastWin) {
          if (!this.windows.has(win)) {
            if (win * this.window + this.window > USER_SPACE_END)
              throw new Error(
                `${this.path}: an access at 0x${addr.toString(16)} is beyond the 47-bit user address space of the simulated machine`,
              );
            m.mmap(this.pid, win * this.window, this.window, { anon: true, prot: 'rw' });
            this.windows.add(win);
          }
          lastWin = win;
        }
        if (g.add(keys, key, tid, addr, b.size[i]!, b.isWrite[i]!)) this.accesses += g.flush(m);
      }
      this.idx = i;
      if (i < n) break;
    }
    this.accesses += g.flush(m);
    return true;
  }

  /** Machine tid of a trace tid, creating the thread on first sight; follows the record's CPU. */
  private machineTid(m: MachineView, traceTid: number, cpu: number): number {
    let tid = this.tids.get(traceTid);
    if (tid === undefined) {
      const main = this.reader!.info.pid ?? traceTid;
      tid = traceTid === main && !this.hasMain() ? this.pid! : m.createThread(this.pid!);
      this.tids.set(traceTid, tid);
    }
    if (cpu >= 0 && cpu < m.config.cpus && this.cpus.get(tid) !== cpu) {
      m.setThreadCpu(tid, cpu);
      this.cpus.set(tid, cpu);
    }
    return tid;
  }

  private hasMain(): boolean {
    for (const t of this.tids.values()) if (t === this.pid) return true;
    return false;
  }
}

const MAX_GROUPS = 1 << 16;

/** Pending (thread, page, kind) groups of the current span, with their first address and count. */
class AccessGroups {
  private readonly byTid = new Map<number, Map<number, number>>();
  private readonly tid = new Int32Array(MAX_GROUPS);
  private readonly addr = new Float64Array(MAX_GROUPS);
  private readonly size = new Uint32Array(MAX_GROUPS);
  private readonly isWrite = new Uint8Array(MAX_GROUPS);
  readonly count = new Float64Array(MAX_GROUPS);
  private n = 0;

  /** Group index by page * 2 + isWrite, for one machine thread. */
  keysOf(tid: number): Map<number, number> {
    let k = this.byTid.get(tid);
    if (!k) this.byTid.set(tid, (k = new Map()));
    return k;
  }

  /** Adds a group; true when full (flush before adding more). */
  add(
    keys: Map<number, number>,
    key: number,
    tid: number,
    addr: number,
    size: number,
    isWrite: number,
  ): boolean {
    const e = this.n++;
    keys.set(key, e);
    this.tid[e] = tid;
    this.addr[e] = addr;
    this.size[e] = Math.max(1, size);
    this.isWrite[e] = isWrite;
    this.count[e] = 1;
    return this.n === MAX_GROUPS;
  }

  /** Issues every group as one machine batch (all accesses at its first address); returns the accesses. */
  flush(m: MachineView): number {
    let total = 0;
    for (let e = 0; e < this.n; e++) {
      const sz = this.size[e]!;
      m.access(this.tid[e]!, this.addr[e]!, sz, sz, this.count[e]!, this.isWrite[e] === 1);
      total += this.count[e]!;
    }
    this.n = 0;
    for (const k of this.byTid.values()) k.clear();
    return total;
  }
}
