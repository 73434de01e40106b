/**
 * The access path: workloads' access batches applied page by page, once per distinct page per
 * batch (repeats inside a batch change nothing: young is idempotent and a protection fault restores
 * the protection), so a batch costs O(distinct pages). A touch probes the CPU's TLB; a miss walks
 * the page table, faults if needed (faults.ts), sets Accessed (and Dirty on a write), marks the
 * frame referenced for LRU aging and caches the translation.
 *
 * Functions of the machine's state rather than methods of small objects: the per-page loops keep
 * their state in locals and typed arrays, and every call here stays monomorphic.
 */
import { PAGE_SIZE, PTES_PER_TABLE, USER_ADDR_LIMIT } from './layout.js';
import type { MachineState, Proc, Thread } from './machine-state.js';
import { demandFault, newTable, PROTECTION_FAULTED, PROTECTION_PASSED, protectionFaultAt } from './faults.js';
import { threadOf } from './processes.js';
import {
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_PROT_NONE,
  PTE_PROT_WRITE,
  PTE_WRITABLE,
  PTE_YOUNG,
  tlbWritable,
} from './pte.js';

/** `count` accesses from `start`, stepping `stride` bytes, wrapping inside [start, start+length). */
export function access(
  s: MachineState,
  tid: number,
  start: number,
  length: number,
  stride: number,
  count: number,
  isWrite: boolean,
): void {
  const th = beginBatch(s, 'access', tid, start, length, stride, count);
  if (count === 0) return;
  s.bReused = count >= 2 * Math.ceil(Math.min(count * stride, length) / PAGE_SIZE);
  // The loops live in their own functions: a batch of one page (trace records) then costs no more
  // than a single touch, even after long batches got the loops optimised.
  if (stride > PAGE_SIZE) accessOrbit(s, th, start, length, stride, count, isWrite);
  else if (Math.floor(start / PAGE_SIZE) === Math.floor((start + length - 1) / PAGE_SIZE))
    touchAt(s, th, start, 0, isWrite);
  else accessPasses(s, th, start, length, stride, count, isWrite);
}

/**
 * stride > page: every access of one pass is on its own page; later passes may reach other
 * pages, so walk the orbit of (i*stride mod length), which repeats after length/gcd accesses.
 */
function accessOrbit(
  s: MachineState,
  th: Thread,
  start: number,
  length: number,
  stride: number,
  count: number,
  isWrite: boolean,
): void {
  const n = Math.min(count, length / gcd(stride, length));
  // Passes after the first may land on pages already touched: skip those (cost is per page).
  const seen = n > Math.ceil(length / stride) ? new Set<number>() : null;
  for (let i = 0; i < n; i++) {
    const a = start + ((i * stride) % length);
    if (seen) {
      const vpn = Math.floor(a / PAGE_SIZE);
      if (seen.has(vpn)) continue;
      seen.add(vpn);
    }
    touchAt(s, th, a, i, isWrite);
  }
}

/** stride ≤ page: each pass covers a contiguous run of pages; pass p starts at offset r < stride. */
function accessPasses(
  s: MachineState,
  th: Thread,
  start: number,
  length: number,
  stride: number,
  count: number,
  isWrite: boolean,
): void {
  const lastVpn = Math.floor((start + length - 1) / PAGE_SIZE);
  let r = 0;
  let base = 0;
  let done = Math.floor(start / PAGE_SIZE) - 1;
  for (let pass = 0; base < count && pass <= stride; pass++) {
    const full = Math.ceil((length - r) / stride);
    const n = Math.min(full, count - base);
    const hi = Math.floor((start + r + (n - 1) * stride) / PAGE_SIZE);
    const lo = Math.max(done + 1, Math.floor((start + r) / PAGE_SIZE));
    if (lo <= hi) touchRun(s, th, lo, hi, start + r, stride, base, isWrite);
    if (hi > done) done = hi;
    if (done >= lastVpn || n < full) break;
    r = r + full * stride - length;
    base += n;
  }
}

/**
 * Touches pages lo..hi of a pass whose access k0 is at address a0 (accesses every `stride`
 * bytes). Pages that are present, unprotected and of a 4 KiB table, without ground truth, take an
 * inlined path (TLB, Accessed/Dirty bits, LRU mark) with the table, arrays and counters held in
 * locals; any other page goes through touchAt(), which handles every case. A stretch of such
 * pages that certainly miss the TLB is walked first and cached after (fillMisses), so that a long
 * scan fills only the translations that stay.
 */
function touchRun(
  s: MachineState,
  th: Thread,
  lo: number,
  hi: number,
  a0: number,
  stride: number,
  k0: number,
  isWrite: boolean,
): void {
  const proc = th.proc;
  const cpu = th.cpu;
  const tlbOn = s.tlbOn;
  const tlb = s.tlb;
  const reused = s.bReused;
  const costs = s.costs;
  const fast = s.gt === null;
  // What a page's flags must show for the inlined path: present, and no DAMON protection that
  // this access would fault on; writes also need the VMA's write permission.
  const test = isWrite
    ? PTE_PRESENT | PTE_WRITABLE | PTE_PROT_NONE | PTE_PROT_WRITE
    : PTE_PRESENT | PTE_PROT_NONE;
  const need = isWrite ? PTE_PRESENT | PTE_WRITABLE : PTE_PRESENT;
  const set = isWrite ? PTE_YOUNG | PTE_DIRTY : PTE_YOUNG;
  // Pages before vpn walked but not yet cached in the TLB (all certain misses).
  let pending = 0;
  let vpn = lo;
  while (vpn <= hi) {
    const key = Math.floor(vpn / PTES_PER_TABLE);
    const t = fast ? tableOf(s, proc, key) : -1;
    if (t < 0 || s.pt.tableHuge[t] === 1) {
      if (pending > 0) pending = fillMisses(s, proc, cpu, vpn, pending, reused);
      touchInPass(s, th, vpn++, a0, stride, k0, isWrite);
      continue;
    }
    const end = Math.min(hi, key * PTES_PER_TABLE + PTES_PER_TABLE - 1);
    // Pool arrays are re-read after every slow touch (a fault may grow them).
    const flags = s.pt.flags;
    const pfn = s.pt.pfn;
    const phys = s.phys;
    let e = t * PTES_PER_TABLE + (vpn - key * PTES_PER_TABLE);
    let touches = 0;
    let hits = 0;
    let walks = 0;
    for (; vpn <= end; vpn++, e++) {
      const f = flags[e]!;
      if ((f & test) !== need) break;
      touches++;
      const nf = f | set;
      if (tlbOn) {
        if (!tlb.mayCache(cpu, e)) pending++;
        else {
          if (pending > 0) pending = fillMisses(s, proc, cpu, vpn, pending, reused);
          const writeOk = tlbWritable(nf);
          if (!tlb.access(cpu, key, vpn - key * PTES_PER_TABLE, e, isWrite, writeOk, reused)) {
            hits++;
            continue;
          }
        }
      }
      walks++;
      flags[e] = nf;
      phys.reference(pfn[e]!);
    }
    costs.pageTouches += touches;
    costs.tlbHits += hits;
    costs.pageWalks += walks;
    if (vpn <= end) {
      if (pending > 0) pending = fillMisses(s, proc, cpu, vpn, pending, reused);
      touchInPass(s, th, vpn++, a0, stride, k0, isWrite);
    }
  }
  if (pending > 0) fillMisses(s, proc, cpu, vpn, pending, reused);
}

/**
 * Caches the translations of the `n` pages before `next`, walked as certain TLB misses, as one
 * fill each in order would (Tlb.missesKept: only the last ones matter). Returns 0 (none pending).
 */
function fillMisses(
  s: MachineState,
  proc: Proc,
  cpu: number,
  next: number,
  n: number,
  reused: boolean,
): number {
  const flags = s.pt.flags;
  for (let vpn = next - Math.min(n, s.tlb.missesKept(reused)); vpn < next; vpn++) {
    const key = Math.floor(vpn / PTES_PER_TABLE);
    const off = vpn - key * PTES_PER_TABLE;
    const e = tableOf(s, proc, key) * PTES_PER_TABLE + off;
    const writeOk = tlbWritable(flags[e]!);
    s.tlb.access(cpu, key, off, e, false, writeOk, reused);
  }
  return 0;
}

/** touchAt() of page vpn's first access in a pass whose access k0 is at a0. */
function touchInPass(
  s: MachineState,
  th: Thread,
  vpn: number,
  a0: number,
  stride: number,
  k0: number,
  isWrite: boolean,
): void {
  const k = Math.max(0, Math.ceil((vpn * PAGE_SIZE - a0) / stride));
  touchAt(s, th, a0 + k * stride, k0 + k, isWrite);
}

/** Table id of table key `key` of `proc`, -1 if none; caches the directory page (batches walk tables in order). */
function tableOf(s: MachineState, proc: Proc, key: number): number {
  // key >>> 9: the directory page (DIR_SPAN = 512 tables), a literal for the reason given at PAGE_SIZE.
  const hi = key >>> 9;
  let dir = s.cDir;
  if (proc !== s.cProc || hi !== s.cHi) {
    dir = proc.dir.page(key, true)!;
    s.cProc = proc;
    s.cHi = hi;
    s.cDir = dir;
  }
  return dir[key & 511]!;
}

/** `count` accesses at uniformly random strided offsets in [start, start+length). */
export function accessRandom(
  s: MachineState,
  tid: number,
  start: number,
  length: number,
  stride: number,
  count: number,
  isWrite: boolean,
): void {
  const th = beginBatch(s, 'accessRandom', tid, start, length, stride, count);
  const slots = Math.max(1, Math.floor(length / stride));
  if (count === 1) {
    // The common single access (traces, fine-grained workloads): no distinct-page bookkeeping, and
    // the draw of Prng.rand(0, slots) stepped inline on the PRNG's state: the machine's only copy of
    // core/prng's xoshiro128** step. A call here is not inlined once the caller's loop inlines this
    // function; calling Prng.rand measured 5-10% fewer random single accesses per second
    // (bench/sim-speed, 2026-12-05). tests/sim/random-single.test.ts checks it draws Prng's sequence.
    s.bReused = false;
    let i = 0;
    if (slots > 0x100000000) i = s.prng.rand(0, slots);
    else if (slots > 1) {
      const st = s.prng.state;
      const a = st[0]!;
      const b = st[1]!;
      const c = st[2]! ^ a;
      const d = st[3]! ^ b;
      st[0] = a ^ d;
      st[1] = b ^ c;
      st[2] = c ^ (b << 9);
      st[3] = (d << 11) | (d >>> 21);
      const m = Math.imul(b, 5);
      const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
      i = Math.floor((r / 0x100000000) * slots);
    }
    // touchAt() written out: with this function inlined into a caller's loop, the call was not, and
    // passing it the address (a double) allocated a box per access.
    const a = start + i * stride;
    const vpn = Math.floor(a / PAGE_SIZE);
    const key = Math.floor(vpn / PTES_PER_TABLE);
    touch(s, th, key, vpn - key * PTES_PER_TABLE, a - vpn * PAGE_SIZE, 0, isWrite);
  } else if (count > 1) accessRandomMany(s, th, start, stride, count, slots, isWrite);
}

/** accessRandom() of several accesses (kept apart so that the single access stays small enough to inline). */
function accessRandomMany(
  s: MachineState,
  th: Thread,
  start: number,
  stride: number,
  count: number,
  slots: number,
  isWrite: boolean,
): void {
  const rng = s.prng;
  const firstVpn = Math.floor(start / PAGE_SIZE);
  // Units the batch can touch: slots when each is on its own page, else pages (taken as equally
  // likely: exact when the stride divides the page size and the range is page-aligned).
  const units =
    stride >= PAGE_SIZE ? slots : Math.floor((start + (slots - 1) * stride) / PAGE_SIZE) - firstVpn + 1;
  s.bReused = count >= 2 * units;
  if (count * 2 <= units || units > 1 << 24) {
    for (let k = 0; k < count; k++) {
      touchAt(s, th, start + rng.rand(0, slots) * stride, k, isWrite);
    }
    return;
  }
  // Many repeats: draw only the distinct units, in first-touch order (partial Fisher-Yates over
  // the units; the gap to the next new unit is geometric), which has the same distribution.
  if (s.scratch.length < units) s.scratch = new Int32Array(Math.max(units, s.scratch.length * 2));
  const perm = s.scratch;
  for (let u = 0; u < units; u++) perm[u] = u;
  let i = 0;
  for (let seen = 0; i < count && seen < units; seen++) {
    const j = rng.rand(seen, units);
    const u = perm[j]!;
    perm[j] = perm[seen]!;
    perm[seen] = u;
    let a: number;
    if (stride >= PAGE_SIZE) a = start + u * stride;
    else {
      const pageStart = (firstVpn + u) * PAGE_SIZE;
      a = pageStart <= start ? start : start + Math.ceil((pageStart - start) / stride) * stride;
    }
    touchAt(s, th, a, i, isWrite);
    const q = (seen + 1) / units;
    i += q < 1 ? 1 + Math.floor(Math.log(1 - rng.nextU32() / 0x100000000) / Math.log(q)) : 1;
  }
}

function beginBatch(
  s: MachineState,
  op: string,
  tid: number,
  start: number,
  length: number,
  stride: number,
  count: number,
): Thread {
  // thread()'s fast path written out (the call was not inlined on the per-access path).
  const c = s.cThread;
  const th = c !== null && c.tid === tid && c.proc.alive ? c : threadOf(s, tid, op);
  // One combined test on the fast path; badBatch() names what is wrong.
  if (!(
    start >= 0 &&
    start < USER_ADDR_LIMIT &&
    length > 0 &&
    stride > 0 &&
    count >= 0 &&
    Number.isInteger(length) &&
    Number.isInteger(stride) &&
    Number.isInteger(count)
  ))
    badBatch(op, tid, start, length, stride, count);
  s.bClock = th.clock;
  th.clock += count * s.dt;
  s.costs.accesses += count;
  return th;
}

function badBatch(
  op: string,
  tid: number,
  start: number,
  length: number,
  stride: number,
  count: number,
): never {
  if (!(start >= 0 && start < USER_ADDR_LIMIT)) throw new Error(`${op}(tid ${tid}): bad start ${start}`);
  if (!Number.isInteger(length) || length <= 0)
    throw new Error(`${op}(tid ${tid}): length must be a positive integer, got ${length}`);
  if (!Number.isInteger(stride) || stride <= 0)
    throw new Error(`${op}(tid ${tid}): stride must be a positive integer, got ${stride}`);
  throw new Error(`${op}(tid ${tid}): count must be a non-negative integer, got ${count}`);
}

/**
 * Touch of the page holding address `a` (access number k of the batch). Small enough to be
 * inlined, so that only small integers cross the call into touch(): doubles passed to a call that
 * is not inlined are boxed, one allocation each.
 */
function touchAt(s: MachineState, th: Thread, a: number, k: number, isWrite: boolean): void {
  const vpn = Math.floor(a / PAGE_SIZE);
  const key = Math.floor(vpn / PTES_PER_TABLE);
  touch(s, th, key, vpn - key * PTES_PER_TABLE, a - vpn * PAGE_SIZE, k, isWrite);
}

/** One distinct page touch (table key, index in table, byte offset in page): TLB, walk, LRU mark, ground truth. */
function touch(
  s: MachineState,
  th: Thread,
  key: number,
  off: number,
  pageOff: number,
  k: number,
  isWrite: boolean,
): void {
  const proc = th.proc;
  let t = tableOf(s, proc, key);
  if (t < 0) t = newTable(s, th, key, off, pageOff, isWrite);
  const pool = s.pt;
  const e = t * PTES_PER_TABLE + off;
  s.costs.pageTouches++;
  const huge = pool.tableHuge[t] === 1;
  const slot = s.tlbOn ? s.tlb.probe(th.cpu, key, off, huge, huge ? t * PTES_PER_TABLE : e) : -1;
  if (slot >= 0 && (!isWrite || s.tlb.writeOk(slot))) s.costs.tlbHits++;
  else walk(s, th, t, e, key, off, pageOff, k, isWrite, slot);
  if (s.gt) s.gt.record(e, s.pt.pfn[e]!, th.tid, th.cpu, isWrite, th.views);
}

/** Page walk on a TLB miss: faults, then Accessed (and Dirty on a write), then cache the translation. */
function walk(
  s: MachineState,
  th: Thread,
  t: number,
  e: number,
  key: number,
  off: number,
  pageOff: number,
  k: number,
  isWrite: boolean,
  slot: number,
): void {
  s.costs.pageWalks++;
  const vpn = key * PTES_PER_TABLE + off;
  const addr = vpn * PAGE_SIZE + pageOff;
  let pool = s.pt;
  let h = pool.tableHuge[t] ? t * PTES_PER_TABLE : e;
  let f = pool.flags[h]!;
  let faulted = false;
  // The access went through a re-armed protection: the translation must not be cached.
  let protectedPass = false;
  if (!(f & PTE_PRESENT)) {
    faulted = true;
    demandFault(s, th, t, e, vpn, addr, isWrite);
    pool = s.pt;
    h = pool.tableHuge[t] ? t * PTES_PER_TABLE : e;
    f = pool.flags[h]!;
  } else if (f & PTE_PROT_NONE || (isWrite && f & PTE_PROT_WRITE)) {
    const r = protectionFaultAt(s, th, h, addr, k, isWrite);
    faulted = r !== PROTECTION_PASSED;
    protectedPass = r !== PROTECTION_FAULTED;
    pool = s.pt;
    f = pool.flags[h]!;
  }
  if (isWrite && !(f & PTE_WRITABLE)) {
    throw new Error(
      `machine: tid ${th.tid} wrote to read-only address 0x${addr.toString(16)} (tgid ${th.proc.tgid})`,
    );
  }
  f |= isWrite ? PTE_YOUNG | PTE_DIRTY : PTE_YOUNG;
  pool.flags[h] = f;
  // LRU aging sees what the hardware reports: the walks that set Accessed bits.
  s.phys.reference(pool.pfn[e]!);
  if (s.tlbOn) {
    // Re-probe unless this was a write through a cached read-only translation (slot known), or
    // when the fault changed the mapping to a THP (another tag) or ran listeners.
    const writeOk = tlbWritable(f);
    if (slot >= 0) s.tlb.setWriteOk(slot, writeOk);
    else if (!protectedPass) {
      if (faulted) {
        const huge = pool.tableHuge[t] === 1;
        s.tlb.probe(th.cpu, key, off, huge, huge ? t * PTES_PER_TABLE : e);
      }
      s.tlb.fill(writeOk, s.bReused);
    }
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
