/**
 * Another process's write-protectable memory: its /proc/PID/pagemap and a copy of the userfaultfd
 * the preload helper (native/) created in it. New anonymous mappings that the helper could not see
 * (libc-internal mmap/brk) are registered here. In exact mode, PAGEMAP_SCAN with
 * PM_SCAN_WP_MATCHING returns the pages written since the last scan and write-protects them again.
 */
import { closeSync, openSync, readdirSync, readlinkSync } from 'node:fs';
import { bufferAddress, copyProcessFd, ioctlBuf, SyscallError, writeU64 } from './linux-ffi.js';
import { isAnonPrivateWritable, readMaps } from './proc-maps.js';
import { readU64 } from '../tracefs/format.js';

const PAGEMAP_SCAN = 0xc0606610; // _IOWR('f', 16, struct pm_scan_arg)
const PM_SCAN_WP_MATCHING = 1;
const PAGE_IS_WPALLOWED = 1;
const PAGE_IS_WRITTEN = 2;
const PM_SCAN_ARG_SIZE = 96;
const UFFDIO_REGISTER = 0xc020aa00;
const UFFDIO_REGISTER_MODE_WP = 2;
const UFFDIO_WRITEPROTECT = 0xc018aa06;
const UFFDIO_WRITEPROTECT_MODE_WP = 1;
/** User address space end on x86-64 with 4-level tables (47 bits). */
const USER_END = 2 ** 47 - 4096;

export const PAGE_SIZE = 4096;

/** The fd number of the target's userfaultfd, or -1 when it has none (helper not loaded or failed). */
export function findUserfaultfd(pid: number): number {
  const dir = `/proc/${pid}/fd`;
  for (const name of readdirSync(dir)) {
    try {
      if (readlinkSync(`${dir}/${name}`) === 'anon_inode:[userfaultfd]') return Number(name);
    } catch {
      // closed meanwhile
    }
  }
  return -1;
}

export interface ScanStats {
  scans: number;
  /** ioctl calls (a scan needs more than one when the output vector fills). */
  ioctls: number;
  mappingsRegistered: number;
}

/** Written page ranges of one scan, sorted by address: [start[i], end[i]) for i < length. */
export interface WrittenRanges {
  length: number;
  start: Float64Array;
  end: Float64Array;
}

export class WrittenPageScanner {
  readonly pagemapFd: number;
  readonly uffd: number;
  private readonly arg = Buffer.alloc(PM_SCAN_ARG_SIZE);
  private readonly vec: Buffer;
  private readonly vecLen: number;
  private readonly uffdArg = Buffer.alloc(32);
  private known = new Set<string>();
  private out: WrittenRanges = { length: 0, start: new Float64Array(1024), end: new Float64Array(1024) };
  readonly stats: ScanStats = { scans: 0, ioctls: 0, mappingsRegistered: 0 };

  /** Opens the target's pagemap and a copy of its userfaultfd; `vecLen` page_region entries per ioctl. */
  /** `protectNew`: write-protect mappings registered here at once (exact mode). */
  constructor(
    readonly pid: number,
    private readonly protectNew: boolean,
    vecLen = 16384,
  ) {
    const ufd = findUserfaultfd(pid);
    if (ufd < 0)
      throw new Error(
        `write-only monitoring: process ${pid} has no userfaultfd: the preload helper was not loaded or failed (see its stderr)`,
      );
    this.uffd = copyProcessFd(pid, ufd);
    try {
      this.pagemapFd = openSync(`/proc/${pid}/pagemap`, 'r');
    } catch (e) {
      closeSync(this.uffd);
      throw new Error(`write-only monitoring: opening /proc/${pid}/pagemap failed: ${(e as Error).message}`);
    }
    this.vecLen = vecLen;
    this.vec = Buffer.alloc(24 * vecLen);
    for (const m of readMaps(pid)) if (isAnonPrivateWritable(m)) this.known.add(`${m.start}-${m.end}`);
  }

  /**
   * Registers (and in exact mode write-protects) the anonymous mappings that appeared since the last
   * call and that no userfaultfd watches yet (libc-internal mmap/brk the helper could not see); writes
   * to them before this call are not seen. A mapping the helper already registered at mmap time is left alone:
   * protecting it again would erase the writes since the last scan. Returns the number registered.
   */
  registerNewMappings(): number {
    const now = new Set<string>();
    let n = 0;
    let maps;
    try {
      maps = readMaps(this.pid);
    } catch {
      return 0; // process gone
    }
    for (const m of maps) {
      if (!isAnonPrivateWritable(m)) continue;
      const key = `${m.start}-${m.end}`;
      now.add(key);
      if (this.known.has(key) || this.wpAllowed(m.start, m.end)) continue;
      if (this.uffdRange(UFFDIO_REGISTER, UFFDIO_REGISTER_MODE_WP, m.start, m.end, 32)) {
        if (this.protectNew)
          this.uffdRange(UFFDIO_WRITEPROTECT, UFFDIO_WRITEPROTECT_MODE_WP, m.start, m.end, 24);
        n++;
      }
    }
    this.known = now;
    this.stats.mappingsRegistered += n;
    return n;
  }

  /** Lifts the write-protection of every registered mapping (monitoring ends; the program goes on). */
  unprotectAll(): void {
    for (const m of readMaps(this.pid))
      if (isAnonPrivateWritable(m)) this.uffdRange(UFFDIO_WRITEPROTECT, 0, m.start, m.end, 24);
  }

  /** Whether [start, end) is already registered for asynchronous write-protect (PAGE_IS_WPALLOWED). */
  private wpAllowed(start: number, end: number): boolean {
    const a = this.arg;
    a.fill(0);
    writeU64(a, 0, PM_SCAN_ARG_SIZE);
    writeU64(a, 16, start);
    writeU64(a, 24, end);
    writeU64(a, 40, bufferAddress(this.vec));
    writeU64(a, 48, 1);
    writeU64(a, 56, 1); // max_pages
    writeU64(a, 72, PAGE_IS_WPALLOWED); // category_mask
    writeU64(a, 88, PAGE_IS_WPALLOWED); // return_mask
    try {
      return ioctlBuf(this.pagemapFd, PAGEMAP_SCAN, a, `PAGEMAP_SCAN on /proc/${this.pid}/pagemap`) > 0;
    } catch (e) {
      if (e instanceof SyscallError && [2, 3].includes(e.errno)) return false; // unmapped meanwhile or exited
      throw e;
    }
  }

  private uffdRange(req: number, mode: number, start: number, end: number, size: number): boolean {
    const a = this.uffdArg;
    a.fill(0);
    writeU64(a, 0, start);
    writeU64(a, 8, end - start);
    writeU64(a, 16, mode);
    try {
      ioctlBuf(
        this.uffd,
        req,
        size === 32 ? a : a.subarray(0, size),
        `userfaultfd ioctl 0x${req.toString(16)} on ${start.toString(16)}-${end.toString(16)} of ${this.pid}`,
      );
      return true;
    } catch (e) {
      // EINVAL: a mapping userfaultfd cannot take (skipped, as the helper does); ENOENT/ESRCH: unmapped meanwhile or exited.
      if (e instanceof SyscallError && [22, 2, 3, 12].includes(e.errno)) return false;
      throw e;
    }
  }

  /**
   * Written pages in [start, end) since the last scan (all registered mappings by default), and
   * write-protects them again. The returned arrays are reused by the next scan.
   */
  scan(start = 0, end = USER_END): WrittenRanges {
    const a = this.arg;
    const vecAddr = bufferAddress(this.vec);
    const out = this.out;
    out.length = 0;
    let from = start;
    this.stats.scans++;
    while (from < end) {
      a.fill(0);
      writeU64(a, 0, PM_SCAN_ARG_SIZE);
      writeU64(a, 8, PM_SCAN_WP_MATCHING);
      writeU64(a, 16, from);
      writeU64(a, 24, end);
      writeU64(a, 40, vecAddr);
      writeU64(a, 48, this.vecLen);
      writeU64(a, 72, PAGE_IS_WRITTEN); // category_mask
      writeU64(a, 88, PAGE_IS_WRITTEN); // return_mask
      const n = ioctlBuf(this.pagemapFd, PAGEMAP_SCAN, a, `PAGEMAP_SCAN on /proc/${this.pid}/pagemap`);
      this.stats.ioctls++;
      for (let k = 0; k < n; k++) this.push(readU64(this.vec, k * 24), readU64(this.vec, k * 24 + 8));
      const walkEnd = readU64(a, 32);
      if (n < this.vecLen || walkEnd >= end) break;
      from = walkEnd;
    }
    return out;
  }

  private push(s: number, e: number): void {
    let out = this.out;
    if (out.length === out.start.length) {
      const start = new Float64Array(out.length * 2);
      const end = new Float64Array(out.length * 2);
      start.set(out.start);
      end.set(out.end);
      out = this.out = { length: out.length, start, end };
    }
    out.start[out.length] = s;
    out.end[out.length] = e;
    out.length++;
  }

  close(): void {
    closeSync(this.pagemapFd);
    closeSync(this.uffd);
  }
}
