/**
 * Trace reading speed: lackey parse-only, lackey parsed and applied on the simulated machine, and the
 * binary format's read speed. Input: a synthetic lackey log with the mix of platform-notes B.3
 * (about 3 I lines per L/S/M line), written to a temporary file.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine } from '../src/backends/sim/machine.js';
import { convertToBinary, openTraceSync } from '../src/backends/trace/trace-file.js';
import { TraceWorkload } from '../src/backends/trace/trace-workload.js';

const LINES = Number(process.env.TRACE_BENCH_LINES ?? 8_000_000);
const dir = mkdtempSync(join(tmpdir(), 'damon-ts-bench-'));

function makeLog(path: string): { lines: number; accesses: number } {
  // Deterministic LCG; stack and heap addresses with locality, as a small C program's trace.
  let s = 12345;
  const rnd = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const parts: string[] = ['==4242== Lackey, an example Valgrind tool\n'];
  let accesses = 0;
  let pc = 0x401000;
  let heap = 0x4a18000;
  for (let i = 1; i < LINES; i++) {
    const r = rnd();
    if (r < 0.76) {
      pc += 1 + (((r * 100) | 0) % 7);
      parts.push(`I  ${pc.toString(16).padStart(8, '0')},3\n`);
    } else {
      heap = (heap + 8) & 0x4ffffff;
      const addr = r < 0.86 ? 0x1fff000000 + (((r * 1e6) | 0) & 0xfff8) : heap;
      const k = r < 0.91 ? ' L ' : r < 0.99 ? ' S ' : ' M ';
      accesses += k === ' M ' ? 2 : 1;
      parts.push(`${k}${addr.toString(16).padStart(8, '0')},8\n`);
    }
  }
  writeFileSync(path, parts.join(''));
  return { lines: LINES, accesses };
}

/** Best of `REPEAT` runs: the machine's 2 cores are shared, so the minimum is the least disturbed. */
const REPEAT = 5;
function time<T>(f: () => T): [T, number] {
  let best = Infinity;
  let r: T;
  for (let k = 0; k < REPEAT; k++) {
    const t = process.hrtime.bigint();
    r = f();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return [r!, best];
}

try {
  const log = join(dir, 'bench.log');
  const { lines, accesses } = makeLog(log);
  // Collect the generator's strings now rather than during the measurements (run.ts passes --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const mb = statSync(log).size / 1e6;
  const rows: Record<string, string | number>[] = [];
  const [parsed, tParse] = time(() => {
    let n = 0;
    for (const b of openTraceSync(log).batches) n += b.length;
    return n;
  });
  if (parsed !== accesses) throw new Error(`parsed ${parsed} accesses, expected ${accesses}`);
  rows.push({
    what: 'lackey parse',
    'M lines/s': +(lines / tParse / 1e6).toFixed(1),
    'M accesses/s': +(parsed / tParse / 1e6).toFixed(1),
    'MB/s': +(mb / tParse).toFixed(0),
    s: +tParse.toFixed(2),
  });

  const [applied, tApply] = time(() => {
    const m = new Machine({ seed: 1 });
    const w = new TraceWorkload(log);
    m.addWorkload(w);
    // 5 ms spans: the record times at 1e9 instr/s span a few ms of virtual time.
    for (let t = 0; !m.workloadsFinished; t += 5000) m.advance(t, t + 5000);
    return w.accesses;
  });
  rows.push({
    what: 'lackey parse + apply (machine)',
    'M lines/s': +(lines / tApply / 1e6).toFixed(1),
    'M accesses/s': +(applied / tApply / 1e6).toFixed(1),
    'MB/s': +(mb / tApply).toFixed(0),
    s: +tApply.toFixed(2),
  });

  const bin = join(dir, 'bench.trace');
  const [, tConv] = time(() => convertToBinary(log, bin));
  rows.push({
    what: 'convert lackey → binary',
    'M lines/s': +(lines / tConv / 1e6).toFixed(1),
    'M accesses/s': +(accesses / tConv / 1e6).toFixed(1),
    'MB/s': +(mb / tConv).toFixed(0),
    s: +tConv.toFixed(2),
  });

  const binMb = statSync(bin).size / 1e6;
  const [nBin, tBin] = time(() => {
    let n = 0;
    for (const b of openTraceSync(bin).batches) n += b.length;
    return n;
  });
  if (nBin !== accesses) throw new Error(`binary read ${nBin} accesses, expected ${accesses}`);
  rows.push({
    what: 'binary read',
    'M lines/s': '-',
    'M accesses/s': +(nBin / tBin / 1e6).toFixed(1),
    'MB/s': +(binMb / tBin).toFixed(0),
    s: +tBin.toFixed(2),
  });
  console.log(
    `lackey log: ${lines} lines, ${accesses} accesses, ${mb.toFixed(0)} MB; binary: ${binMb.toFixed(0)} MB`,
  );
  console.table(rows);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
