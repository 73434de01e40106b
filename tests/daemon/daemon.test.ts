import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKdamondsConfig } from '../../src/config/load.js';
import { daemonRequest, DaemonUnavailableError } from '../../src/interfaces/daemon/client.js';
import { formatSimStatus } from '../../src/interfaces/cli/shared/sim-daemon.js';
import { SimDaemon } from '../../src/interfaces/daemon/server.js';
import type { SimStatus } from '../../src/interfaces/daemon/status.js';

const dir = mkdtempSync(join(tmpdir(), 'damon-ts-daemon-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (aggr: string) =>
  parseKdamondsConfig(
    {
      kdamonds: [
        {
          contexts: [
            {
              ops: 'paddr',
              // no regions: the simulated paddr ops monitor all of the machine's RAM
              targets: [{}],
              intervals: { sample_us: '5 ms', aggr_us: aggr },
              schemes: [
                {
                  action: 'stat',
                  access_pattern: { nr_accesses: { min: 0, max: 0 }, age: { min: '200 ms', max: 'max' } },
                },
              ],
            },
          ],
        },
      ],
    },
    'test',
  );

describe('damon-ts daemon', () => {
  it('starts, reports, tunes and stops simulated kdamonds over its socket', async () => {
    const socketPath = join(dir, 'sim.sock');
    await expect(daemonRequest(socketPath, { op: 'status' })).rejects.toBeInstanceOf(DaemonUnavailableError);
    const d = new SimDaemon({ socketPath, memoryBytes: 64 << 20, speed: 20, tickMs: 20 });
    await d.listen();
    try {
      const started = await daemonRequest(socketPath, { op: 'start', config: config('100 ms') });
      expect(started).toEqual({ ok: true, value: [{ index: 0, pid: expect.any(Number) }] });
      const again = await daemonRequest(socketPath, { op: 'start', config: config('100 ms') });
      expect(again).toMatchObject({ ok: false, errno: 'EBUSY' });
      // Let virtual time pass (speed 20: 2 s of virtual time per 100 ms of wall time, capped per tick).
      for (let i = 0; i < 200 && d.tree.host.now < 1_500_000; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(d.tree.host.now).toBeGreaterThan(1_000_000);
      const st = (await daemonRequest(socketPath, { op: 'status' })) as { ok: true; value: SimStatus };
      const s0 = st.value.kdamonds[0]!.contexts[0]!.schemes[0]!;
      expect(st.value.kdamonds[0]!.state).toBe('on');
      expect(s0.stats.nr_tried).toBeGreaterThan(0);
      expect(st.value.regions[0]![0]!.length).toBeGreaterThan(3);
      expect(formatSimStatus(st.value)).toMatch(/scheme 0: action stat/);
      const withTried = (await daemonRequest(socketPath, { op: 'status', triedRegions: true })) as {
        ok: true;
        value: SimStatus;
      };
      const tried = withTried.value.tried_regions['0/0/0']!;
      expect(tried.length).toBeGreaterThan(0);
      expect(tried.every((r) => r.nr_accesses === 0 && r.age >= 2)).toBe(true);
      expect(formatSimStatus(withTried.value)).toMatch(/tried regions \(\d+\):/);
      const r = await daemonRequest(socketPath, {
        op: 'read',
        path: '/sys/kernel/mm/damon/admin/kdamonds/0/state',
      });
      expect(r).toEqual({ ok: true, value: 'on' });
      const bad = await daemonRequest(socketPath, { op: 'write', path: 'kdamonds/0/state', value: 'bogus' });
      expect(bad).toMatchObject({ ok: false, errno: 'EINVAL' });
      expect(await daemonRequest(socketPath, { op: 'tune', config: config('200 ms') })).toEqual({ ok: true });
      expect(d.tree.kdamond(0)!.runtime.context!.attrs.aggrInterval).toBe(200_000);
      expect(await daemonRequest(socketPath, { op: 'stop' })).toEqual({ ok: true, value: [0] });
      expect(await daemonRequest(socketPath, { op: 'read', path: 'kdamonds/nr_kdamonds' })).toEqual({
        ok: true,
        value: '0',
      });
      expect(await daemonRequest(socketPath, { op: 'shutdown' })).toEqual({ ok: true });
      await new Promise((r) => setTimeout(r, 50));
      await expect(daemonRequest(socketPath, { op: 'status' })).rejects.toBeInstanceOf(
        DaemonUnavailableError,
      );
    } finally {
      await d.close();
    }
  });
});
