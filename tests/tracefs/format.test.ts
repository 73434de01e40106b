import { describe, expect, it } from 'vitest';
import {
  eventField,
  parseEventFormat,
  parseHeaderPage,
  readField,
} from '../../src/backends/tracefs/format.js';
import { tracefsMountPoints } from '../../src/backends/tracefs/mount.js';
import { restorableValue } from '../../src/backends/tracefs/settings.js';
import { parseCpuStats } from '../../src/backends/tracefs/stats.js';

const PF_FORMAT = `name: page_fault_user
ID: 190
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:unsigned long address;\toffset:8;\tsize:8;\tsigned:0;
\tfield:unsigned long ip;\toffset:16;\tsize:8;\tsigned:0;
\tfield:unsigned long error_code;\toffset:24;\tsize:8;\tsigned:0;
\tfield:char comm[16];\toffset:32;\tsize:16;\tsigned:0;
\tfield:long delta;\toffset:48;\tsize:8;\tsigned:1;

print fmt: "address=%ps ip=%ps error_code=0x%lx", (void *)REC->address, (void *)REC->ip, REC->error_code
`;

describe('event formats', () => {
  const fmt = parseEventFormat(PF_FORMAT, '/t/events/exceptions/page_fault_user/format');

  it('parses name, id, system and fields', () => {
    expect(fmt.name).toBe('page_fault_user');
    expect(fmt.id).toBe(190);
    expect(fmt.system).toBe('exceptions');
    expect(eventField(fmt, 'address')).toEqual({
      name: 'address',
      decl: 'unsigned long address',
      offset: 8,
      size: 8,
      signed: false,
    });
    expect(eventField(fmt, 'comm').size).toBe(16);
    expect(eventField(fmt, 'common_pid').signed).toBe(true);
  });

  it('reads integer fields of every size by name, 64-bit ones without BigInt', () => {
    const rec = Buffer.alloc(56);
    rec.writeUInt16LE(190, 0);
    rec.writeInt32LE(-5, 4);
    rec.writeBigUInt64LE(0x7f26051dae06n, 8);
    rec.writeBigUInt64LE(0x7n, 24);
    rec.writeBigInt64LE(-3n, 48);
    const at = Buffer.concat([Buffer.alloc(10), rec]);
    expect(readField(at, 10, eventField(fmt, 'common_type'))).toBe(190);
    expect(readField(at, 10, eventField(fmt, 'common_pid'))).toBe(-5);
    expect(readField(at, 10, eventField(fmt, 'address'))).toBe(0x7f26051dae06);
    expect(readField(at, 10, eventField(fmt, 'error_code'))).toBe(7);
    expect(readField(at, 10, eventField(fmt, 'delta'))).toBe(-3);
    expect(() => readField(at, 10, eventField(fmt, 'comm'))).toThrow(/size 16: not an integer field/);
  });

  it('names the event and lists fields when a field is missing, and rejects non-formats', () => {
    expect(() => eventField(fmt, 'nr_accesses')).toThrow(
      /exceptions:page_fault_user has no field 'nr_accesses' \(has common_type, .*error_code/,
    );
    expect(() => parseEventFormat('hello', '/x/format')).toThrow(/\/x\/format: not an event format/);
  });

  it('parses header_page', () => {
    const hp = `\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;
\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;
\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;
\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;`;
    expect(parseHeaderPage(hp, 'hp')).toEqual({
      timestampOffset: 0,
      commitOffset: 8,
      commitSize: 8,
      dataOffset: 16,
    });
    expect(() => parseHeaderPage('', 'hp')).toThrow(/hp: missing/);
  });
});

describe('settings, stats, mounts', () => {
  it('turns read-back values into restorable ones', () => {
    expect(restorableValue('trace_clock', '[local] global counter uptime perf mono mono_raw boot\n')).toBe(
      'local',
    );
    expect(restorableValue('buffer_size_kb', '7 (expanded: 1408)\n')).toBe('1408');
    expect(restorableValue('buffer_size_kb', '4096\n')).toBe('4096');
    expect(restorableValue('events/exceptions/page_fault_user/enable', '0*\n')).toBe('0');
    expect(restorableValue('set_event_pid', '12\n34\n')).toBe('12 34');
    expect(restorableValue('set_event_pid', '')).toBe('');
    expect(restorableValue('options/event-fork', '1\n')).toBe('1');
  });

  it('parses per-CPU stats and names a bad file', () => {
    const text =
      'entries: 3\noverrun: 10\ncommit overrun: 0\nbytes: 120\noldest event ts:  5.0\nnow ts:  6.0\ndropped events: 2\nread events: 99\n';
    expect(parseCpuStats(text, 's')).toEqual({
      entries: 3,
      overrun: 10,
      commitOverrun: 0,
      droppedEvents: 2,
      readEvents: 99,
    });
    expect(() => parseCpuStats('entries: 1', '/t/per_cpu/cpu0/stats')).toThrow(
      /\/t\/per_cpu\/cpu0\/stats: no 'overrun:' line/,
    );
  });

  it('lists tracefs mount points with escapes decoded', () => {
    const mounts =
      'proc /proc proc rw 0 0\nnodev /sys/kernel/tracing tracefs rw 0 0\nnodev /tmp/a\\040b tracefs rw 0 0\n';
    expect(tracefsMountPoints(mounts)).toEqual(['/sys/kernel/tracing', '/tmp/a b']);
  });
});
