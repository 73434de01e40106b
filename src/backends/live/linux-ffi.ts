/**
 * The few Linux calls Node has no API for, through koffi (loaded lazily, so that importing the live
 * sources costs nothing where they are not used): ioctl with a struct buffer, pidfd_open and
 * pidfd_getfd. x86-64 syscall numbers (434, 438); other architectures use the same numbers for
 * these two (they were added after the unified table).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface Ffi {
  ioctl(fd: number, req: number, arg: Buffer): number;
  syscall3(nr: number, a: number, b: number, c: number): number;
  errno(): number;
  address(buf: Buffer): number;
}

let ffi: Ffi | null = null;

function load(): Ffi {
  if (ffi) return ffi;
  let koffi: typeof import('koffi');
  try {
    koffi = require('koffi') as typeof import('koffi');
  } catch (e) {
    throw new Error(`live sources need the koffi package for ioctl/syscalls: ${(e as Error).message}`);
  }
  const libc = koffi.load('libc.so.6');
  const ioctl = libc.func('int ioctl(int fd, unsigned long req, _Inout_ uint8_t *arg)');
  const syscall = libc.func('long syscall(long nr, long a, long b, long c)');
  ffi = {
    ioctl: (fd, req, arg) => ioctl(fd, req, arg) as number,
    syscall3: (nr, a, b, c) => Number(syscall(nr, a, b, c)),
    errno: () => koffi.errno(),
    address: (buf) => Number(koffi.address(buf)),
  };
  return ffi;
}

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  3: 'ESRCH',
  9: 'EBADF',
  12: 'ENOMEM',
  14: 'EFAULT',
  16: 'EBUSY',
  22: 'EINVAL',
  25: 'ENOTTY',
  38: 'ENOSYS',
};

/** "EINVAL (22)" style name of an errno. */
export function errnoName(errno: number): string {
  return `${ERRNO_NAMES[errno] ?? 'errno'} (${errno})`;
}

/** Error thrown by a failed call; `errno` is the kernel's error number. */
export class SyscallError extends Error {
  constructor(
    what: string,
    readonly errno: number,
  ) {
    super(`${what} failed: ${errnoName(errno)}`);
  }
}

/** ioctl(fd, req, buf); throws SyscallError naming `what` on failure. Returns the call's result. */
export function ioctlBuf(fd: number, req: number, buf: Buffer, what: string): number {
  const f = load();
  const r = f.ioctl(fd, req, buf);
  if (r < 0) throw new SyscallError(what, f.errno());
  return r;
}

/** Address of a Buffer's memory, for pointers inside ioctl structs (the Buffer must stay referenced). */
export function bufferAddress(buf: Buffer): number {
  return load().address(buf);
}

/** A copy, in this process, of file descriptor `targetFd` of process `pid` (pidfd_getfd; root or ptrace rights). */
export function copyProcessFd(pid: number, targetFd: number): number {
  const f = load();
  const pidfd = f.syscall3(434, pid, 0, 0);
  if (pidfd < 0) throw new SyscallError(`pidfd_open(${pid})`, f.errno());
  try {
    const fd = f.syscall3(438, pidfd, targetFd, 0);
    if (fd < 0) throw new SyscallError(`pidfd_getfd(${pid}, ${targetFd})`, f.errno());
    return fd;
  } finally {
    f.syscall3(3, pidfd, 0, 0); // close
  }
}

/** Writes a u64 as two u32 (values below 2^53: addresses, lengths, flags). */
export function writeU64(buf: Buffer, off: number, v: number): void {
  buf.writeUInt32LE((v % 4294967296) >>> 0, off);
  buf.writeUInt32LE(Math.floor(v / 4294967296) >>> 0, off + 4);
}
