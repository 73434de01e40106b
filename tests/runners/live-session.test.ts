/** A live page_fault session on the real kernel (tracefs page-fault events); skipped where impossible. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { optionsToKdamonds } from '../../src/config/damo-options.js';
import { runLiveSession } from '../../src/runners/live-session.js';
import type { RecordHeader, Snapshot } from '../../src/records/types.js';

const reason =
  process.getuid?.() !== 0
    ? 'not root'
    : !existsSync('/sys/kernel/tracing') && !existsSync('/sys/kernel/debug/tracing')
      ? 'no tracefs'
      : !existsSync('/usr/bin/python3')
        ? 'no python3'
        : null;
if (reason) console.log(`live-session test skipped: ${reason}`);

const helper = new URL('../../native/build/libdamon-ts-uffd-wp.so', import.meta.url).pathname;
const woReason =
  reason ?? (existsSync(helper) ? null : 'the uffd-wp helper is not built (scripts/build-native.sh)');
if (woReason && !reason) console.log(`live write-only test skipped: ${woReason}`);

describe('live page_fault session', () => {
  it.skipIf(reason !== null)(
    'launches a command, takes its page faults as reports and records snapshots',
    async () => {
      const snaps: { h: RecordHeader; s: Snapshot }[] = [];
      const config = optionsToKdamonds({ sample_primitives: ['page_fault'] }, { kind: 'pid', pid: 0 });
      const prog =
        'import time\nt=time.time()\nwhile time.time()-t<1.0:\n  b=[bytearray(1<<20) for _ in range(16)]';
      const r = await runLiveSession({
        config,
        cmd: ['/usr/bin/python3', '-c', prog],
        sink: { addSnapshot: (h, s) => void snaps.push({ h, s }) },
        timeoutMs: 3000,
      });
      expect(r.source).toBe('page_fault');
      expect(r.reports.reportsApplied).toBeGreaterThan(0);
      expect(snaps.length).toBeGreaterThan(3);
      expect(snaps[0]!.h.data_source).toMatch(
        /^damon-ts live page_fault: .*; cannot see: accesses to pages already mapped/,
      );
      expect(
        snaps.some(({ s }) => s.regions.some((x) => x.nr_accesses.samples > 0 && x.damon_ts !== undefined)),
      ).toBe(true);
    },
    20_000,
  );

  it.skipIf(woReason !== null)(
    "write-only: a launched program's writes to sampling pages become write reports",
    async () => {
      const snaps: Snapshot[] = [];
      const config = optionsToKdamonds(
        { sample_primitives: ['page_fault'], exp_ops_write_only: true },
        { kind: 'pid', pid: 0 },
      );
      const prog =
        'import time\nb=bytearray(64<<20)\nt=time.time()\nwhile time.time()-t<1.5:\n  for i in range(0, 64<<20, 4096): b[i]=1';
      const r = await runLiveSession({
        config,
        cmd: ['/usr/bin/python3', '-c', prog],
        sink: { addSnapshot: (_h, s) => void snaps.push(s) },
        timeoutMs: 4000,
      });
      expect(r.source).toBe('write_only');
      expect(r.reports.reportsApplied).toBeGreaterThan(0);
      const hit = snaps.flatMap((s) => s.regions).filter((x) => x.nr_accesses.samples > 0);
      expect(hit.length).toBeGreaterThan(0);
      for (const x of hit) expect(x.damon_ts!.writes).toBeGreaterThan(0);
    },
    20_000,
  );
});
