/**
 * The simulated machine: physical frames on NUMA nodes, processes with threads, VMAs and page
 * tables, per-CPU TLBs, demand paging, DAMON protection faults (MM_CP_DAMON) and ground truth.
 * Workloads issue access batches; the machine applies them page by page, once per distinct page per
 * batch (repeats inside a batch change nothing: young is idempotent and a protection fault restores
 * the protection), so a batch costs O(distinct pages). The model and its defaults: docs/machine.md.
 */
import { Prng } from '../../core/prng.js';
import type { AccessReport } from '../../core/types.js';
import { resolveMachineConfig, type MachineConfig } from './config.js';

export type { GroundTruthConfig, GroundTruthView, MachineConfig } from './config.js';
import { zeroCosts, type MachineCosts } from './costs.js';
import { GroundTruth } from './ground-truth.js';
import {
  FRAME_ACTIVE,
  FRAME_ALLOCATED,
  FRAME_HUGE,
  FRAME_SHARED,
  PhysicalMemory,
  type NodeStats,
} from './physical-memory.js';
import { PageDirectory, PageTablePool } from './page-tables.js';
import { Tlb } from './tlb.js';
import { Madvise, type MadviseAdvice } from './madvise.js';
import { firstEndingAfter } from './ranges.js';

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
 * Receives a DAMON protection fault. Returning true re-arms the protection: the fault was not
 * eligible for the listener's context (its sample filters reject it), which still wants the next
 * access of its own CPUs or threads. The faulting thread (on that CPU, for reads only when it read)
 * then passes the re-armed protection without faulting until the page is protected anew, so each
 * thread adds at most one fault per protected page per sample (two when a read precedes a write),
 * and the translation is not cached while protected (threads sharing the CPU still fault).
 */
export type DamonFaultListener = (r: AccessReport) => boolean;

/**
 * Work the machine's kernel does on its own clock (NUMA balancing's scanner): `run(now)` is called
 * once virtual time reaches `nextUs` (between workload spans) and returns the next time it is due.
 */
export interface MachineTask {
  nextUs: number;
  run(nowUs: number): number;
}

/** A NUMA hinting fault (numaBalancing on): the faulting CPU and the frame (folio head for a THP). */
export type NumaHintHandler = (pfn: number, cpu: number) => void;

export interface MmapOptions {
  /** Anonymous memory (THP-eligible). Default: true unless `shared` is given. */
  anon?: boolean;
  prot?: 'r' | 'rw';
  /** Backing object key: every mapping of the same key maps the same frames (page i ↔ page i). */
  shared?: string;
}

/** What a PTE (or the PMD of a THP) says about one virtual page; for tests and DAMOS actions. */
export interface PteState {
  present: boolean;
  young: boolean;
  dirty: boolean;
  writable: boolean;
  protection: 'none' | 'write' | null;
  swapped: boolean;
  /** Physical address of the page (frame start), -1 when not present. */
  paddr: number;
  folioSize: number;
}

/** A physical frame's folio and its mappings (the reverse map, for DAMOS actions and ops filters). */
export interface FrameInfo {
  /** Physical address of the folio head. */
  head: number;
  folioSize: number;
  /** Page-cache (shared object) frame rather than anonymous memory. */
  fileBacked: boolean;
  /** (tgid, vaddr) of every mapping of the folio head; empty when unmapped. */
  mappings: { tgid: number; vaddr: number }[];
  node: number;
  /** On the active LRU list. */
  active: boolean;
}

interface SharedObject {
  /** page index → pfn, or PAGED_OUT. */
  readonly pages: Map<number, number>;
}
const PAGED_OUT = -2;

interface Vma {
  start: number;
  end: number;
  anon: boolean;
  writable: boolean;
  shared: SharedObject | null;
}

interface Proc {
  tgid: number;
  name: string;
  asid: number;
  alive: boolean;
  vmas: Vma[];
  /** floor(vpn / 512) → page table id. */
  dir: PageDirectory;
  threads: number[];
  /** CPUs that ran a thread of this process (the mm cpumask, for shootdown IPIs). */
  cpus: Set<number>;
}

interface Thread {
  tid: number;
  proc: Proc;
  cpu: number;
  /** Virtual time of this thread's next access inside the current span, µs (fractional). */
  clock: number;
  /** Ground-truth views this thread's accesses count in. */
  views: Int32Array;
}

const MAX_ASID = 131072;

// Page geometry and PTE bits as module-local literals: V8 folds these in the per-page paths, not
// imported bindings (measured: 30-40% slower). tests/sim checks they equal src/backends/sim/layout.ts.
export const PAGE_SIZE = 4096;
export const PTES_PER_TABLE = 512;
export const HUGE_PAGE_SIZE = 2097152;
const USER_ADDR_LIMIT = 2 ** 47;

/** PTE bits (per entry of the page-table pool; a PMD-mapped THP keeps them in its table's first entry). */
export const PTE_PRESENT = 1;
export const PTE_YOUNG = 2;
export const PTE_DIRTY = 4;
/** The VMA allows writes (the PTE's original protection). */
export const PTE_WRITABLE = 8;
/** DAMON protection (MM_CP_DAMON): PAGE_NONE, any access faults. */
export const PTE_PROT_NONE = 16;
/** DAMON write protection: only writes fault. */
export const PTE_PROT_WRITE = 32;
/** Not present because paged out: the next access is a major fault. */
export const PTE_SWAPPED = 64;

export class Machine {
  readonly config: MachineConfig;
  readonly costs: MachineCosts = zeroCosts();
  private readonly phys: PhysicalMemory;
  private readonly madv: Madvise<Proc>;
  private readonly pt = new PageTablePool();
  private readonly tlb: Tlb;
  private readonly tlbOn: boolean;
  private readonly prng: Prng;
  private readonly prngState: Int32Array;
  private readonly gt: GroundTruth | null;
  private readonly procs = new Map<number, Proc>();
  private readonly asids: (Proc | undefined)[] = [];
  private readonly threads = new Map<number, Thread>();
  private readonly shared = new Map<string, SharedObject>();
  /** Frame of a shared object → where the object holds it. */
  private readonly sharedOwner = new Map<number, { obj: SharedObject; idx: number }>();
  private readonly listeners: DamonFaultListener[] = [];
  /**
   * Re-armed protections (state entry → the accesses that pass them without faulting: tid, cpu and
   * whether writes pass too, as triples). Cleared when the entry is protected anew or a fault is not
   * re-armed.
   */
  private readonly exempt = new Map<number, number[]>();
  private numaHint: NumaHintHandler | null = null;
  private readonly tasks: MachineTask[] = [];
  private readonly workloads: { w: Workload; active: boolean }[] = [];
  private nextPid = 100;
  private nextCpu = 0;
  private _now = 0;
  private spanStart = 0;
  private spanEnd = 0;
  // Current batch: time of its access 0 and µs between accesses.
  private bClock = 0;
  // Current batch: touches each page at least twice on average (TLB insertion at the front).
  private bReused = false;
  private readonly dt: number;
  // Last thread of a batch, and last directory page of a touch (batches walk tables in order).
  private cThread: Thread | null = null;
  private cProc: Proc | null = null;
  private cHi = -1;
  private cDir: Int32Array = new Int32Array(0);
  private scratch = new Int32Array(0);
  // Result of the last locate().
  private lProc: Proc | null = null;
  private lT = 0;
  private lE = 0;
  private lH = 0;

  constructor(config: Partial<MachineConfig> = {}) {
    this.config = resolveMachineConfig(config);
    const c = this.config;
    this.phys = new PhysicalMemory(c.memoryBytes, c.nodes);
    this.madv = new Madvise<Proc>({
      pt: this.pt,
      phys: this.phys,
      costs: this.costs,
      thpAlways: c.thp,
      flush: (p, vpn) => this.flush(p, vpn),
      homeNode: (p) => this.cpuNode(this.threads.get(p.threads[0]!)?.cpu ?? 0),
    });
    this.tlb = new Tlb(c.cpus, c.tlbEntries, this.pt);
    this.tlbOn = this.tlb.enabled;
    this.prng = new Prng(c.seed);
    this.prngState = this.prng.state;
    this.dt = 1e6 / c.accessesPerSecond;
    this.gt = c.groundTruth
      ? new GroundTruth(c.groundTruth, c.cpus, this.pt, (asid) => this.asids[asid]?.tgid ?? -1)
      : null;
  }

  get now(): number {
    return this._now;
  }

  get groundTruth(): GroundTruth | null {
    return this.gt;
  }

  // ---------------------------------------------------------------- processes, threads, VMAs

  createProcess(name = `proc${this.nextPid}`): number {
    const asid = this.asids.length;
    if (asid >= MAX_ASID) throw new Error(`machine: more than ${MAX_ASID} processes`);
    const tgid = this.nextPid;
    const p: Proc = {
      tgid,
      name,
      asid,
      alive: true,
      vmas: [],
      dir: new PageDirectory(),
      threads: [],
      cpus: new Set(),
    };
    this.procs.set(tgid, p);
    this.asids.push(p);
    this.addThread(p, tgid, undefined);
    return tgid;
  }

  /** New thread; `cpu` pins it, otherwise it is placed round-robin over the CPUs. */
  createThread(tgid: number, opts: { cpu?: number } = {}): number {
    const p = this.liveProc(tgid, 'createThread');
    const tid = this.nextPid;
    this.addThread(p, tid, opts.cpu);
    return tid;
  }

  private addThread(p: Proc, tid: number, cpu: number | undefined): void {
    if (cpu !== undefined) this.checkCpu(cpu, 'cpu');
    const placed = cpu ?? this.nextCpu++ % this.config.cpus;
    const views = this.gt ? this.gt.viewsFor(tid, placed) : new Int32Array(0);
    this.threads.set(tid, {
      tid,
      proc: p,
      cpu: placed,
      clock: this.spanStart,
      views,
    });
    p.threads.push(tid);
    p.cpus.add(placed);
    this.nextPid = tid + 1;
  }

  /** Moves (and pins) a thread to a CPU, as sched_setaffinity would. */
  setThreadCpu(tid: number, cpu: number): void {
    const th = this.thread(tid, 'setThreadCpu');
    this.checkCpu(cpu, 'cpu');
    th.cpu = cpu;
    th.proc.cpus.add(cpu);
    if (this.gt) th.views = this.gt.viewsFor(tid, cpu);
  }

  threadCpu(tid: number): number {
    return this.thread(tid, 'threadCpu').cpu;
  }

  threadsOf(tgid: number): number[] {
    return [...(this.procs.get(tgid)?.threads ?? [])];
  }

  cpuNode(cpu: number): number {
    return Math.floor((cpu * this.config.nodes) / this.config.cpus);
  }

  /** Live processes' tgids, in creation order. */
  processes(): number[] {
    return [...this.procs.values()].filter((p) => p.alive).map((p) => p.tgid);
  }

  processName(tgid: number): string | undefined {
    return this.procs.get(tgid)?.name;
  }

  processAlive(tgid: number): boolean {
    return this.procs.get(tgid)?.alive === true;
  }

  /** Pages a process has mapped (its resident set, as /proc/PID/statm counts it); 0 once it exited. */
  residentPages(tgid: number): number {
    const p = this.procs.get(tgid);
    if (!p?.alive) return 0;
    const pool = this.pt;
    let n = 0;
    for (const t of p.dir.tables()) {
      if (pool.tableHuge[t]) {
        n += PTES_PER_TABLE;
        continue;
      }
      const base = t * PTES_PER_TABLE;
      for (let i = 0; i < PTES_PER_TABLE; i++) if (pool.flags[base + i]! & PTE_PRESENT) n++;
    }
    return n;
  }

  exitProcess(tgid: number): void {
    const p = this.liveProc(tgid, 'exitProcess');
    const pool = this.pt;
    // Before the tables go: the TLB finds an address space's translations through their tables.
    if (this.tlbOn) this.tlb.invalidateAsid(p.asid);
    for (const t of p.dir.tables()) {
      const base = t * PTES_PER_TABLE;
      if (pool.tableHuge[t]) {
        const pfn = pool.pfn[base]!;
        for (let i = 0; i < PTES_PER_TABLE; i++)
          this.phys.removeMapping(pfn + i, p.tgid, pool.tableVpn[t]! + i);
        this.phys.free(pfn, true);
      } else {
        for (let i = 0; i < PTES_PER_TABLE; i++) {
          const pfn = pool.pfn[base + i]!;
          if (pfn >= 0) this.releaseFrame(pfn, p.tgid, pool.tableVpn[t]! + i);
        }
      }
      if (this.gt) this.gt.deferTableRelease(t);
      else pool.releaseTable(t);
    }
    p.dir.clear();
    for (const tid of p.threads) this.threads.delete(tid);
    p.alive = false;
    this.cProc = null;
  }

  mmap(tgid: number, start: number, length: number, opts: MmapOptions = {}): void {
    const p = this.liveProc(tgid, 'mmap');
    const where = `mmap(tgid ${tgid}, 0x${start.toString(16)}, ${length})`;
    if (!Number.isInteger(start) || start < 0 || start % PAGE_SIZE !== 0)
      throw new Error(`${where}: start must be a page-aligned address`);
    if (!Number.isInteger(length) || length <= 0 || length % PAGE_SIZE !== 0)
      throw new Error(`${where}: length must be a positive multiple of ${PAGE_SIZE}`);
    const end = start + length;
    if (end > USER_ADDR_LIMIT) throw new Error(`${where}: end beyond the 47-bit user address space`);
    if (opts.prot !== undefined && opts.prot !== 'r' && opts.prot !== 'rw')
      throw new Error(`${where}: prot must be 'r' or 'rw'`);
    if (opts.shared !== undefined && opts.anon === true)
      throw new Error(`${where}: a shared mapping is not anonymous`);
    const i = p.vmas.findIndex((v) => v.end > start);
    if (i >= 0 && p.vmas[i]!.start < end)
      throw new Error(
        `${where}: overlaps VMA [0x${p.vmas[i]!.start.toString(16)}, 0x${p.vmas[i]!.end.toString(16)})`,
      );
    let shared: SharedObject | null = null;
    if (opts.shared !== undefined) {
      shared = this.shared.get(opts.shared) ?? { pages: new Map() };
      this.shared.set(opts.shared, shared);
    }
    const vma: Vma = { start, end, anon: opts.anon ?? shared === null, writable: opts.prot !== 'r', shared };
    p.vmas.splice(i < 0 ? p.vmas.length : i, 0, vma);
  }

  vmas(tgid: number): { start: number; end: number; anon: boolean; writable: boolean }[] {
    const p = this.procs.get(tgid);
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
    let t = fromUs;
    this._now = t;
    this.gt?.advanceTo(t);
    while (t < toUs) {
      let end = this.gt ? Math.min(toUs, this.gt.nextBoundary(t)) : toUs;
      for (const k of this.tasks) {
        if (k.nextUs <= t) k.nextUs = Math.max(t + 1, k.run(t));
        if (k.nextUs < end) end = k.nextUs;
      }
      this.beginSpan(t, end);
      for (const x of this.workloads) if (x.active && !x.w.run(this, t, end)) x.active = false;
      t = end;
      this._now = t;
      this.gt?.advanceTo(t);
    }
    this.beginSpan(toUs, toUs);
  }

  private beginSpan(from: number, to: number): void {
    this.spanStart = from;
    this.spanEnd = to;
    for (const th of this.threads.values()) th.clock = from;
  }

  /** Time of access k of the current batch: integer µs inside the current span. */
  private timeOf(k: number): number {
    const t = Math.floor(this.bClock + k * this.dt);
    const last = Math.max(this.spanStart, this.spanEnd - 1);
    return t < this.spanStart ? this.spanStart : t > last ? last : t;
  }

  // ---------------------------------------------------------------- accesses

  /** `count` accesses from `start`, stepping `stride` bytes, wrapping inside [start, start+length). */
  access(tid: number, start: number, length: number, stride: number, count: number, isWrite: boolean): void {
    const th = this.beginBatch('access', tid, start, length, stride, count);
    if (count === 0) return;
    this.bReused = count >= 2 * Math.ceil(Math.min(count * stride, length) / PAGE_SIZE);
    // The loops live in their own methods: a batch of one page (trace records) then costs no more
    // than a single touch, even after long batches got the loops optimised.
    if (stride > PAGE_SIZE) this.accessOrbit(th, start, length, stride, count, isWrite);
    else if (Math.floor(start / PAGE_SIZE) === Math.floor((start + length - 1) / PAGE_SIZE))
      this.touchAt(th, start, 0, isWrite);
    else this.accessPasses(th, start, length, stride, count, isWrite);
  }

  /**
   * stride > page: every access of one pass is on its own page; later passes may reach other
   * pages, so walk the orbit of (i*stride mod length), which repeats after length/gcd accesses.
   */
  private accessOrbit(
    th: Thread,
    start: number,
    length: number,
    stride: number,
    count: number,
    isWrite: boolean,
  ): void {
    const n = Math.min(count, length / gcd(stride, length));
    // Passes after the first may land on pages already touched: skip those (cost is per page).
    const seen = n > Math.ceil(length / stride) ? new Set<number>() : null;
    for (let i = 0; i < n; i++) {
      const a = start + ((i * stride) % length);
      if (seen) {
        const vpn = Math.floor(a / PAGE_SIZE);
        if (seen.has(vpn)) continue;
        seen.add(vpn);
      }
      this.touchAt(th, a, i, isWrite);
    }
  }

  /** stride ≤ page: each pass covers a contiguous run of pages; pass p starts at offset r < stride. */
  private accessPasses(
    th: Thread,
    start: number,
    length: number,
    stride: number,
    count: number,
    isWrite: boolean,
  ): void {
    const lastVpn = Math.floor((start + length - 1) / PAGE_SIZE);
    let r = 0;
    let base = 0;
    let done = Math.floor(start / PAGE_SIZE) - 1;
    for (let pass = 0; base < count && pass <= stride; pass++) {
      const full = Math.ceil((length - r) / stride);
      const n = Math.min(full, count - base);
      const hi = Math.floor((start + r + (n - 1) * stride) / PAGE_SIZE);
      const lo = Math.max(done + 1, Math.floor((start + r) / PAGE_SIZE));
      if (lo <= hi) this.touchRun(th, lo, hi, start + r, stride, base, isWrite);
      if (hi > done) done = hi;
      if (done >= lastVpn || n < full) break;
      r = r + full * stride - length;
      base += n;
    }
  }

  /**
   * Touches pages lo..hi of a pass whose access k0 is at address a0 (accesses every `stride`
   * bytes). Pages that are present, unprotected and of a 4 KiB table, without ground truth, take an
   * inlined path (TLB, Accessed/Dirty bits, LRU mark) with the table, arrays and counters held in
   * locals; any other page goes through touchAt(), which handles every case. A stretch of such
   * pages that certainly miss the TLB is walked first and cached after (fillMisses), so that a long
   * scan fills only the translations that stay.
   */
  private touchRun(
    th: Thread,
    lo: number,
    hi: number,
    a0: number,
    stride: number,
    k0: number,
    isWrite: boolean,
  ): void {
    const proc = th.proc;
    const cpu = th.cpu;
    const tlbOn = this.tlbOn;
    const tlb = this.tlb;
    const reused = this.bReused;
    const costs = this.costs;
    const fast = this.gt === null;
    // What a page's flags must show for the inlined path: present, and no DAMON protection that
    // this access would fault on; writes also need the VMA's write permission.
    const test = isWrite
      ? PTE_PRESENT | PTE_WRITABLE | PTE_PROT_NONE | PTE_PROT_WRITE
      : PTE_PRESENT | PTE_PROT_NONE;
    const need = isWrite ? PTE_PRESENT | PTE_WRITABLE : PTE_PRESENT;
    const set = isWrite ? PTE_YOUNG | PTE_DIRTY : PTE_YOUNG;
    // Pages before vpn walked but not yet cached in the TLB (all certain misses).
    let pending = 0;
    let vpn = lo;
    while (vpn <= hi) {
      const key = Math.floor(vpn / PTES_PER_TABLE);
      const t = fast ? this.tableOf(proc, key) : -1;
      if (t < 0 || this.pt.tableHuge[t] === 1) {
        if (pending > 0) pending = this.fillMisses(proc, cpu, vpn, pending, reused);
        this.touchInPass(th, vpn++, a0, stride, k0, isWrite);
        continue;
      }
      const end = Math.min(hi, key * PTES_PER_TABLE + PTES_PER_TABLE - 1);
      // Pool arrays are re-read after every slow touch (a fault may grow them).
      const flags = this.pt.flags;
      const pfn = this.pt.pfn;
      const phys = this.phys;
      let e = t * PTES_PER_TABLE + (vpn - key * PTES_PER_TABLE);
      let touches = 0;
      let hits = 0;
      let walks = 0;
      for (; vpn <= end; vpn++, e++) {
        const f = flags[e]!;
        if ((f & test) !== need) break;
        touches++;
        const nf = f | set;
        if (tlbOn) {
          if (!tlb.mayCache(cpu, e)) pending++;
          else {
            if (pending > 0) pending = this.fillMisses(proc, cpu, vpn, pending, reused);
            const writeOk = (nf & (PTE_WRITABLE | PTE_DIRTY | PTE_PROT_WRITE)) === (PTE_WRITABLE | PTE_DIRTY);
            if (!tlb.access(cpu, key, vpn - key * PTES_PER_TABLE, e, isWrite, writeOk, reused)) {
              hits++;
              continue;
            }
          }
        }
        walks++;
        flags[e] = nf;
        phys.reference(pfn[e]!);
      }
      costs.pageTouches += touches;
      costs.tlbHits += hits;
      costs.pageWalks += walks;
      if (vpn <= end) {
        if (pending > 0) pending = this.fillMisses(proc, cpu, vpn, pending, reused);
        this.touchInPass(th, vpn++, a0, stride, k0, isWrite);
      }
    }
    if (pending > 0) this.fillMisses(proc, cpu, vpn, pending, reused);
  }

  /**
   * Caches the translations of the `n` pages before `next`, walked as certain TLB misses, as one
   * fill each in order would (Tlb.missesKept: only the last ones matter). Returns 0 (none pending).
   */
  private fillMisses(proc: Proc, cpu: number, next: number, n: number, reused: boolean): number {
    const flags = this.pt.flags;
    for (let vpn = next - Math.min(n, this.tlb.missesKept(reused)); vpn < next; vpn++) {
      const key = Math.floor(vpn / PTES_PER_TABLE);
      const off = vpn - key * PTES_PER_TABLE;
      const e = this.tableOf(proc, key) * PTES_PER_TABLE + off;
      const writeOk =
        (flags[e]! & (PTE_WRITABLE | PTE_DIRTY | PTE_PROT_WRITE)) === (PTE_WRITABLE | PTE_DIRTY);
      this.tlb.access(cpu, key, off, e, false, writeOk, reused);
    }
    return 0;
  }

  /** touchAt() of page vpn's first access in a pass whose access k0 is at a0. */
  private touchInPass(
    th: Thread,
    vpn: number,
    a0: number,
    stride: number,
    k0: number,
    isWrite: boolean,
  ): void {
    const k = Math.max(0, Math.ceil((vpn * PAGE_SIZE - a0) / stride));
    this.touchAt(th, a0 + k * stride, k0 + k, isWrite);
  }

  /** Table id of table key `key` of `proc`, -1 if none; caches the directory page (batches walk tables in order). */
  private tableOf(proc: Proc, key: number): number {
    // key >>> 9: the directory page (DIR_SPAN = 512 tables), a literal for the reason given at PAGE_SIZE.
    const hi = key >>> 9;
    let dir = this.cDir;
    if (proc !== this.cProc || hi !== this.cHi) {
      dir = proc.dir.page(key, true)!;
      this.cProc = proc;
      this.cHi = hi;
      this.cDir = dir;
    }
    return dir[key & 511]!;
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
    const th = this.beginBatch('accessRandom', tid, start, length, stride, count);
    const slots = Math.max(1, Math.floor(length / stride));
    if (count === 1) {
      // The common single access (traces, fine-grained workloads): no distinct-page bookkeeping,
      // and the draw of Prng.rand(0, slots) stepped inline on the PRNG's state (the same sequence:
      // tests/sim checks it), as a call here is not inlined once the caller's loop inlines this.
      this.bReused = false;
      let i = 0;
      if (slots > 0x100000000) i = this.prng.rand(0, slots);
      else if (slots > 1) {
        const st = this.prngState;
        const a = st[0]!;
        const b = st[1]!;
        const c = st[2]! ^ a;
        const d = st[3]! ^ b;
        st[0] = a ^ d;
        st[1] = b ^ c;
        st[2] = c ^ (b << 9);
        st[3] = (d << 11) | (d >>> 21);
        const m = Math.imul(b, 5);
        const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
        i = Math.floor((r / 0x100000000) * slots);
      }
      // touchAt() written out: with this method inlined into a caller's loop, the call was not, and
      // passing it the address (a double) allocated a box per access.
      const a = start + i * stride;
      const vpn = Math.floor(a / PAGE_SIZE);
      const key = Math.floor(vpn / PTES_PER_TABLE);
      this.touch(th, key, vpn - key * PTES_PER_TABLE, a - vpn * PAGE_SIZE, 0, isWrite);
    } else if (count > 1) this.accessRandomMany(th, start, stride, count, slots, isWrite);
  }

  /** accessRandom() of several accesses (kept apart so that the single access stays small enough to inline). */
  private accessRandomMany(
    th: Thread,
    start: number,
    stride: number,
    count: number,
    slots: number,
    isWrite: boolean,
  ): void {
    const rng = this.prng;
    const firstVpn = Math.floor(start / PAGE_SIZE);
    // Units the batch can touch: slots when each is on its own page, else pages (taken as equally
    // likely: exact when the stride divides the page size and the range is page-aligned).
    const units =
      stride >= PAGE_SIZE ? slots : Math.floor((start + (slots - 1) * stride) / PAGE_SIZE) - firstVpn + 1;
    this.bReused = count >= 2 * units;
    if (count * 2 <= units || units > 1 << 24) {
      for (let k = 0; k < count; k++) {
        this.touchAt(th, start + rng.rand(0, slots) * stride, k, isWrite);
      }
      return;
    }
    // Many repeats: draw only the distinct units, in first-touch order (partial Fisher-Yates over
    // the units; the gap to the next new unit is geometric), which has the same distribution.
    if (this.scratch.length < units) this.scratch = new Int32Array(Math.max(units, this.scratch.length * 2));
    const perm = this.scratch;
    for (let u = 0; u < units; u++) perm[u] = u;
    let i = 0;
    for (let seen = 0; i < count && seen < units; seen++) {
      const j = rng.rand(seen, units);
      const u = perm[j]!;
      perm[j] = perm[seen]!;
      perm[seen] = u;
      let a: number;
      if (stride >= PAGE_SIZE) a = start + u * stride;
      else {
        const pageStart = (firstVpn + u) * PAGE_SIZE;
        a = pageStart <= start ? start : start + Math.ceil((pageStart - start) / stride) * stride;
      }
      this.touchAt(th, a, i, isWrite);
      const q = (seen + 1) / units;
      i += q < 1 ? 1 + Math.floor(Math.log(1 - rng.nextU32() / 0x100000000) / Math.log(q)) : 1;
    }
  }

  private beginBatch(
    op: string,
    tid: number,
    start: number,
    length: number,
    stride: number,
    count: number,
  ): Thread {
    // thread()'s fast path written out (the call was not inlined on the per-access path).
    const c = this.cThread;
    const th = c !== null && c.tid === tid && c.proc.alive ? c : this.thread(tid, op);
    // One combined test on the fast path; badBatch() names what is wrong.
    if (!(
      start >= 0 &&
      start < USER_ADDR_LIMIT &&
      length > 0 &&
      stride > 0 &&
      count >= 0 &&
      Number.isInteger(length) &&
      Number.isInteger(stride) &&
      Number.isInteger(count)
    ))
      this.badBatch(op, tid, start, length, stride, count);
    this.bClock = th.clock;
    th.clock += count * this.dt;
    this.costs.accesses += count;
    return th;
  }

  private badBatch(
    op: string,
    tid: number,
    start: number,
    length: number,
    stride: number,
    count: number,
  ): never {
    if (!(start >= 0 && start < USER_ADDR_LIMIT)) throw new Error(`${op}(tid ${tid}): bad start ${start}`);
    if (!Number.isInteger(length) || length <= 0)
      throw new Error(`${op}(tid ${tid}): length must be a positive integer, got ${length}`);
    if (!Number.isInteger(stride) || stride <= 0)
      throw new Error(`${op}(tid ${tid}): stride must be a positive integer, got ${stride}`);
    throw new Error(`${op}(tid ${tid}): count must be a non-negative integer, got ${count}`);
  }

  /**
   * Touch of the page holding address `a` (access number k of the batch). Small enough to be
   * inlined, so that only small integers cross the call into touch(): doubles passed to a call that
   * is not inlined are boxed, one allocation each.
   */
  private touchAt(th: Thread, a: number, k: number, isWrite: boolean): void {
    const vpn = Math.floor(a / PAGE_SIZE);
    const key = Math.floor(vpn / PTES_PER_TABLE);
    this.touch(th, key, vpn - key * PTES_PER_TABLE, a - vpn * PAGE_SIZE, k, isWrite);
  }

  /** One distinct page touch (table key, index in table, byte offset in page): TLB, walk, LRU mark, ground truth. */
  private touch(th: Thread, key: number, off: number, pageOff: number, k: number, isWrite: boolean): void {
    const proc = th.proc;
    let t = this.tableOf(proc, key);
    if (t < 0) t = this.newTable(th, key, off, pageOff, isWrite);
    const pool = this.pt;
    const e = t * PTES_PER_TABLE + off;
    this.costs.pageTouches++;
    const huge = pool.tableHuge[t] === 1;
    const slot = this.tlbOn ? this.tlb.probe(th.cpu, key, off, huge, huge ? t * PTES_PER_TABLE : e) : -1;
    if (slot >= 0 && (!isWrite || this.tlb.writeOk(slot))) this.costs.tlbHits++;
    else this.walk(th, t, e, key, off, pageOff, k, isWrite, slot);
    if (this.gt) this.gt.record(e, this.pt.pfn[e]!, th.tid, th.cpu, isWrite, th.views);
  }

  /** Page walk on a TLB miss: faults, then Accessed (and Dirty on a write), then cache the translation. */
  private walk(
    th: Thread,
    t: number,
    e: number,
    key: number,
    off: number,
    pageOff: number,
    k: number,
    isWrite: boolean,
    slot: number,
  ): void {
    this.costs.pageWalks++;
    const vpn = key * PTES_PER_TABLE + off;
    const addr = vpn * PAGE_SIZE + pageOff;
    let pool = this.pt;
    let h = pool.tableHuge[t] ? t * PTES_PER_TABLE : e;
    let f = pool.flags[h]!;
    let faulted = false;
    // The access went through a re-armed protection: the translation must not be cached.
    let protectedPass = false;
    if (!(f & PTE_PRESENT)) {
      faulted = true;
      this.demandFault(th, t, e, vpn, addr, isWrite);
      pool = this.pt;
      h = pool.tableHuge[t] ? t * PTES_PER_TABLE : e;
      f = pool.flags[h]!;
    } else if (f & PTE_PROT_NONE || (isWrite && f & PTE_PROT_WRITE)) {
      const prot = f & (PTE_PROT_NONE | PTE_PROT_WRITE);
      const pass = this.exempt.get(h);
      if (pass !== undefined && passes(pass, th.tid, th.cpu, isWrite)) {
        protectedPass = true;
      } else {
        f &= ~prot;
        pool.flags[h] = f;
        faulted = true;
        const rearm = this.protectionFault(th, pool.pfn[h]!, addr, k, isWrite);
        pool = this.pt;
        if (rearm) {
          pool.flags[h]! |= prot;
          protectedPass = true;
          if (pass !== undefined) pass.push(th.tid, th.cpu, isWrite ? 1 : 0);
          else this.exempt.set(h, [th.tid, th.cpu, isWrite ? 1 : 0]);
        } else if (pass !== undefined) this.exempt.delete(h);
        f = pool.flags[h]!;
      }
    }
    if (isWrite && !(f & PTE_WRITABLE)) {
      throw new Error(
        `machine: tid ${th.tid} wrote to read-only address 0x${addr.toString(16)} (tgid ${th.proc.tgid})`,
      );
    }
    f |= isWrite ? PTE_YOUNG | PTE_DIRTY : PTE_YOUNG;
    pool.flags[h] = f;
    // LRU aging sees what the hardware reports: the walks that set Accessed bits.
    this.phys.reference(pool.pfn[e]!);
    if (this.tlbOn) {
      // Re-probe unless this was a write through a cached read-only translation (slot known), or
      // when the fault changed the mapping to a THP (another tag) or ran listeners.
      const writeOk = (f & (PTE_WRITABLE | PTE_DIRTY | PTE_PROT_WRITE)) === (PTE_WRITABLE | PTE_DIRTY);
      if (slot >= 0) this.tlb.setWriteOk(slot, writeOk);
      else if (!protectedPass) {
        if (faulted) {
          const huge = pool.tableHuge[t] === 1;
          this.tlb.probe(th.cpu, key, off, huge, huge ? t * PTES_PER_TABLE : e);
        }
        this.tlb.fill(writeOk, this.bReused);
      }
    }
  }

  /**
   * MM_CP_DAMON fault: the protection is already restored by the caller; count and report. True
   * when a listener asks to re-arm it (DamonFaultListener).
   */
  private protectionFault(th: Thread, pfn: number, addr: number, k: number, isWrite: boolean): boolean {
    if (this.config.numaBalancing) {
      this.costs.numaHintingFaults++;
      this.numaHint?.(pfn, th.cpu);
      return false;
    }
    this.costs.damonFaults++;
    if (this.listeners.length === 0) return false;
    const r: AccessReport = {
      vaddr: addr,
      paddr: pfn * PAGE_SIZE,
      size: 1,
      cpu: th.cpu,
      tid: th.tid,
      tgid: th.proc.tgid,
      isWrite,
      time: this.timeOf(k),
    };
    let rearm = false;
    for (const l of this.listeners) {
      this.costs.reportsDelivered++;
      if (l(r) === true) rearm = true;
    }
    return rearm;
  }

  private findVma(p: Proc, addr: number): Vma | undefined {
    const x = p.vmas[firstEndingAfter(p.vmas, addr)];
    return x && x.start <= addr ? x : undefined;
  }

  private vmaOrFault(th: Thread, addr: number, isWrite: boolean): Vma {
    const vma = this.findVma(th.proc, addr);
    if (!vma)
      throw new Error(
        `machine: segmentation fault: tid ${th.tid} accessed 0x${addr.toString(16)}, outside every VMA of tgid ${th.proc.tgid}`,
      );
    if (isWrite && !vma.writable)
      throw new Error(
        `machine: tid ${th.tid} wrote to read-only address 0x${addr.toString(16)} (tgid ${th.proc.tgid})`,
      );
    return vma;
  }

  private newTable(th: Thread, key: number, off: number, pageOff: number, isWrite: boolean): number {
    this.vmaOrFault(th, (key * PTES_PER_TABLE + off) * PAGE_SIZE + pageOff, isWrite);
    const t = this.pt.allocTable(th.proc.asid, key * PTES_PER_TABLE);
    th.proc.dir.set(key, t);
    return t;
  }

  /** First touch (minor fault) or touch of a paged-out page (major fault): map a frame. */
  private demandFault(th: Thread, t: number, e: number, vpn: number, addr: number, isWrite: boolean): void {
    const vma = this.vmaOrFault(th, addr, isWrite);
    const pool = this.pt;
    const p = th.proc;
    const wflag = vma.writable ? PTE_WRITABLE : 0;
    const wasSwapped = (pool.flags[e]! & PTE_SWAPPED) !== 0;
    const node = this.cpuNode(th.cpu);
    if (vma.shared) {
      const idx = vpn - vma.start / PAGE_SIZE;
      let pfn = vma.shared.pages.get(idx);
      const major = pfn === PAGED_OUT;
      if (pfn === undefined || pfn === PAGED_OUT) {
        pfn = this.allocFrame(node, false, th, addr);
        this.phys.flags[pfn]! |= FRAME_SHARED;
        vma.shared.pages.set(idx, pfn);
        this.sharedOwner.set(pfn, { obj: vma.shared, idx });
      }
      if (major) this.costs.majorFaults++;
      else this.costs.minorFaults++;
      this.mapEntry(p, t, e, pfn, vpn, wflag, wasSwapped);
      return;
    }
    if (wasSwapped) this.costs.majorFaults++;
    else this.costs.minorFaults++;
    const tableStart = Math.floor(vpn / PTES_PER_TABLE) * HUGE_PAGE_SIZE;
    if (pool.tableUsed[t] === 0 && this.madv.hugeFault(p, vma, tableStart)) {
      const base = this.phys.alloc(node, true);
      if (base >= 0) {
        const e0 = t * PTES_PER_TABLE;
        const v0 = pool.tableVpn[t]!;
        for (let i = 0; i < PTES_PER_TABLE; i++) {
          pool.pfn[e0 + i] = base + i;
          pool.flags[e0 + i] = PTE_PRESENT | wflag;
          this.phys.addMapping(base + i, p.tgid, v0 + i);
        }
        pool.tableHuge[t] = 1;
        pool.tableUsed[t] = PTES_PER_TABLE;
        return;
      }
    }
    this.mapEntry(p, t, e, this.allocFrame(node, false, th, addr), vpn, wflag, wasSwapped);
  }

  private allocFrame(node: number, huge: boolean, th: Thread, addr: number): number {
    const pfn = this.phys.alloc(node, huge);
    if (pfn < 0) {
      throw new Error(
        `machine: out of simulated memory (${this.config.memoryBytes} bytes) on tid ${th.tid}'s access to 0x${addr.toString(16)}`,
      );
    }
    return pfn;
  }

  private mapEntry(
    p: Proc,
    t: number,
    e: number,
    pfn: number,
    vpn: number,
    wflag: number,
    wasSwapped: boolean,
  ): void {
    const pool = this.pt;
    pool.pfn[e] = pfn;
    pool.flags[e] = PTE_PRESENT | wflag;
    if (!wasSwapped) pool.tableUsed[t]!++;
    this.phys.addMapping(pfn, p.tgid, vpn);
  }

  /** Drops one mapping of a frame; frees anonymous frames nobody maps any more. */
  private releaseFrame(pfn: number, tgid: number, vpn: number): void {
    const left = this.phys.removeMapping(pfn, tgid, vpn);
    if (left === 0 && !(this.phys.flags[pfn]! & FRAME_SHARED)) this.phys.free(pfn, false);
  }

  // ---------------------------------------------------------------- page-table primitives (ops sets)

  /**
   * Locates the PTE of a virtual page of a live process: sets lProc, lT (table), lE (entry) and lH
   * (the entry holding its state: the PMD head for a THP). False if the process or table is absent.
   * Fields instead of a returned tuple: ops sets call this per region per sample.
   */
  private locate(tgid: number, vaddr: number): boolean {
    let p = this.lProc;
    if (p?.tgid !== tgid) {
      p = this.procs.get(tgid) ?? null;
      this.lProc = p;
    }
    if (!p?.alive || !(vaddr >= 0)) return false;
    const vpn = Math.floor(vaddr / PAGE_SIZE);
    const key = Math.floor(vpn / PTES_PER_TABLE);
    const t = p.dir.get(key);
    if (t < 0) return false;
    this.lT = t;
    this.lE = t * PTES_PER_TABLE + (vpn - key * PTES_PER_TABLE);
    this.lH = this.pt.tableHuge[t] ? t * PTES_PER_TABLE : this.lE;
    return true;
  }

  translate(tgid: number, vaddr: number): number {
    if (!this.locate(tgid, vaddr) || !(this.pt.flags[this.lE]! & PTE_PRESENT)) return -1;
    return this.pt.pfn[this.lE]! * PAGE_SIZE + (vaddr % PAGE_SIZE);
  }

  pte(tgid: number, vaddr: number): PteState | null {
    if (!this.locate(tgid, vaddr)) return null;
    const t = this.lT;
    const e = this.lE;
    const h = this.lH;
    const f = this.pt.flags[h]!;
    const present = (this.pt.flags[e]! & PTE_PRESENT) !== 0;
    return {
      present,
      young: present && (f & PTE_YOUNG) !== 0,
      dirty: present && (f & PTE_DIRTY) !== 0,
      writable: (f & PTE_WRITABLE) !== 0,
      protection: f & PTE_PROT_NONE ? 'none' : f & PTE_PROT_WRITE ? 'write' : null,
      swapped: (this.pt.flags[e]! & PTE_SWAPPED) !== 0,
      paddr: present ? this.pt.pfn[e]! * PAGE_SIZE : -1,
      folioSize: this.pt.tableHuge[t] ? HUGE_PAGE_SIZE : PAGE_SIZE,
    };
  }

  /** Clears the Accessed bit of the page's PTE/PMD, without a TLB flush (as DAMON's mkold). */
  mkold(tgid: number, vaddr: number): void {
    this.costs.mkold++;
    if (this.locate(tgid, vaddr) && this.pt.flags[this.lH]! & PTE_PRESENT)
      this.pt.flags[this.lH]! &= ~PTE_YOUNG;
  }

  young(tgid: number, vaddr: number): { young: boolean; folioSize: number } {
    this.costs.youngChecks++;
    if (!this.locate(tgid, vaddr)) return { young: false, folioSize: PAGE_SIZE };
    const f = this.pt.flags[this.lH]!;
    return {
      young: (f & (PTE_PRESENT | PTE_YOUNG)) === (PTE_PRESENT | PTE_YOUNG),
      folioSize: this.pt.tableHuge[this.lT] ? HUGE_PAGE_SIZE : PAGE_SIZE,
    };
  }

  /** The frame's folio head and its mappings (a THP folio is mapped through its head's PMD). */
  private folioOf(paddr: number): { head: number; huge: boolean } | null {
    if (!(paddr >= 0)) return null;
    const pfn = Math.floor(paddr / PAGE_SIZE);
    if (pfn >= this.phys.nrFrames) return null;
    const fl = this.phys.flags[pfn]!;
    if (!(fl & FRAME_ALLOCATED)) return null;
    const huge = (fl & FRAME_HUGE) !== 0;
    return { head: huge ? pfn - (pfn % PTES_PER_TABLE) : pfn, huge };
  }

  /** State-entry indices (PTE or PMD head) of every mapping of the frame at paddr. */
  private rmapEntries(paddr: number): { tgid: number; vpn: number; h: number; p: Proc }[] {
    const folio = this.folioOf(paddr);
    if (!folio) return [];
    const out: { tgid: number; vpn: number; h: number; p: Proc }[] = [];
    const pfn = folio.huge ? folio.head : Math.floor(paddr / PAGE_SIZE);
    for (const m of this.phys.mappings(pfn)) {
      const p = this.procs.get(m.tgid);
      if (p && this.locate(m.tgid, m.vpn * PAGE_SIZE)) out.push({ tgid: m.tgid, vpn: m.vpn, h: this.lH, p });
    }
    return out;
  }

  /** The allocated frame at paddr (its folio and mappings), or null for free memory / outside RAM. */
  frameInfo(paddr: number): FrameInfo | null {
    const folio = this.folioOf(paddr);
    if (!folio) return null;
    const fl = this.phys.flags[folio.head]!;
    return {
      head: folio.head * PAGE_SIZE,
      folioSize: folio.huge ? HUGE_PAGE_SIZE : PAGE_SIZE,
      fileBacked: (fl & FRAME_SHARED) !== 0,
      mappings: this.phys.mappings(folio.head).map((x) => ({ tgid: x.tgid, vaddr: x.vpn * PAGE_SIZE })),
      node: this.phys.nodeOf(folio.head),
      active: (fl & FRAME_ACTIVE) !== 0,
    };
  }

  mkoldPhys(paddr: number): void {
    for (const m of this.rmapEntries(paddr)) {
      this.costs.mkold++;
      this.pt.flags[m.h]! &= ~PTE_YOUNG;
    }
  }

  youngPhys(paddr: number): { young: boolean; folioSize: number } {
    this.costs.youngChecks++;
    const folio = this.folioOf(paddr);
    const folioSize = folio?.huge ? HUGE_PAGE_SIZE : PAGE_SIZE;
    for (const m of this.rmapEntries(paddr)) {
      if (this.pt.flags[m.h]! & PTE_YOUNG) return { young: true, folioSize };
    }
    return { young: false, folioSize };
  }

  /** Installs DAMON protection on the page's PTE/PMD and flushes it from every TLB. */
  protect(tgid: number, vaddr: number, kind: 'none' | 'write'): void {
    if (!this.locate(tgid, vaddr)) return;
    this.protectEntry(this.lProc!, this.lH, Math.floor(vaddr / PAGE_SIZE), kind);
  }

  protectPhys(paddr: number, kind: 'none' | 'write'): void {
    for (const m of this.rmapEntries(paddr)) this.protectEntry(m.p, m.h, m.vpn, kind);
  }

  private protectEntry(p: Proc, h: number, vpn: number, kind: 'none' | 'write'): void {
    const f = this.pt.flags[h]!;
    if (!(f & PTE_PRESENT)) return;
    this.pt.flags[h] =
      (f & ~(PTE_PROT_NONE | PTE_PROT_WRITE)) | (kind === 'none' ? PTE_PROT_NONE : PTE_PROT_WRITE);
    if (this.exempt.size > 0) this.exempt.delete(h);
    this.costs.protectionChanges++;
    this.flush(p, vpn);
  }

  /** TLB flush of one translation in every CPU; counts IPIs to the mm's other CPUs. */
  private flush(p: Proc, vpn: number): void {
    this.costs.tlbFlushes++;
    this.costs.tlbShootdownIpis += Math.max(0, p.cpus.size - 1);
    if (!this.tlbOn) return;
    const key = Math.floor(vpn / PTES_PER_TABLE);
    const t = p.dir.get(key);
    if (t < 0) return;
    const huge = this.pt.tableHuge[t] === 1;
    const off = vpn - key * PTES_PER_TABLE;
    this.tlb.invalidate(key, off, huge, t * PTES_PER_TABLE + (huge ? 0 : off));
  }

  /**
   * Who handles NUMA hinting faults (numaBalancing on; src/backends/sim/numa-balancing.ts); the
   * handler may migrate the frame. One handler at a time.
   */
  setNumaHintHandler(h: NumaHintHandler | null): void {
    if (h && this.numaHint) throw new Error('machine: a NUMA hinting fault handler is already set');
    this.numaHint = h;
  }

  /** Adds a task run on the machine's clock (see MachineTask); returns a function removing it. */
  addTask(task: MachineTask): () => void {
    this.tasks.push(task);
    return () => {
      const i = this.tasks.indexOf(task);
      if (i >= 0) this.tasks.splice(i, 1);
    };
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
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  // ---------------------------------------------------------------- memory-management hooks (DAMOS)

  /**
   * madvise(MADV_HUGEPAGE / MADV_NOHUGEPAGE / MADV_COLLAPSE / MADV_WILLNEED) of [start, end) of a
   * process (src/backends/sim/madvise.ts); returns the bytes advised, collapsed or read back.
   */
  madvise(tgid: number, start: number, end: number, advice: MadviseAdvice): number {
    return this.madv.apply(this.liveProc(tgid, 'madvise'), start, end, advice);
  }

  /** Physical RAM size and NUMA node of a physical address (-1 when outside RAM). */
  get memoryBytes(): number {
    return this.config.memoryBytes;
  }

  nodeOf(paddr: number): number {
    const pfn = Math.floor(paddr / PAGE_SIZE);
    return pfn >= 0 && pfn < this.phys.nrFrames ? this.phys.nodeOf(pfn) : -1;
  }

  nodeStats(): NodeStats[] {
    return this.phys.nodeStats();
  }

  /** LRU aging: frames accessed since the previous scan become active, the rest inactive. */
  lruScan(node?: number): number {
    let n = 0;
    for (let i = 0; i < this.config.nodes; i++)
      if (node === undefined || node === i) n += this.phys.lruScan(i);
    return n;
  }

  lruList(node: number, list: 'active' | 'inactive'): number[] {
    return this.phys.lruList(node, list).map((pfn) => pfn * PAGE_SIZE);
  }

  isActive(paddr: number): boolean {
    const pfn = Math.floor(paddr / PAGE_SIZE);
    return (this.phys.flags[pfn]! & (FRAME_ALLOCATED | FRAME_ACTIVE)) === (FRAME_ALLOCATED | FRAME_ACTIVE);
  }

  /** Moves the frame (whole folio) to the active or inactive list (lru_prio / lru_deprio). */
  setLruActive(paddr: number, active: boolean): void {
    const folio = this.folioOf(paddr);
    if (!folio) return;
    const n = folio.huge ? PTES_PER_TABLE : 1;
    const first = folio.huge ? folio.head : Math.floor(paddr / PAGE_SIZE);
    for (let i = 0; i < n; i++) this.phys.setActive(first + i, active);
  }

  /** Discards the process's mapping of a page (MADV_DONTNEED): the next access is a minor fault. */
  unmap(tgid: number, vaddr: number): boolean {
    if (!this.locate(tgid, vaddr) || !(this.pt.flags[this.lE]! & PTE_PRESENT)) return false;
    const p = this.procs.get(tgid)!;
    const t = this.lT;
    const e = this.lE;
    this.costs.unmaps++;
    if (this.pt.tableHuge[t]) {
      this.dropHugeMapping(p, t, 0);
    } else {
      const vpn = Math.floor(vaddr / PAGE_SIZE);
      this.releaseFrame(this.pt.pfn[e]!, tgid, vpn);
      this.pt.pfn[e] = -1;
      this.pt.flags[e] = 0;
      this.pt.tableUsed[t]!--;
      this.flush(p, vpn);
    }
    return true;
  }

  /** Pages out the page at vaddr of tgid (every mapping of its frame): the next access is a major fault. */
  pageOut(tgid: number, vaddr: number): boolean {
    const paddr = this.translate(tgid, vaddr);
    return paddr >= 0 && this.pageOutPhys(paddr);
  }

  /** Pages out the frame's folio: all its mappings become swapped PTEs, the frame is freed. */
  pageOutPhys(paddr: number): boolean {
    const folio = this.folioOf(paddr);
    const maps = this.rmapEntries(paddr);
    if (!folio || maps.length === 0) return false;
    this.costs.unmaps++;
    if (folio.huge) {
      for (const m of maps) this.dropHugeMapping(m.p, Math.floor(m.h / PTES_PER_TABLE), PTE_SWAPPED);
      return true;
    }
    const pfn = Math.floor(paddr / PAGE_SIZE);
    for (const m of maps) {
      this.pt.pfn[m.h] = -1;
      this.pt.flags[m.h] = PTE_SWAPPED | (this.pt.flags[m.h]! & PTE_WRITABLE);
      this.phys.removeMapping(pfn, m.tgid, m.vpn);
      this.flush(m.p, m.vpn);
    }
    this.rehomeShared(pfn, PAGED_OUT);
    this.phys.free(pfn, false);
    return true;
  }

  /** Points the shared object holding frame `pfn` (if any) at `to`: a new frame, or PAGED_OUT. */
  private rehomeShared(pfn: number, to: number): void {
    const owner = this.sharedOwner.get(pfn);
    if (!owner) return;
    owner.obj.pages.set(owner.idx, to);
    this.sharedOwner.delete(pfn);
    if (to >= 0) this.sharedOwner.set(to, owner);
  }

  /** Unmaps a PMD-mapped THP: its 512 entries become empty (state 0) or swapped; the block is freed. */
  private dropHugeMapping(p: Proc, t: number, state: number): void {
    const pool = this.pt;
    const e0 = t * PTES_PER_TABLE;
    const base = pool.pfn[e0]!;
    const w = pool.flags[e0]! & PTE_WRITABLE;
    for (let i = 0; i < PTES_PER_TABLE; i++) {
      this.phys.removeMapping(base + i, p.tgid, pool.tableVpn[t]! + i);
      pool.pfn[e0 + i] = -1;
      pool.flags[e0 + i] = state ? state | w : 0;
    }
    this.flush(p, pool.tableVpn[t]!);
    pool.tableHuge[t] = 0;
    pool.tableUsed[t] = state ? PTES_PER_TABLE : 0;
    this.phys.free(base, true);
  }

  /**
   * Migrates the frame's folio to `node`: a new frame there, every mapping repointed and flushed,
   * the old frame freed. Returns the new physical address of paddr, or -1 if not possible.
   */
  migratePhys(paddr: number, node: number): number {
    if (!Number.isInteger(node) || node < 0 || node >= this.config.nodes)
      throw new Error(`machine migratePhys: no node ${node}`);
    const folio = this.folioOf(paddr);
    if (!folio) return -1;
    const len = folio.huge ? PTES_PER_TABLE : 1;
    const old = folio.huge ? folio.head : Math.floor(paddr / PAGE_SIZE);
    if (this.phys.nodeOf(old) === node) return paddr;
    const maps = this.rmapEntries(paddr);
    const nu = this.phys.allocOn(node, folio.huge);
    if (nu < 0) return -1;
    for (let i = 0; i < len; i++) {
      this.phys.flags[nu + i] = this.phys.flags[old + i]!;
      this.phys.moveMappings(old + i, nu + i);
    }
    for (const m of maps) {
      const t = Math.floor(m.h / PTES_PER_TABLE);
      if (folio.huge) for (let i = 0; i < len; i++) this.pt.pfn[t * PTES_PER_TABLE + i] = nu + i;
      else this.pt.pfn[m.h] = nu;
      this.flush(m.p, m.vpn);
    }
    this.rehomeShared(old, nu);
    this.phys.free(old, folio.huge);
    this.costs.migrations++;
    return paddr - old * PAGE_SIZE + nu * PAGE_SIZE;
  }

  // ---------------------------------------------------------------- helpers

  private liveProc(tgid: number, op: string): Proc {
    const p = this.procs.get(tgid);
    if (!p) throw new Error(`machine ${op}: no process with tgid ${tgid}`);
    if (!p.alive) throw new Error(`machine ${op}: process ${tgid} has exited`);
    return p;
  }

  private thread(tid: number, op: string): Thread {
    if (tid === this.cThread?.tid && this.cThread.proc.alive) return this.cThread;
    const th = this.threads.get(tid);
    if (th) this.cThread = th;
    if (!th) throw new Error(`machine ${op}: no live thread with tid ${tid}`);
    return th;
  }

  private checkCpu(cpu: number, what: string): void {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.config.cpus) {
      throw new Error(`machine: ${what} ${cpu} is not a CPU of this machine (0..${this.config.cpus - 1})`);
    }
  }
}

/** Whether an access (tid, cpu, write) is one a re-armed protection lets through (triples, see exempt). */
function passes(pass: number[], tid: number, cpu: number, isWrite: boolean): boolean {
  for (let i = 0; i < pass.length; i += 3)
    if (pass[i] === tid && pass[i + 1] === cpu && (pass[i + 2] === 1 || !isWrite)) return true;
  return false;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
