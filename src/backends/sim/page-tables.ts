/**
 * Page tables of every process in one pool: 512-entry tables (one per 2 MiB of virtual space),
 * allocated on first touch and stored in shared typed arrays, so memory follows touched memory, not
 * address space. Entry e of table c is at index c*512 + (vpn mod 512). A process maps
 * floor(vpn / 512) to its table id through a Map (the upper levels of the x86 tree).
 *
 * A table mapped by a PMD (THP) keeps the state of the whole 2 MiB mapping (young, dirty, protection)
 * in its first entry; the other entries only carry present + pfn, for translation.
 */
import * as layout from './layout.js';

const { PTES_PER_TABLE } = layout;

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

export class PageTablePool {
  /** pfn of each entry, -1 when none. */
  pfn = new Int32Array(0);
  flags = new Uint8Array(0);
  /** Per table: owner's address-space id, first vpn, PMD-mapped flag, entries present or swapped. */
  tableAsid = new Int32Array(0);
  tableVpn = new Float64Array(0);
  tableHuge = new Uint8Array(0);
  tableUsed = new Uint16Array(0);
  private nrTables = 0;
  private readonly freeTables: number[] = [];
  /** Called after the entry arrays grew to `entries` entries. */
  onGrow: ((entries: number) => void) | null = null;

  get tablesInUse(): number {
    return this.nrTables - this.freeTables.length;
  }

  allocTable(asid: number, vpnBase: number): number {
    let t = this.freeTables.pop();
    if (t === undefined) {
      t = this.nrTables++;
      if (t >= this.tableAsid.length) this.grow(Math.max(64, this.tableAsid.length * 2));
    }
    this.tableAsid[t] = asid;
    this.tableVpn[t] = vpnBase;
    this.tableHuge[t] = 0;
    this.tableUsed[t] = 0;
    const e = t * PTES_PER_TABLE;
    this.pfn.fill(-1, e, e + PTES_PER_TABLE);
    this.flags.fill(0, e, e + PTES_PER_TABLE);
    return t;
  }

  releaseTable(t: number): void {
    this.tableAsid[t] = -1;
    this.freeTables.push(t);
  }

  private grow(tables: number): void {
    const copy = <T extends Int32Array | Float64Array | Uint8Array | Uint16Array>(a: T, n: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.tableAsid = copy(this.tableAsid, tables);
    this.tableVpn = copy(this.tableVpn, tables);
    this.tableHuge = copy(this.tableHuge, tables);
    this.tableUsed = copy(this.tableUsed, tables);
    this.pfn = copy(this.pfn, tables * PTES_PER_TABLE);
    this.flags = copy(this.flags, tables * PTES_PER_TABLE);
    this.onGrow?.(tables * PTES_PER_TABLE);
  }
}
