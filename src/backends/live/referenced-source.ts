/**
 * Referenced-bytes source: a coarse working-set size of any process, with no helper and no tracing.
 * Each interval it writes 1 to /proc/PID/clear_refs (clears the Accessed bits and referenced flags
 * of the process's pages) and, one interval later, reads `Referenced:` of every VMA in
 * /proc/PID/smaps: the bytes touched during the interval, per VMA (platform-notes B.4).
 *
 * It sees every access, but only per VMA: smaps gives counts, not addresses, so this source gives
 * working-set samples rather than address reports (it cannot feed regions smaller than a VMA).
 */
import { readFileSync, writeFileSync } from 'node:fs';
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
  samples = 0;

  constructor(private readonly opts: ReferencedSourceOptions) {}

  private clear(): void {
    const path = `/proc/${this.opts.pid}/clear_refs`;
    try {
      writeFileSync(path, '1');
    } catch (e) {
      throw new Error(`referenced source: writing 1 to ${path} failed: ${(e as Error).message}`);
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
