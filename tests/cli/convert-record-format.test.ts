/**
 * `convert_record_format` against damo 3.3 on the same record: json and perf_script byte for byte,
 * json_compressed the same text once inflated (zlib builds differ in their compressed bytes), and a
 * conversion in place (no output file) as damo does it.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSynthetic } from '../records/synthetic.js';
import { damo, damoAbsent, dts } from './damo-golden.js';

const why = damoAbsent();
if (why) console.log(`skipping the comparison with damo: ${why}`);
const dir = mkdtempSync(join(tmpdir(), 'damon-ts-convert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const input = writeSynthetic(join(dir, 'in.data'), 'json_compressed', { seed: 9, snapshots: 12, regions: 9 });

describe('convert_record_format', () => {
  it.skipIf(why !== null).each(['json', 'perf_script', 'json_compressed'])(
    'writes %s as damo does',
    (format) => {
      const theirs = join(dir, `damo.${format}`);
      const ours = join(dir, `ours.${format}`);
      const d = damo([
        'convert_record_format',
        '--record_file',
        input,
        '--format',
        format,
        '--output_file',
        theirs,
      ]);
      expect(d.code, d.stderr).toBe(0);
      const o = dts([
        'convert_record_format',
        '--record_file',
        input,
        '--format',
        format,
        '--output_file',
        ours,
      ]);
      expect(o.code, o.stderr).toBe(0);
      const text = (p: string): string =>
        (format === 'json_compressed' ? inflateSync(readFileSync(p)) : readFileSync(p)).toString();
      expect(text(ours).length).toBeGreaterThan(1000);
      expect(text(ours)).toBe(text(theirs));
    },
  );

  it.skipIf(why !== null)('converts in place without an output file, as damo does', () => {
    const theirs = join(dir, 'inplace-damo.data');
    const ours = join(dir, 'inplace-ours.data');
    copyFileSync(input, theirs);
    copyFileSync(input, ours);
    expect(damo(['convert_record_format', '--record_file', theirs, '--format', 'json']).code).toBe(0);
    const o = dts(['convert_record_format', '-i', ours, '--output_type', 'json']);
    expect(o.code, o.stderr).toBe(0);
    expect(readFileSync(ours, 'utf8')).toBe(readFileSync(theirs, 'utf8'));
  });
});
