/**
 * A first run as the README describes it: the built bin is executable with its shebang, `npx damon-ts`
 * works from the clone, every `damon-ts` line of the README names options its command has, and the
 * simulated ones run as written, off a terminal: progress lines and a final "wrote" line on stderr, no
 * colour escapes in redirected output (NO_COLOR and FORCE_COLOR honoured), images only in the format
 * their name asks for, damo's option names and usage exit codes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'dist', 'interfaces', 'cli', 'main.js');
const ESC = new RegExp(`${String.fromCharCode(27)}\\[`); // a colour escape

function newestSource(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Environment of a run off a terminal, without the caller's colour settings. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, DAMON_TS_PROGRESS_INTERVAL: '0', ...extra };
  if (!('NO_COLOR' in extra)) delete e.NO_COLOR;
  if (!('FORCE_COLOR' in extra)) delete e.FORCE_COLOR;
  return e;
}

let dir = '';
function run(args: string[], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: env(extra),
    timeout: 600_000,
    maxBuffer: 1 << 28, // report access prints every snapshot
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The `damon-ts ...` lines of the README's sh blocks, without their comments. */
function readmeCommands(): string[][] {
  const md = readFileSync(join(root, 'README.md'), 'utf8');
  const out: string[][] = [];
  for (const block of md.matchAll(/```sh\n([\s\S]*?)```/g))
    for (const line of block[1]!.split('\n')) {
      const cmd = line.replace(/\s+#.*$/, '').trim();
      if (cmd.startsWith('damon-ts ')) out.push(cmd.split(/\s+/).slice(1));
    }
  return out;
}

beforeAll(() => {
  if (!existsSync(bin) || statSync(bin).mtimeMs < newestSource(join(root, 'src'))) {
    const b = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' });
    if (b.status !== 0)
      console.warn(`npm run build reported errors (tests use what it emitted):\n${b.stdout}${b.stderr}`);
  }
  dir = mkdtempSync(join(tmpdir(), 'damon-ts-first-run-'));
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('first run, as the README writes it', () => {
  it('the built bin is executable with a node shebang, and npx damon-ts runs it from the clone', () => {
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const r = spawnSync('npx', ['--no-install', 'damon-ts', '--version'], {
      cwd: root,
      encoding: 'utf8',
      env: env(),
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(version);
  }, 120_000);

  it("every README command line names options its command's --help lists", () => {
    const cmds = readmeCommands();
    expect(cmds.length).toBeGreaterThan(8);
    for (const words of cmds) {
      const path = ['report', 'args'].includes(words[0]!) ? words.slice(0, 2) : words.slice(0, 1);
      const help = run([...path, '--help']);
      expect(help.code, `${path.join(' ')} --help`).toBe(0);
      const end = words.indexOf('--');
      for (const w of (end < 0 ? words : words.slice(0, end)).filter((x) => x.startsWith('-')))
        expect(help.stdout, `README: damon-ts ${words.join(' ')}`).toContain(w);
    }
  }, 300_000);

  it('the simulated README lines run as written, quiet of escapes, with progress and a final line', () => {
    const sim = readmeCommands().filter(
      (w) =>
        (w[0] === 'record' && w.includes('--workload')) ||
        (w[0] === 'report' && w.includes('zigzag.data')) ||
        w[0] === 'args',
    );
    expect(sim.map((w) => w.slice(0, 2).join(' '))).toEqual(
      expect.arrayContaining(['record --workload', 'report heatmap', 'report wss', 'args damon']),
    );
    // record first: the reports read its file
    for (const words of sim.sort((a, b) => Number(b[0] === 'record') - Number(a[0] === 'record'))) {
      const r = run(words);
      expect(r.code, `damon-ts ${words.join(' ')}\n${r.stderr}`).toBe(0);
      expect(r.stdout).not.toMatch(ESC);
      expect(r.stderr).not.toMatch(ESC);
      if (words[0] === 'record') {
        // off a terminal: progress lines, then what was written
        expect(r.stderr).toMatch(/^record: \d+\.\d s of \d+\.\d s virtual, \d+ snapshots$/m);
        const m = /^damon-ts: wrote zigzag\.data: (\d+) snapshots, (\d+\.\d) s virtual$/m.exec(r.stderr);
        expect(m).not.toBeNull();
        expect(Number(m![1])).toBeGreaterThan(100);
      }
    }
    expect(readFileSync(join(dir, 'heatmap.png')).subarray(1, 4).toString()).toBe('PNG');
  }, 600_000);

  it('colour only where asked: FORCE_COLOR gives the coloured map, NO_COLOR wins over it', () => {
    const plain = run(['report', 'heatmap', '-i', 'zigzag.data']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^[0-9 ]{80}$/m);
    expect(run(['report', 'heatmap', '-i', 'zigzag.data'], { FORCE_COLOR: '1' }).stdout).toMatch(ESC);
    expect(
      run(['report', 'heatmap', '-i', 'zigzag.data'], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout,
    ).not.toMatch(ESC);
  }, 120_000);

  it('the heatmap image: a truthful heat label, round ticks, time since the start of the record', () => {
    expect(run(['report', 'heatmap', '-i', 'zigzag.data', '--output', 'h.svg']).code).toBe(0);
    const svg = readFileSync(join(dir, 'h.svg'), 'utf8');
    expect(svg).toContain('heat: access rate (Hz) × pixel coverage, summed');
    expect(svg).not.toMatch(/access frequency/);
    expect(svg).toContain('time since the start of the record');
    const labels = [...svg.matchAll(/<text [^>]*text-anchor="(?:middle|end)">([^<]*)<\/text>/g)].map(
      (m) => m[1]!,
    );
    const axis = (units: RegExp) => labels.filter((l) => units.test(l)).map((l) => Number(l.split(' ')[0]));
    for (const ticks of [axis(/^-?[\d.]+ (ns|us|ms|s|min|h)$/), axis(/^[\d.]+ (B|KiB|MiB|GiB|TiB)$/)]) {
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      // evenly spaced by 1, 2 or 5 times a power of ten: no 12.020 s, no 19.085 MiB
      const step = ticks[1]! - ticks[0]!;
      const mantissa = step / 10 ** Math.floor(Math.log10(step));
      expect([1, 2, 5]).toContain(Math.round(mantissa * 1e9) / 1e9);
      ticks.forEach((t, i) => expect(Math.abs(t - (ticks[0]! + i * step))).toBeLessThan(step * 1e-9));
      for (const t of ticks) expect(Math.abs(Math.round(t / step) * step - t)).toBeLessThan(step * 1e-9);
    }
  }, 120_000);

  it('usage errors: report without a type, an image name it cannot write, a swallowed target', () => {
    expect(run(['report']).code).toBe(2);
    writeFileSync(join(dir, 'old.jpg'), 'mine');
    const jpg = run(['report', 'heatmap', '-i', 'zigzag.data', '--output', 'old.jpg']);
    expect(jpg.code).toBe(2);
    expect(jpg.stderr).toMatch(
      /--output old\.jpg: cannot write a \.jpg image; damon-ts draws \.png and \.svg/,
    );
    expect(readFileSync(join(dir, 'old.jpg'), 'utf8')).toBe('mine');
    const a = run(['args', 'damon', '--exp_ops_cpus', '0', 'paddr']);
    expect(a.code).toBe(0);
    const ctx = JSON.parse(a.stdout).kdamonds[0].contexts[0];
    expect(ctx.ops).toBe('paddr');
    expect(ctx.sample_control.sample_filters).toEqual([
      { filter_type: 'cpumask', matching: true, allow: true, cpumask: '0', tid_arr: null },
    ]);
  }, 120_000);

  it("convert_record_format takes damo's option names", () => {
    const r = run([
      'convert_record_format',
      '--record_file',
      'zigzag.data',
      '--format',
      'json',
      '--output_file',
      'z.json',
    ]);
    expect(r.code).toBe(0);
    const recs = JSON.parse(readFileSync(join(dir, 'z.json'), 'utf8')) as unknown[];
    expect(recs.length).toBeGreaterThan(0);
    expect(run(['convert_record_format', '-i', 'zigzag.data', '--record_file', 'other.data']).code).toBe(2);
  }, 120_000);
});
