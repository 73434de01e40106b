/**
 * vitest globalSetup of the vm project: boots the guest as soon as the run starts, so that it runs
 * the kernel tests while the host runs its own; kernel-in-vm.test.ts waits for its results file.
 * Nothing starts when the VM is unavailable (the test says why and skips).
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { runInVm, vmUnavailable } from './qemu.js';

/** The host test files the guest runs; their tests tagged vm-must-pass must pass there. */
export const GUEST_FILES = [
  'tests/kernel/real-kernel.test.ts',
  'tests/sysfs/kernel-parity.test.ts',
  'tests/cli/record-kernel.test.ts',
  'tests/live/soft-dirty.test.ts',
];

// The guest's CPU is emulated (TCG), several times slower than this one.
const GUEST_TIME_SCALE = 6;
/** Between the guest's log and its vitest JSON in the output. */
export const RESULTS_MARK = '@@vitest-json@@';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the guest's outcome lands (JSON of GuestOutcome), written once when it ends. */
    vmOutcomeFile: string;
  }
}

export interface GuestOutcome {
  output?: string;
  status?: number;
  seconds?: number;
  error?: string;
}

export default function setup(project: TestProject): () => Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'damon-ts-vm-outcome-'));
  const file = join(dir, 'outcome.json');
  project.provide('vmOutcomeFile', file);
  const write = (o: GuestOutcome) => {
    writeFileSync(`${file}.tmp`, JSON.stringify(o));
    renameSync(`${file}.tmp`, file);
  };
  const abort = new AbortController();
  const running =
    vmUnavailable() === null
      ? runInVm(
          // The log streams out as the tests run (through a pipe, so vitest draws no terminal UI):
          // a guest that times out still shows how far it got.
          `{ DAMON_TS_TEST_TIME_SCALE=${GUEST_TIME_SCALE} node_modules/.bin/vitest run --configLoader runner ` +
            `${GUEST_FILES.join(' ')} --reporter=verbose --reporter=json --outputFile.json="$TMPDIR/vm-results.json"; ` +
            `echo $? > "$TMPDIR/vm-status"; } 2>&1 | cat; echo ${RESULTS_MARK}; cat "$TMPDIR/vm-results.json"; exit "$(cat "$TMPDIR/vm-status")"`,
          { cwd: join(import.meta.dirname, '..', '..'), timeoutMs: 20 * 60_000, signal: abort.signal },
        ).then(
          (r) => write({ output: r.output, status: r.status, seconds: r.seconds }),
          (e: unknown) => write({ error: e instanceof Error ? e.message : String(e) }),
        )
      : Promise.resolve();
  return async () => {
    // A run that ends early (a failure elsewhere with --bail, Ctrl-C) powers the guest off.
    abort.abort();
    await running;
    rmSync(dir, { recursive: true, force: true });
  };
}
