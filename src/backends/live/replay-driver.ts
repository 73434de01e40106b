/**
 * Real accesses from a record (damo's `replay`): this process's own memory stands for the
 * recorded address space, one 4 KiB page per recorded page, allocated the first time the record
 * accesses it (as damo's replayer allocates a buffer per page), and each accessed region is read
 * page by page in the time slices of the replay plan, on the wall clock. A monitor of this process
 * (the kernel's DAMON on its pid, or a live source) then sees the recorded pattern, at other
 * addresses: the pages live in 2 MiB chunks of the JS heap, created on demand.
 *
 * Slices are scheduled against absolute deadlines from the start, so the replay takes the record's
 * time however long the accesses take (a late slice is not waited for); the idle rest of a slice
 * is slept, not spun, so the process's CPU time is that of its accesses.
 */
import { type ReplayPlan, REPLAY_PAGE_SIZE } from '../../records/replay-plan.js';

const CHUNK_BYTES = 2 * 1024 * 1024;
const PAGES_PER_CHUNK = CHUNK_BYTES / REPLAY_PAGE_SIZE;

interface Chunk {
  /** Zero-filled on allocation without being touched (calloc'd): pages become resident when written. */
  mem: Uint8Array;
  /** Per page: written once already. */
  touched: Uint8Array;
}

/** The replayer's memory: recorded page → a page of a chunk, allocated on first access. */
export class PageArena {
  private readonly chunks = new Map<number, Chunk>();
  /** Pages accessed at least once (each made resident by a write on its first access). */
  pagesTouched = 0;
  /** Page accesses done. */
  accesses = 0;
  /** Keeps the reads observable, so that they are not optimised away. */
  private sink = 0;

  /** Reads every page of [start, end) once; a page's first access writes it (allocating it). */
  access(start: number, end: number): void {
    let page = Math.floor(start / REPLAY_PAGE_SIZE);
    const last = Math.ceil(end / REPLAY_PAGE_SIZE);
    while (page < last) {
      const key = Math.floor(page / PAGES_PER_CHUNK);
      let c = this.chunks.get(key);
      if (!c) {
        c = { mem: new Uint8Array(CHUNK_BYTES), touched: new Uint8Array(PAGES_PER_CHUNK) };
        this.chunks.set(key, c);
      }
      const upto = Math.min(last, (key + 1) * PAGES_PER_CHUNK);
      const { mem, touched } = c;
      for (let p = page - key * PAGES_PER_CHUNK, q = upto - key * PAGES_PER_CHUNK; p < q; p++) {
        const off = p * REPLAY_PAGE_SIZE + REPLAY_PAGE_SIZE / 2;
        if (touched[p] === 0) {
          touched[p] = 1;
          mem[off] = 1;
          this.pagesTouched++;
        } else this.sink ^= mem[off]!;
      }
      this.accesses += upto - page;
      page = upto;
    }
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks until performance.now() reaches `deadlineMs`. */
function sleepUntil(deadlineMs: number): void {
  for (let left = deadlineMs - performance.now(); left > 0; left = deadlineMs - performance.now())
    Atomics.wait(sleeper, 0, 0, left);
}

export interface ReplayOptions {
  /** Called after a snapshot is replayed, at most once per `progressIntervalMs`. */
  onProgress?: (replayed: number, total: number, elapsedMs: number) => void;
  progressIntervalMs?: number;
}

export interface ReplayResult {
  pagesTouched: number;
  accesses: number;
  elapsedMs: number;
}

/** Replays the plan in this process, on the wall clock. */
export function replayInProcess(plan: ReplayPlan, o: ReplayOptions = {}): ReplayResult {
  const arena = new PageArena();
  const t0 = performance.now();
  const every = o.progressIntervalMs ?? 3000;
  let nextNotice = t0 + every;
  plan.snapshots.forEach((s, idx) => {
    for (let i = 0; i < s.nrSlices; i++) {
      for (const r of s.regions) if (r.samples > i) arena.access(r.start, r.end);
      sleepUntil(t0 + (s.startUs + (i + 1) * s.sliceUs) / 1000);
    }
    const now = performance.now();
    if (o.onProgress && now >= nextNotice) {
      o.onProgress(idx + 1, plan.snapshots.length, now - t0);
      while (nextNotice <= now) nextNotice += every;
    }
  });
  return { pagesTouched: arena.pagesTouched, accesses: arena.accesses, elapsedMs: performance.now() - t0 };
}

/**
 * damo's `replay --test_perf`: reads `bytes` of memory over and over for `runtimeMs`, calling
 * `report` with the bytes read per second about once a second.
 */
export function replayerThroughput(
  bytes: number,
  runtimeMs: number,
  report: (bytesPerSec: number) => void,
): void {
  const arena = new PageArena();
  const start = performance.now();
  let windowStart = start;
  let passes = 0;
  for (;;) {
    arena.access(0, bytes);
    passes++;
    const now = performance.now();
    if (now - windowStart >= 1000) {
      report((bytes * passes * 1000) / (now - windowStart));
      passes = 0;
      windowStart = now;
    }
    if (now - start >= runtimeMs) break;
  }
}
