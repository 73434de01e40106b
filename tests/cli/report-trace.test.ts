/**
 * `damon-ts report trace -i` against damo 3.3: a saved perf-format text made of a damon-ts
 * perf_script record (damo's `report trace --output` header on top), and a trace-cmd-format text
 * with every DAMON event kind.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrap } from '../../src/reports/trace-events.js';
import { damo, damoAbsent, dts } from './damo-golden.js';

const dir = mkdtempSync(join(tmpdir(), 'damon-ts-trace-'));
const perfText = join(dir, 'perf.txt');
const tcText = join(dir, 'tc.txt');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = (tracer: string): string =>
  `damo_report_trace_output_format_version: 0\ndamo_report_trace_output_time: 1.5\ndamo_report_trace_output_tracer: ${tracer}\n`;

beforeAll(() => {
  const rec = join(dir, 'z.data');
  const r = dts([
    'record',
    '--workload',
    'zigzag',
    '--timeout',
    '3',
    '--output_type',
    'perf_script',
    '-o',
    rec,
  ]);
  expect(r.code, r.stderr).toBe(0);
  writeFileSync(perfText, header('perf') + readFileSync(rec, 'utf8'));
  writeFileSync(
    tcText,
    header('trace-cmd') +
      [
        'kdamond.0-1234 [005] ..... 101005.778382: damon_aggregated:     target_id=0 nr_regions=2 8360624128-8371830784: 0 974',
        'kdamond.0-1234 [005] ..... 101005.778383: damon_aggregated:     target_id=0 nr_regions=2 8371830784-8372879360: 3',
        'kdamond.0-1234 [005] 101005.778390: damos_before_apply: ctx_idx=0 scheme_idx=1 target_idx=0 nr_regions=11 1234-5678: 10 45',
        'kdamond.0-1234 [005] ..... 101005.778400: damos_stat_after_apply_interval: ctx_idx=0 scheme_idx=0 nr_tried=3000 sz_tried=40960 nr_applied=1 sz_applied=4096 sz_ops_filter_passed=0 qt_exceeds=2 nr_snapshots=7',
        'kdamond.0-1234 [005] ..... 101005.778401: damos_stat_after_apply_interval: ctx_idx=0 scheme_idx=0 nr_tried=3 sz_tried=40960 nr_applied=1 sz_applied=4096',
        'kdamond.0-1234 [005] ..... 101005.778500: damon_region_aggregated: target_id=0 nr_regions=11 8009068544-8372879360: 0 2740 probe_hits=14 00',
        'kdamond.0-1234 [005] ..... 101005.778501: damon_region_aggregated: target_id=0 nr_regions=11 8009068544-8372879360: 0 2740 probe_hits=',
        'kdamond.0-1234 [005] ..... 101005.778600: damon_monitor_intervals_tune: sample_us=5000',
        'kdamond.0-1234 [005] ..... 101005.778700: damos_esz: ctx_idx=0 scheme_idx=0 esz=4096',
      ].join('\n') +
      '\n',
  );
}, 300_000);

describe('report trace', () => {
  it('wraps as damo: a word longer than the line is printed, then carried on', () => {
    expect(wrap('a bb ccc', 100)).toEqual(['a bb ccc']);
    expect(wrap('aaaa bbbb cccc', 9)).toEqual(['aaaa bbbb', '   cccc']);
    expect(wrap('aaaaaaaaaaaa b', 5)).toEqual(['aaaaaaaaaaaa', '   aaaaaaaaaaaa', '   b']);
  });

  it('asks for a recorded trace, and names an unreadable one', () => {
    expect(dts(['report', 'trace']).code).toBe(2);
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, 'hello\n');
    const r = dts(['report', 'trace', '-i', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot read ${bad} via perf`);
  });

  const why = damoAbsent();
  if (why) console.log(`skipping the comparison with damo: ${why}`);
  it.skipIf(why !== null).each([
    ['perf', []],
    ['perf', ['--raw', '--max_cols', '60']],
    ['trace-cmd', []],
    ['trace-cmd', ['--max_cols', '50']],
    ['trace-cmd', ['--event', 'damon:damos_before_apply', 'damon:damos_esz']],
    ['trace-cmd', ['--no_event', 'damon:damon_aggregated', '--raw']],
  ])('%s text, %j = damo', (which: string, args: string[]) => {
    const input = which === 'perf' ? perfText : tcText;
    const want = damo(['report', 'trace', '-i', input, ...args]);
    const got = dts(['report', 'trace', '-i', input, ...args]);
    expect(want.code).toBe(0);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toBe(want.stdout);
    expect(got.stdout.split('\n').length).toBeGreaterThanOrEqual(3);
  });
});
