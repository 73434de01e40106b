/**
 * Progress of long runs on stderr: on a terminal, a bar (cli-progress) for runs longer than a
 * second; off a terminal (pipes, logs, CI), one plain line every few seconds, e.g.
 * "record: 12.0 s of 26.0 s virtual, 120 snapshots". DAMON_TS_PROGRESS_INTERVAL sets the seconds
 * between those lines (default 5; 0: one line per update).
 */
import { createRequire } from 'node:module';
import type CliProgress from 'cli-progress';

export interface Progress {
  /** done and total in virtual µs; detail is appended to the line (e.g. "120 snapshots"). */
  update(done: number, total: number, detail?: string): void;
  stop(): void;
}

const DEFAULT_INTERVAL_S = 5;

function lineIntervalMs(env: NodeJS.ProcessEnv): number {
  const v = Number(env.DAMON_TS_PROGRESS_INTERVAL);
  return (
    (env.DAMON_TS_PROGRESS_INTERVAL !== undefined && Number.isFinite(v) && v >= 0 ? v : DEFAULT_INTERVAL_S) *
    1000
  );
}

const seconds = (us: number) => (us / 1e6).toFixed(1);

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const t0 = performance.now();
  if (!stream.isTTY) {
    const every = lineIntervalMs(process.env);
    let last = t0;
    return {
      update(done, total, detail) {
        const now = performance.now();
        if (now - last < every) return;
        last = now;
        stream.write(
          `${label}: ${seconds(done)} s of ${seconds(total)} s virtual${detail ? `, ${detail}` : ''}\n`,
        );
      },
      stop() {},
    };
  }
  // Loaded on a terminal only: runs in pipes and CI start faster without it.
  const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof CliProgress;
  let bar: CliProgress.SingleBar | null = null;
  return {
    update(done, total, detail) {
      if (!bar) {
        if (performance.now() - t0 < 1000) return;
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: `${label} [{bar}] {percentage}% | {value}/{total} s virtual{detail} | ETA {eta}s`,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.round(total / 1e5) / 10, 0, { detail: '' });
      }
      bar.update(Math.round(done / 1e5) / 10, { detail: detail ? `, ${detail}` : '' });
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
