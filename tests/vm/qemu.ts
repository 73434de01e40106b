/**
 * Runs a command inside a throwaway VM booted under qemu with a real DAMON kernel (Debian's cloud
 * kernel, fetched by scripts/fetch-test-kernel.sh). The guest sees this machine's file system through
 * virtiofs, mounted read-only, with its own /proc, /sys, /dev, /run (TMPDIR=/run/tmp) and /tmp over it
 * (/tmp stays this machine's when the project lies there), so it runs the project as checked out
 * here, against its own DAMON. The running kernel's DAMON is never touched:
 * the tests that start kdamonds run in the guest when the host's DAMON is someone else's.
 *
 * The guest's init (busybox, in an initramfs written here) refuses to run the command unless /sys is
 * the guest's own sysfs with no kdamond and the shared root is read-only.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const VM_DIR = process.env.DAMON_TS_VM_DIR ?? '/var/cache/damon-ts/vm-kernel';
const QEMU = 'qemu-system-x86_64';
const BUSYBOX = '/bin/busybox';
/** The C virtiofsd of qemu 7 (Debian 12), or the Rust one of later Debian releases (its flags are untested here). */
const VIRTIOFSD = ['/usr/lib/qemu/virtiofsd', '/usr/libexec/virtiofsd'].find((p) => existsSync(p));

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Why the VM tests cannot run here, or null when they can. */
export function vmUnavailable(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'needs Linux on x86-64';
  if (process.getuid?.() !== 0) return 'not root (virtiofsd needs root)';
  if (!onPath(QEMU)) return `no ${QEMU} (scripts/setup-system.sh installs qemu-system-x86)`;
  if (!VIRTIOFSD) return 'no virtiofsd (qemu-system-common)';
  // A dynamically linked busybox names its loader; the initramfs has no libraries.
  if (!existsSync(BUSYBOX) || readFileSync(BUSYBOX).includes('/ld-linux'))
    return `no static ${BUSYBOX} (busybox-static)`;
  if (!existsSync(join(VM_DIR, 'vmlinuz')))
    return `no kernel in ${VM_DIR} (run scripts/fetch-test-kernel.sh)`;
  return null;
}

export function vmKernelVersion(): string {
  return readFileSync(join(VM_DIR, 'version'), 'utf8').trim();
}

/** An uncompressed newc cpio archive (the initramfs format). */
function cpio(entries: { name: string; mode: number; data?: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  let ino = 1;
  for (const e of [...entries, { name: 'TRAILER!!!', mode: 0 }]) {
    const data = 'data' in e && e.data ? e.data : Buffer.alloc(0);
    const name = Buffer.from(e.name + '\0');
    const fields = [ino++, e.mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length, 0];
    const header = Buffer.from('070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join(''));
    parts.push(header, name, pad4(header.length + name.length), data, pad4(data.length));
  }
  return Buffer.concat(parts);
}

const APPLETS = ['sh', 'mount', 'mkdir', 'chmod', 'cat', 'grep', 'chroot', 'poweroff', 'touch', 'echo'];

/** The guest's /init: mounts, safety checks, the command (its output to ttyS1), power off. */
function initScript(cwd: string, command: string): string {
  return `#!/bin/sh
fail() { echo "vm-init: $*" > /dev/ttyS1; echo "vm-exit 125" > /dev/ttyS1; poweroff -f; }
mkdir -p /proc /sys /dev /host
mount -t proc proc /proc && mount -t sysfs sysfs /sys && mount -t devtmpfs dev /dev || fail "base mounts"
mount -t virtiofs hostroot /host -o ro || fail "virtiofs mount"
touch /host/.damon-ts-vm-rw-check 2>/dev/null && fail "the shared root is writable"
for m in "proc proc /host/proc" "sysfs sysfs /host/sys" "devtmpfs dev /host/dev" "tmpfs run /host/run"; do
  set -- $m; mount -t $1 $2 $3 || fail "mount $3"
done
# The guest's scratch space is /run/tmp (TMPDIR); /tmp too, unless the project lies under it.
mkdir -p /host/run/tmp && chmod 1777 /host/run/tmp || fail "/run/tmp"
case ${shellQuote(cwd + '/')} in /tmp/*) ;; *) mount -t tmpfs tmp /host/tmp || fail "mount /host/tmp" ;; esac
mount -t tracefs tracefs /host/sys/kernel/tracing || fail "tracefs"
grep -q "^sysfs /host/sys sysfs" /proc/mounts || fail "/host/sys is not the guest's sysfs"
[ "$(cat /host/sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds)" = 0 ] || fail "the guest's DAMON is not fresh"
chroot /host /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/tmp TERM=dumb \\
  TMPDIR=/run/tmp CI=1 DAMON_TS_IN_VM=1 /bin/sh -c 'cd "$1" && exec /bin/sh -c "$2"' vm ${shellQuote(cwd)} ${shellQuote(command)} \\
  > /dev/ttyS1 2>&1
echo "vm-exit $?" > /dev/ttyS1
poweroff -f
`;
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export interface VmResult {
  /** What the command printed (stdout and stderr). */
  output: string;
  /** Its exit status; 125 when the guest refused to run it (the reason is in output). */
  status: number;
  /** The guest kernel's console (boot messages). */
  console: string;
  seconds: number;
}

function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) resolve();
      else if (Date.now() - t0 > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 50);
    };
    tick();
  });
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => p.once('exit', () => r()));
}

/**
 * Boots the VM, runs `command` with /bin/sh in `cwd` (a path of this machine, seen read-only) as root
 * in the guest, and powers it off. Killed after `timeoutMs`.
 */
export async function runInVm(
  command: string,
  {
    cwd = process.cwd(),
    timeoutMs = 600_000,
    memMiB = 3072,
    cpus = 2,
    signal,
  }: { cwd?: string; timeoutMs?: number; memMiB?: number; cpus?: number; signal?: AbortSignal } = {},
): Promise<VmResult> {
  const dir = mkdtempSync(join(tmpdir(), 'damon-ts-vm-'));
  const procs: ChildProcess[] = [];
  const t0 = Date.now();
  try {
    const initrd = join(dir, 'initrd.cpio');
    writeFileSync(
      initrd,
      cpio([
        { name: 'bin', mode: 0o40755 },
        { name: 'bin/busybox', mode: 0o100755, data: readFileSync(BUSYBOX) },
        ...APPLETS.map((a) => ({ name: `bin/${a}`, mode: 0o120777, data: Buffer.from('busybox') })),
        { name: 'init', mode: 0o100755, data: Buffer.from(initScript(cwd, command)) },
      ]),
    );
    const sock = join(dir, 'virtiofs.sock');
    const fsd = spawn(
      VIRTIOFSD!,
      VIRTIOFSD!.endsWith('/qemu/virtiofsd')
        ? [`--socket-path=${sock}`, '-o', 'source=/', '-o', 'cache=auto', '-o', 'sandbox=chroot']
        : ['--socket-path', sock, '--shared-dir', '/', '--cache', 'auto', '--sandbox', 'chroot'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    procs.push(fsd);
    let fsdErr = '';
    fsd.stderr!.on('data', (d: Buffer) => (fsdErr += d.toString()));
    await waitFor(() => existsSync(sock) || fsd.exitCode !== null, 10_000, 'virtiofsd').catch(() => {});
    if (!existsSync(sock)) throw new Error(`virtiofsd did not start: ${fsdErr.trim()}`);

    const consoleFile = join(dir, 'console.txt');
    const outFile = join(dir, 'out.txt');
    const qemu = spawn(
      QEMU,
      [
        ...['-m', String(memMiB), '-smp', String(cpus), '-nodefaults', '-no-reboot', '-display', 'none'],
        ...['-kernel', join(VM_DIR, 'vmlinuz'), '-initrd', initrd],
        // DAMON_STAT would start a kdamond of its own at boot: the guest's DAMON stays free.
        ...['-append', 'console=ttyS0 quiet panic=-1 damon_stat.enabled=N'],
        ...['-serial', `file:${consoleFile}`, '-serial', `file:${outFile}`],
        ...['-object', `memory-backend-memfd,id=mem,size=${memMiB}M,share=on`, '-numa', 'node,memdev=mem'],
        ...['-chardev', `socket,id=fs,path=${sock}`, '-device', 'vhost-user-fs-pci,chardev=fs,tag=hostroot'],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    procs.push(qemu);
    let qemuErr = '';
    qemu.stderr!.on('data', (d: Buffer) => (qemuErr += d.toString()));
    const timer = setTimeout(() => qemu.kill('SIGKILL'), timeoutMs);
    const kill = () => qemu.kill('SIGKILL');
    signal?.addEventListener('abort', kill);
    await exited(qemu);
    clearTimeout(timer);
    signal?.removeEventListener('abort', kill);
    if (signal?.aborted) throw new Error('the run ended before the guest finished');
    const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').replaceAll('\r\n', '\n') : '');
    const all = read(outFile);
    const end = all.lastIndexOf('vm-exit ');
    const m = end >= 0 ? /^vm-exit (\d+)\n?$/.exec(all.slice(end)) : null;
    if (!m)
      throw new Error(
        `the VM ended without finishing the command (${Date.now() - t0 > timeoutMs ? 'timed out' : `qemu: ${qemuErr.trim() || 'no error'}`}); ` +
          `output:\n${all.slice(-3000)}\nconsole:\n${read(consoleFile).slice(-3000)}`,
      );
    return {
      output: all.slice(0, end),
      status: Number(m[1]),
      console: read(consoleFile),
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    for (const p of procs.reverse()) {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      await exited(p);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
