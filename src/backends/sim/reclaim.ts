/**
 * Reclaim and migration on the simulated machine, what DAMOS actions and NUMA balancing do to
 * memory: LRU aging and (de)prioritisation, unmapping (MADV_DONTNEED), paging out to swap, and
 * migrating a folio to another node, each through the reverse map with the TLB flushes it costs.
 * (madvise's THP and read-back paths: madvise.ts.)
 */
import { PAGE_SIZE, PTES_PER_TABLE } from './layout.js';
import { flush, PAGED_OUT, type MachineState, type Proc } from './machine-state.js';
import { FRAME_ACTIVE, FRAME_ALLOCATED } from './physical-memory.js';
import { PTE_PRESENT, PTE_SWAPPED, PTE_WRITABLE } from './pte.js';
import { folioOf, locate, releaseFrame, rmapEntries, translate } from './rmap.js';

/** LRU aging: frames accessed since the previous scan become active, the rest inactive. */
export function lruScan(s: MachineState, node?: number): number {
  let n = 0;
  for (let i = 0; i < s.config.nodes; i++) if (node === undefined || node === i) n += s.phys.lruScan(i);
  return n;
}

export function lruList(s: MachineState, node: number, list: 'active' | 'inactive'): number[] {
  return s.phys.lruList(node, list).map((pfn) => pfn * PAGE_SIZE);
}

export function isActive(s: MachineState, paddr: number): boolean {
  const pfn = Math.floor(paddr / PAGE_SIZE);
  return (s.phys.flags[pfn]! & (FRAME_ALLOCATED | FRAME_ACTIVE)) === (FRAME_ALLOCATED | FRAME_ACTIVE);
}

/** Moves the frame (whole folio) to the active or inactive list (lru_prio / lru_deprio). */
export function setLruActive(s: MachineState, paddr: number, active: boolean): void {
  const folio = folioOf(s, paddr);
  if (!folio) return;
  const n = folio.huge ? PTES_PER_TABLE : 1;
  const first = folio.huge ? folio.head : Math.floor(paddr / PAGE_SIZE);
  for (let i = 0; i < n; i++) s.phys.setActive(first + i, active);
}

/** Discards the process's mapping of a page (MADV_DONTNEED): the next access is a minor fault. */
export function unmap(s: MachineState, tgid: number, vaddr: number): boolean {
  if (!locate(s, tgid, vaddr) || !(s.pt.flags[s.lE]! & PTE_PRESENT)) return false;
  const p = s.procs.get(tgid)!;
  const t = s.lT;
  const e = s.lE;
  s.costs.unmaps++;
  if (s.pt.tableHuge[t]) {
    dropHugeMapping(s, p, t, 0);
  } else {
    const vpn = Math.floor(vaddr / PAGE_SIZE);
    releaseFrame(s, s.pt.pfn[e]!, tgid, vpn);
    s.pt.pfn[e] = -1;
    s.pt.flags[e] = 0;
    s.pt.tableUsed[t]!--;
    flush(s, p, vpn);
  }
  return true;
}

/** Pages out the page at vaddr of tgid (every mapping of its frame): the next access is a major fault. */
export function pageOut(s: MachineState, tgid: number, vaddr: number): boolean {
  const paddr = translate(s, tgid, vaddr);
  return paddr >= 0 && pageOutPhys(s, paddr);
}

/** Pages out the frame's folio: all its mappings become swapped PTEs, the frame is freed. */
export function pageOutPhys(s: MachineState, paddr: number): boolean {
  const folio = folioOf(s, paddr);
  const maps = rmapEntries(s, paddr);
  if (!folio || maps.length === 0) return false;
  s.costs.unmaps++;
  if (folio.huge) {
    for (const m of maps) dropHugeMapping(s, m.p, Math.floor(m.h / PTES_PER_TABLE), PTE_SWAPPED);
    return true;
  }
  const pfn = Math.floor(paddr / PAGE_SIZE);
  for (const m of maps) {
    s.pt.pfn[m.h] = -1;
    s.pt.flags[m.h] = PTE_SWAPPED | (s.pt.flags[m.h]! & PTE_WRITABLE);
    s.phys.removeMapping(pfn, m.tgid, m.vpn);
    flush(s, m.p, m.vpn);
  }
  rehomeShared(s, pfn, PAGED_OUT);
  s.phys.free(pfn, false);
  return true;
}

/** Points the shared object holding frame `pfn` (if any) at `to`: a new frame, or PAGED_OUT. */
function rehomeShared(s: MachineState, pfn: number, to: number): void {
  const owner = s.sharedOwner.get(pfn);
  if (!owner) return;
  owner.obj.pages.set(owner.idx, to);
  s.sharedOwner.delete(pfn);
  if (to >= 0) s.sharedOwner.set(to, owner);
}

/** Unmaps a PMD-mapped THP: its 512 entries become empty (state 0) or swapped; the block is freed. */
function dropHugeMapping(s: MachineState, p: Proc, t: number, state: number): void {
  const pool = s.pt;
  const e0 = t * PTES_PER_TABLE;
  const base = pool.pfn[e0]!;
  const w = pool.flags[e0]! & PTE_WRITABLE;
  for (let i = 0; i < PTES_PER_TABLE; i++) {
    s.phys.removeMapping(base + i, p.tgid, pool.tableVpn[t]! + i);
    pool.pfn[e0 + i] = -1;
    pool.flags[e0 + i] = state ? state | w : 0;
  }
  flush(s, p, pool.tableVpn[t]!);
  pool.tableHuge[t] = 0;
  pool.tableUsed[t] = state ? PTES_PER_TABLE : 0;
  s.phys.free(base, true);
}

/**
 * Migrates the frame's folio to `node`: a new frame there, every mapping repointed and flushed,
 * the old frame freed. Returns the new physical address of paddr, or -1 if not possible.
 */
export function migratePhys(s: MachineState, paddr: number, node: number): number {
  if (!Number.isInteger(node) || node < 0 || node >= s.config.nodes)
    throw new Error(`machine migratePhys: no node ${node}`);
  const folio = folioOf(s, paddr);
  if (!folio) return -1;
  const len = folio.huge ? PTES_PER_TABLE : 1;
  const old = folio.huge ? folio.head : Math.floor(paddr / PAGE_SIZE);
  if (s.phys.nodeOf(old) === node) return paddr;
  const maps = rmapEntries(s, paddr);
  const nu = s.phys.allocOn(node, folio.huge);
  if (nu < 0) return -1;
  for (let i = 0; i < len; i++) {
    s.phys.flags[nu + i] = s.phys.flags[old + i]!;
    s.phys.moveMappings(old + i, nu + i);
  }
  for (const m of maps) {
    const t = Math.floor(m.h / PTES_PER_TABLE);
    if (folio.huge) for (let i = 0; i < len; i++) s.pt.pfn[t * PTES_PER_TABLE + i] = nu + i;
    else s.pt.pfn[m.h] = nu;
    flush(s, m.p, m.vpn);
  }
  rehomeShared(s, old, nu);
  s.phys.free(old, folio.huge);
  s.costs.migrations++;
  return paddr - old * PAGE_SIZE + nu * PAGE_SIZE;
}
