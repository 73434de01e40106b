/**
 * The kernel tests, run for real inside a VM with a DAMON kernel of its own (tests/vm/qemu.ts).
 * Here they cannot start kdamonds: this machine's DAMON runs a kdamond that damon-ts did not start
 * and must not take over. In the guest, DAMON is free: start, commit and stop with a workload, the
 * sysfs parity script, records through tracefs and SIGINT cleanup all run, and each must pass.
 */
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { runInVm, vmKernelVersion, vmUnavailable } from './qemu.js';

const repo = join(import.meta.dirname, '..', '..');
const reason = vmUnavailable();
if (reason) console.log(`tests/vm: kernel tests in a VM skipped: ${reason}`);

const GUEST_FILES = [
  'tests/kernel/real-kernel.test.ts',
  'tests/sysfs/kernel-parity.test.ts',
  'tests/cli/record-kernel.test.ts',
  'tests/live/soft-dirty.test.ts',
];

/** Guest tests that must run and pass there (the others may skip, e.g. those needing a busy DAMON). */
const MUST_PASS = [
  'detects this kernel: paddr, tried regions, DAMON tracepoints',
  'a busy kdamond is not taken over',
  'DAMON absent: an empty admin directory is named in the error',
  'not root: the CLI fails with EACCES and says that root is needed',
  'records a running kdamond from tracefs into a record file the reader reads',
  'SIGINT in the middle of a record: the file is valid, tracefs and DAMON as found',
  'paddr: start, commit and stop with a workload: hot memory seen, everything restored',
  "fvaddr: start, commit and stop on a child's buffer: its hot memory seen, everything restored",
  'the script prints the same lines against the kernel and the virtual tree',
  'records paddr for a second and leaves DAMON as found',
  'start, report damon, tune, record ongoing, DAMOS stats, stop; record --snapshot; reports read the records',
  'record paddr: a refused command and an output that is not a file leave everything as it was',
  'record paddr: SIGINT in the middle leaves a valid record with every aggregation read, the previous one as .old, DAMON as found',
  'write-only: the working set is what threads A and B write (48 MiB), not what C reads; the program runs on',
  "--exp_ops_tids <A's tid>: the working set is what thread A writes (32 MiB); the program runs on",
  'the monitored program exits 0 when told, every byte of its memory as it wrote it, its output as unmonitored',
];

interface GuestTest {
  title: string;
  status: string;
  failureMessages: string[];
}

// The guest's CPU is emulated (TCG), several times slower than this one.
const GUEST_TIME_SCALE = 6;
const MARK = '@@vitest-json@@';

let guest: GuestTest[] = [];
let log = '';
/** Why the guest gave no results; every test fails with it (rather than being reported as skipped). */
let vmError: Error | null = null;

beforeAll(async () => {
  if (reason) return;
  try {
    const r = await runInVm(
      `DAMON_TS_TEST_TIME_SCALE=${GUEST_TIME_SCALE} node_modules/.bin/vitest run --configLoader runner ` +
        `${GUEST_FILES.join(' ')} --reporter=default --reporter=json --outputFile.json="$TMPDIR/vm-results.json" ` +
        `> "$TMPDIR/vm-log.txt" 2>&1; s=$?; cat "$TMPDIR/vm-log.txt"; echo ${MARK}; cat "$TMPDIR/vm-results.json"; exit $s`,
      { cwd: repo, timeoutMs: 12 * 60_000 },
    );
    const at = r.output.lastIndexOf(MARK);
    log = stripVTControlCharacters(at < 0 ? r.output : r.output.slice(0, at));
    if (at < 0) throw new Error(`the guest printed no test results (exit ${r.status}):\n${log.slice(-4000)}`);
    const report = JSON.parse(r.output.slice(at + MARK.length)) as {
      testResults: { assertionResults: GuestTest[] }[];
    };
    guest = report.testResults.flatMap((f) => f.assertionResults);
    // Measurements the guest tests print (hot memory of the workload runs), for the reader of the log.
    for (const line of log.split('\n')) if (/hot MiB|skipp/.test(line)) console.log(`[vm] ${line.trim()}`);
    console.log(`[vm] ${vmKernelVersion()}: ${guest.length} guest tests in ${r.seconds.toFixed(0)} s`);
  } catch (e) {
    vmError = e as Error;
  }
}, 13 * 60_000);

describe(`kernel tests in a VM (${reason ? 'unavailable' : vmKernelVersion()})`, () => {
  for (const title of MUST_PASS)
    it.skipIf(reason !== null)(title, () => {
      if (vmError) throw vmError;
      const t = guest.find((g) => g.title === title);
      expect(t, `not run in the guest; its log:\n${log.slice(-3000)}`).toBeDefined();
      expect(t!.status, t!.failureMessages.join('\n').slice(0, 3000)).toBe('passed');
    });

  it.skipIf(reason !== null)('no guest test failed', () => {
    if (vmError) throw vmError;
    expect(guest.filter((g) => g.status === 'failed').map((g) => g.title)).toEqual([]);
  });
});
