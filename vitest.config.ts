import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/** Pure computation: no shared machine state, so these files run in parallel. */
const UNIT = [
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
const SYSTEM = ['cli', 'daemon', 'kernel', 'live', 'session', 'sysfs', 'trace', 'tracefs', 'web'];

// A test folder in no project would silently not run.
const unplaced = readdirSync(new URL('tests', import.meta.url), { withFileTypes: true })
  .filter((e) => e.isDirectory() && ![...UNIT, ...SYSTEM, 'vm'].includes(e.name))
  .map((e) => e.name);
if (unplaced.length) throw new Error(`vitest.config.ts: tests/${unplaced.join(', tests/')} in no project`);

const timeouts = { testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...timeouts,
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: UNIT.map((d) => `tests/${d}/**/*.test.ts`),
        },
      },
      {
        test: {
          ...timeouts,
          name: 'system',
          include: SYSTEM.map((d) => `tests/${d}/**/*.test.ts`),
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      // The kernel tests in a VM: last, alone (it boots a guest that runs tests/kernel and others again).
      {
        test: {
          ...timeouts,
          name: 'vm',
          include: ['tests/vm/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
