/**
 * Page faults of the simulated machine: demand paging on first touch (minor) or after page-out
 * (major), mapping a frame or a whole THP; and the protection faults DAMON's page_fault primitive
 * installs (MM_CP_DAMON), routed to the NUMA balancing handler when it owns them, else reported to
 * the listeners with the faulting CPU, thread and write flag, which may re-arm the protection.
 */
import type { AccessReport } from '../../core/types.js';
import { HUGE_PAGE_SIZE, PAGE_SIZE, PTES_PER_TABLE } from './layout.js';
import { cpuNode, PAGED_OUT, type MachineState, type Proc, type Thread, type Vma } from './machine-state.js';
import { FRAME_SHARED } from './physical-memory.js';
import { findVma } from './processes.js';
import { PTE_PRESENT, PTE_PROT_NONE, PTE_PROT_WRITE, PTE_SWAPPED, PTE_WRITABLE } from './pte.js';

function vmaOrFault(th: Thread, addr: number, isWrite: boolean): Vma {
  const vma = findVma(th.proc, addr);
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

export function newTable(
  s: MachineState,
  th: Thread,
  key: number,
  off: number,
  pageOff: number,
  isWrite: boolean,
): number {
  vmaOrFault(th, (key * PTES_PER_TABLE + off) * PAGE_SIZE + pageOff, isWrite);
  const t = s.pt.allocTable(th.proc.asid, key * PTES_PER_TABLE);
  th.proc.dir.set(key, t);
  return t;
}

/** First touch (minor fault) or touch of a paged-out page (major fault): map a frame. */
export function demandFault(
  s: MachineState,
  th: Thread,
  t: number,
  e: number,
  vpn: number,
  addr: number,
  isWrite: boolean,
): void {
  const vma = vmaOrFault(th, addr, isWrite);
  const pool = s.pt;
  const p = th.proc;
  const wflag = vma.writable ? PTE_WRITABLE : 0;
  const wasSwapped = (pool.flags[e]! & PTE_SWAPPED) !== 0;
  const node = cpuNode(s, th.cpu);
  if (vma.shared) {
    const idx = vpn - vma.start / PAGE_SIZE;
    let pfn = vma.shared.pages.get(idx);
    const major = pfn === PAGED_OUT;
    if (pfn === undefined || pfn === PAGED_OUT) {
      pfn = allocFrame(s, node, false, th, addr);
      s.phys.flags[pfn]! |= FRAME_SHARED;
      vma.shared.pages.set(idx, pfn);
      s.sharedOwner.set(pfn, { obj: vma.shared, idx });
    }
    if (major) s.costs.majorFaults++;
    else s.costs.minorFaults++;
    mapEntry(s, p, t, e, pfn, vpn, wflag, wasSwapped);
    return;
  }
  if (wasSwapped) s.costs.majorFaults++;
  else s.costs.minorFaults++;
  const tableStart = Math.floor(vpn / PTES_PER_TABLE) * HUGE_PAGE_SIZE;
  if (pool.tableUsed[t] === 0 && s.madv.hugeFault(p, vma, tableStart)) {
    const base = s.phys.alloc(node, true);
    if (base >= 0) {
      const e0 = t * PTES_PER_TABLE;
      const v0 = pool.tableVpn[t]!;
      for (let i = 0; i < PTES_PER_TABLE; i++) {
        pool.pfn[e0 + i] = base + i;
        pool.flags[e0 + i] = PTE_PRESENT | wflag;
        s.phys.addMapping(base + i, p.tgid, v0 + i);
      }
      pool.tableHuge[t] = 1;
      pool.tableUsed[t] = PTES_PER_TABLE;
      return;
    }
  }
  mapEntry(s, p, t, e, allocFrame(s, node, false, th, addr), vpn, wflag, wasSwapped);
}

function allocFrame(s: MachineState, node: number, huge: boolean, th: Thread, addr: number): number {
  const pfn = s.phys.alloc(node, huge);
  if (pfn < 0) {
    throw new Error(
      `machine: out of simulated memory (${s.config.memoryBytes} bytes) on tid ${th.tid}'s access to 0x${addr.toString(16)}`,
    );
  }
  return pfn;
}

function mapEntry(
  s: MachineState,
  p: Proc,
  t: number,
  e: number,
  pfn: number,
  vpn: number,
  wflag: number,
  wasSwapped: boolean,
): void {
  const pool = s.pt;
  pool.pfn[e] = pfn;
  pool.flags[e] = PTE_PRESENT | wflag;
  if (!wasSwapped) pool.tableUsed[t]!++;
  s.phys.addMapping(pfn, p.tgid, vpn);
}

/**
 * MM_CP_DAMON fault: the protection is already restored by the caller; count and report. True
 * when a listener asks to re-arm it (DamonFaultListener).
 */
function protectionFault(
  s: MachineState,
  th: Thread,
  pfn: number,
  addr: number,
  k: number,
  isWrite: boolean,
): boolean {
  if (s.config.numaBalancing) {
    s.costs.numaHintingFaults++;
    s.numaHint?.(pfn, th.cpu);
    return false;
  }
  s.costs.damonFaults++;
  if (s.listeners.length === 0) return false;
  const r: AccessReport = {
    vaddr: addr,
    paddr: pfn * PAGE_SIZE,
    size: 1,
    cpu: th.cpu,
    tid: th.tid,
    tgid: th.proc.tgid,
    isWrite,
    time: timeOf(s, k),
  };
  let rearm = false;
  for (const l of s.listeners) {
    s.costs.reportsDelivered++;
    if (l(r) === true) rearm = true;
  }
  return rearm;
}

/** Time of access k of the current batch: integer µs inside the current span. */
function timeOf(s: MachineState, k: number): number {
  const t = Math.floor(s.bClock + k * s.dt);
  const last = Math.max(s.spanStart, s.spanEnd - 1);
  return t < s.spanStart ? s.spanStart : t > last ? last : t;
}

/** protectionFaultAt(): the access passed a re-armed protection, without a fault. */
export const PROTECTION_PASSED = 0;
/** protectionFaultAt(): the access faulted; the protection is gone. */
export const PROTECTION_FAULTED = 1;
/** protectionFaultAt(): the access faulted and a listener re-armed the protection. */
export const PROTECTION_REARMED = 2;

/**
 * An access that a DAMON protection of state entry h would fault on: lets it through if a re-armed
 * protection exempts it (DamonFaultListener), else faults (restoring the protection, reporting the
 * access) and re-arms the protection if a listener asks to. Returns one of PROTECTION_*.
 */
export function protectionFaultAt(
  s: MachineState,
  th: Thread,
  h: number,
  addr: number,
  k: number,
  isWrite: boolean,
): number {
  let pool = s.pt;
  const prot = pool.flags[h]! & (PTE_PROT_NONE | PTE_PROT_WRITE);
  const pass = s.exempt.get(h);
  if (pass !== undefined && passes(pass, th.tid, th.cpu, isWrite)) return PROTECTION_PASSED;
  pool.flags[h]! &= ~prot;
  const rearm = protectionFault(s, th, pool.pfn[h]!, addr, k, isWrite);
  pool = s.pt;
  if (!rearm) {
    if (pass !== undefined) s.exempt.delete(h);
    return PROTECTION_FAULTED;
  }
  pool.flags[h]! |= prot;
  if (pass !== undefined) pass.push(th.tid, th.cpu, isWrite ? 1 : 0);
  else s.exempt.set(h, [th.tid, th.cpu, isWrite ? 1 : 0]);
  return PROTECTION_REARMED;
}

/** Whether an access (tid, cpu, write) is one a re-armed protection lets through (triples, see exempt). */
function passes(pass: number[], tid: number, cpu: number, isWrite: boolean): boolean {
  for (let i = 0; i < pass.length; i += 3)
    if (pass[i] === tid && pass[i + 1] === cpu && (pass[i + 2] === 1 || !isWrite)) return true;
  return false;
}
