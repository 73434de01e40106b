/**
 * Drivers over the same step: a virtual clock (simulation and replay, as fast as the CPU allows,
 * deterministic) and a wall clock (live sources; sleeps the sample interval with timers).
 */
import type { DamonContext } from './context.js';

/** The simulated environment: runs the machine's workloads over virtual time [fromUs, toUs). */
export interface VirtualEnv {
  advance(fromUs: number, toUs: number): void;
}

/** Pending wake-up of each context driven by runVirtual, kept between calls to resume. */
const pendingWake = new WeakMap<DamonContext, number>();

/**
 * Runs contexts on one virtual clock until `untilUs`. The clock starts at the latest `now` of the
 * contexts; contexts not started yet start there. Each context wakes at its own next wake-up
 * (sample end, or activation re-check): the environment is always advanced to the earliest pending
 * wake-up first; ties are served in the order of `contexts`. Wake-ups after untilUs stay pending
 * for a later call; the environment is advanced to untilUs and live contexts' `now` set to it.
 * Returns early when every context has stopped (all targets invalid, or ctx.stop()).
 */
export function runVirtual(contexts: readonly DamonContext[], env: VirtualEnv, untilUs: number): void {
  const live = contexts.filter((c) => !c.isStopped);
  if (live.length === 0) return;
  let clock = live.reduce((m, c) => Math.max(m, c.now), -Infinity);
  for (const c of live) if (!pendingWake.has(c)) pendingWake.set(c, clock);
  for (;;) {
    let next: DamonContext | null = null;
    let at = Infinity;
    for (const c of live) {
      const w = pendingWake.get(c);
      if (w !== undefined && w < at) {
        at = w;
        next = c;
      }
    }
    if (next === null || at > untilUs) break;
    if (at > clock) env.advance(clock, at);
    clock = at;
    if (next.isSampling) next.endSample(at);
    const d = next.beginSample(at);
    if (next.isStopped) pendingWake.delete(next);
    else pendingWake.set(next, at + d);
  }
  if (!live.some((c) => !c.isStopped)) return;
  if (untilUs > clock) env.advance(clock, untilUs);
  for (const c of live) if (!c.isStopped) c.now = Math.max(c.now, untilUs);
}

/** Current wall-clock time in µs: stamp live reports with it (the wall-clock driver's clock). */
export function wallClockUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/**
 * Runs one context on the wall clock until it stops (all targets invalid, ctx.stop()) or `signal`
 * aborts; then stops it (ops.cleanup). Sleeps are aimed at absolute times so that timer lateness
 * does not accumulate.
 */
export async function runWallClock(ctx: DamonContext, opts: { signal?: AbortSignal } = {}): Promise<void> {
  const { signal } = opts;
  const sleep = (us: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(done, Math.max(0, us / 1000));
      function done(): void {
        signal?.removeEventListener('abort', done);
        clearTimeout(t);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  let now = wallClockUs();
  while (!ctx.isStopped && !signal?.aborted) {
    const d = ctx.beginSample(now);
    if (ctx.isStopped) break;
    const target = now + d;
    await sleep(target - wallClockUs());
    if (signal?.aborted) break;
    now = wallClockUs();
    if (ctx.isSampling) ctx.endSample(now);
  }
  ctx.stop();
}
