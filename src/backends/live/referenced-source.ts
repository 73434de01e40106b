/**
 * Referenced-bytes source: a coarse working-set size of any process, with no helper and no tracing.
 * Each interval it writes 1 to /proc/PID/clear_refs (clears the Accessed bits and referenced flags
 * of the process's pages) and, one interval later, reads `Referenced:` of every VMA in
 * /proc/PID/smaps: the bytes touched during the interval, per VMA (platform-notes B.4).
 *
 * It sees every access, but only per VMA: smaps gives counts, not addresses, so this source gives
 * working-set samples rather than address reports (it cannot feed regions smaller than a VMA).
 *
 * clear_refs 1 clears the Accessed bits without flushing the TLB, so a page whose translation stays
 * cached is not marked again when touched. Under a hypervisor that shadows the guest's page tables
 * the translations are never dropped and a process writing the same 64 MiB over and over shows
 * ~0 referenced bytes (measured in a Firecracker guest). Where the kernel has no
 * soft-dirty tracking, writing 4 does nothing but walk the page tables and flush the process's TLB
 * (and invalidate secondary MMUs), so the source writes it after each 1; where the kernel has
 * soft-dirty, 4 would clear the process's soft-dirty bits and is not written.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { softDirtyUnsupported } from './soft-dirty-source.js';
import { monotonicUs } from './source.js';

export interface VmaReferenced {
  start: number;
  end: number;
  path: string;
  /** Bytes referenced since the last clear. */
  referenced: number;
  /** Resident bytes. */
  rss: number;
}

export interface WssSample {
  pid: number;
  /** CLOCK_MONOTONIC µs at the end of the interval, minus timeBaseUs. */
  time: number;
  /** Length of the interval the sample covers, µs. */
  intervalUs: number;
  referenced: number;
  rss: number;
  vmas: VmaReferenced[];
}

/** Parses /proc/PID/smaps text into per-VMA referenced and resident bytes. */
export function parseSmapsReferenced(text: string, where: string): VmaReferenced[] {
  const out: VmaReferenced[] = [];
  let cur: VmaReferenced | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      cur = {
        start: parseInt(head[1]!, 16),
        end: parseInt(head[2]!, 16),
        path: head[3]!,
        referenced: 0,
        rss: 0,
      };
      out.push(cur);
      continue;
    }
    const kv = /^(Referenced|Rss):\s+(\d+) kB$/.exec(line);
    if (!kv) continue;
    if (!cur) throw new Error(`${where}:${i + 1}: '${kv[1]}' before any mapping line`);
    if (kv[1] === 'Referenced') cur.referenced = Number(kv[2]) * 1024;
    else cur.rss = Number(kv[2]) * 1024;
  }
  return out;
}

export interface ReferencedSourceOptions {
  pid: number;
  /** Interval between clear and read, µs (default 100 ms: damo's aggregation interval). */
  intervalUs?: number;
  timeBaseUs?: number;
}

export class ReferencedBytesSource {
  readonly name = 'referenced';
  private timer: NodeJS.Timeout | null = null;
  private lastClear = 0;
  /** Flush the TLB after each clear (see the header); decided once per source. */
  private readonly flushTlb = softDirtyUnsupported() !== null;
  samples = 0;

  constructor(private readonly opts: ReferencedSourceOptions) {}

  private clear(): void {
    const path = `/proc/${this.opts.pid}/clear_refs`;
    for (const value of this.flushTlb ? ['1', '4'] : ['1']) {
      try {
        writeFileSync(path, value);
      } catch (e) {
        throw new Error(`referenced source: writing ${value} to ${path} failed: ${(e as Error).message}`);
      }
    }
    this.lastClear = monotonicUs();
  }

  /** Reads the bytes referenced since the last clear, then clears again (starts the next interval). */
  sample(): WssSample {
    const path = `/proc/${this.opts.pid}/smaps`;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`referenced source: reading ${path} failed: ${(e as Error).message}`);
    }
    const now = monotonicUs();
    const vmas = parseSmapsReferenced(text, path);
    const intervalUs = now - this.lastClear;
    this.clear();
    this.samples++;
    let referenced = 0;
    let rss = 0;
    for (const v of vmas) {
      referenced += v.referenced;
      rss += v.rss;
    }
    return { pid: this.opts.pid, time: now - (this.opts.timeBaseUs ?? 0), intervalUs, referenced, rss, vmas };
  }

  /** Clears now and calls `onSample` every interval until stop() or the process ends. */
  start(onSample: (s: WssSample) => void, onEnd?: (e?: Error) => void): void {
    if (this.timer) throw new Error('referenced source: already started');
    this.clear();
    const ms = Math.max(1, Math.floor((this.opts.intervalUs ?? 100_000) / 1000));
    this.timer = setInterval(() => {
      let s: WssSample;
      try {
        s = this.sample();
      } catch (e) {
        this.stop();
        onEnd?.(e as Error);
        return;
      }
      onSample(s);
    }, ms);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
