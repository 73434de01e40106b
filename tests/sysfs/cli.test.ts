import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/interfaces/cli/program.js';

const dir = mkdtempSync(join(tmpdir(), 'damon-ts-sysfs-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await runCli(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('damon-ts sysfs script', () => {
  it('prints one line per input line: ok, the value, or error: ERRNO', async () => {
    const f = join(dir, 's.txt');
    writeFileSync(
      f,
      [
        'write kdamonds/nr_kdamonds 1',
        '# comment',
        'read /sys/kernel/mm/damon/admin/kdamonds/0/state',
        'write kdamonds/0/state on',
        'read kdamonds/9/state',
        '',
      ].join('\n'),
    );
    const r = await cli(['sysfs', 'script', f]);
    expect(r).toEqual({ code: 0, out: 'ok\n# comment\noff\nerror: EINVAL\nerror: ENOENT\n', err: '' });
  });

  it('a malformed line is a usage error naming file:line', async () => {
    const f = join(dir, 'bad.txt');
    writeFileSync(f, 'read kdamonds/nr_kdamonds\nfrob x\n');
    const r = await cli(['sysfs', 'script', f]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${f}:2: expected "read PATH" or "write PATH VALUE"`);
    expect((await cli(['sysfs', 'script', join(dir, 'missing.txt')])).code).toBe(2);
  });

  it('read without a daemon fails clearly', async () => {
    const r = await cli(['sysfs', 'read', 'kdamonds/nr_kdamonds', '--socket', join(dir, 'none.sock')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no damon-ts daemon listening on .*none\.sock: start one with/);
  });
});
