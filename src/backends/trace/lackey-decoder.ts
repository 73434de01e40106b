/**
 * Streaming decoder of valgrind lackey logs (`--tool=lackey --trace-mem=yes`, optionally with
 * `--trace-sched=yes --trace-syscalls=yes`; platform-notes B.3).
 *
 * Records: `I  addr,size` (one guest instruction: counted for time, not emitted), ` L addr,size`
 * (load), ` S addr,size` (store), ` M addr,size` (modify: a load then a store, two records). Time is
 * floor(instructions so far × 1e9 / instructionsPerSecond) ns.
 *
 * Threads: valgrind runs one thread at a time; `SCHED[n]: acquired lock` makes valgrind ThreadId n
 * the running one, and so does a `SYSCALL[pid,n]` line. ThreadId 1 is the main thread (OS tid = pid).
 * Other ThreadIds get their OS tid from a `sys_clone` result: valgrind gives a new thread the lowest
 * free ThreadId (a slot frees when its thread logs `release lock in VG_(exit_thread)`), so the clone's
 * ThreadId is predicted that way and confirmed when `SCHED[n]: ... (starting new thread)` appears; if
 * the prediction is wrong, the oldest unclaimed clone is taken. Without --trace-sched, the first
 * SYSCALL line of a new ThreadId stands for its "starting new thread". `sys_clone3` results count as
 * threads (its flags are in memory, not in the log; glibc's fork uses clone). A thread whose OS tid is
 * unknown gets tid -ThreadId.
 *
 * Other valgrind output (`==pid==`, `--pid--`, `**pid**` messages, ` --> ` syscall continuations,
 * `SB` lines, blank lines) is skipped; anything else is an Error `source:line: ... 'text'`.
 */
import { BatchQueue, TraceDecoder, TraceInfo } from './trace-batch.js';

export const DEFAULT_INSTRUCTIONS_PER_SECOND = 1e9;

export interface LackeyOptions {
  /** Guest instructions per second of virtual time (default 1e9: one instruction per ns). */
  instructionsPerSecond?: number;
}

const NL = 10;
const SPACE = 32;
const CH_I = 73;
const CH_L = 76;
const CH_S = 83;
const CH_M = 77;
const COMMA = 44;
const CLONE_THREAD = 0x10000;

export class LackeyDecoder implements TraceDecoder {
  readonly queue = new BatchQueue();
  private readonly nsPerInstr: number;
  private carry: Buffer | null = null;
  private lineNo = 0;
  private instr = 0;
  private curVg = 1;
  private curTid = -1;
  private readonly vgToOs = new Map<number, number>();
  private readonly live = new Set<number>([1]);
  /** Predicted ThreadId → OS tid of clones whose thread has not started yet, oldest first. */
  private readonly pendingClones = new Map<number, number>();
  /** ThreadIds with a sys_clone in flight (async syscall): CLONE_THREAD given? */
  private readonly cloneInFlight = new Map<number, boolean>();

  constructor(
    private readonly source: string,
    readonly info: TraceInfo,
    opts: LackeyOptions = {},
  ) {
    const ips = opts.instructionsPerSecond ?? DEFAULT_INSTRUCTIONS_PER_SECOND;
    if (!(ips > 0)) throw new Error(`${source}: instructionsPerSecond must be > 0, got ${ips}`);
    this.nsPerInstr = 1e9 / ips;
    info.source = 'lackey';
    info.instructionsPerSecond = ips;
  }

  feed(input: Uint8Array): void {
    const chunk = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    let start = 0;
    if (this.carry !== null) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const line = Buffer.concat([this.carry, chunk.subarray(0, nl + 1)]);
      this.carry = null;
      this.parse(line, 0, line.length);
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    if (last >= start) this.parse(chunk, start, last + 1);
    const rest = Math.max(start, last + 1);
    if (rest < chunk.length) this.carry = Buffer.from(chunk.subarray(rest));
  }

  end(): void {
    if (this.carry !== null) {
      const line = Buffer.concat([this.carry, Buffer.from([NL])]);
      this.carry = null;
      this.parse(line, 0, line.length);
    }
    this.queue.flush();
  }

  /** Parses [p, end) of buf, which ends right after a newline. */
  private parse(buf: Buffer, p: number, end: number): void {
    const q = this.queue;
    let b = q.current();
    let n = b.length;
    let cap = b.timeNs.length;
    let instr = this.instr;
    let line = this.lineNo;
    let tid = this.curTid;
    const nsPerInstr = this.nsPerInstr;
    while (p < end) {
      const c = buf[p]!;
      line++;
      if (c === CH_I && buf[p + 1] === SPACE) {
        instr++;
        // Most I lines are "I  %08x,N": skip them without a search (I lines are not validated).
        if (buf[p + 11] === COMMA && buf[p + 13] === NL) p += 14;
        else p = buf.indexOf(NL, p + 2) + 1;
        continue;
      }
      const k = buf[p + 1]!;
      if (c === SPACE && (k === CH_L || k === CH_S || k === CH_M) && buf[p + 2] === SPACE) {
        let i = p + 3;
        let addr = 0;
        let ch = buf[i]!;
        for (;;) {
          let d: number;
          if (ch >= 48 && ch <= 57) d = ch - 48;
          else {
            const lc = ch | 32;
            if (lc >= 97 && lc <= 102) d = lc - 87;
            else break;
          }
          addr = addr * 16 + d;
          ch = buf[++i]!;
        }
        if (i === p + 3 || ch !== COMMA) this.bad(buf, p, line, 'bad address');
        const s0 = ++i;
        let size = 0;
        while ((ch = buf[i]!) >= 48 && ch <= 57) {
          size = size * 10 + ch - 48;
          i++;
        }
        if (i === s0 || ch !== NL) this.bad(buf, p, line, 'bad size');
        p = i + 1;
        const t = Math.floor(instr * nsPerInstr);
        const reps = k === CH_M ? 2 : 1;
        for (let r = 0; r < reps; r++) {
          if (n === cap) {
            b.length = n;
            b = q.current();
            n = 0;
            cap = b.timeNs.length;
          }
          b.timeNs[n] = t;
          b.addr[n] = addr;
          b.size[n] = size;
          b.tid[n] = tid;
          b.cpu[n] = -1;
          b.isWrite[n] = k === CH_S || r === 1 ? 1 : 0;
          n++;
        }
        continue;
      }
      const nl = buf.indexOf(NL, p);
      b.length = n;
      this.other(buf.toString('latin1', p, nl), line);
      tid = this.curTid;
      p = nl + 1;
    }
    b.length = n;
    this.instr = instr;
    this.lineNo = line;
  }

  private bad(buf: Buffer, p: number, line: number, what: string): never {
    const nl = buf.indexOf(NL, p);
    throw new Error(
      `${this.source}:${line}: ${what} in lackey line '${buf.toString('latin1', p, nl < 0 ? buf.length : nl)}'`,
    );
  }

  private setCurrent(vg: number): void {
    this.curVg = vg;
    this.curTid = this.vgToOs.get(vg) ?? (vg === 1 && this.info.pid !== undefined ? this.info.pid : -vg);
  }

  private notePid(pid: string): void {
    if (this.info.pid === undefined) {
      this.info.pid = Number(pid);
      this.setCurrent(this.curVg);
    }
  }

  /** Everything but I/L/S/M records. */
  private other(text: string, line: number): void {
    if (text === '' || text.startsWith(' --> ') || text.startsWith('SB ')) return;
    const msg = /^(?:==|--|\*\*)(\d+)(?:==|--|\*\*)/.exec(text);
    if (msg) {
      this.notePid(msg[1]!);
      this.sched(text);
      return;
    }
    const sys = /^SYSCALL\[(\d+),(\d+)\]\(\d+\)\s*(.*)$/.exec(text);
    if (!sys) throw new Error(`${this.source}:${line}: not a lackey trace line: '${text}'`);
    this.notePid(sys[1]!);
    const vg = Number(sys[2]);
    // Without --trace-sched, a new thread's first syscall is the first sign of it.
    if (!this.live.has(vg)) this.onThreadStart(vg);
    this.setCurrent(vg);
    const rest = sys[3]!;
    const clone = /^sys_clone(3)?\s*\(\s*([0-9a-fA-Fx]*)/.exec(rest);
    const result = /-->\s*(?:\[[^\]]*\]\s*)?Success\(0x([0-9a-fA-F]+)\)/.exec(rest);
    const completed = /(?:Success|Failure)\(/.test(rest);
    if (clone) {
      const isThread = clone[1] === '3' || (parseInt(clone[2]!, 16) & CLONE_THREAD) !== 0;
      if (!completed) this.cloneInFlight.set(vg, isThread);
      else if (result && isThread) this.onClone(parseInt(result[1]!, 16));
    } else if (completed && this.cloneInFlight.has(vg)) {
      if (result && this.cloneInFlight.get(vg)) this.onClone(parseInt(result[1]!, 16));
      this.cloneInFlight.delete(vg);
    }
    // A SCHED message can be printed in the middle of a syscall line, before its newline.
    this.sched(rest);
  }

  private sched(text: string): void {
    const s = /SCHED\[(\d+)\]:\s*(.*)$/.exec(text);
    if (!s) return;
    const vg = Number(s[1]);
    const what = s[2]!;
    if (what.startsWith('acquired lock')) {
      if (what.includes('starting new thread')) this.onThreadStart(vg);
      this.setCurrent(vg);
    } else if (
      what.startsWith('release lock in VG_(exit_thread)') ||
      what.startsWith('exiting VG_(scheduler)')
    ) {
      this.live.delete(vg);
      this.vgToOs.delete(vg);
    }
  }

  private onClone(osTid: number): void {
    let slot = 1;
    while (this.live.has(slot) || this.pendingClones.has(slot)) slot++;
    this.pendingClones.set(slot, osTid);
  }

  private onThreadStart(vg: number): void {
    // ThreadId 1 is the main thread: it also logs "starting new thread" when the program starts.
    if (vg === 1) return;
    this.live.add(vg);
    let os = this.pendingClones.get(vg);
    if (os !== undefined) this.pendingClones.delete(vg);
    else {
      const oldest = this.pendingClones.entries().next();
      if (oldest.done) return;
      this.pendingClones.delete(oldest.value[0]);
      os = oldest.value[1];
    }
    this.vgToOs.set(vg, os);
  }
}
