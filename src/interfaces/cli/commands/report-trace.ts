/**
 * `damon-ts report trace -i FILE` (damo's): the DAMON trace events of a perf record file (through
 * perf script), a trace-cmd record (through trace-cmd report), or a text saved by damo's
 * `report trace --output`. Tracing the kernel's events live is left to perf or trace-cmd.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DAMON_TRACE_EVENTS, formatTrace, type TraceLineKind } from '../../../reports/trace-events.js';
import { UsageError } from '../../../config/errors.js';
import { commandAvailable } from '../shared/perf.js';
import { inputOption } from '../shared/options.js';

function runTool(cmd: string, args: string[]): { text: string | null; err: string } {
  if (!commandAvailable(cmd)) return { text: null, err: `${cmd} not found` };
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status === 0) return { text: r.stdout, err: '' };
  return { text: null, err: `exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}` };
}

/** A text saved by `report trace --output`: three header lines, the second naming the tracer. */
function savedTrace(path: string): { text: string; kind: TraceLineKind } | string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
  const lines = text.trim().split('\n');
  if (lines.length < 3) return 'no header';
  const version = lines[0]!.split(/\s+/);
  if (version.length !== 2 || version[0] !== 'damo_report_trace_output_format_version:')
    return `unexpected version header "${lines[0]}"`;
  const tracer = lines[2]!.split(/\s+/);
  if (tracer.length !== 2 || tracer[0] !== 'damo_report_trace_output_tracer:')
    return `unexpected tracer header "${lines[2]}"`;
  if (tracer[1] !== 'perf' && tracer[1] !== 'trace-cmd') return `unsupported tracer ${tracer[1]}`;
  // damo reads back the lines of either tracer in the record formats of perf script / trace-cmd report
  return { text, kind: tracer[1] === 'perf' ? 'perf-script' : 'trace-cmd-report' };
}

function readTrace(path: string): { text: string; kind: TraceLineKind } {
  const perf = runTool('perf', ['script', '--force', '-i', path]);
  if (perf.text !== null) return { text: perf.text, kind: 'perf-script' };
  const tc = runTool('trace-cmd', ['report', '-i', path]);
  if (tc.text !== null) return { text: tc.text, kind: 'trace-cmd-report' };
  const saved = savedTrace(path);
  if (typeof saved !== 'string') return saved;
  throw new Error(
    `cannot read ${path} via perf (${perf.err}), trace-cmd (${tc.err}), or as a saved text (${saved})`,
  );
}

export function registerTrace(report: Command): void {
  const all = [...DAMON_TRACE_EVENTS] as string[];
  report
    .command('trace')
    .description('show the DAMON trace events of a recorded trace')
    .option('--event <events...>', `events to show (${all.join(', ')}, all)`, ['all'])
    .option('--no_event <events...>', 'events to leave out')
    .addOption(
      inputOption('trace record file (perf record, trace-cmd record, or a saved report trace text)', null),
    )
    .option('--raw', 'also show each raw trace line')
    .option('--max_cols <n>', 'max columns per line', '100')
    .addHelpText(
      'after',
      '\nExamples:\n  perf record -e damon:damon_aggregated -a -o damon.perf sleep 5\n  damon-ts report trace -i damon.perf',
    )
    .action(
      (o: { event: string[]; no_event?: string[]; input?: string; raw?: boolean; max_cols: string }) => {
        for (const e of [...o.event, ...(o.no_event ?? [])])
          if (e !== 'all' && !all.includes(e))
            throw new UsageError(`--event/--no_event: '${e}' is not one of ${all.join(', ')}, all`);
        const maxCols = /^\d+$/.test(o.max_cols) ? Number(o.max_cols) : NaN;
        if (!Number.isSafeInteger(maxCols))
          throw new UsageError(`--max_cols: '${o.max_cols}' is not an integer`);
        const events = o.event.includes('all') ? [...all] : [...o.event];
        for (const e of o.no_event ?? []) {
          const i = events.indexOf(e);
          if (i < 0) throw new UsageError(`--no_event ${e}: not among the events to show`);
          events.splice(i, 1);
        }
        if (o.input === undefined)
          throw new UsageError(
            'give a recorded trace with -i: damon-ts reads recorded traces (trace the events live with perf trace or trace-cmd stream)',
          );
        const { text, kind } = readTrace(o.input);
        process.stdout.write(formatTrace(text, kind, events, o.raw === true, maxCols, o.input));
      },
    );
}
