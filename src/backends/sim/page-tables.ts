/**
 * Page tables of every process in one pool: 512-entry tables (one per 2 MiB of virtual space),
 * allocated on first touch and stored in shared typed arrays, so memory follows touched memory, not
 * address space. Entry e of table c is at index c*512 + (vpn mod 512). A process maps
 * floor(vpn / 512) to its table id through a Map (the upper levels of the x86 tree).
 *
 * A table mapped by a PMD (THP) keeps the state of the whole 2 MiB mapping (young, dirty, protection)
 * in its first entry; the other entries only carry present + pfn, for translation. The entry bits:
 * pte.ts.
 */
import { PTES_PER_TABLE } from './layout.js';
import { grown } from './typed-arrays.js';

/** Page tables the pool can hold: 2^20, i.e. 2^29 entries, 2 TiB of 4 KiB pages. */
const MAX_TABLES = 2 ** 20;

export class PageTablePool {
  /** pfn of each entry, -1 when none. */
  pfn = new Int32Array(0);
  flags = new Uint8Array(0);
  /**
   * Which TLBs cache this entry's translation, maintained by the Tlb: for CPU c < 8, bits 4c..4c+3
   * hold 1 + the way of its set (0: not cached); for 8 <= c < 32, bit c of tlbMask.
   */
  tlbWay = new Uint32Array(0);
  tlbMask = new Uint32Array(0);
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
      t = this.nrTables;
      if (t >= this.tableAsid.length) {
        // The TLB packs an entry index with two flag bits into an Int32 (tlb.ts).
        if (t >= MAX_TABLES)
          throw new Error(
            `machine: page tables for more than ${MAX_TABLES * PTES_PER_TABLE} pages (2 TiB of touched memory)`,
          );
        this.grow(Math.min(MAX_TABLES, Math.max(64, this.tableAsid.length * 2)));
      }
      this.nrTables++;
    }
    this.tableAsid[t] = asid;
    this.tableVpn[t] = vpnBase;
    this.tableHuge[t] = 0;
    this.tableUsed[t] = 0;
    const e = t * PTES_PER_TABLE;
    this.pfn.fill(-1, e, e + PTES_PER_TABLE);
    this.flags.fill(0, e, e + PTES_PER_TABLE);
    this.tlbMask.fill(0, e, e + PTES_PER_TABLE);
    this.tlbWay.fill(0, e, e + PTES_PER_TABLE);
    return t;
  }

  releaseTable(t: number): void {
    this.tableAsid[t] = -1;
    this.freeTables.push(t);
  }

  private grow(tables: number): void {
    this.tableAsid = grown(this.tableAsid, tables);
    this.tableVpn = grown(this.tableVpn, tables);
    this.tableHuge = grown(this.tableHuge, tables);
    this.tableUsed = grown(this.tableUsed, tables);
    this.pfn = grown(this.pfn, tables * PTES_PER_TABLE);
    this.flags = grown(this.flags, tables * PTES_PER_TABLE);
    this.tlbMask = grown(this.tlbMask, tables * PTES_PER_TABLE);
    this.tlbWay = grown(this.tlbWay, tables * PTES_PER_TABLE);
    this.onGrow?.(tables * PTES_PER_TABLE);
  }
}

/** Tables per directory page: one directory page covers 1 GiB (a PUD entry's reach). */
export const DIR_SPAN = 512;

/**
 * A process's upper page-table levels: table key (floor(vpn / 512)) → table id, as directory pages
 * of 512 slots (one per GiB of address space) found through a Map. Lookups inside one GiB are a
 * typed-array index once the caller holds the directory page.
 */
export class PageDirectory {
  private readonly pages = new Map<number, Int32Array>();

  /** Directory page of table key `key` (index inside it: key mod 512), created empty if asked. */
  page(key: number, create: boolean): Int32Array | undefined {
    const hi = Math.floor(key / DIR_SPAN);
    let p = this.pages.get(hi);
    if (!p && create) this.pages.set(hi, (p = new Int32Array(DIR_SPAN).fill(-1)));
    return p;
  }

  get(key: number): number {
    return this.page(key, false)?.[key % DIR_SPAN] ?? -1;
  }

  set(key: number, table: number): void {
    this.page(key, true)![key % DIR_SPAN] = table;
  }

  /** Every table id in use. */
  tables(): number[] {
    const out: number[] = [];
    for (const p of this.pages.values()) for (const t of p) if (t >= 0) out.push(t);
    return out;
  }

  clear(): void {
    this.pages.clear();
  }
}
