/**
 * Streaming parser of `perf script` text for data-address samples, from a file or a live perf child:
 *   perf mem record / perf record -d [--sample-cpu]:  comm pid/tid [cpu] time: [period] event: addr [data_src ...]
 *   perf record -e exceptions:page_fault_user:         comm pid/tid [cpu] time: event: address=0x.. ip=0x.. error_code=0x..
 * Load/store: from the event name (mem-loads / mem-stores), else from data_src ("|OP LOAD|" /
 * "|OP STORE|"), else from a page-fault error_code (x86 bit 1 = write); otherwise unknown, reported
 * as a read and counted in `unknownKind`. Without --sample-cpu the cpu is -1; without a pid/ the
 * thread's process is unknown (tgid -1). Callchain lines (indented "addr sym") and blank lines are
 * skipped; any other line is an Error naming the source and line.
 */
import type { ReportBatcher } from './source.js';

export interface PerfScriptStats {
  lines: number;
  samples: number;
  loads: number;
  stores: number;
  unknownKind: number;
}

const HEADER =
  /^\s*(.+?)\s+(?:(-?\d+)\/)?(-?\d+)\s+(?:\[(\d+)\]\s+)?(\d+)\.(\d+):\s+(?:\d+\s+)?(\S+):\s*(.*)$/;
const TRACE_FAULT = /address=0x([0-9a-f]+)\b.*\berror_code=0x([0-9a-f]+)/;
const HEX_ADDR = /^([0-9a-f]+)\b/;
const CALLCHAIN = /^\s+[0-9a-f]+\s/;

/** perf's "sec.frac" time as integer µs (frac is µs with 6 digits, ns with --ns). */
function timeUs(sec: string, frac: string): number {
  const us = frac.length >= 6 ? Number(frac.slice(0, 6)) : Number(frac.padEnd(6, '0'));
  return Number(sec) * 1e6 + us;
}

export class PerfScriptParser {
  readonly stats: PerfScriptStats = { lines: 0, samples: 0, loads: 0, stores: 0, unknownKind: 0 };
  private carry = '';

  /** `source` names the input in errors; reports go to `out` with time = perf time µs − timeBaseUs. */
  constructor(
    private readonly source: string,
    private readonly out: ReportBatcher,
    private readonly timeBaseUs = 0,
  ) {}

  feed(chunk: string | Buffer): void {
    const text = this.carry + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.line(text.slice(start, nl));
      start = nl + 1;
    }
    this.carry = text.slice(start);
  }

  /** End of input: parses a last line without newline and flushes the batch. */
  end(): void {
    if (this.carry !== '') this.line(this.carry);
    this.carry = '';
    this.out.flush();
  }

  private line(line: string): void {
    const lineNo = ++this.stats.lines;
    if (line.trim() === '' || CALLCHAIN.test(line)) return;
    const m = HEADER.exec(line);
    if (!m) throw new Error(`${this.source}:${lineNo}: not a perf script sample line: '${line}'`);
    const [, , pidS, tidS, cpuS, sec, frac, event, rest] = m as unknown as string[];
    let addr: number;
    let kind: 0 | 1 | 2 = 0; // unknown, load, store
    const tf = TRACE_FAULT.exec(rest!);
    if (tf) {
      addr = parseInt(tf[1]!, 16);
      kind = (parseInt(tf[2]!, 16) & 2) !== 0 ? 2 : 1;
    } else {
      const h = HEX_ADDR.exec(rest!);
      if (!h)
        throw new Error(
          `${this.source}:${lineNo}: no data address in '${line}' (record with -d, script with -F ...,addr)`,
        );
      addr = parseInt(h[1]!, 16);
      if (/load/i.test(event!) || rest!.includes('|OP LOAD')) kind = 1;
      else if (/store/i.test(event!) || rest!.includes('|OP STORE')) kind = 2;
    }
    const s = this.stats;
    s.samples++;
    if (kind === 1) s.loads++;
    else if (kind === 2) s.stores++;
    else s.unknownKind++;
    const tid = Number(tidS);
    this.out.push(
      addr,
      1,
      cpuS === undefined ? -1 : Number(cpuS),
      tid,
      pidS === undefined ? -1 : Number(pidS),
      kind === 2,
      timeUs(sec!, frac!) - this.timeBaseUs,
    );
  }
}
