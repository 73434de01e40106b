/**
 * A progress bar (cli-progress, on stderr) for runs longer than a second on a terminal; nothing at
 * all when stderr is not a TTY (pipes, tests, CI).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** done and total in any unit (virtual µs here). */
  update(done: number, total: number): void;
  stop(): void;
}

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const t0 = performance.now();
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(done, total) {
      if (!stream.isTTY) return;
      if (!bar) {
        if (performance.now() - t0 < 1000) return;
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: `${label} [{bar}] {percentage}% | {value}/{total} s virtual | ETA {eta}s`,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.round(total / 1e5) / 10, 0);
      }
      bar.update(Math.round(done / 1e5) / 10);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

/** Lets signal handlers and timers run between synchronous simulation steps. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
