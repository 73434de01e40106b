/**
 * madvise() of the simulated machine for the advice DAMOS's vaddr actions use: MADV_HUGEPAGE and
 * MADV_NOHUGEPAGE (per-range THP advice, honoured by later faults), MADV_COLLAPSE (synchronous
 * collapse into 2 MiB folios) and MADV_WILLNEED (read swapped-out anonymous pages back).
 *
 * It works on the machine's internals (page-table pool, frames, costs), handed over by the
 * machine's state (machine-state.ts), which owns them; Machine.madvise() is the entry point.
 */
import type { MachineCosts } from './costs.js';
import { HUGE_PAGE_SIZE, PAGE_SIZE, PTES_PER_TABLE } from './layout.js';
import type { PageDirectory, PageTablePool } from './page-tables.js';
import {
  FRAME_ACTIVE,
  FRAME_ALLOCATED,
  FRAME_HUGE,
  FRAME_REFERENCED,
  type PhysicalMemory,
} from './physical-memory.js';
import { PTE_DIRTY, PTE_PRESENT, PTE_SWAPPED, PTE_WRITABLE, PTE_YOUNG } from './pte.js';
import { firstEndingAfter } from './ranges.js';
import { pmdAllowed, ThpAdviceMap } from './thp-advice.js';

export type MadviseAdvice = 'hugepage' | 'nohugepage' | 'collapse' | 'willneed';

export interface MmVma {
  readonly start: number;
  readonly end: number;
  readonly anon: boolean;
  readonly writable: boolean;
}

/** What madvise needs of a process: its sorted VMAs and its page-table directory. */
export interface MmProc {
  readonly tgid: number;
  readonly vmas: readonly MmVma[];
  readonly dir: PageDirectory;
}

/** The machine's internals madvise works on. */
export interface MmInternals<P extends MmProc> {
  readonly pt: PageTablePool;
  readonly phys: PhysicalMemory;
  readonly costs: MachineCosts;
  /** MachineConfig.thp: THP mode `always` (true) or `madvise` (false). */
  readonly thpAlways: boolean;
  /** Flushes one translation of the process from every TLB (and counts it). */
  flush(p: P, vpn: number): void;
  /** Node that memory read back for the process is allocated on. */
  homeNode(p: P): number;
}

export class Madvise<P extends MmProc> {
  private readonly advice = new WeakMap<P, ThpAdviceMap>();

  constructor(private readonly mm: MmInternals<P>) {}

  /**
   * madvise(start, end - start, advice) on process p; returns the bytes acted on: the advised bytes
   * inside VMAs (hugepage, nohugepage), the bytes collapsed (collapse), the bytes read back
   * (willneed). As the syscall, start must be page-aligned and the length is rounded up to pages.
   */
  apply(p: P, start: number, end: number, advice: MadviseAdvice): number {
    if (
      !Number.isInteger(start) ||
      start < 0 ||
      start % PAGE_SIZE !== 0 ||
      !Number.isInteger(end) ||
      end < start
    )
      throw new Error(
        `machine madvise(tgid ${p.tgid}, ${start}, ${end}, ${advice}): start must be a page-aligned address and end >= start`,
      );
    end = Math.ceil(end / PAGE_SIZE) * PAGE_SIZE;
    let bytes = 0;
    for (let i = firstEndingAfter(p.vmas, start); i < p.vmas.length; i++) {
      const vma = p.vmas[i]!;
      if (vma.start >= end) break;
      const lo = Math.max(start, vma.start);
      const hi = Math.min(end, vma.end);
      if (advice === 'hugepage' || advice === 'nohugepage') {
        this.adviceOf(p, true)!.set(lo, hi, advice);
        bytes += hi - lo;
      } else if (advice === 'collapse') {
        const r = this.collapse(p, vma, lo, hi);
        bytes += r.bytes;
        if (r.outOfMemory) break;
      } else if (vma.anon) {
        const r = this.willneed(p, lo, hi);
        bytes += r.bytes;
        if (r.outOfMemory) break;
      }
    }
    return bytes;
  }

  /** Whether a first-touch fault may map the 2 MiB range at `hstart` of the VMA with a PMD. */
  hugeFault(p: P, vma: MmVma, hstart: number): boolean {
    return pmdAllowed(vma, this.adviceOf(p, false), hstart, this.mm.thpAlways ? 'always' : 'madvise');
  }

  private adviceOf(p: P, create: boolean): ThpAdviceMap | undefined {
    let a = this.advice.get(p);
    if (!a && create) this.advice.set(p, (a = new ThpAdviceMap()));
    return a;
  }

  /**
   * MADV_COLLAPSE of the 2 MiB-aligned ranges inside [lo, hi) of one VMA (madvise_collapse): a range
   * is collapsed when a PMD may map it, its page table exists, is not already PMD-mapped and holds
   * at least one present page, and the VMA is writable (the kernel's SCAN_PAGE_RO). As MADV_COLLAPSE
   * ignores max_ptes_none and max_ptes_swap, empty entries are filled with zeroed memory and swapped
   * ones read back (counted as swap-ins). An allocation failure ends the whole call, as the kernel's.
   */
  private collapse(p: P, vma: MmVma, lo: number, hi: number): { bytes: number; outOfMemory: boolean } {
    let bytes = 0;
    const advice = this.adviceOf(p, false);
    for (
      let hs = Math.ceil(lo / HUGE_PAGE_SIZE) * HUGE_PAGE_SIZE;
      hs + HUGE_PAGE_SIZE <= hi;
      hs += HUGE_PAGE_SIZE
    ) {
      if (!vma.writable || !pmdAllowed(vma, advice, hs, 'collapse')) continue;
      const r = this.collapseRange(p, hs);
      if (r < 0) return { bytes, outOfMemory: true };
      bytes += r;
    }
    return { bytes, outOfMemory: false };
  }

  /**
   * Collapses the 2 MiB range at hs into one huge folio on the node holding most of its pages; the
   * pages' mappings, LRU state (active or referenced if any page was) and frames follow, the old
   * translations are flushed. Returns the bytes collapsed (0 when not collapsible), -1 when no 2 MiB
   * block is free on that node.
   */
  private collapseRange(p: P, hs: number): number {
    const { pt, phys, costs } = this.mm;
    const t = p.dir.get(hs / HUGE_PAGE_SIZE);
    if (t < 0 || pt.tableHuge[t]) return 0;
    const e0 = t * PTES_PER_TABLE;
    const perNode = new Array<number>(phys.nodes).fill(0);
    let present = 0;
    for (let e = e0; e < e0 + PTES_PER_TABLE; e++) {
      if (!(pt.flags[e]! & PTE_PRESENT)) continue;
      const pfn = pt.pfn[e]!;
      if (phys.mapCount[pfn] !== 1) return 0; // shared with another mapping (the kernel's SCAN_PAGE_COUNT)
      present++;
      perNode[phys.nodeOf(pfn)]!++;
    }
    if (present === 0) return 0;
    // hpage_collapse_find_target_node: the first node with the most pages; the allocation is bound to it.
    const node = perNode.indexOf(Math.max(...perNode));
    const base = phys.allocOn(node, true);
    if (base < 0) return -1;
    const vpn0 = hs / PAGE_SIZE;
    let lru = 0;
    for (let i = 0; i < PTES_PER_TABLE; i++) {
      const e = e0 + i;
      const f = pt.flags[e]!;
      if (f & PTE_PRESENT) {
        // Flushed while the table still maps 4 KiB pages, so the TLB drops those translations.
        const old = pt.pfn[e]!;
        lru |= phys.flags[old]! & (FRAME_ACTIVE | FRAME_REFERENCED);
        this.mm.flush(p, vpn0 + i);
        phys.removeMapping(old, p.tgid, vpn0 + i);
        phys.free(old, false);
      } else if (f & PTE_SWAPPED) costs.swapIns++;
      pt.pfn[e] = base + i;
      pt.flags[e] = PTE_PRESENT | PTE_WRITABLE;
      phys.addMapping(base + i, p.tgid, vpn0 + i);
    }
    // The new PMD is made from the VMA's protection (Accessed set on x86) and marked dirty; DAMON
    // protections of the old PTEs are gone with them.
    pt.flags[e0]! |= PTE_YOUNG | PTE_DIRTY;
    phys.flags.fill(FRAME_ALLOCATED | FRAME_HUGE | lru, base, base + PTES_PER_TABLE);
    pt.tableHuge[t] = 1;
    pt.tableUsed[t] = PTES_PER_TABLE;
    costs.collapses++;
    return HUGE_PAGE_SIZE;
  }

  /**
   * MADV_WILLNEED on anonymous [lo, hi): every swapped-out page gets a frame on the process's home
   * node and is mapped present, neither young nor dirty. The kernel only starts swap readahead into
   * the swap cache, and the next access is a minor fault mapping it; here the page is mapped at once,
   * so that access costs no fault at all. Counted as swap-ins, not faults.
   */
  private willneed(p: P, lo: number, hi: number): { bytes: number; outOfMemory: boolean } {
    const { pt, phys, costs } = this.mm;
    let bytes = 0;
    let node = -1;
    for (let vpn = lo / PAGE_SIZE, last = hi / PAGE_SIZE; vpn < last;) {
      const key = Math.floor(vpn / PTES_PER_TABLE);
      const next = Math.min(last, (key + 1) * PTES_PER_TABLE);
      const t = p.dir.get(key);
      if (t < 0 || pt.tableHuge[t]) {
        vpn = next;
        continue;
      }
      for (; vpn < next; vpn++) {
        const e = t * PTES_PER_TABLE + (vpn - key * PTES_PER_TABLE);
        const f = pt.flags[e]!;
        if (!(f & PTE_SWAPPED) || f & PTE_PRESENT) continue;
        if (node < 0) node = this.mm.homeNode(p);
        const pfn = phys.alloc(node, false);
        if (pfn < 0) return { bytes, outOfMemory: true };
        pt.pfn[e] = pfn;
        pt.flags[e] = PTE_PRESENT | (f & PTE_WRITABLE);
        phys.addMapping(pfn, p.tgid, vpn);
        costs.swapIns++;
        bytes += PAGE_SIZE;
      }
    }
    return { bytes, outOfMemory: false };
  }
}
