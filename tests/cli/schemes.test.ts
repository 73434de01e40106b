/**
 * `damon-ts schemes` on the simulated machine: the schemes run for --timeout and their statistics
 * are what the user reads; a paddr pageout of the cold stairs shrinks the workload's resident set.
 */
import { describe, expect, it } from 'vitest';
import { dts } from './damo-golden.js';

const stats = (out: string): number[] =>
  /tried ([\d,]+) regions .*applied ([\d,]+) regions/
    .exec(out)!
    .slice(1)
    .map((v) => Number(v.replaceAll(',', '')));
const residentMiB = (out: string): number => Number(/: ([\d.]+) MiB resident at 12 s/.exec(out)![1]);

describe('schemes on the simulated machine', () => {
  it('pageout of regions idle for 2 s pages the cold stairs out; stat only counts', () => {
    const base = ['schemes', '--workload', 'stairs', '--timeout', '12', '--ops', 'paddr'];
    const stat = dts([...base, '--damos_action', 'stat']);
    expect(stat.code, stat.stderr).toBe(0);
    const [statTried, statApplied] = stats(stat.stdout);
    expect(statTried).toBeGreaterThan(0);
    expect(statApplied).toBe(0);
    const kept = residentMiB(stat.stdout);
    const out = dts([
      ...base,
      '--damos_action',
      'pageout',
      '--damos_access_rate',
      '0',
      '0',
      '--damos_age',
      '2s',
      'max',
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^kdamond 0 scheme 0 \(pageout\): tried /);
    const [, applied] = stats(out.stdout);
    expect(applied).toBeGreaterThan(0);
    expect(residentMiB(out.stdout)).toBeLessThan(kept / 2);
  });

  it('refuses a run without schemes and kernel targets, by name', () => {
    const none = dts(['schemes', '--workload', 'stairs', '--timeout', '1']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no scheme given');
    const kernel = dts(['schemes', 'paddr', '--damos_action', 'stat']);
    expect(kernel.code).toBe(2);
    expect(kernel.stderr).toContain('damon-ts start');
  });
});
