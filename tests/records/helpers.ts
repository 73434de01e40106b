import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import type { DamonRecord, RecordRegion } from '../../src/records/types.js';

export function tmpDir(): string {
  return mkdtempSync(join(tmpdir(), 'damon-ts-records-test-'));
}

export function region(start: number, end: number, samples: number, age: number | null = 0): RecordRegion {
  return {
    start,
    end,
    nr_accesses: { samples, percent: null },
    age: { usec: null, aggr_intervals: age },
    sz_filter_passed: 0,
  };
}

/** Records without the in-memory-only fields, for comparisons. */
export function plain(records: DamonRecord[]): unknown {
  return JSON.parse(JSON.stringify(records, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
}

/** Captures what is written to stderr while fn runs. */
export async function captureStderr<T>(fn: () => Promise<T>): Promise<{ value: T; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { value: await fn(), stderr };
  } finally {
    spy.mockRestore();
  }
}
