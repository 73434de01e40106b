/**
 * Overhead of live monitoring on the monitored program: the throughput of a child that keeps
 * writing one byte per page of a 64 MiB hot set (of 256 MiB mapped), for 3 s, with no monitoring,
 * with the uffd-wp helper loaded but no scans, with write-only monitoring (exact mode) at several
 * sample intervals, with the page-fault source, and with the referenced-bytes source.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PageFaultSource } from '../src/backends/live/fault-source.js';
import { ReferencedBytesSource } from '../src/backends/live/referenced-source.js';
import { HELPER_ENV, launchWithUffdHelper } from '../src/backends/live/uffd-helper.js';
import { WriteOnlySource } from '../src/backends/live/write-only-source.js';
import { fixtureBinary, helperLibrary, lines, skipReason } from '../tests/live/kernel-features.js';

if (skipReason('live-overhead bench', ['root', 'tracefs', 'cc', 'userfaultfd'])) process.exit(0);
process.env[HELPER_ENV] = helperLibrary();
const bin = fixtureBinary('hotset');
const ARGS = ['256', '64'];
const RUN_MS = 3000;

async function finish(child: ChildProcess): Promise<number> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
  const m = /rounds (\d+) ([\d.]+)/.exec(out);
  if (!m) throw new Error(`hotset printed no result: ${out}`);
  return (Number(m[1]) * 64 * 256) / Number(m[2]); // pages written per second (64 MiB = 16384 pages per round)
}

type Setup = (pid: number) => { stop(): unknown; extra(): string };

interface Result {
  setup: string;
  rate: number;
  cpu: number;
  note: string;
}

async function measure(name: string, withHelper: boolean, setup: Setup | null): Promise<Result> {
  let child: ChildProcess;
  if (withHelper) {
    const prog = await launchWithUffdHelper(bin, ARGS, { stdio: ['pipe', 'pipe', 'inherit'] });
    prog.go();
    child = prog.child;
  } else child = spawn(bin, ARGS, { stdio: ['pipe', 'pipe', 'inherit'] });
  const next = lines(child);
  await next(); // prefault done
  const mon = setup?.(child.pid!);
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, RUN_MS));
  const cpu = process.cpuUsage(cpu0);
  mon?.stop();
  child.stdout!.removeAllListeners('data');
  child.stdout!.resume();
  const rate = await finish(child);
  return {
    setup: name,
    rate,
    cpu: ((cpu.user + cpu.system) / 1000 / RUN_MS) * 100,
    note: mon?.extra() ?? '',
  };
}

// The machine is shared: each setup runs REPS times, interleaved, and the median is shown.
const REPS = 3;
const runs: (() => Promise<Result>)[] = [];
runs.push(() => measure('no monitoring', false, null));
runs.push(() => measure('uffd-wp helper loaded, no scans', true, null));
for (const sampleUs of [5000, 20000, 100000]) {
  runs.push(() =>
    measure(`write-only exact, sample ${sampleUs / 1000} ms`, true, (pid) => {
      const src = new WriteOnlySource({ pid, exact: true, sampleUs });
      let reports = 0;
      src.start((b) => (reports += b.length));
      return { stop: () => src.stop(), extra: () => `${reports} reports, ${src.stats().scans} scans` };
    }),
  );
}
runs.push(() =>
  measure('write-only exact, sample 100 ms, no CPU/thread tracing', true, (pid) => {
    const src = new WriteOnlySource({ pid, exact: true, sampleUs: 100000, attribute: false });
    let reports = 0;
    src.start((b) => (reports += b.length));
    return { stop: () => src.stop(), extra: () => `${reports} reports, ${src.stats().scans} scans` };
  }),
);
runs.push(() =>
  measure('page-fault source (no new faults)', false, (pid) => {
    const src = new PageFaultSource({ pid });
    src.start(() => undefined);
    return { stop: () => src.stop(), extra: () => `${src.stats().events} events` };
  }),
);
runs.push(() =>
  measure('referenced bytes, 100 ms', false, (pid) => {
    const src = new ReferencedBytesSource({ pid, intervalUs: 100_000 });
    let last = 0;
    src.start((s) => (last = s.referenced));
    return { stop: () => src.stop(), extra: () => `last WSS ${(last / 2 ** 20).toFixed(1)} MiB` };
  }),
);
const results: Result[][] = runs.map(() => []);
for (let r = 0; r < REPS; r++) for (let k = 0; k < runs.length; k++) results[k]!.push(await runs[k]!());
const base = median(results[0]!.map((x) => x.rate));
console.table(
  results.map((rs) => {
    const rate = median(rs.map((x) => x.rate));
    return {
      setup: rs[0]!.setup,
      'program M pages written/s (median)': +(rate / 1e6).toFixed(2),
      'vs no monitoring': `${((rate / base) * 100).toFixed(1)} %`,
      'monitor CPU %': Math.round(median(rs.map((x) => x.cpu))),
      'last run': rs[rs.length - 1]!.note,
    };
  }),
);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
