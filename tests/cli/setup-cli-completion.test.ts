/**
 * `damon-ts setup_cli_completion`: the bash script it writes completes commands, report types and
 * options in a real bash.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dts } from './damo-golden.js';

const noBash = spawnSync('bash', ['--version']).status === 0 ? null : 'bash is not installed';
if (noBash) console.log(`skipping: ${noBash}`);

describe.skipIf(noBash !== null)('setup_cli_completion', () => {
  it('writes a script that completes the command tree', () => {
    const r = dts(['setup_cli_completion']);
    expect(r.code, r.stderr).toBe(0);
    const script = /Run "source (\S+)"/.exec(r.stdout)?.[1];
    expect(script && existsSync(script)).toBe(true);
    const complete = (...words: string[]): string[] => {
      const arr = ['damon-ts', ...words].map((w) => `'${w}'`).join(' ');
      const b = spawnSync(
        'bash',
        [
          '-c',
          `source '${script}'; COMP_WORDS=(${arr}); COMP_CWORD=${words.length}; _damon_ts_complete; echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      );
      expect(b.status, b.stderr).toBe(0);
      return b.stdout.trim().split(' ').filter(Boolean);
    };
    expect(complete('rep').sort()).toEqual(['replay', 'report']);
    expect(complete('repo')).toEqual(['report']);
    expect(complete('dia')).toEqual(['diagnose']);
    expect(complete('replay', '--test_perf_')).toEqual(['--test_perf_sz_mem', '--test_perf_runtime']);
    expect(complete('mo').sort()).toEqual(['module', 'monitor']);
    expect(complete('mon')).toEqual(['monitor']);
    expect(complete('report', 'ho')).toEqual(['holistic']);
    expect(complete('report', 'access', '-i', 'f.data', '--sty')).toEqual(['--style']);
    expect(complete('report', 'footprints', '--raw')).toEqual(['--raw_number']);
    expect(complete('report', '')).toEqual(
      expect.arrayContaining(['access', 'heatmap', 'times', 'pa_layout', '--help']),
    );
  });
});
