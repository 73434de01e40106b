/**
 * Cost of one PAGEMAP_SCAN round (written pages + re-protect) of a process with 1 GiB and 16 GiB of
 * registered anonymous memory. The child maps TOTAL but touches only the first HOT MiB (it keeps
 * writing them), so resident memory stays small: the 16 GiB case measures the walk over a large
 * mostly-unpopulated range (page tables with uffd-wp markers), not 16 GiB of RAM.
 */
import { WrittenPageScanner } from '../src/backends/live/pagemap-scan.js';
import { HELPER_ENV, launchWithUffdHelper } from '../src/backends/live/uffd-helper.js';
import { fixtureBinary, helperLibrary, lines, skipReason } from '../tests/live/kernel-features.js';

if (skipReason('live-pagemap-scan bench', ['root', 'cc', 'userfaultfd'])) process.exit(0);
process.env[HELPER_ENV] = helperLibrary();
const bin = fixtureBinary('hotset');

function stats(xs: number[]): { median: number; p90: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p90: s[Math.floor(s.length * 0.9)]! };
}

const rows: Record<string, string | number>[] = [];
for (const [totalMiB, hotMiB] of [
  [1024, 0],
  [1024, 64],
  [16384, 0],
  [16384, 64],
] as const) {
  const prog = await launchWithUffdHelper(bin, [String(totalMiB), String(Math.max(hotMiB, 0)), '0'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    protect: 'all',
  });
  prog.go();
  await lines(prog.child)();
  const scanner = new WrittenPageScanner(prog.pid, true); // exact mode: every registered page write-protected
  scanner.scan();
  const times: number[] = [];
  const written: number[] = [];
  for (let k = 0; k < 30; k++) {
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    const w = scanner.scan();
    times.push((performance.now() - t0) * 1000);
    let pages = 0;
    for (let i = 0; i < w.length; i++) pages += (w.end[i]! - w.start[i]!) / 4096;
    written.push(pages);
  }
  scanner.close();
  prog.child.kill('SIGKILL');
  await prog.exited;
  const st = stats(times);
  rows.push({
    mapped: `${totalMiB / 1024} GiB`,
    'written per 20 ms': `${hotMiB} MiB hot set`,
    'pages written/scan (median)': stats(written).median,
    'scan µs median': Math.round(st.median),
    'scan µs p90': Math.round(st.p90),
  });
}
console.table(rows);
