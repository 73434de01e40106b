/**
 * The simulated machine's state, shared by the modules that work on it (processes.ts, access.ts,
 * faults.ts, rmap.ts, reclaim.ts) as plain functions taking it as their first argument; Machine
 * (machine.ts) is the façade over them. One object of one class with fixed fields, so that the
 * per-page paths load them monomorphically, and the per-page data in typed arrays (the page-table
 * pool, physical memory, TLBs) read directly.
 */
import { Prng } from '../../core/prng.js';
import type { AccessReport } from '../../core/types.js';
import type { MachineConfig } from './config.js';
import { zeroCosts, type MachineCosts } from './costs.js';
import { GroundTruth } from './ground-truth.js';
import { PTES_PER_TABLE } from './layout.js';
import { Madvise } from './madvise.js';
import { PageTablePool, type PageDirectory } from './page-tables.js';
import { PhysicalMemory } from './physical-memory.js';
import { Tlb } from './tlb.js';

/**
 * Receives a DAMON protection fault. Returning true re-arms the protection: the fault was not
 * eligible for the listener's context (its sample filters reject it), which still wants the next
 * access of its own CPUs or threads. The faulting thread (on that CPU, for reads only when it read)
 * then passes the re-armed protection without faulting until the page is protected anew, so each
 * thread adds at most one fault per protected page per sample (two when a read precedes a write),
 * and the translation is not cached while protected (threads sharing the CPU still fault).
 */
export type DamonFaultListener = (r: AccessReport) => boolean;

/** A NUMA hinting fault (numaBalancing on): the faulting CPU and the frame (folio head for a THP). */
export type NumaHintHandler = (pfn: number, cpu: number) => void;

export interface SharedObject {
  /** page index → pfn, or PAGED_OUT. */
  readonly pages: Map<number, number>;
}
export const PAGED_OUT = -2;

export interface Vma {
  start: number;
  end: number;
  anon: boolean;
  writable: boolean;
  shared: SharedObject | null;
}

export interface Proc {
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

export interface Thread {
  tid: number;
  proc: Proc;
  cpu: number;
  /** Virtual time of this thread's next access inside the current span, µs (fractional). */
  clock: number;
  /** Ground-truth views this thread's accesses count in. */
  views: Int32Array;
}

export class MachineState {
  readonly costs: MachineCosts = zeroCosts();
  readonly phys: PhysicalMemory;
  readonly madv: Madvise<Proc>;
  readonly pt = new PageTablePool();
  readonly tlb: Tlb;
  readonly tlbOn: boolean;
  readonly prng: Prng;
  readonly gt: GroundTruth | null;
  readonly procs = new Map<number, Proc>();
  /** Address-space id → process (page tables name their owner by asid). */
  readonly asids: (Proc | undefined)[] = [];
  readonly threads = new Map<number, Thread>();
  readonly shared = new Map<string, SharedObject>();
  /** Frame of a shared object → where the object holds it. */
  readonly sharedOwner = new Map<number, { obj: SharedObject; idx: number }>();
  readonly listeners: DamonFaultListener[] = [];
  /**
   * Re-armed protections (state entry → the accesses that pass them without faulting: tid, cpu and
   * whether writes pass too, as triples). Cleared when the entry is protected anew or a fault is not
   * re-armed.
   */
  readonly exempt = new Map<number, number[]>();
  numaHint: NumaHintHandler | null = null;
  nextPid = 100;
  nextCpu = 0;
  spanStart = 0;
  spanEnd = 0;
  /** µs between two accesses of a thread. */
  readonly dt: number;
  // Current batch: time of its access 0.
  bClock = 0;
  // Current batch: touches each page at least twice on average (TLB insertion at the front).
  bReused = false;
  // Last thread of a batch, and last directory page of a touch (batches walk tables in order).
  cThread: Thread | null = null;
  cProc: Proc | null = null;
  cHi = -1;
  cDir: Int32Array = new Int32Array(0);
  scratch = new Int32Array(0);
  // Result of the last locate() (rmap.ts).
  lProc: Proc | null = null;
  lT = 0;
  lE = 0;
  lH = 0;

  constructor(readonly config: MachineConfig) {
    const c = config;
    this.phys = new PhysicalMemory(c.memoryBytes, c.nodes);
    this.madv = new Madvise<Proc>({
      pt: this.pt,
      phys: this.phys,
      costs: this.costs,
      thpAlways: c.thp,
      flush: (p, vpn) => flush(this, p, vpn),
      homeNode: (p) => cpuNode(this, this.threads.get(p.threads[0]!)?.cpu ?? 0),
    });
    this.tlb = new Tlb(c.cpus, c.tlbEntries, this.pt);
    this.tlbOn = this.tlb.enabled;
    this.prng = new Prng(c.seed);
    this.dt = 1e6 / c.accessesPerSecond;
    this.gt = c.groundTruth
      ? new GroundTruth(c.groundTruth, c.cpus, this.pt, (asid) => this.asids[asid]?.tgid ?? -1)
      : null;
  }
}

/** NUMA node of a CPU: CPUs are split evenly over the nodes, in order. */
export function cpuNode(s: MachineState, cpu: number): number {
  return Math.floor((cpu * s.config.nodes) / s.config.cpus);
}

/** TLB flush of one translation in every CPU; counts IPIs to the mm's other CPUs. */
export function flush(s: MachineState, p: Proc, vpn: number): void {
  s.costs.tlbFlushes++;
  s.costs.tlbShootdownIpis += Math.max(0, p.cpus.size - 1);
  if (!s.tlbOn) return;
  const key = Math.floor(vpn / PTES_PER_TABLE);
  const t = p.dir.get(key);
  if (t < 0) return;
  const huge = s.pt.tableHuge[t] === 1;
  const off = vpn - key * PTES_PER_TABLE;
  s.tlb.invalidate(key, off, huge, t * PTES_PER_TABLE + (huge ? 0 : off));
}
