/**
 * Processes, threads and VMAs of the simulated machine (the kernel's task and mm_struct side):
 * creation, CPU placement, mmap, exit (tearing down page tables and frames), and the lookups the
 * other paths share.
 */
import { PAGE_SIZE, PTES_PER_TABLE, USER_ADDR_LIMIT } from './layout.js';
import type { MachineState, Proc, SharedObject, Thread, Vma } from './machine-state.js';
import { PageDirectory } from './page-tables.js';
import { PTE_PRESENT } from './pte.js';
import { firstEndingAfter } from './ranges.js';
import { releaseFrame } from './rmap.js';

export interface MmapOptions {
  /** Anonymous memory (THP-eligible). Default: true unless `shared` is given. */
  anon?: boolean;
  prot?: 'r' | 'rw';
  /** Backing object key: every mapping of the same key maps the same frames (page i ↔ page i). */
  shared?: string;
}

const MAX_ASID = 131072;

export function createProcess(s: MachineState, name: string): number {
  const asid = s.asids.length;
  if (asid >= MAX_ASID) throw new Error(`machine: more than ${MAX_ASID} processes`);
  const tgid = s.nextPid;
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
  s.procs.set(tgid, p);
  s.asids.push(p);
  addThread(s, p, tgid, undefined);
  return tgid;
}

/** New thread; `cpu` pins it, otherwise it is placed round-robin over the CPUs. */
export function createThread(s: MachineState, tgid: number, cpu: number | undefined): number {
  const p = liveProc(s, tgid, 'createThread');
  const tid = s.nextPid;
  addThread(s, p, tid, cpu);
  return tid;
}

function addThread(s: MachineState, p: Proc, tid: number, cpu: number | undefined): void {
  if (cpu !== undefined) checkCpu(s, cpu, 'cpu');
  const placed = cpu ?? s.nextCpu++ % s.config.cpus;
  const views = s.gt ? s.gt.viewsFor(tid, placed) : new Int32Array(0);
  s.threads.set(tid, {
    tid,
    proc: p,
    cpu: placed,
    clock: s.spanStart,
    views,
  });
  p.threads.push(tid);
  p.cpus.add(placed);
  s.nextPid = tid + 1;
}

/** Moves (and pins) a thread to a CPU, as sched_setaffinity would. */
export function setThreadCpu(s: MachineState, tid: number, cpu: number): void {
  const th = threadOf(s, tid, 'setThreadCpu');
  checkCpu(s, cpu, 'cpu');
  th.cpu = cpu;
  th.proc.cpus.add(cpu);
  if (s.gt) th.views = s.gt.viewsFor(tid, cpu);
}

/** Pages a process has mapped (its resident set, as /proc/PID/statm counts it); 0 once it exited. */
export function residentPages(s: MachineState, tgid: number): number {
  const p = s.procs.get(tgid);
  if (!p?.alive) return 0;
  const pool = s.pt;
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

export function exitProcess(s: MachineState, tgid: number): void {
  const p = liveProc(s, tgid, 'exitProcess');
  const pool = s.pt;
  // Before the tables go: the TLB finds an address space's translations through their tables.
  if (s.tlbOn) s.tlb.invalidateAsid(p.asid);
  for (const t of p.dir.tables()) {
    const base = t * PTES_PER_TABLE;
    if (pool.tableHuge[t]) {
      const pfn = pool.pfn[base]!;
      for (let i = 0; i < PTES_PER_TABLE; i++) s.phys.removeMapping(pfn + i, p.tgid, pool.tableVpn[t]! + i);
      s.phys.free(pfn, true);
    } else {
      for (let i = 0; i < PTES_PER_TABLE; i++) {
        const pfn = pool.pfn[base + i]!;
        if (pfn >= 0) releaseFrame(s, pfn, p.tgid, pool.tableVpn[t]! + i);
      }
    }
    if (s.gt) s.gt.deferTableRelease(t);
    else pool.releaseTable(t);
  }
  p.dir.clear();
  for (const tid of p.threads) s.threads.delete(tid);
  p.alive = false;
  s.cProc = null;
}

export function mmap(s: MachineState, tgid: number, start: number, length: number, opts: MmapOptions): void {
  const p = liveProc(s, tgid, 'mmap');
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
    shared = s.shared.get(opts.shared) ?? { pages: new Map() };
    s.shared.set(opts.shared, shared);
  }
  const vma: Vma = { start, end, anon: opts.anon ?? shared === null, writable: opts.prot !== 'r', shared };
  p.vmas.splice(i < 0 ? p.vmas.length : i, 0, vma);
}

export function findVma(p: Proc, addr: number): Vma | undefined {
  const x = p.vmas[firstEndingAfter(p.vmas, addr)];
  return x && x.start <= addr ? x : undefined;
}

export function liveProc(s: MachineState, tgid: number, op: string): Proc {
  const p = s.procs.get(tgid);
  if (!p) throw new Error(`machine ${op}: no process with tgid ${tgid}`);
  if (!p.alive) throw new Error(`machine ${op}: process ${tgid} has exited`);
  return p;
}

/** The live thread `tid` (the last one looked up is cached: batches of one thread follow each other). */
export function threadOf(s: MachineState, tid: number, op: string): Thread {
  if (tid === s.cThread?.tid && s.cThread.proc.alive) return s.cThread;
  const th = s.threads.get(tid);
  if (th) s.cThread = th;
  if (!th) throw new Error(`machine ${op}: no live thread with tid ${tid}`);
  return th;
}

function checkCpu(s: MachineState, cpu: number, what: string): void {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= s.config.cpus) {
    throw new Error(`machine: ${what} ${cpu} is not a CPU of this machine (0..${s.config.cpus - 1})`);
  }
}
