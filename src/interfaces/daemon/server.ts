/**
 * The daemon: a simulated machine (with an optional workload), the virtual sysfs tree over it, a
 * wall-clock pacer advancing virtual time (× speed), and a unix-socket server for the protocol.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Workload } from '../../backends/sim/machine.js';
import { writeKdamond } from '../../backends/kernel/config-writer.js';
import { errnoOf } from '../sysfs/errno.js';
import { writeConfigToTree } from '../sysfs/config.js';
import { SimHost } from '../../runners/sim-host.js';
import { VirtualSysfs } from '../sysfs/tree.js';
import type { DaemonRequest, DaemonResponse } from './protocol.js';
import { simStatus } from './status.js';

export interface DaemonOptions {
  socketPath: string;
  workload?: Workload;
  memoryBytes?: number;
  nodes?: number;
  /** Virtual µs per wall µs (default 1). */
  speed?: number;
  /** Wall ms between pacer ticks (default 100). */
  tickMs?: number;
}

export class SimDaemon {
  readonly tree: VirtualSysfs;
  private server: Server | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastWall = performance.now();
  private readonly workloadPids: number[] = [];

  constructor(private readonly opts: DaemonOptions) {
    const host = new SimHost({
      machine: {
        memoryBytes: opts.memoryBytes ?? 1 << 30,
        nodes: opts.nodes ?? 1,
        cpus: Math.max(2, opts.nodes ?? 1),
      },
    });
    if (opts.workload) {
      host.machine.addWorkload(opts.workload);
      if (opts.workload.mainPid !== undefined) this.workloadPids.push(opts.workload.mainPid);
    }
    this.tree = new VirtualSysfs(host);
  }

  /**
   * Advances virtual time by the wall time since the last tick × speed, at most two ticks' worth:
   * when the simulation cannot keep up, virtual time lags instead of requests waiting behind a
   * long catch-up.
   */
  tick(): void {
    const now = performance.now();
    const speed = this.opts.speed ?? 1;
    const cap = 2 * (this.opts.tickMs ?? 100) * 1000 * speed;
    const us = Math.min(cap, Math.floor((now - this.lastWall) * 1000 * speed));
    this.lastWall = now;
    if (us > 0) this.tree.host.advance(us);
    this.tree.refresh();
  }

  handle(req: DaemonRequest): DaemonResponse {
    const t = this.tree;
    try {
      switch (req.op) {
        case 'read':
          return { ok: true, value: t.readRaw(req.path) };
        case 'write':
          t.writeRaw(req.path, req.value);
          return { ok: true };
        case 'start': {
          if (t.model.kdamonds.some((k) => k.control?.running))
            return {
              ok: false,
              errno: 'EBUSY',
              message: 'simulated kdamonds are already running: stop them or use tune',
            };
          writeConfigToTree(t, req.config);
          req.config.kdamonds.forEach((_, i) => t.write(`kdamonds/${i}/state`, 'on'));
          return {
            ok: true,
            value: t.model.kdamonds.map((k, i) => ({ index: i, pid: k.control?.pid ?? -1 })),
          };
        }
        case 'tune': {
          const n = t.model.kdamonds.length;
          if (req.config.kdamonds.length !== n)
            return {
              ok: false,
              errno: 'EINVAL',
              message: `tune: ${req.config.kdamonds.length} kdamonds given, ${n} running`,
            };
          req.config.kdamonds.forEach((k, i) => {
            writeKdamond(t, i, k, true);
            t.write(`kdamonds/${i}/state`, 'commit');
          });
          return { ok: true };
        }
        case 'stop': {
          const stopped: number[] = [];
          t.model.kdamonds.forEach((k, i) => {
            if (k.control?.running) {
              t.write(`kdamonds/${i}/state`, 'off');
              stopped.push(i);
            }
          });
          t.write('kdamonds/nr_kdamonds', 0);
          return { ok: true, value: stopped };
        }
        case 'status':
          return { ok: true, value: simStatus(t, this.workloadPids, req.triedRegions === true) };
        case 'shutdown':
          setImmediate(() => void this.close());
          return { ok: true };
      }
    } catch (e) {
      return { ok: false, errno: errnoOf(e), message: (e as Error).message };
    }
  }

  private onConnection(sock: Socket): void {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let res: DaemonResponse;
        try {
          res = this.handle(JSON.parse(line) as DaemonRequest);
        } catch (e) {
          res = { ok: false, message: `bad request: ${(e as Error).message}` };
        }
        sock.write(JSON.stringify(res) + '\n');
      }
    });
    sock.on('error', () => sock.destroy());
  }

  /** Listens on the socket (replacing a stale socket file) and starts the pacer. */
  async listen(): Promise<void> {
    const path = this.opts.socketPath;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    rmSync(path, { force: true });
    this.server = createServer((s) => this.onConnection(s));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(path, resolve);
    });
    this.lastWall = performance.now();
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 100);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    rmSync(this.opts.socketPath, { force: true });
  }
}
