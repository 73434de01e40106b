/** `damon-ts serve` / `exporter` as a user runs them: a child process, its printed URL, SIGTERM. */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/interfaces/cli/program.js';
import { cli } from './cli-process.js';
import { makeRecord } from './fixtures.js';

let path = '';
beforeAll(() => {
  path = makeRecord(1);
}, 60_000);
afterAll(() => rmSync(dirname(path), { recursive: true, force: true }));

describe('damon-ts exporter / serve', () => {
  it('exporter serves /metrics of a record on loopback and exits cleanly on SIGTERM', async () => {
    const c = await cli(
      ['exporter', '--record', path, '--port', '0'],
      /^metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)$/,
    );
    const r = await fetch(c.match[1]!);
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toMatch(/^damon_nr_regions\{kdamond="1",context="0",target="0"\} \d+$/m);
    expect((await fetch(c.match[1]!.replace('/metrics', '/'))).status).toBe(404);
    expect(await c.stop()).toBe(0);
  }, 60_000);

  it('serve on a non-loopback address prints a token that the server requires', async () => {
    const c = await cli(
      ['serve', '--record', path, '--port', '0', '--host', '0.0.0.0', '--allow-remote'],
      /^dashboard: http:\/\/0\.0\.0\.0:(\d+)\/\?token=([\w-]+)$/,
    );
    const [, port, token] = c.match;
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } }))
        .status,
    ).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/?token=${token}`)).status).toBe(200);
    expect(await c.stop()).toBe(0);
  }, 60_000);

  it('usage errors exit 2 and name the option', async () => {
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await runCli(['serve', '--port', '0'])).toBe(2);
      expect(await runCli(['serve', '--live', '--speed', '0', '--port', '0'])).toBe(2);
      expect(await runCli(['serve', '--record', path, '--port', '70000'])).toBe(2);
      expect(await runCli(['serve', '--record', path, '--live'])).toBe(2);
      expect(await runCli(['serve', '--live', '--kernel'])).toBe(2);
      expect(await runCli(['serve', '--live', '--workload', 'stairs', '--trace', path])).toBe(2);
      expect(await runCli(['serve', '--record', path, '--host', '10.1.2.3', '--port', '0'])).toBe(1);
    } finally {
      process.stderr.write = write;
    }
    const all = err.join('');
    expect(all).toMatch(/give --record FILE, --live \[--workload NAME\] or --kernel/);
    expect(all).toMatch(/--speed: must be positive/);
    expect(all).toMatch(/--port: 70000 is not a TCP port/);
    expect(all).toMatch(/--host 10\.1\.2\.3: not a loopback address; pass --allow-remote/);
  }, 60_000);
});
