/**
 * THP advice of a process's address ranges (the VM_HUGEPAGE / VM_NOHUGEPAGE flags madvise sets)
 * and the THP policy deciding whether a 2 MiB range may be mapped by a PMD.
 *
 * The kernel keeps the advice as VMA flags, splitting a VMA at the advised range's bounds and
 * merging neighbours whose flags are equal again. Here the advice is kept as sorted runs beside the
 * VMAs instead: a 2 MiB range whose advice is not uniform would lie across two VMAs in the kernel
 * and is therefore not eligible, which gives the kernel's answers without splitting VMAs (so shared
 * mappings keep their page offsets relative to one VMA start).
 */
import { HUGE_PAGE_SIZE } from './layout.js';
import { firstEndingAfter } from './ranges.js';

export type ThpAdvice = 'hugepage' | 'nohugepage';

/**
 * When a PMD may map a range: `always` / `madvise` are the sysfs THP modes at a page fault
 * (MachineConfig.thp true / false), `collapse` is MADV_COLLAPSE, which ignores the mode.
 */
export type ThpMode = 'always' | 'madvise' | 'collapse';

interface Run {
  start: number;
  end: number;
  advice: ThpAdvice;
}

/** Sorted, disjoint advice runs of one process; neighbours with equal advice are merged. */
export class ThpAdviceMap {
  private runs: Run[] = [];

  /** Sets the advice of [start, end): MADV_HUGEPAGE clears NOHUGEPAGE and the reverse. */
  set(start: number, end: number, advice: ThpAdvice): void {
    if (!(end > start)) return;
    const out: Run[] = [];
    for (const r of this.runs) {
      if (r.end <= start || r.start >= end) {
        out.push(r);
        continue;
      }
      if (r.start < start) out.push({ start: r.start, end: start, advice: r.advice });
      if (r.end > end) out.push({ start: end, end: r.end, advice: r.advice });
    }
    out.push({ start, end, advice });
    out.sort((a, b) => a.start - b.start);
    const merged: Run[] = [];
    for (const r of out) {
      const last = merged[merged.length - 1];
      if (last && last.end === r.start && last.advice === r.advice) last.end = r.end;
      else merged.push({ ...r });
    }
    this.runs = merged;
  }

  /** The advice over all of [start, end): one advice, null when none of it is advised, or 'mixed'. */
  over(start: number, end: number): ThpAdvice | null | 'mixed' {
    const r = this.runs[firstEndingAfter(this.runs, start)];
    if (!r || r.start >= end) return null;
    return r.start <= start && r.end >= end ? r.advice : 'mixed';
  }
}

/**
 * Whether a PMD may map the 2 MiB range at `hstart` of the VMA (thp_vma_allowable_order +
 * thp_vma_suitable_order): anonymous memory only (shmem/page-cache THP are not modelled), the range
 * wholly inside the VMA and of uniform advice, never when advised nohugepage; at a fault `always`
 * maps any other range and `madvise` only hugepage-advised ones; `collapse` maps any other range.
 */
export function pmdAllowed(
  vma: { start: number; end: number; anon: boolean },
  advice: ThpAdviceMap | undefined,
  hstart: number,
  mode: ThpMode,
): boolean {
  if (!vma.anon || hstart < vma.start || hstart + HUGE_PAGE_SIZE > vma.end) return false;
  const a = advice ? advice.over(hstart, hstart + HUGE_PAGE_SIZE) : null;
  if (a === 'mixed' || a === 'nohugepage') return false;
  return a === 'hugepage' || mode !== 'madvise';
}
