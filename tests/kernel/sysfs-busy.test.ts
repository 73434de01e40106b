/**
 * A read of DAMON sysfs that the kernel refuses for a moment (EBUSY on kdamonds/N/state while a
 * kdamond starts or stops) is retried a bounded number of times; other errors are not retried.
 * The kernel's refusals are played by a node:fs whose reads of one file fail the first times.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const refusals = vi.hoisted(() => ({ left: 0, code: 'EBUSY', calls: 0 }));
vi.mock('node:fs', async (orig) => {
  const fs = await orig<typeof import('node:fs')>();
  const readFileSync = ((p: string, ...rest: unknown[]) => {
    if (String(p).endsWith('/state')) {
      refusals.calls++;
      if (refusals.left > 0) {
        refusals.left--;
        throw Object.assign(new Error(`${refusals.code}: refused`), { code: refusals.code });
      }
    }
    return (fs.readFileSync as (...a: unknown[]) => unknown)(p, ...rest);
  }) as typeof fs.readFileSync;
  return { ...fs, default: { ...fs, readFileSync }, readFileSync };
});

const { DamonSysfs, SysfsError } = await import('../../src/backends/kernel/sysfs.js');

function tree(): InstanceType<typeof DamonSysfs> {
  const root = mkdtempSync(join(tmpdir(), 'damon-ts-busy-'));
  mkdirSync(join(root, 'kdamonds', '0'), { recursive: true });
  writeFileSync(join(root, 'kdamonds', '0', 'state'), 'on\n');
  return new DamonSysfs(root);
}

describe('DamonSysfs.read when the kernel is busy', () => {
  it('a transient EBUSY or EAGAIN is retried and the value read', () => {
    for (const code of ['EBUSY', 'EAGAIN']) {
      Object.assign(refusals, { left: 3, code, calls: 0 });
      expect(tree().read('kdamonds/0/state')).toBe('on');
      expect(refusals.calls).toBe(4);
    }
  });

  it('a kernel that stays busy: after 5 tries, an error naming the file and EBUSY', () => {
    Object.assign(refusals, { left: 100, code: 'EBUSY', calls: 0 });
    const fs = tree();
    expect(() => fs.read('kdamonds/0/state')).toThrow(SysfsError);
    expect(() => fs.read('kdamonds/0/state')).toThrow(/reading .*kdamonds\/0\/state failed: EBUSY/);
    expect(refusals.calls).toBe(10);
  });

  it('other errors are not retried', () => {
    Object.assign(refusals, { left: 1, code: 'EACCES', calls: 0 });
    expect(() => tree().read('kdamonds/0/state')).toThrow(/EACCES/);
    expect(refusals.calls).toBe(1);
  });
});
