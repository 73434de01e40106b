/**
 * Page-table and reverse-map primitives the operations sets use: finding the PTE (or PMD) of a
 * virtual page, reading and clearing its Accessed bit, installing DAMON protections, and the
 * reverse map from a frame to every mapping of its folio (paddr, DAMOS actions, ops filters).
 */
import { HUGE_PAGE_SIZE, PAGE_SIZE, PTES_PER_TABLE } from './layout.js';
import { flush, type MachineState, type Proc } from './machine-state.js';
import { FRAME_ACTIVE, FRAME_ALLOCATED, FRAME_HUGE, FRAME_SHARED } from './physical-memory.js';
import {
  protectionBit,
  protectionOf,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_PROT_NONE,
  PTE_PROT_WRITE,
  PTE_SWAPPED,
  PTE_WRITABLE,
  PTE_YOUNG,
} from './pte.js';

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

/**
 * Locates the PTE of a virtual page of a live process: sets lProc, lT (table), lE (entry) and lH
 * (the entry holding its state: the PMD head for a THP). False if the process or table is absent.
 * Fields instead of a returned tuple: ops sets call this per region per sample.
 */
export function locate(s: MachineState, tgid: number, vaddr: number): boolean {
  let p = s.lProc;
  if (p?.tgid !== tgid) {
    p = s.procs.get(tgid) ?? null;
    s.lProc = p;
  }
  if (!p?.alive || !(vaddr >= 0)) return false;
  const vpn = Math.floor(vaddr / PAGE_SIZE);
  const key = Math.floor(vpn / PTES_PER_TABLE);
  const t = p.dir.get(key);
  if (t < 0) return false;
  s.lT = t;
  s.lE = t * PTES_PER_TABLE + (vpn - key * PTES_PER_TABLE);
  s.lH = s.pt.tableHuge[t] ? t * PTES_PER_TABLE : s.lE;
  return true;
}

export function translate(s: MachineState, tgid: number, vaddr: number): number {
  if (!locate(s, tgid, vaddr) || !(s.pt.flags[s.lE]! & PTE_PRESENT)) return -1;
  return s.pt.pfn[s.lE]! * PAGE_SIZE + (vaddr % PAGE_SIZE);
}

export function pte(s: MachineState, tgid: number, vaddr: number): PteState | null {
  if (!locate(s, tgid, vaddr)) return null;
  const t = s.lT;
  const e = s.lE;
  const h = s.lH;
  const f = s.pt.flags[h]!;
  const present = (s.pt.flags[e]! & PTE_PRESENT) !== 0;
  return {
    present,
    young: present && (f & PTE_YOUNG) !== 0,
    dirty: present && (f & PTE_DIRTY) !== 0,
    writable: (f & PTE_WRITABLE) !== 0,
    protection: protectionOf(f),
    swapped: (s.pt.flags[e]! & PTE_SWAPPED) !== 0,
    paddr: present ? s.pt.pfn[e]! * PAGE_SIZE : -1,
    folioSize: s.pt.tableHuge[t] ? HUGE_PAGE_SIZE : PAGE_SIZE,
  };
}

/** Clears the Accessed bit of the page's PTE/PMD, without a TLB flush (as DAMON's mkold). */
export function mkold(s: MachineState, tgid: number, vaddr: number): void {
  s.costs.mkold++;
  if (locate(s, tgid, vaddr) && s.pt.flags[s.lH]! & PTE_PRESENT) s.pt.flags[s.lH]! &= ~PTE_YOUNG;
}

export function young(s: MachineState, tgid: number, vaddr: number): { young: boolean; folioSize: number } {
  s.costs.youngChecks++;
  if (!locate(s, tgid, vaddr)) return { young: false, folioSize: PAGE_SIZE };
  const f = s.pt.flags[s.lH]!;
  return {
    young: (f & (PTE_PRESENT | PTE_YOUNG)) === (PTE_PRESENT | PTE_YOUNG),
    folioSize: s.pt.tableHuge[s.lT] ? HUGE_PAGE_SIZE : PAGE_SIZE,
  };
}

/** The frame's folio head and its mappings (a THP folio is mapped through its head's PMD). */
export function folioOf(s: MachineState, paddr: number): { head: number; huge: boolean } | null {
  if (!(paddr >= 0)) return null;
  const pfn = Math.floor(paddr / PAGE_SIZE);
  if (pfn >= s.phys.nrFrames) return null;
  const fl = s.phys.flags[pfn]!;
  if (!(fl & FRAME_ALLOCATED)) return null;
  const huge = (fl & FRAME_HUGE) !== 0;
  return { head: huge ? pfn - (pfn % PTES_PER_TABLE) : pfn, huge };
}

/** State-entry indices (PTE or PMD head) of every mapping of the frame at paddr. */
export function rmapEntries(
  s: MachineState,
  paddr: number,
): { tgid: number; vpn: number; h: number; p: Proc }[] {
  const folio = folioOf(s, paddr);
  if (!folio) return [];
  const out: { tgid: number; vpn: number; h: number; p: Proc }[] = [];
  const pfn = folio.huge ? folio.head : Math.floor(paddr / PAGE_SIZE);
  for (const m of s.phys.mappings(pfn)) {
    const p = s.procs.get(m.tgid);
    if (p && locate(s, m.tgid, m.vpn * PAGE_SIZE)) out.push({ tgid: m.tgid, vpn: m.vpn, h: s.lH, p });
  }
  return out;
}

/** The allocated frame at paddr (its folio and mappings), or null for free memory / outside RAM. */
export function frameInfo(s: MachineState, paddr: number): FrameInfo | null {
  const folio = folioOf(s, paddr);
  if (!folio) return null;
  const fl = s.phys.flags[folio.head]!;
  return {
    head: folio.head * PAGE_SIZE,
    folioSize: folio.huge ? HUGE_PAGE_SIZE : PAGE_SIZE,
    fileBacked: (fl & FRAME_SHARED) !== 0,
    mappings: s.phys.mappings(folio.head).map((x) => ({ tgid: x.tgid, vaddr: x.vpn * PAGE_SIZE })),
    node: s.phys.nodeOf(folio.head),
    active: (fl & FRAME_ACTIVE) !== 0,
  };
}

export function mkoldPhys(s: MachineState, paddr: number): void {
  for (const m of rmapEntries(s, paddr)) {
    s.costs.mkold++;
    s.pt.flags[m.h]! &= ~PTE_YOUNG;
  }
}

export function youngPhys(s: MachineState, paddr: number): { young: boolean; folioSize: number } {
  s.costs.youngChecks++;
  const folio = folioOf(s, paddr);
  const folioSize = folio?.huge ? HUGE_PAGE_SIZE : PAGE_SIZE;
  for (const m of rmapEntries(s, paddr)) {
    if (s.pt.flags[m.h]! & PTE_YOUNG) return { young: true, folioSize };
  }
  return { young: false, folioSize };
}

/** Installs DAMON protection on the page's PTE/PMD and flushes it from every TLB. */
export function protect(s: MachineState, tgid: number, vaddr: number, kind: 'none' | 'write'): void {
  if (!locate(s, tgid, vaddr)) return;
  protectEntry(s, s.lProc!, s.lH, Math.floor(vaddr / PAGE_SIZE), kind);
}

export function protectPhys(s: MachineState, paddr: number, kind: 'none' | 'write'): void {
  for (const m of rmapEntries(s, paddr)) protectEntry(s, m.p, m.h, m.vpn, kind);
}

function protectEntry(s: MachineState, p: Proc, h: number, vpn: number, kind: 'none' | 'write'): void {
  const f = s.pt.flags[h]!;
  if (!(f & PTE_PRESENT)) return;
  s.pt.flags[h] = (f & ~(PTE_PROT_NONE | PTE_PROT_WRITE)) | protectionBit(kind);
  if (s.exempt.size > 0) s.exempt.delete(h);
  s.costs.protectionChanges++;
  flush(s, p, vpn);
}

/** Drops one mapping of a frame; frees anonymous frames nobody maps any more. */
export function releaseFrame(s: MachineState, pfn: number, tgid: number, vpn: number): void {
  const left = s.phys.removeMapping(pfn, tgid, vpn);
  if (left === 0 && !(s.phys.flags[pfn]! & FRAME_SHARED)) s.phys.free(pfn, false);
}
