/**
 * A masim configuration run as a workload on the simulated machine.
 *
 * Address layout of the one process (documented in docs/workloads.md): a 64 KiB read-only text mapping
 * at 0x400000, a 132 KiB heap at 0x2000000, the masim regions from 0x7f0000000000 upwards in file order,
 * each page aligned and followed by a one-page hole (so each region is its own VMA), and a 132 KiB
 * stack ending at 0x7ffffffff000. vaddr's three-regions split then cuts at the two big gaps
 * (heap → regions, regions → stack) as it does for a real masim process, whose regions glibc mmaps.
 *
 * Timing: phase k runs for its duration from the end of phase k-1, starting at the `fromUs` of the
 * first run call. Every thread issues accessesPerSecond of the machine; the budget of a thread is
 * split between its patterns of the current phase by probability weight (budget.ts, exact cumulative
 * counts). Sequential patterns continue from where they stopped (one cursor per pattern line, wrapping
 * to the region start as masim does); random patterns use the machine's seeded accessRandom.
 * Access modes: ro reads, wo writes, rw does read-modify-write as masim's `+=`: each rw access is a
 * read then a write of the same place, so half of an rw budget goes to reads and half to writes, both
 * in every span. When the last phase ends the process exits (masim exits), and run returns false.
 */
import { accessesUntil, weightedShare } from './budget.js';
import { MachineView, MachineWorkload, pageAlignUp, PAGE_SIZE } from './machine-view.js';
import { MasimConfig, MasimPattern } from './masim-config.js';

export const MASIM_LAYOUT = {
  textStart: 0x400000,
  textBytes: 64 * 1024,
  heapStart: 0x2000000,
  heapBytes: 132 * 1024,
  regionsStart: 0x7f0000000000,
  stackEnd: 0x7ffffffff000,
  stackBytes: 132 * 1024,
} as const;

export interface MasimWorkloadOptions {
  /** Workload name (default: the config's source). */
  name?: string;
  /** Region name → shared-mapping key: the region is mapped shared, so processes mapping the same
   *  key share its frames. */
  sharedRegions?: Readonly<Record<string, string>>;
}

interface PatternState {
  pattern: MasimPattern;
  start: number;
  size: number;
  /** Accesses per sequential pass: ceil(size / stride). */
  perPass: number;
  /** Next sequential position, in strides from the region start. */
  cursor: number;
  cumBefore: number;
}

interface ThreadGroup {
  thread: number;
  total: number;
  items: PatternState[];
}

interface PhasePlan {
  startUs: number;
  endUs: number;
  groups: ThreadGroup[];
}

export class MasimWorkload implements MachineWorkload {
  readonly name: string;
  readonly durationUs: number;
  /** Start address of each region, by name (valid before setup: the layout is fixed). */
  readonly regionStarts = new Map<string, number>();
  private readonly phases: PhasePlan[] = [];
  /** VMA length of each region, by name. */
  private readonly vmaBytes = new Map<string, number>();
  private pid: number | undefined;
  private tids: number[] = [];
  private rate = 0;
  private t0: number | undefined;
  private phaseIdx = 0;
  private finished = false;

  constructor(
    readonly config: MasimConfig,
    private readonly opts: MasimWorkloadOptions = {},
  ) {
    this.name = opts.name ?? config.source;
    let addr: number = MASIM_LAYOUT.regionsStart;
    for (const r of config.regions) {
      // A sequential pass spans ceil(size / stride) strides, which may end past `size`: map all of it.
      const passBytes = config.phases.flatMap((p) =>
        p.patterns.filter((q) => q.region === r.name).map((q) => Math.ceil(r.size / q.stride) * q.stride),
      );
      const bytes = pageAlignUp(Math.max(r.size, ...passBytes));
      this.regionStarts.set(r.name, addr);
      this.vmaBytes.set(r.name, bytes);
      addr += bytes + PAGE_SIZE;
    }
    if (addr > MASIM_LAYOUT.stackEnd - MASIM_LAYOUT.stackBytes) {
      throw new Error(
        `${config.source}: regions total ${addr - MASIM_LAYOUT.regionsStart} bytes, more than the address space layout holds`,
      );
    }
    let t = 0;
    for (const ph of config.phases) {
      const groups = new Map<number, ThreadGroup>();
      for (const p of ph.patterns) {
        let g = groups.get(p.thread);
        if (!g) groups.set(p.thread, (g = { thread: p.thread, total: 0, items: [] }));
        const size = config.regions.find((r) => r.name === p.region)!.size;
        g.items.push({
          pattern: p,
          start: this.regionStarts.get(p.region)!,
          size,
          perPass: Math.ceil(size / p.stride),
          cursor: 0,
          cumBefore: g.total,
        });
        g.total += p.weight;
      }
      const durUs = ph.durationMs * 1000;
      this.phases.push({ startUs: t, endUs: t + durUs, groups: [...groups.values()] });
      t += durUs;
    }
    this.durationUs = t;
  }

  get mainPid(): number | undefined {
    return this.pid;
  }

  setup(m: MachineView): void {
    const pid = m.createProcess(this.name);
    this.pid = pid;
    this.rate = m.config.accessesPerSecond;
    const L = MASIM_LAYOUT;
    m.mmap(pid, L.textStart, L.textBytes, { anon: false, prot: 'r' });
    m.mmap(pid, L.heapStart, L.heapBytes, { anon: true, prot: 'rw' });
    for (const r of this.config.regions) {
      const shared = this.opts.sharedRegions?.[r.name];
      m.mmap(
        pid,
        this.regionStarts.get(r.name)!,
        this.vmaBytes.get(r.name)!,
        shared ? { prot: 'rw', shared } : { anon: true, prot: 'rw' },
      );
    }
    m.mmap(pid, L.stackEnd - L.stackBytes, L.stackBytes, { anon: true, prot: 'rw' });
    this.tids = [pid];
    const cpu0 = this.config.threadCpus.get(0);
    if (cpu0 !== undefined) m.setThreadCpu(pid, cpu0);
    for (let t = 1; t < this.config.nrThreads; t++) {
      const cpu = this.config.threadCpus.get(t);
      this.tids.push(m.createThread(pid, cpu === undefined ? {} : { cpu }));
    }
  }

  run(m: MachineView, fromUs: number, toUs: number): boolean {
    if (this.finished) return false;
    if (this.pid === undefined) throw new Error(`workload ${this.name}: run before setup`);
    this.t0 ??= fromUs;
    const a = fromUs - this.t0;
    const b = toUs - this.t0;
    while (this.phaseIdx < this.phases.length) {
      const ph = this.phases[this.phaseIdx]!;
      const lo = Math.max(a, ph.startUs);
      const hi = Math.min(b, ph.endUs);
      if (hi > lo) this.emit(m, ph, lo - ph.startUs, hi - ph.startUs);
      if (b < ph.endUs) break;
      this.phaseIdx++;
    }
    if (this.phaseIdx < this.phases.length) return true;
    this.finished = true;
    m.exitProcess(this.pid);
    return false;
  }

  /** Emits the accesses of phase-relative span [e0, e1). */
  private emit(m: MachineView, ph: PhasePlan, e0: number, e1: number): void {
    const b0 = accessesUntil(e0, this.rate);
    const b1 = accessesUntil(e1, this.rate);
    for (const g of ph.groups) {
      const tid = this.tids[g.thread]!;
      for (const it of g.items) {
        const c0 = weightedShare(b0, it.cumBefore, it.pattern.weight, g.total);
        const c1 = weightedShare(b1, it.cumBefore, it.pattern.weight, g.total);
        const mode = it.pattern.rw;
        if (mode === 'rw') {
          const n = Math.floor(c1 / 2) - Math.floor(c0 / 2);
          this.issue(m, tid, it, n, false, false);
          this.issue(m, tid, it, n, true, true);
        } else {
          this.issue(m, tid, it, c1 - c0, mode === 'wo', true);
        }
      }
    }
  }

  /** n accesses of one pattern; `advance` moves the sequential cursor (false for rw's read half). */
  private issue(
    m: MachineView,
    tid: number,
    it: PatternState,
    n: number,
    isWrite: boolean,
    advance: boolean,
  ): void {
    if (n <= 0) return;
    const { stride } = it.pattern;
    if (it.pattern.random) {
      m.accessRandom(tid, it.start, it.size, stride, n, isWrite);
      return;
    }
    // The machine wraps inside [start, start + length): run to the end of the pass first, then whole
    // passes from the region start, whose length is a multiple of the stride so wrapping lands on it.
    const first = Math.min(n, it.perPass - it.cursor);
    m.access(tid, it.start + it.cursor * stride, (it.perPass - it.cursor) * stride, stride, first, isWrite);
    if (n > first) m.access(tid, it.start, it.perPass * stride, stride, n - first, isWrite);
    if (advance) it.cursor = (it.cursor + n) % it.perPass;
  }
}
