/**
 * What a periodic flush of a growing record costs: one second's worth of snapshots (10 aggregations
 * of 1,000 regions) appended to records of 1,000 to 16,000 snapshots, in json_compressed. The anchor
 * is the same flush done as a whole-file rewrite (a second target whose record also grows forces the
 * writer to assemble the file again), measured in the same run. An append should stay flat as the
 * record grows; the rewrite grows with it.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordHeader, type Snapshot } from '../src/records/types.js';
import { RecordWriter } from '../src/records/writer.js';

const REGIONS = 1000;
const PER_FLUSH = 10;
const SIZES = [1000, 4000, 16000];
const ROUNDS = 5;

function snapshot(i: number): Snapshot {
  return {
    start_time: i * 100_000_000,
    end_time: (i + 1) * 100_000_000,
    regions: Array.from({ length: REGIONS }, (_, k) => ({
      start: k * 2 ** 21,
      end: (k + 1) * 2 ** 21,
      nr_accesses: { samples: (i * 7 + k) % 21, percent: ((i * 7 + k) % 21) * 5 },
      age: { usec: ((i + k) % 50) * 100_000, aggr_intervals: (i + k) % 50 },
      sz_filter_passed: 0,
    })),
  };
}

/** Median ms of a flush after PER_FLUSH more snapshots, on a record of `size` snapshots. */
function flushMs(size: number, sideBySide: boolean): { ms: number; bytes: number } {
  const dir = mkdtempSync(join(tmpdir(), 'damon-ts-bench-flush-'));
  const path = join(dir, 'r.data');
  const w = RecordWriter.open(path, 'json_compressed', { flushIntervalMs: 0 });
  const a = recordHeader({ target_id: 0 });
  const b = recordHeader({ target_id: 1 });
  const small = snapshot(0);
  small.regions = small.regions.slice(0, 1);
  let i = 0;
  // the second record first, so that the big one is the file's last
  if (sideBySide) w.addSnapshot(b, small);
  for (; i < size; i++) w.addSnapshot(a, snapshot(i));
  w.flush();
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < PER_FLUSH; k++, i++) w.addSnapshot(a, snapshot(i));
    if (sideBySide) w.addSnapshot(b, { ...small, start_time: i, end_time: i + 1 });
    const t0 = process.hrtime.bigint();
    w.flush();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const bytes = statSync(path).size;
  w.close();
  rmSync(dir, { recursive: true, force: true });
  times.sort((x, y) => x - y);
  return { ms: times[Math.floor(ROUNDS / 2)]!, bytes };
}

console.log('snapshots\tfile MiB\tappend ms\trewrite ms\trewrite/append');
for (const size of SIZES) {
  const app = flushMs(size, false);
  const rew = flushMs(size, true);
  console.log(
    `${size}\t${(app.bytes / 2 ** 20).toFixed(1)}\t${app.ms.toFixed(2)}\t${rew.ms.toFixed(2)}\t${(rew.ms / app.ms).toFixed(1)}`,
  );
}
