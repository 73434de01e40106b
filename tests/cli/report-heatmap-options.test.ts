/**
 * `report heatmap --sort_temperature/--temperature_weights/--interactive_edit` print what damo 3.3 prints
 * (damo runs live, in one Python process); `report nr_regions --plot` draws what the text report says.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportNrRegions } from '../../src/reports/nr-regions.js';
import { stringSink } from '../../src/reports/output.js';
import { damoSrc } from '../damo.js';
import { damoAbsent, dts, repo } from './damo-golden.js';

const dir = mkdtempSync(join(tmpdir(), 'damon-ts-heatmap-opts-'));
const rec = join(dir, 'hc.data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  // nr_regions skips the first 20 snapshots: 3 s of 100 ms snapshots leave 10
  const r = dts(['record', '--workload', 'hot-cold', '--timeout', '3', '-o', rec]);
  expect(r.code, r.stderr).toBe(0);
}, 300_000);

// zoom in, scroll down and right, a wrong answer, the scroll and zoom menus, quit
const EDITS = '+\nj\nl\nbogus\n2\n1\n20\n1\n3\n150\nq\n';
const CASES: { args: string[]; stdin?: string }[] = [
  { args: ['--sort_temperature', '--resol', '10', '40'] },
  {
    args: [
      '--sort_temperature',
      '--temperature_weights',
      '2',
      '0.5',
      '--draw_range',
      'all',
      '--output',
      'raw',
      '--resol',
      '10',
      '20',
    ],
  },
  { args: ['--interactive_edit', '--resol', '5', '10'], stdin: EDITS },
  {
    args: ['--interactive_edit', '--sort_temperature', '--output', 'raw', '--resol', '5', '5'],
    stdin: '+\nj\nq\n',
  },
];

function ours(args: string[], stdin = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [join(repo, 'dist', 'interfaces', 'cli', 'main.js'), 'report', 'heatmap', '-i', rec, ...args],
      { env: { ...process.env, FORCE_COLOR: '1', NO_COLOR: '' }, maxBuffer: 1 << 26 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
    child.stdin!.end(stdin);
  });
}

describe.skipIf(damoAbsent())('report heatmap options against damo 3.3', () => {
  it('sorts by temperature and edits interactively as damo does, byte for byte', async () => {
    const runs = CASES.map((c) => ({ run: ['heatmap', '-i', rec, ...c.args], stdin: c.stdin ?? '' }));
    const r = spawnSync('python3', [join(repo, 'tests', 'reports', 'fixtures', 'damo-report.py'), damoSrc!], {
      input: JSON.stringify(runs),
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    expect(r.status, r.stderr).toBe(0);
    const golden = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { code: number; out: string });
    const got = await Promise.all(CASES.map((c) => ours(c.args, c.stdin)));
    CASES.forEach((c, i) => {
      expect(golden[i]!.code).toBe(0);
      expect(got[i], c.args.join(' ')).toBe(golden[i]!.out);
    });
    // the edits drew the map six times (five edits, one wrong answer)
    expect(got[2]!.split('# resolution:').length - 1).toBe(6);
    expect(got[2]).toContain('Wrong input.');
  }, 240_000);
});

describe('report nr_regions --plot', () => {
  it('draws the percentiles the text report prints, and prints nothing', async () => {
    const { sink, text } = stringSink();
    await reportNrRegions(rec, [0, 25, 50, 75, 100], false, sink);
    sink.flush();
    const rows = text()
      .split('\n')
      .filter((l) => /^\d+\t\d+$/.test(l));
    expect(rows.length).toBe(5);
    const svg = join(dir, 'nr.svg');
    const plot = dts(['report', 'nr_regions', '-i', rec, '-r', '0', '101', '25', '--plot', svg]);
    expect(plot.code, plot.stderr).toBe(0);
    expect(plot.stdout).toBe('');
    const img = readFileSync(svg, 'utf8');
    expect(img.match(/<circle /g)!.length).toBe(5);
    const max = Math.max(...rows.map((l) => Number(l.split('\t')[1])));
    expect(img).toContain(`>${max}</text>`);
    expect(img).toContain('number of monitoring target regions');
  });
});
