import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, run, smallWorkloadDir } from '../cli-helpers.js';

const { cfg } = smallWorkloadDir();
beforeAll(ensureBuilt, 120_000);

describe('damon-ts eval (built bin)', () => {
  it('prints a JSON result with one entry per setup', () => {
    const r = run([
      'eval',
      '--workload',
      cfg,
      '--duration',
      '1',
      '--setups',
      'page_table,page_fault,cpus:0',
      '--accesses_per_second',
      '1000000',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.setups.map((s: { name: string }) => s.name)).toEqual(['page_table', 'page_fault', 'cpus:0']);
    expect(j.setups[0].windows).toBe(9);
    expect(j.setups[2].filters).toEqual([{ type: 'cpumask', matching: true, allow: true, cpus: [0] }]);
  });

  it('prints the table; bad setups are usage errors', () => {
    const r = run([
      'eval',
      '--workload',
      cfg,
      '--duration',
      '0.3',
      '--setups',
      'page_fault',
      '--accesses_per_second',
      '1000000',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/# accuracy/);
    expect(r.stdout).toMatch(/# costs/);
    const bad = run(['eval', '--setups', 'page_tables']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown setup "page_tables"/);
  });
});
