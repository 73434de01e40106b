import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKdamondsConfig } from '../../src/config/load.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'damon-ts-args-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const iomem = join(tmp, 'iomem');
writeFileSync(iomem, '00001000-0009fbff : System RAM\n100000000-63fffffff : System RAM\n');

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['dist/interfaces/cli/main.js', ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 30000,
  });
}

describe('damon-ts args damon', () => {
  it('prints the full configuration as JSON that reads back to the same configuration', () => {
    const r = cli(
      'args',
      'damon',
      '--format',
      'json',
      '--iomem',
      iomem,
      '-s',
      '10ms',
      '--damos_action',
      'pageout',
      '--damos_age',
      '5s',
      'max',
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const cfg = parseKdamondsConfig(JSON.parse(r.stdout));
    const ctx = cfg.kdamonds[0]!.contexts[0]!;
    expect(ctx.targets[0]!.regions).toEqual([{ start: 0x1000, end: 0x640000000 }]);
    expect(ctx.intervals.sample_us).toBe(10000);
    expect(ctx.schemes[0]!.access_pattern.age.min).toBe(5000000);
  });

  it('exits 2 naming the option on bad input', () => {
    const r = cli('args', 'damon', '--iomem', iomem, '-a', 'later');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/-a\/--aggr: expected a time/);
    const bad = cli(
      'args',
      'damon',
      '--iomem',
      iomem,
      '--kdamonds',
      '{"kdamonds":[{"contexts":[{"intervals":{"aggr_us":"x"}}]}]}',
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/kdamonds\[0\]\.contexts\[0\]\.intervals\.aggr_us: expected a time/);
  });
});
