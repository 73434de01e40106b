/**
 * `damon-ts sysfs`: DAMON's sysfs admin tree, simulated. `read`/`write` act on the tree of the
 * running damon-ts daemon (whose kdamonds run on its simulated machine; `write` starts the daemon
 * when none runs); `script` runs a script against one fresh in-process tree (or, with --kernel,
 * against the kernel's real tree) and prints one line per input line.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_DAMON_ADMIN } from '../../../backends/kernel/sysfs.js';
import type { Command } from 'commander';
import { errnoMeaning } from '../../../backends/kernel/sysfs.js';
import { DaemonUnavailableError, daemonRequest, ensureDaemon } from '../../daemon/client.js';
import { defaultSocketPath } from '../../daemon/protocol.js';
import { kernelIo, runSysfsScript, virtualIo } from '../../sysfs/script.js';
import { VirtualSysfs } from '../../sysfs/tree.js';
import { UsageError } from '../../../config/errors.js';

interface DaemonOpts {
  socket?: string;
  workload?: string;
}

function sysfsFailure(op: string, path: string, errno: string | undefined, message: string): Error {
  const detail = errno && message.startsWith(`${errno}: `) ? message.slice(errno.length + 2) : message;
  return new Error(
    `${op} ${path} failed: ${errno ?? 'error'} (${errnoMeaning(errno)})${detail && detail !== errno ? `: ${detail}` : ''}`,
  );
}

async function readCmd(path: string, o: DaemonOpts): Promise<void> {
  const socket = o.socket ?? defaultSocketPath();
  try {
    const r = await daemonRequest(socket, { op: 'read', path });
    if (!r.ok) throw sysfsFailure('reading', path, r.errno, r.message);
    process.stdout.write(`${String(r.value)}\n`);
  } catch (e) {
    if (e instanceof DaemonUnavailableError)
      throw new Error(
        `${e.message}: start one with \`damon-ts start --backend sim\` or \`damon-ts sysfs write\``,
      );
    throw e;
  }
}

async function writeCmd(path: string, value: string, o: DaemonOpts): Promise<void> {
  const socket = o.socket ?? defaultSocketPath();
  await ensureDaemon(socket, { workload: o.workload });
  const r = await daemonRequest(socket, { op: 'write', path, value });
  if (!r.ok) throw sysfsFailure(`writing "${value}" to`, path, r.errno, r.message);
}

function scriptCmd(file: string, o: { kernel?: string | boolean }): void {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `script: cannot read ${file === '-' ? 'standard input' : file}: ${(e as Error).message}`,
    );
  }
  const io = o.kernel
    ? kernelIo(typeof o.kernel === 'string' ? o.kernel : DEFAULT_DAMON_ADMIN)
    : virtualIo(new VirtualSysfs());
  let out: string[];
  try {
    out = runSysfsScript(text, io, file === '-' ? '<stdin>' : file);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  process.stdout.write(out.map((l) => `${l}\n`).join(''));
}

export function register(program: Command): void {
  const sysfs = program
    .command('sysfs')
    .description("DAMON's sysfs admin tree on the simulated machine (kernel layout, errno and defaults)");
  sysfs.addHelpText(
    'after',
    `
PATH is relative to the admin directory (kdamonds/0/state) or the kernel's absolute path
(${DEFAULT_DAMON_ADMIN}/kdamonds/0/state).

Examples:
  damon-ts sysfs write kdamonds/nr_kdamonds 1 --workload hot-cold
  damon-ts sysfs read kdamonds/0/contexts/0/avail_operations
  damon-ts sysfs script setup.txt          # lines "write PATH VALUE" / "read PATH"
  echo "read kdamonds/nr_kdamonds" | damon-ts sysfs script -`,
  );
  const socketOpt = (c: Command) =>
    c.option('--socket <path>', `the daemon's socket (default ${defaultSocketPath()}; env DAMON_TS_SOCKET)`);
  socketOpt(sysfs.command('read').description("read a file of the daemon's tree").argument('<path>'))
    .addHelpText(
      'after',
      '\nExample:\n  damon-ts sysfs read kdamonds/0/contexts/0/schemes/0/stats/sz_applied',
    )
    .action((path: string, o: DaemonOpts) => readCmd(path, o));
  socketOpt(
    sysfs
      .command('write')
      .description("write a file of the daemon's tree (starts the daemon if needed)")
      .argument('<path>')
      .argument('<value>'),
  )
    .option('--workload <name>', 'workload the daemon runs when this starts it (built-in name or masim .cfg)')
    .addHelpText('after', '\nExample:\n  damon-ts sysfs write kdamonds/0/state on')
    .action((path: string, value: string, o: DaemonOpts) => writeCmd(path, value, o));
  sysfs
    .command('script')
    .description(
      'run a script of "write PATH VALUE" / "read PATH" lines against one fresh tree; prints ok, the value, or "error: ERRNO" per line',
    )
    .argument('<file>', 'script file, or - for standard input')
    .option(
      '--kernel [dir]',
      `run it against the kernel's real tree instead (default ${DEFAULT_DAMON_ADMIN}); it changes the kernel's DAMON settings`,
    )
    .addHelpText(
      'after',
      '\nExample:\n  printf "write kdamonds/nr_kdamonds 1\\nread kdamonds/0/state\\n" | damon-ts sysfs script -',
    )
    .action((file: string, o: { kernel?: string | boolean }) => scriptCmd(file, o));
}
