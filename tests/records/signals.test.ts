import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/reader.js';
import { tmpDir } from './helpers.js';

describe('flushOnSignals', () => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`flushes and closes the record on ${sig}, then dies of the signal`, async () => {
      const path = join(tmpDir(), 'sig.data');
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'signal-writer.ts'), path, '25'],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()),
      );
      // nothing was flushed after open: no file until the signal
      expect(existsSync(path)).toBe(false);
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, s) => resolve(s)),
      );
      child.kill(sig);
      expect(await exited).toBe(sig);
      const recs = await readRecords(path);
      expect(recs[0]!.snapshots).toHaveLength(25);
    });
  }
});
