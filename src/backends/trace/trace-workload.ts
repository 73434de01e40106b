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
 * Consecutive records of one thread on one page with the same kind become one machine batch (the
 * machine counts a page once per batch anyway; the count keeps the access volume).
 */
import { MachineView, MachineWorkload, PAGE_SIZE } from '../../workloads/machine-view.js';
import { TraceBatch } from './trace-batch.js';
import { openTraceSync, TraceReader, TraceReadOptions } from './trace-file.js';

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
  private finished = false;
  /** Accesses issued so far (records, before coalescing). */
  accesses = 0;

  constructor(
    readonly path: string,
    private readonly opts: TraceWorkloadOptions = {},
  ) {
    this.name = opts.name ?? path;
    this.window = opts.vmaWindowBytes ?? DEFAULT_VMA_WINDOW_BYTES;
    if (!(this.window > 0 && this.window % PAGE_SIZE === 0)) throw new Error(`${path}: vmaWindowBytes must be a positive multiple of ${PAGE_SIZE}, got ${this.window}`);
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
    if (this.reader === null || this.pid === undefined) throw new Error(`workload ${this.name}: run before setup`);
    this.t0 ??= fromUs;
    const limitNs = (toUs - this.t0) * 1000;
    // Pending batch: consecutive records of one thread on one page with one kind.
    let pTid = -1;
    let pPage = -1;
    let pWrite = 0;
    let pAddr = 0;
    let pSize = 1;
    let pCount = 0;
    let lastWin = -1;
    let lastTraceTid = NaN;
    let lastCpu = NaN;
    let tid = -1;
    for (;;) {
      let b = this.batch;
      if (b === null || this.idx >= b.length) {
        const next = this.reader.batches.next();
        if (next.done) {
          if (pCount > 0) m.access(pTid, pAddr, pSize, pSize, pCount, pWrite === 1);
          this.accesses += pCount;
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
        const addr = b.addr[i]!;
        const page = Math.floor(addr / PAGE_SIZE);
        if (b.tid[i] !== lastTraceTid || b.cpu[i] !== lastCpu) {
          lastTraceTid = b.tid[i]!;
          lastCpu = b.cpu[i]!;
          tid = this.machineTid(m, lastTraceTid, lastCpu);
        }
        const w = b.isWrite[i]!;
        if (tid === pTid && page === pPage && w === pWrite) {
          pCount++;
          continue;
        }
        if (pCount > 0) m.access(pTid, pAddr, pSize, pSize, pCount, pWrite === 1);
        this.accesses += pCount;
        const win = Math.floor(addr / this.window);
        if (win !== lastWin) {
          if (!this.windows.has(win)) {
            m.mmap(this.pid, win * this.window, this.window, { anon: true, prot: 'rw' });
            this.windows.add(win);
          }
          lastWin = win;
        }
        pTid = tid;
        pPage = page;
        pWrite = w;
        pAddr = addr;
        pSize = Math.max(1, b.size[i]!);
        pCount = 1;
      }
      this.idx = i;
      if (i < n) break;
    }
    if (pCount > 0) m.access(pTid, pAddr, pSize, pSize, pCount, pWrite === 1);
    this.accesses += pCount;
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
