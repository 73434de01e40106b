/**
 * What DAMOS actions and ops filters need to know about a physical frame of the simulated machine
 * (allocated? huge? which processes map it at which address? page cache?). The machine keeps this
 * in its PhysicalMemory (reverse map) without a public accessor yet, so it is read here, in this
 * one place, through the machine's `phys` member; a public Machine.frameInfo(paddr) would replace
 * this file (requested from the machine's owner).
 */
import type { Machine } from '../../backends/sim/machine.js';
import { FRAME_ALLOCATED, FRAME_HUGE, FRAME_SHARED, type PhysicalMemory } from '../../backends/sim/physical-memory.js';
import { HUGE_PAGE_SIZE, PAGE_SIZE, PTES_PER_TABLE } from '../../backends/sim/layout.js';

export interface FrameInfo {
  /** Physical address of the folio head. */
  head: number;
  folioSize: number;
  /** Page-cache (shared object) frame rather than anonymous memory. */
  fileBacked: boolean;
  /** (tgid, vaddr) of every mapping of the frame; empty when unmapped. */
  mappings: { tgid: number; vaddr: number }[];
}

function physOf(m: Machine): PhysicalMemory {
  return (m as unknown as { phys: PhysicalMemory }).phys;
}

/** The frame at paddr, or null when it is not allocated (free memory, outside RAM). */
export function frameInfo(m: Machine, paddr: number): FrameInfo | null {
  const phys = physOf(m);
  const pfn = Math.floor(paddr / PAGE_SIZE);
  if (!(pfn >= 0 && pfn < phys.nrFrames)) return null;
  const fl = phys.flags[pfn]!;
  if (!(fl & FRAME_ALLOCATED)) return null;
  const huge = (fl & FRAME_HUGE) !== 0;
  const headPfn = huge ? pfn - (pfn % PTES_PER_TABLE) : pfn;
  return {
    head: headPfn * PAGE_SIZE,
    folioSize: huge ? HUGE_PAGE_SIZE : PAGE_SIZE,
    fileBacked: (fl & FRAME_SHARED) !== 0,
    mappings: phys.mappings(headPfn).map((x) => ({ tgid: x.tgid, vaddr: x.vpn * PAGE_SIZE })),
  };
}
