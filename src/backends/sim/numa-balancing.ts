/**
 * Automatic NUMA balancing on the simulated machine, as the kernel's task_numa_work() and
 * do_numa_page() do it, for a machine created with `numaBalancing: true` (protection faults are then
 * NUMA hinting faults):
 * - Scanner: after `scanDelayUs`, every scan period each live process has the next window of its
 *   address space made PROT_NONE (change_prot_numa): up to `scanSizeBytes` of present pages, at most
 *   8 times that of virtual range, continuing where the previous pass stopped and wrapping to the
 *   start (a new scan sequence). Read-only file mappings are skipped, as the kernel skips shared
 *   libraries; pages already PROT_NONE are left alone. A process started later is found within a
 *   scan delay and then waits its own.
 * - Hinting fault: the PTE is restored (by the machine), then the page is migrated to the faulting
 *   CPU's node when it lives elsewhere and the two-stage filter of should_numa_migrate_memory()
 *   passes: the previous hinting fault on the page (its last_cpupid) was from the same node, or
 *   there was none. A page that two nodes keep faulting on stays where it is.
 * - Scan period: per process, from the kernel's min (1 s) to max (60 s), updated before each pass
 *   from the faults since the previous one as update_task_scan_period() does with every fault taken
 *   as private: 7 or more tenths local → the period grows by (tenths − 7, at least 1) tenths;
 *   fewer → it shrinks by (7 − tenths) tenths; no fault at all → it doubles.
 * Not modelled: numa groups, task placement (threads stay pinned), the preferred node.
 */
import type { Machine } from './machine.js';
import { PAGE_SIZE } from './layout.js';

export interface NumaBalancingConfig {
  /** numa_balancing_scan_delay_ms: first scan after this long. Default 1 s. */
  scanDelayUs: number;
  /** numa_balancing_scan_period_min_ms. Default 1 s. */
  scanPeriodMinUs: number;
  /** numa_balancing_scan_period_max_ms. Default 60 s. */
  scanPeriodMaxUs: number;
  /** numa_balancing_scan_size_mb: present memory made PROT_NONE per pass. Default 256 MiB. */
  scanSizeBytes: number;
}

export const DEFAULT_NUMA_BALANCING: Readonly<NumaBalancingConfig> = Object.freeze({
  scanDelayUs: 1_000_000,
  scanPeriodMinUs: 1_000_000,
  scanPeriodMaxUs: 60_000_000,
  scanSizeBytes: 256 << 20,
});

/** The kernel's /proc/vmstat numa_* counters. */
export interface NumaBalancingStats {
  /** numa_pte_updates: pages made PROT_NONE by the scanner. */
  pteUpdates: number;
  /** numa_hint_faults. */
  hintFaults: number;
  /** numa_hint_faults_local: faults from a CPU of the page's node. */
  hintFaultsLocal: number;
  /** numa_pages_migrated (folios; a THP counts once). */
  pagesMigrated: number;
  /** Scanner passes (one process each). */
  scans: number;
}

interface ProcScan {
  /** Virtual time of the process's next pass. */
  next: number;
  offset: number;
  /** Passes done. */
  passes: number;
  period: number;
  faults: number;
  local: number;
}

export class NumaBalancing {
  readonly config: NumaBalancingConfig;
  readonly stats: NumaBalancingStats = {
    pteUpdates: 0,
    hintFaults: 0,
    hintFaultsLocal: 0,
    pagesMigrated: 0,
    scans: 0,
  };
  /** Node of the previous hinting fault per frame (last_cpupid's node), -1 none. */
  private lastNode: Int8Array;
  private readonly procs = new Map<number, ProcScan>();
  private readonly offs: (() => void)[] = [];
  private ticked = false;

  constructor(
    private readonly m: Machine,
    config: Partial<NumaBalancingConfig> = {},
  ) {
    if (!m.config.numaBalancing)
      throw new Error('NUMA balancing: the machine must be created with numaBalancing: true');
    this.config = { ...DEFAULT_NUMA_BALANCING, ...config };
    for (const [k, v] of Object.entries(this.config))
      if (!(typeof v === 'number' && Number.isInteger(v) && v > 0))
        throw new Error(`NUMA balancing ${k}: expected a positive integer, got ${String(v)}`);
    this.lastNode = new Int8Array(m.memoryBytes / PAGE_SIZE).fill(-1);
    m.setNumaHintHandler((pfn, cpu) => this.hintFault(pfn, cpu));
    this.offs.push(() => m.setNumaHintHandler(null));
    // One task, due at the earliest process's next scan.
    const task = { nextUs: m.now + this.config.scanDelayUs, run: (now: number) => this.tick(now) };
    this.offs.push(m.addTask(task));
  }

  /** Stops scanning and handling faults (protections already set stay until touched). */
  stop(): void {
    for (const off of this.offs.splice(0)) off();
  }

  private tick(now: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (const tgid of this.m.processes()) {
      let p = this.procs.get(tgid);
      if (!p) {
        // Processes there at the start had the scan delay already; later ones wait for theirs.
        const first = this.ticked ? now + this.config.scanDelayUs : now;
        p = { next: first, offset: 0, passes: 0, period: this.config.scanPeriodMinUs, faults: 0, local: 0 };
        this.procs.set(tgid, p);
      }
      if (p.next <= now) {
        if (p.passes++ > 0) this.updatePeriod(p);
        this.scan(tgid, p);
        this.stats.scans++;
        p.next = now + p.period;
      }
      next = Math.min(next, p.next);
    }
    this.ticked = true;
    // Back at least every scan delay, to find new processes: one is scanned within two delays.
    return Math.min(next, now + this.config.scanDelayUs);
  }

  private updatePeriod(p: ProcScan): void {
    const { scanPeriodMinUs: lo, scanPeriodMaxUs: hi } = this.config;
    if (p.faults === 0) p.period = Math.min(hi, p.period * 2);
    else {
      const tenths = Math.floor((p.local * 10) / p.faults);
      const slot = Math.ceil(p.period / 10);
      p.period += tenths >= 7 ? Math.max(1, tenths - 7) * slot : -(7 - tenths) * slot;
      p.period = Math.min(hi, Math.max(lo, p.period));
    }
    p.faults = p.local = 0;
  }

  /** change_prot_numa() over the next window of the process's VMAs. */
  private scan(tgid: number, p: ProcScan): void {
    const vmas = this.m.vmas(tgid).filter((v) => v.anon || v.writable);
    if (vmas.length === 0) return;
    let pages = Math.floor(this.config.scanSizeBytes / PAGE_SIZE);
    let virt = pages * 8;
    let i = vmas.findIndex((v) => v.end > p.offset);
    if (i < 0) i = 0;
    let addr = Math.max(p.offset, vmas[i]!.start);
    let wrapped = false;
    while (pages > 0 && virt > 0) {
      const v = vmas[i]!;
      if (addr >= v.end) {
        i++;
        if (i === vmas.length) {
          if (wrapped) break;
          wrapped = true;
          i = 0;
        }
        addr = vmas[i]!.start;
        continue;
      }
      const pte = this.m.pte(tgid, addr);
      const step = pte?.present ? pte.folioSize - (addr % pte.folioSize) : PAGE_SIZE;
      if (pte?.present && pte.protection !== 'none') {
        this.m.protect(tgid, addr, 'none');
        this.stats.pteUpdates++;
        pages -= step / PAGE_SIZE;
      }
      virt -= step / PAGE_SIZE;
      addr += step;
    }
    p.offset = addr;
  }

  /** do_numa_page() after the PTE is restored: count, then maybe migrate to the faulting CPU's node. */
  private hintFault(pfn: number, cpu: number): void {
    this.stats.hintFaults++;
    const cnode = this.m.cpuNode(cpu);
    const paddr = pfn * PAGE_SIZE;
    const pnode = this.m.nodeOf(paddr);
    const owner = this.m.frameInfo(paddr)?.mappings[0];
    const p = owner ? this.procs.get(owner.tgid) : undefined;
    if (p) p.faults++;
    if (pnode === cnode) {
      this.stats.hintFaultsLocal++;
      if (p) p.local++;
    }
    const last = this.lastNode[pfn]!;
    this.lastNode[pfn] = cnode;
    if (pnode === cnode || (last !== -1 && last !== cnode)) return;
    const moved = this.m.migratePhys(paddr, cnode);
    if (moved < 0 || moved === paddr) return;
    this.stats.pagesMigrated++;
    this.lastNode[pfn] = -1;
    this.lastNode[Math.floor(moved / PAGE_SIZE)] = cnode;
  }
}
