import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/** Pure computation (the simulated machine, records, reports): these folders run in parallel. */
const UNIT = [
  'cli',
  'config',
  'core',
  'eval',
  'metrics',
  'ops',
  'records',
  'reports',
  'schemes',
  'sim',
  'workloads',
];
/**
 * Files that share the machine's DAMON sysfs tree, tracefs, ptrace/userfaultfd'd programs or
 * timing of child processes: one at a time, after the unit files.
 */
const SYSTEM = ['daemon', 'kernel', 'live', 'runners', 'sysfs', 'trace', 'tracefs', 'web'];
/** CLI tests that read the running kernel's DAMON or tracefs, or run perf: with the system files. */
const CLI_SYSTEM = [
  'diagnose',
  'monitor',
  'record-kernel',
  'record-safety',
  'report-damon',
  'report-profile',
].map((f) => `tests/cli/${f}.test.ts`);

// A test folder in no project would silently not run.
const unplaced = readdirSync(new URL('tests', import.meta.url), { withFileTypes: true })
  .filter((e) => e.isDirectory() && ![...UNIT, ...SYSTEM, 'vm'].includes(e.name))
  .map((e) => e.name);
if (unplaced.length) throw new Error(`vitest.config.ts: tests/${unplaced.join(', tests/')} in no project`);

const common = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  tags: [
    {
      name: 'vm-must-pass',
      description: 'a kernel test that must run and pass in the VM (tests/vm), where DAMON is free',
    },
  ],
};

// Groups run in order (1, 2, 3); a project of a later group waits for the earlier ones to finish.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...common,
          name: 'unit',
          include: UNIT.map((d) => `tests/${d}/**/*.test.ts`),
          exclude: CLI_SYSTEM,
          // vitest's default is one worker fewer than the CPUs: none spare on a 2-CPU machine.
          maxWorkers: Math.max(2, availableParallelism()),
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          ...common,
          name: 'system',
          include: [...SYSTEM.map((d) => `tests/${d}/**/*.test.ts`), ...CLI_SYSTEM],
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
      // The kernel tests in a VM: the guest boots when the run starts (globalSetup) and runs while the
      // host's tests do; its results are checked last.
      {
        test: {
          ...common,
          name: 'vm',
          include: ['tests/vm/**/*.test.ts'],
          globalSetup: ['tests/vm/start-guest.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
