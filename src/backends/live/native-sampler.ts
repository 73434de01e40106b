/**
 * The monitor's batched per-sample calls (native/damon-ts-sampler.c, built by
 * scripts/build-native.sh into native/build/libdamon-ts-sampler.so), through koffi: one call per
 * sample for all regions instead of one JavaScript → kernel round trip per page.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SyscallError } from './linux-ffi.js';

const require = createRequire(import.meta.url);

export const SAMPLER_ENV = 'DAMON_TS_SAMPLER_LIB';

/** Flags of dts_pagemap_flags, per page. */
export const PM_FLAG = { present: 1, swapped: 2, uffdWp: 4, softDirty: 8, error: 128 } as const;

/** Path of the built library: $DAMON_TS_SAMPLER_LIB, else <package>/native/build/libdamon-ts-sampler.so. */
export function samplerLibraryPath(): string {
  return (
    process.env[SAMPLER_ENV] ??
    fileURLToPath(new URL('../../../native/build/libdamon-ts-sampler.so', import.meta.url))
  );
}

/** The two native entry points (koffi functions; arguments as in native/damon-ts-sampler.c). */
interface Lib {
  pagemapFlags: (...args: unknown[]) => number;
  wpArm: (...args: unknown[]) => number;
}

let lib: Lib | null = null;

function load(): Lib {
  if (lib) return lib;
  const path = samplerLibraryPath();
  if (!existsSync(path))
    throw new Error(
      `write-only monitoring needs the sampler library ${path}: build it with 'bash scripts/build-native.sh' (needs a C compiler)`,
    );
  const koffi = require('koffi') as typeof import('koffi');
  const l = koffi.load(path);
  lib = {
    pagemapFlags: l.func('int dts_pagemap_flags(int fd, int n, double *addrs, _Out_ uint8_t *flags)'),
    wpArm: l.func('int dts_wp_arm(int uffd, int n, double *addrs, _Out_ uint8_t *armed)'),
  };
  return lib;
}

/** Reads the pagemap flags (PM_FLAG bits) of the pages of addrs[0..n) into flags. */
export function pagemapFlags(pagemapFd: number, n: number, addrs: Float64Array, flags: Uint8Array): void {
  if (n === 0) return;
  const r = load().pagemapFlags(pagemapFd, n, addrs, flags);
  if (r < 0) throw new SyscallError('reading pagemap entries', -r);
}

/**
 * Write-protects the page of each of addrs[0..n) (armed[k] = 1 where that worked). Returns how many
 * lie in no registered mapping.
 */
export function wpArm(uffd: number, n: number, addrs: Float64Array, armed: Uint8Array): number {
  const r = load().wpArm(uffd, n, addrs, armed);
  if (r < 0) throw new SyscallError('userfaultfd write-protect', -r);
  return r;
}
