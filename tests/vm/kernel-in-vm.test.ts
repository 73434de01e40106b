/**
 * The kernel tests, run for real inside a VM with a DAMON kernel of its own (tests/vm/qemu.ts).
 * Here they cannot start kdamonds: this machine's DAMON runs a kdamond that damon-ts did not start
 * and must not take over. In the guest, DAMON is free: start, commit and stop with a workload, the
 * sysfs parity script, records through tracefs and SIGINT cleanup all run, and those tagged
 * vm-must-pass must pass. The guest boots when the run starts (start-guest.ts); this waits for it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { vmKernelVersion, vmUnavailable } from './qemu.js';
import { GUEST_FILES, RESULTS_MARK, type GuestOutcome } from './start-guest.js';

const reason = vmUnavailable();
if (reason) console.log(`tests/vm: kernel tests in a VM skipped: ${reason}`);

interface GuestTest {
  title: string;
  status: string;
  duration?: number;
  tags?: string[];
  failureMessages: string[];
}
interface GuestFile {
  name: string;
  assertionResults: GuestTest[];
}

let files: GuestFile[] = [];
let log = '';
/** Why the guest gave no results; every test fails with it (rather than being reported as skipped). */
let vmError: Error | null = null;

const WAIT_MS = 21 * 60_000;

beforeAll(async () => {
  if (reason) return;
  try {
    const file = inject('vmOutcomeFile');
    const t0 = Date.now();
    while (!existsSync(file)) {
      if (Date.now() - t0 > WAIT_MS)
        throw new Error(`no guest outcome in ${file} after ${WAIT_MS / 60_000} min`);
      await sleep(1000);
    }
    const r = JSON.parse(readFileSync(file, 'utf8')) as GuestOutcome;
    if (r.error !== undefined) throw new Error(r.error);
    const output = r.output ?? '';
    const at = output.lastIndexOf(RESULTS_MARK);
    log = stripVTControlCharacters(at < 0 ? output : output.slice(0, at));
    if (at < 0) throw new Error(`the guest printed no test results (exit ${r.status}):\n${log.slice(-4000)}`);
    files = (JSON.parse(output.slice(at + RESULTS_MARK.length)) as { testResults: GuestFile[] }).testResults;
    // Measurements the guest tests print (hot memory of the workload runs), for the reader of the log.
    for (const line of log.split('\n')) if (/hot MiB|skipp/.test(line)) console.log(`[vm] ${line.trim()}`);
    // Where the guest's time goes (its CPU is emulated): every test's duration.
    for (const f of files)
      for (const t of f.assertionResults)
        if (t.duration !== undefined)
          console.log(
            `[vm] ${(t.duration / 1000).toFixed(1).padStart(6)} s  ${f.name.replace(/.*\/tests\//, 'tests/')}: ${t.title}`,
          );
    const n = files.reduce((k, f) => k + f.assertionResults.length, 0);
    console.log(`[vm] ${vmKernelVersion()}: ${n} guest tests in ${r.seconds?.toFixed(0)} s`);
  } catch (e) {
    vmError = e as Error;
  }
}, WAIT_MS + 60_000);

const mustPass = (t: GuestTest) => t.tags?.includes('vm-must-pass') ?? false;

describe(`kernel tests in a VM (${reason ? 'unavailable' : vmKernelVersion()})`, () => {
  for (const name of GUEST_FILES)
    it.skipIf(reason !== null)(`${name}: every test tagged vm-must-pass ran in the guest and passed`, () => {
      if (vmError) throw vmError;
      const f = files.find((x) => x.name.endsWith(name));
      expect(f, `not run in the guest; its log:\n${log.slice(-3000)}`).toBeDefined();
      const tagged = f!.assertionResults.filter(mustPass);
      expect(tagged.length, `${name} has no test tagged vm-must-pass`).toBeGreaterThan(0);
      const notPassed = tagged
        .filter((t) => t.status !== 'passed')
        .map((t) => `${t.title}: ${t.status} ${t.failureMessages.join('\n').slice(0, 2000)}`);
      expect(notPassed).toEqual([]);
    });

  it.skipIf(reason !== null)('no guest test failed', () => {
    if (vmError) throw vmError;
    const failed = files.flatMap((f) => f.assertionResults.filter((t) => t.status === 'failed'));
    expect(failed.map((t) => t.title)).toEqual([]);
  });
});
