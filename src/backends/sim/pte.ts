/**
 * Page-table entry bits of the simulated machine and what they encode: one byte per entry of the
 * page-table pool (page-tables.ts). A PMD-mapped THP keeps the bits of the whole 2 MiB mapping in
 * its table's first entry (the "state entry"); its other entries carry present and the pfn only.
 */

export const PTE_PRESENT = 1;
/** Accessed bit. */
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

/** The bits a DAMON protection kind sets. */
export function protectionBit(kind: 'none' | 'write'): number {
  return kind === 'none' ? PTE_PROT_NONE : PTE_PROT_WRITE;
}

/** The DAMON protection an entry's bits carry, as the ops sets name it. */
export function protectionOf(f: number): 'none' | 'write' | null {
  return f & PTE_PROT_NONE ? 'none' : f & PTE_PROT_WRITE ? 'write' : null;
}

/**
 * Whether a TLB may cache the translation as writable: the VMA allows writes, the entry is already
 * dirty (a clean one must be walked to set Dirty) and not write-protected by DAMON.
 */
export function tlbWritable(f: number): boolean {
  return (f & (PTE_WRITABLE | PTE_DIRTY | PTE_PROT_WRITE)) === (PTE_WRITABLE | PTE_DIRTY);
}
