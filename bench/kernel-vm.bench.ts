/**
 * The kernel backend benchmark (bench/kernel.bench.ts) in a VM whose DAMON is free (tests/vm/qemu.ts):
 * the recorder at damo's default attributes and the time of one tried-regions snapshot, which need a
 * kdamond damon-ts may start. The guest's CPU is emulated (qemu TCG), so its times are several times
 * what this machine's CPU takes; the same CPU-bound loop timed here and in the guest gives the factor,
 * and the times divided by it estimate this machine's.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runInVm, vmKernelVersion, vmUnavailable } from '../tests/vm/qemu.js';

const repo = join(import.meta.dirname, '..');
const reason = vmUnavailable();
if (reason) {
  console.log(`kernel bench in a VM skipped: ${reason}`);
  process.exit(0);
}

// A fixed amount of integer work, timed in-process (startup excluded).
const CALIBRATE = `const t = process.hrtime.bigint(); let x = 1; for (let i = 0; i < 2e8; i++) x = Math.imul(x, 48271) + i | 0; console.log('calibration-ms', Number(process.hrtime.bigint() - t) / 1e6, x & 1)`;
const calibration = (out: string) => Number(/calibration-ms ([\d.]+)/.exec(out)?.[1]);

const host = calibration(spawnSync(process.execPath, ['-e', CALIBRATE], { encoding: 'utf8' }).stdout);
const r = await runInVm(`node -e "${CALIBRATE}" && node --import tsx --expose-gc bench/kernel.bench.ts`, {
  cwd: repo,
  timeoutMs: 10 * 60_000,
});
if (r.status !== 0) {
  console.log(`the benchmark failed in the guest (exit ${r.status}):\n${r.output.slice(-3000)}`);
  process.exit(1);
}
const guest = calibration(r.output);
console.log(
  `guest: ${vmKernelVersion()} under qemu TCG, 2 vCPUs; the same loop took ${guest.toFixed(0)} ms there and ` +
    `${host.toFixed(0)} ms here: divide the guest's CPU times by ${(guest / host).toFixed(1)} to estimate this machine's`,
);
console.log(r.output.replace(/^calibration-ms.*\n/m, ''));
