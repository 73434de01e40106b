/** `damon-ts serve` / `exporter` as a user runs them: a child process, its printed URL, SIGTERM. */
import { spawn } from 'node:child_process';

export interface CliServer {
  match: RegExpExecArray;
  /** stdout lines and stderr chunks, in arrival order. */
  out: string[];
  /** stderr alone. */
  err: string[];
  /** null while the process runs, else its exit code (or signal name). */
  exited(): number | string | null;
  stop(): Promise<number | null>;
}

/** Starts the CLI, resolves with the first stdout line matching `re`; the child is killed by pid at the end. */
export function cli(args: string[], re: RegExp): Promise<CliServer> {
  const child = spawn(process.execPath, ['dist/interfaces/cli/main.js', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const err: string[] = [];
  let exit: number | string | null = null;
  child.once('exit', (code, signal) => (exit = code ?? signal));
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stderr.on('data', (c: Buffer) => {
      out.push(c.toString());
      err.push(c.toString());
    });
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        out.push(line);
        const m = re.exec(line);
        if (m)
          resolve({
            match: m,
            out,
            err,
            exited: () => exit,
            stop: () =>
              new Promise((done) => {
                if (exit !== null) return done(typeof exit === 'number' ? exit : null);
                child.once('exit', (code) => done(code));
                child.kill('SIGTERM');
              }),
          });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out.join('')}`)));
  });
}
