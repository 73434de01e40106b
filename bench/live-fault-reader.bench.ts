/**
 * Sustained throughput of the page-fault source (tracefs binary per-CPU buffers → reports), with
 * the lost-event count: a child faults in 64 MiB pages as fast as it can, ROUNDS times.
 */
import { execFileSync, spawn } from 'node:child_process';
import { PageFaultSource } from '../src/backends/live/fault-source.js';
import { fixtureBinary, skipReason } from '../tests/live/kernel-features.js';

if (skipReason('live-fault-reader bench', ['root', 'tracefs', 'cc'])) process.exit(0);
const bin = fixtureBinary('faulter');

function untraced(kind: string): number {
  const out = execFileSync(bin, ['64', '20', kind]).toString();
  const [, n, s] = out.trim().split(' ');
  return Number(n) / Number(s);
}

async function traced(
  kind: string,
  bufferSizeKb: number,
): Promise<{ rate: number; events: number; lost: number; reports: number; readerRate: number }> {
  // Held in a shell until tracing is on (same pid after exec).
  const child = spawn('/bin/sh', ['-c', 'read _; exec "$@"', 'sh', bin, '64', '30', kind], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  let reports = 0;
  const src = new PageFaultSource({ pid: child.pid!, bufferSizeKb });
  src.start((b) => (reports += b.length));
  const t0 = performance.now();
  child.stdin!.end('\n');
  await new Promise((r) => child.once('exit', r));
  const stats = src.stop();
  const wall = (performance.now() - t0) / 1000;
  const [, n, s] = out.trim().split(' ');
  return {
    rate: Number(n) / Number(s),
    events: stats.events!,
    lost: stats.lost,
    reports,
    readerRate: stats.events! / wall,
  };
}

const rows: Record<string, string | number>[] = [];
for (const kind of ['w', 'r']) {
  const base = untraced(kind);
  for (const kb of [1408, 4096]) {
    const t = await traced(kind, kb);
    rows.push({
      faults: kind === 'w' ? 'write' : 'read (zero page)',
      buffer_kb_per_cpu: kb,
      'untraced faults/s': Math.round(base),
      'traced faults/s': Math.round(t.rate),
      'events read': t.events,
      'events/s (reader)': Math.round(t.readerRate),
      lost: t.lost,
    });
  }
}
console.table(rows);

// The decoder alone, on synthetic pages of page_fault_user records (32-byte payload + 4-byte header):
// the ceiling of the reader's CPU cost, without the kernel.
{
  const { decodeSubbuffer } = await import('../src/backends/tracefs/ring-buffer.js');
  const { DEFAULT_HEADER_PAGE, readU64 } = await import('../src/backends/tracefs/format.js');
  const page = Buffer.alloc(4096);
  let i = 16;
  let n = 0;
  while (i + 36 <= 4096) {
    page.writeUInt32LE(((100 << 5) | 8) >>> 0, i);
    page.writeUInt16LE(190, i + 4);
    page.writeUInt32LE(1234, i + 8);
    page.writeUInt32LE(0x1000 * n, i + 12);
    page.writeUInt32LE(0x7f00, i + 16);
    page.writeUInt32LE(6, i + 28);
    i += 36;
    n++;
  }
  page.writeUInt32LE(i - 16, 8);
  let sum = 0;
  const pages = 200_000;
  const t0 = performance.now();
  for (let k = 0; k < pages; k++)
    decodeSubbuffer(page, 0, 4096, DEFAULT_HEADER_PAGE, (b, off) => {
      if (b.readUInt16LE(off) === 190) sum += readU64(b, off + 8) + (b.readUInt32LE(off + 24) & 2);
    });
  const s = (performance.now() - t0) / 1000;
  console.table([
    {
      'decoded pages': pages,
      'events/page': n,
      'events/s (decode + field reads)': Math.round((pages * n) / s),
      checksum: sum > 0 ? 'ok' : 'bad',
    },
  ]);
}
