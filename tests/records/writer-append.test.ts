import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readRecords } from '../../src/records/reader.js';
import { recordHeader, type RecordFormat } from '../../src/records/types.js';
import { RecordWriter } from '../../src/records/writer.js';
import { plain, region, tmpDir } from './helpers.js';

const FORMATS: RecordFormat[] = ['json_compressed', 'json', 'perf_script'];

/** The bytes a reader sees: json_compressed inflated (its deflate pieces differ with the flushes). */
function content(path: string, fmt: RecordFormat): string {
  const b = readFileSync(path);
  return (fmt === 'json_compressed' ? inflateSync(b) : b).toString('utf8');
}

describe('RecordWriter flushes', () => {
  it('any sequence of snapshots over any targets, flushes and data_source changes: after each flush the file holds exactly what a single write would (property)', async () => {
    const dir = tmpDir();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FORMATS),
        // (target, flush after it?, then name its record's data_source anew?) per snapshot
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.boolean()), {
          minLength: 1,
          maxLength: 12,
        }),
        async (fmt, steps) => {
          const path = join(dir, `p${n}.data`);
          const ref = join(dir, `r${n++}.data`);
          const w = RecordWriter.open(path, fmt, { flushIntervalMs: 0 });
          const added: [number, number][] = [];
          const sources = new Map<number, string>();
          for (const [i, [t, flush, rename]] of steps.entries()) {
            const s = {
              start_time: i * 10,
              end_time: i * 10 + 10,
              regions: [region(4096 * t, 4096 * t + 4096 * (i + 1), i)],
            };
            w.addSnapshot(recordHeader({ target_id: t }), s);
            added.push([t, i]);
            if (rename) {
              w.setDataSource(`source ${i}`, (h) => h.target_id === t);
              sources.set(t, `source ${i}`);
            }
            if (!flush) continue;
            w.flush();
            const once = RecordWriter.open(ref, fmt, { flushIntervalMs: 0 });
            for (const [tt, ii] of added)
              once.addSnapshot(recordHeader({ target_id: tt, data_source: sources.get(tt) }), {
                start_time: ii * 10,
                end_time: ii * 10 + 10,
                regions: [region(4096 * tt, 4096 * tt + 4096 * (ii + 1), ii)],
              });
            once.close();
            expect(content(path, fmt)).toBe(content(ref, fmt));
            expect(plain(await readRecords(path))).toEqual(plain(await readRecords(ref)));
          }
          w.close();
        },
      ),
      { seed: 15, numRuns: 60 },
    );
  });

  it('a flush of one growing record appends: the file keeps its inode and grows by about what was added', () => {
    const dir = tmpDir();
    for (const fmt of FORMATS) {
      const path = join(dir, `a.${fmt}`);
      const w = RecordWriter.open(path, fmt, { flushIntervalMs: 0 });
      const h = recordHeader({ target_id: 0 });
      const snap = (i: number) => ({
        start_time: i * 10,
        end_time: i * 10 + 10,
        regions: Array.from({ length: 50 }, (_, k) => region(k * 4096, k * 4096 + 4096, (i * k) % 20)),
      });
      for (let i = 0; i < 200; i++) w.addSnapshot(h, snap(i));
      w.flush();
      const first = statSync(path);
      w.addSnapshot(h, snap(200));
      w.flush();
      const second = statSync(path);
      expect(second.ino).toBe(first.ino); // not a new file renamed over the old one
      expect(second.size - first.size).toBeLessThan(first.size / 50);
      expect(second.size).toBeGreaterThan(first.size);
      w.close();
    }
  });
});

describe('RecordWriter output checks', () => {
  it('refuses a FIFO, a symlink, a directory and a device, naming the path and what it is, and leaves them as they were', () => {
    const dir = tmpDir();
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const target = join(dir, 'target');
    writeFileSync(target, 'kept');
    const link = join(dir, 'link');
    symlinkSync(target, link);
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const cases: [string, RegExp][] = [
      [fifo, /fifo is a FIFO/],
      [link, /link is a symbolic link/],
      [sub, /sub is a directory/],
      [`${sub}/`, /sub\/ is a directory/],
      [join(dir, 'missing', 'x.data'), /the directory .*missing does not exist/],
    ];
    for (const [p, msg] of cases) expect(() => RecordWriter.open(p, 'json')).toThrow(msg);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('kept');
    expect(readdirSync(sub)).toEqual([]);
    // a device node of our own (root only), never the system's: a missed refusal would replace it
    if (process.getuid?.() === 0) {
      const dev = join(dir, 'null');
      execFileSync('mknod', [dev, 'c', '1', '3']);
      expect(() => RecordWriter.open(dev, 'json')).toThrow(/null is a device/);
      expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    }
  });

  it('a write that fails leaves no temp file and no spool, and says which record', () => {
    const dir = tmpDir();
    // the spool goes to $TMPDIR: a private one shows what is left
    const spoolDir = join(dir, 'tmp');
    mkdirSync(spoolDir);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = spoolDir;
    const path = join(dir, 'gone', 'x.data');
    mkdirSync(join(dir, 'gone'));
    let w: RecordWriter;
    try {
      w = RecordWriter.open(path, 'json', { flushIntervalMs: 0 });
    } finally {
      process.env.TMPDIR = saved;
    }
    expect(readdirSync(spoolDir).length).toBe(1);
    // a directory appears at the path while recording: the temp file is written, the rename refused
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'kept');
    w.addSnapshot(recordHeader({ target_id: 0 }), {
      start_time: 0,
      end_time: 10,
      regions: [region(0, 4096, 1)],
    });
    expect(() => w.close()).toThrow(/cannot write the record .*x\.data/);
    expect(readFileSync(join(path, 'inside'), 'utf8')).toBe('kept');
    expect(readdirSync(join(dir, 'gone'))).toEqual(['x.data']);
    expect(existsSync(`${path}.tmp-${process.pid}`)).toBe(false);
    expect(readdirSync(spoolDir)).toEqual([]);
  });
});
