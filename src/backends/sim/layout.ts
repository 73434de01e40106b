/** Page geometry of the simulated machine (x86-64 with 4-level paging). */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
/** PTEs per page-table page, and pages per 2 MiB huge page (PMD). */
export const PTES_PER_TABLE = 512;
export const HUGE_PAGE_SIZE = PAGE_SIZE * PTES_PER_TABLE;
/** User address space limit (47 bits): keeps TLB keys exact in a double. */
export const USER_ADDR_LIMIT = 2 ** 47;
