/** The listen address options (--port, --host, --allow-remote) of serve and exporter, and serving until a signal. */
import type { Command } from 'commander';
import { startServer } from '../../web/server/server.js';
import { openSource } from '../../web/server/sources.js';
import { type SourceOptions, sourceSpec } from './source-options.js';
import { intArg } from './args.js';
import { UsageError } from '../../../config/errors.js';

export interface ListenOptions {
  port: string;
  host: string;
  allowRemote?: boolean;
}

export function portArg(v: string): number {
  const p = intArg(v, '--port');
  if (p < 0 || p > 65535) throw new UsageError(`--port: ${v} is not a TCP port (0-65535)`);
  return p;
}

/** Serves until SIGINT/SIGTERM; prints the URL (with the token for non-loopback binds). */
export async function serveUntilSignal(
  o: SourceOptions & ListenOptions,
  metricsOnly: boolean,
  defaultPath: string,
): Promise<void> {
  const port = portArg(o.port);
  const src = await openSource(sourceSpec(o));
  const srv = await startServer({
    feed: src.feed,
    host: o.host,
    port,
    allowRemote: o.allowRemote,
    metricsOnly,
  });
  const url = `${srv.url}${defaultPath}${srv.token ? `?token=${srv.token}` : ''}`;
  process.stdout.write(`${metricsOnly ? 'metrics' : 'dashboard'}: ${url}\n`);
  let stopping = false;
  void src.run?.done.then(() => {
    if (stopping) return;
    const n = src.feed.streams.reduce((sum, st) => sum + st.received, 0);
    process.stderr.write(
      `damon-ts: live run finished: ${n} snapshots; still serving them (Ctrl-C to stop)\n`,
    );
  });
  if (srv.token)
    process.stdout.write(
      `access token (required on every request, e.g. Authorization: Bearer): ${srv.token}\n`,
    );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      stopping = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      src.run?.stop();
      void srv.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function addListenOptions(cmd: Command, defaultPort: string): Command {
  return cmd
    .option('--port <n>', 'TCP port (0: any free port)', defaultPort)
    .option(
      '--host <addr>',
      'address to listen on; other than loopback only with --allow-remote',
      '127.0.0.1',
    )
    .option('--allow-remote', 'allow a non-loopback --host; a random access token is printed and required');
}
