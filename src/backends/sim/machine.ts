/**
 * The simulated machine: physical frames on NUMA nodes, processes with threads, VMAs and page
 * tables, per-CPU TLBs, demand paging, DAMON protection faults (MM_CP_DAMON) and ground truth.
 * Workloads issue access batches; the machine applies them page by page. The model and its
 * defaults: docs/machine.md.
 *
 * Machine is the façade the operations sets, eval, runners and tests use; the work is split along
 * the kernel's mm lines, as functions of one MachineState (machine-state.ts): processes, threads
 * and VMAs (processes.ts), the access path and TLB (access.ts), faults (faults.ts), page-table and
 * reverse-map primitives, Accessed bits and protections (rmap.ts), reclaim and migration
 * (reclaim.ts, madvise.ts). PTE bits: pte.ts. The clock and the workloads stay here.
 */
import type { AccessReport } from '../../core/types.js';
import { access, accessRandom } from './access.js';
import { resolveMachineConfig, type MachineConfig } from './config.js';
import type { MachineCosts } from './costs.js';
import type { GroundTruth } from './ground-truth.js';
import { PAGE_SIZE } from './layout.js';
import { cpuNode, MachineState, type DamonFaultListener, type NumaHintHandler } from './machine-state.js';
import type { MadviseAdvice } from './madvise.js';
import type { NodeStats } from './physical-memory.js';
import * as procs from './processes.js';
import * as reclaim from './reclaim.js';
import * as rmap from './rmap.js';

export type { GroundTruthConfig, GroundTruthView, MachineConfig } from './config.js';
export { HUGE_PAGE_SIZE, PAGE_SIZE, PTES_PER_TABLE } from './layout.js';
export type { DamonFaultListener, NumaHintHandler } from './machine-state.js';
export type { MmapOptions } from './processes.js';
export type { FrameInfo, PteState } from './rmap.js';

export interface Workload {
  readonly name: string;
  /** Create processes, threads and VMAs on the machine. Called once, by addWorkload. */
  setup(m: Machine): void;
  /** Emit the accesses of [fromUs, toUs) through m.access/m.accessRandom; false once finished. */
  run(m: Machine, fromUs: number, toUs: number): boolean;
  /** Total duration in µs if known (masim: sum of phase durations). */
  readonly durationUs?: number;
  /** The tgid DAMON vaddr should monitor by default. */
  readonly mainPid?: number;
}

/**
 * Work the machine's kernel does on its own clock (NUMA balancing's scanner): `run(now)` is called
 * once virtual time reaches `nextUs` (between workload spans) and returns the next time it is due.
 */
export interface MachineTask {
  nextUs: number;
  run(nowUs: number): number;
}

export class Machine {
  readonly config: MachineConfig;
  readonly costs: MachineCosts;
  private readonly s: MachineState;
  private readonly tasks: MachineTask[] = [];
  private readonly workloads: { w: Workload; active: boolean }[] = [];
  private _now = 0;

  constructor(config: Partial<MachineConfig> = {}) {
    this.config = resolveMachineConfig(config);
    this.s = new MachineState(this.config);
    this.costs = this.s.costs;
  }

  get now(): number {
    return this._now;
  }

  get groundTruth(): GroundTruth | null {
    return this.s.gt;
  }

  // ---------------------------------------------------------------- processes, threads, VMAs

  createProcess(name = `proc${this.s.nextPid}`): number {
    return procs.createProcess(this.s, name);
  }

  /** New thread; `cpu` pins it, otherwise it is placed round-robin over the CPUs. */
  createThread(tgid: number, opts: { cpu?: number } = {}): number {
    return procs.createThread(this.s, tgid, opts.cpu);
  }

  /** Moves (and pins) a thread to a CPU, as sched_setaffinity would. */
  setThreadCpu(tid: number, cpu: number): void {
    procs.setThreadCpu(this.s, tid, cpu);
  }

  threadCpu(tid: number): number {
    return procs.threadOf(this.s, tid, 'threadCpu').cpu;
  }

  threadsOf(tgid: number): number[] {
    return [...(this.s.procs.get(tgid)?.threads ?? [])];
  }

  cpuNode(cpu: number): number {
    return cpuNode(this.s, cpu);
  }

  /** Live processes' tgids, in creation order. */
  processes(): number[] {
    return [...this.s.procs.values()].filter((p) => p.alive).map((p) => p.tgid);
  }

  processName(tgid: number): string | undefined {
    return this.s.procs.get(tgid)?.name;
  }

  processAlive(tgid: number): boolean {
    return this.s.procs.get(tgid)?.alive === true;
  }

  /** Pages a process has mapped (its resident set, as /proc/PID/statm counts it); 0 once it exited. */
  residentPages(tgid: number): number {
    return procs.residentPages(this.s, tgid);
  }

  exitProcess(tgid: number): void {
    procs.exitProcess(this.s, tgid);
  }

  mmap(tgid: number, start: number, length: number, opts: procs.MmapOptions = {}): void {
    procs.mmap(this.s, tgid, start, length, opts);
  }

  vmas(tgid: number): { start: number; end: number; anon: boolean; writable: boolean }[] {
    const p = this.s.procs.get(tgid);
    if (!p?.alive) return [];
    return p.vmas.map((v) => ({ start: v.start, end: v.end, anon: v.anon, writable: v.writable }));
  }

  // ---------------------------------------------------------------- time and workloads

  /** Adds a workload and runs its setup now, so its processes and VMAs exist before monitoring starts. */
  addWorkload(w: Workload): void {
    w.setup(this);
    this.workloads.push({ w, active: true });
  }

  /** True once every added workload's run() returned false. */
  get workloadsFinished(): boolean {
    return this.workloads.every((x) => !x.active);
  }

  /**
   * Runs the workloads over [fromUs, toUs). With ground truth on, the span is cut at interval
   * boundaries so that every batch falls inside one interval.
   */
  advance(fromUs: number, toUs: number): void {
    if (!(toUs >= fromUs)) throw new Error(`machine advance(${fromUs}, ${toUs}): end before start`);
    if (fromUs < this._now)
      throw new Error(`machine advance(${fromUs}, ${toUs}): starts before machine time ${this._now}`);
    const gt = this.s.gt;
    let t = fromUs;
    this._now = t;
    gt?.advanceTo(t);
    while (t < toUs) {
      let end = gt ? Math.min(toUs, gt.nextBoundary(t)) : toUs;
      for (const k of this.tasks) {
        if (k.nextUs <= t) k.nextUs = Math.max(t + 1, k.run(t));
        if (k.nextUs < end) end = k.nextUs;
      }
      this.beginSpan(t, end);
      for (const x of this.workloads) if (x.active && !x.w.run(this, t, end)) x.active = false;
      t = end;
      this._now = t;
      gt?.advanceTo(t);
    }
    this.beginSpan(toUs, toUs);
  }

  private beginSpan(from: number, to: number): void {
    const s = this.s;
    s.spanStart = from;
    s.spanEnd = to;
    for (const th of s.threads.values()) th.clock = from;
  }

  /** Adds a task run on the machine's clock (see MachineTask); returns a function removing it. */
  addTask(task: MachineTask): () => void {
    this.tasks.push(task);
    return () => {
      const i = this.tasks.indexOf(task);
      if (i >= 0) this.tasks.splice(i, 1);
    };
  }

  // ---------------------------------------------------------------- accesses (access.ts)

  /** `count` accesses from `start`, stepping `stride` bytes, wrapping inside [start, start+length). */
  access(tid: number, start: number, length: number, stride: number, count: number, isWrite: boolean): void {
    access(this.s, tid, start, length, stride, count, isWrite);
  }

  /** `count` accesses at uniformly random strided offsets in [start, start+length). */
  accessRandom(
    tid: number,
    start: number,
    length: number,
    stride: number,
    count: number,
    isWrite: boolean,
  ): void {
    accessRandom(this.s, tid, start, length, stride, count, isWrite);
  }

  // ---------------------------------------------------------------- faults (faults.ts)

  /**
   * Who handles NUMA hinting faults (numaBalancing on; src/backends/sim/numa-balancing.ts); the
   * handler may migrate the frame. One handler at a time.
   */
  setNumaHintHandler(h: NumaHintHandler | null): void {
    if (h && this.s.numaHint) throw new Error('machine: a NUMA hinting fault handler is already set');
    this.s.numaHint = h;
  }

  /** Observes DAMON protection faults (every fault, with its CPU, thread and write flag). */
  onDamonFault(listener: (r: AccessReport) => void): () => void {
    return this.onDamonFaultRearming((r) => {
      listener(r);
      return false;
    });
  }

  /** Receives DAMON protection faults and may re-arm the protection (see DamonFaultListener). */
  onDamonFaultRearming(listener: DamonFaultListener): () => void {
    const listeners = this.s.listeners;
    listeners.push(listener);
    return () => {
      const i = listeners.indexOf(listener);
      if (i >= 0) listeners.splice(i, 1);
    };
  }

  // ---------------------------------------------------------------- page-table primitives (rmap.ts)

  translate(tgid: number, vaddr: number): number {
    return rmap.translate(this.s, tgid, vaddr);
  }

  pte(tgid: number, vaddr: number): rmap.PteState | null {
    return rmap.pte(this.s, tgid, vaddr);
  }

  /** Clears the Accessed bit of the page's PTE/PMD, without a TLB flush (as DAMON's mkold). */
  mkold(tgid: number, vaddr: number): void {
    rmap.mkold(this.s, tgid, vaddr);
  }

  young(tgid: number, vaddr: number): { young: boolean; folioSize: number } {
    return rmap.young(this.s, tgid, vaddr);
  }

  /** The allocated frame at paddr (its folio and mappings), or null for free memory / outside RAM. */
  frameInfo(paddr: number): rmap.FrameInfo | null {
    return rmap.frameInfo(this.s, paddr);
  }

  mkoldPhys(paddr: number): void {
    rmap.mkoldPhys(this.s, paddr);
  }

  youngPhys(paddr: number): { young: boolean; folioSize: number } {
    return rmap.youngPhys(this.s, paddr);
  }

  /** Installs DAMON protection on the page's PTE/PMD and flushes it from every TLB. */
  protect(tgid: number, vaddr: number, kind: 'none' | 'write'): void {
    rmap.protect(this.s, tgid, vaddr, kind);
  }

  protectPhys(paddr: number, kind: 'none' | 'write'): void {
    rmap.protectPhys(this.s, paddr, kind);
  }

  // ---------------------------------------------------------------- memory-management hooks (DAMOS)

  /**
   * madvise(MADV_HUGEPAGE / MADV_NOHUGEPAGE / MADV_COLLAPSE / MADV_WILLNEED) of [start, end) of a
   * process (src/backends/sim/madvise.ts); returns the bytes advised, collapsed or read back.
   */
  madvise(tgid: number, start: number, end: number, advice: MadviseAdvice): number {
    return this.s.madv.apply(procs.liveProc(this.s, tgid, 'madvise'), start, end, advice);
  }

  /** Physical RAM size and NUMA node of a physical address (-1 when outside RAM). */
  get memoryBytes(): number {
    return this.config.memoryBytes;
  }

  nodeOf(paddr: number): number {
    const pfn = Math.floor(paddr / PAGE_SIZE);
    return pfn >= 0 && pfn < this.s.phys.nrFrames ? this.s.phys.nodeOf(pfn) : -1;
  }

  nodeStats(): NodeStats[] {
    return this.s.phys.nodeStats();
  }

  /** LRU aging: frames accessed since the previous scan become active, the rest inactive. */
  lruScan(node?: number): number {
    return reclaim.lruScan(this.s, node);
  }

  lruList(node: number, list: 'active' | 'inactive'): number[] {
    return reclaim.lruList(this.s, node, list);
  }

  isActive(paddr: number): boolean {
    return reclaim.isActive(this.s, paddr);
  }

  /** Moves the frame (whole folio) to the active or inactive list (lru_prio / lru_deprio). */
  setLruActive(paddr: number, active: boolean): void {
    reclaim.setLruActive(this.s, paddr, active);
  }

  /** Discards the process's mapping of a page (MADV_DONTNEED): the next access is a minor fault. */
  unmap(tgid: number, vaddr: number): boolean {
    return reclaim.unmap(this.s, tgid, vaddr);
  }

  /** Pages out the page at vaddr of tgid (every mapping of its frame): the next access is a major fault. */
  pageOut(tgid: number, vaddr: number): boolean {
    return reclaim.pageOut(this.s, tgid, vaddr);
  }

  /** Pages out the frame's folio: all its mappings become swapped PTEs, the frame is freed. */
  pageOutPhys(paddr: number): boolean {
    return reclaim.pageOutPhys(this.s, paddr);
  }

  /**
   * Migrates the frame's folio to `node`: a new frame there, every mapping repointed and flushed,
   * the old frame freed. Returns the new physical address of paddr, or -1 if not possible.
   */
  migratePhys(paddr: number, node: number): number {
    return reclaim.migratePhys(this.s, paddr, node);
  }
}
