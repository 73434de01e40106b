/**
 * damon-ts binary traces (its own trace format) damaged in seeded ways and replayed by
 * `damon-ts record --trace`: no crash or hang, a damaged trace refused naming the file, and every
 * trace replayed is one an independent reading of the format (docs/workloads.md) finds valid.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BinaryTraceWriter } from '../../src/backends/trace/binary-trace.js';
import { ensureBuilt } from '../cli-helpers.js';
import { runAll } from './fixtures/cli-runner.js';
import { tmpDir } from './helpers.js';
import { mulberry32 } from './synthetic.js';

/** The independent reading of a damon-ts binary trace (docs/workloads.md): why it is not one, or null. */
function binaryTraceProblem(b: Buffer): string | null {
  if (b.length < 24 || b.toString('latin1', 0, 8) !== 'DMNTRACE') return 'header';
  const [version, headerBytes, recordBytes, metaBytes] = [8, 12, 16, 20].map((o) => b.readUInt32LE(o));
  if (version !== 1 || recordBytes !== 24 || headerBytes !== Math.ceil((24 + metaBytes!) / 8) * 8)
    return 'sizes';
  if (b.length < headerBytes!) return 'header cut';
  try {
    const meta = JSON.parse(b.toString('utf8', 24, 24 + metaBytes!)) as { instructionsPerSecond?: unknown };
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return 'metadata';
    const ips = meta.instructionsPerSecond;
    if (ips !== undefined && !(typeof ips === 'number' && ips > 0)) return 'metadata';
  } catch {
    return 'metadata';
  }
  if ((b.length - headerBytes!) % 24 !== 0) return 'cut record';
  let t = 0;
  for (let o = headerBytes!; o < b.length; o += 24) {
    const high = b.readUInt32LE(o + 4);
    const flags = b.readUInt32LE(o + 20);
    if (flags > 3 || high >= 2 ** 21) return `record at ${o}`;
    // replayable: the simulated process's address space ends at 2^47 (maps come in windows of <= 1 GiB)
    if (!(flags & 2) && high * 2 ** 32 + b.readUInt32LE(o) + 2 ** 30 > 2 ** 47) return `address at ${o}`;
    t += flags & 2 ? high * 2 ** 32 + b.readUInt32LE(o) : b.readUInt32LE(o + 8);
  }
  return t > Number.MAX_SAFE_INTEGER ? 'time' : null;
}

describe('damon-ts binary traces replayed by record --trace (seeded damage)', () => {
  it('no crash or hang; a damaged trace is refused naming the file; a valid one is replayed', () => {
    ensureBuilt();
    const dir = tmpDir();
    const trace = join(dir, 'base.trace');
    // 4,000 accesses over 0.4 s to a 1 MiB area, one long pause recorded as a time-only record
    const w = new BinaryTraceWriter(trace, { source: 'test', pid: 1 });
    const rnd = mulberry32(7);
    for (let i = 0; i < 4000; i++) {
      const t = i * 100_000 + (i >= 2000 ? 5 * 2 ** 32 : 0);
      w.append(t, 0x10000000 + Math.floor(rnd() * 256) * 4096, 8, 100, 0, rnd() < 0.3);
    }
    w.close();
    const base = readFileSync(trace);
    const damaged: { what: string; bytes: Buffer }[] = [{ what: 'intact', bytes: base }];
    const at = (n: number): number => Math.floor(rnd() * n);
    for (let k = 0; k < 60; k++) {
      const b = Buffer.from(base);
      const kind = k % 4;
      if (kind === 0)
        damaged.push({ what: `cut at ${(b.length * k) / 60}`, bytes: b.subarray(0, at(b.length)) });
      else if (kind === 1) {
        const p = at(160); // the header and the first records
        b[p] = at(256);
        damaged.push({ what: `byte ${p} = ${b[p]}`, bytes: b });
      } else if (kind === 2) {
        const p = at(b.length);
        b[p] = at(256);
        damaged.push({ what: `byte ${p} = ${b[p]}`, bytes: b });
      } else {
        const t = ['x', 'garbage!', base.toString('latin1', 0, 48)][at(3)]!;
        damaged.push({
          what: `trailing ${t.length} bytes`,
          bytes: Buffer.concat([b, Buffer.from(t, 'latin1')]),
        });
      }
    }
    damaged.push({ what: 'empty', bytes: Buffer.alloc(0) });
    const files = damaged.map((d, i) => {
      const f = join(dir, `t${i}.trace`);
      writeFileSync(f, d.bytes);
      return f;
    });
    const results = runAll(
      dir,
      files.map((f, i) => ['record', '--trace', f, '-o', join(dir, `out${i}.json`), '--output_type', 'json']),
    );
    const failures: string[] = [];
    let refused = 0;
    damaged.forEach((d, i) => {
      const r = results[i]!;
      const problem = binaryTraceProblem(d.bytes);
      if (/\n\s+at |TypeError|RangeError|Cannot read properties/.test(r.stderr))
        failures.push(`${d.what}: internal error: ${r.stderr}`);
      if (r.code === 0 && problem) failures.push(`${d.what}: replayed, but ${problem}`);
      if (r.code !== 0 && !problem) failures.push(`${d.what}: refused a valid trace: ${r.stderr}`);
      if (r.code !== 0) {
        refused++;
        if (r.code !== 1 || !r.stderr.includes(files[i]!))
          failures.push(`${d.what}: exit ${r.code}: ${r.stderr}`);
      }
    });
    console.log(
      `${damaged.length} binary traces: ${refused} refused with a message, ${damaged.length - refused} replayed`,
    );
    expect(failures).toEqual([]);
    expect(results[0]!.code).toBe(0);
    expect(refused).toBeGreaterThan(damaged.length / 2);
  }, 600_000);
});
