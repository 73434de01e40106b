/**
 * Writes to tracefs control files with the value found first saved, so that everything can be put
 * back exactly as found (in reverse order), on success, error or signal.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerExitCleanup } from './exit-cleanup.js';

/** Writes `value` to a tracefs file; the Error names the file, the value and the errno. */
export function writeTraceFile(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new Error(`tracefs: writing '${value}' to ${path} failed: ${code} ${(e as Error).message}`.trim());
  }
}

export function readTraceFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`tracefs: reading ${path} failed: ${(e as Error).message}`);
  }
}

/**
 * Turns what a control file reads back into what must be written to restore it. Most files read back
 * what was written; these do not:
 * - set_event_pid / set_ftrace_pid list one pid per line: written back space separated.
 * - trace_clock lists all clocks with the current one in brackets.
 * - buffer_size_kb reads "7 (expanded: 1408)" before first use: restore the expanded size, since
 *   writing 7 would pin a tiny buffer for the next user.
 * - enable files read "0*"/"1*" when soft-(dis)abled by a trigger: the digit is the value.
 */
export function restorableValue(file: string, text: string): string {
  const name = file.split('/').pop() ?? file;
  const t = text.trim();
  if (name === 'trace_clock') return /\[([^\]]+)\]/.exec(t)?.[1] ?? t;
  if (name === 'buffer_size_kb') return /expanded:\s*(\d+)/.exec(t)?.[1] ?? t;
  if (name === 'enable') return t.replace(/\*$/, '');
  if (name.endsWith('_pid')) return t.split(/\s+/).filter(Boolean).join(' ');
  return t;
}

/** A journal of tracefs writes below one directory; restore() undoes them newest first. */
export class TraceSettings {
  private readonly saved: { file: string; value: string }[] = [];
  private unregister: (() => void) | null = null;

  constructor(readonly dir: string) {}

  /** Current value of `file` (relative to the directory), as restorableValue() gives it. */
  get(file: string): string {
    return restorableValue(file, readTraceFile(join(this.dir, file)));
  }

  /** Writes `value` to `file`, saving the previous value the first time the file is touched. */
  set(file: string, value: string): void {
    if (!this.saved.some((s) => s.file === file)) this.saved.push({ file, value: this.get(file) });
    this.unregister ??= registerExitCleanup(() => this.restoreAll());
    writeTraceFile(join(this.dir, file), value);
  }

  /** Puts every touched file back as found. Tries all; throws one Error listing the failures. */
  restore(): void {
    const u = this.unregister;
    this.unregister = null;
    u?.();
  }

  private restoreAll(): void {
    const errors: string[] = [];
    while (this.saved.length > 0) {
      const { file, value } = this.saved.pop()!;
      try {
        writeTraceFile(join(this.dir, file), value);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    if (errors.length > 0) throw new Error(`tracefs: restoring settings failed:\n  ${errors.join('\n  ')}`);
  }
}
