/**
 * A simulated session run live for the dashboard: the session's virtual clock is paced to the wall
 * clock (× speed) in ticks, so snapshots arrive as they would from a real monitor. A tick runs at
 * most MAX_TICK_FACTOR nominal ticks of virtual time, keeping the server responsive when the
 * simulation is slower than asked (the run then falls behind the requested speed).
 */
import type { Scheme } from '../../../schemes/scheme.js';
import type { SimSession } from '../../../runners/sim-session.js';
import type { SchemeStatsRow } from '../shared/frame.js';
import { Feed, type FeedOptions } from './feed.js';

const MAX_TICK_FACTOR = 4;

export interface LiveSimOptions extends FeedOptions {
  /** Virtual seconds per wall-clock second. */
  speed?: number;
  tickMs?: number;
  /** Stop at this virtual time (µs); default: when the session is done. */
  untilUs?: number;
  /** DAMOS schemes of kdamond i; default: the session's own (from the configuration). */
  schemesOf?: (kdamondIdx: number) => readonly Scheme[];
  title?: string;
}

export function schemeRows(schemes: readonly Scheme[]): SchemeStatsRow[] {
  return schemes.map((s) => ({
    action: s.action,
    nrTried: s.stat.nrTried,
    szTried: s.stat.szTried,
    nrApplied: s.stat.nrApplied,
    szApplied: s.stat.szApplied,
    qtExceeds: s.stat.qtExceeds,
  }));
}

export interface LiveRun {
  feed: Feed;
  /** Resolves when the run ends (session done, untilUs reached, or stop()). */
  done: Promise<void>;
  stop(): void;
}

/**
 * Feed for a session that records into it: build it first and pass it as the session's sink
 * (`new SimSession({..., sink: feed})`), then call runSimLive.
 */
export function liveFeed(title: string, o: FeedOptions = {}): Feed {
  return new Feed('live', title, o);
}

export function runSimLive(feed: Feed, session: SimSession, o: LiveSimOptions = {}): LiveRun {
  const speed = o.speed ?? 1;
  if (!(speed > 0)) throw new Error(`live run: speed must be positive, got ${speed}`);
  const tickMs = o.tickMs ?? 50;
  const until = o.untilUs ?? Infinity;
  feed.setSources((h) => {
    const i = h.kdamond_idx ?? 0;
    const ctx = session.contexts[i];
    return {
      counters: ctx
        ? () => ({ reportsReceived: ctx.stats.reportsReceived, reportsDropped: ctx.stats.reportsDropped })
        : undefined,
      schemes: () => schemeRows(o.schemesOf?.(i) ?? session.schemes[i]?.schemes ?? []),
      target: () => {
        const pid = typeof h.target_id === 'number' ? ctx?.targets[h.target_id]?.pid : undefined;
        if (pid === undefined || pid === null) return {};
        const comm = session.machine.processName(pid);
        return comm === undefined ? { pid } : { pid, comm };
      },
    };
  });
  feed.faultsInduced = () => session.machine.costs.damonFaults;
  let timer: NodeJS.Timeout | null = null;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const wall0 = performance.now();
  const virt0 = session.now;
  const end = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!feed.ended) {
      session.stop();
      feed.end();
    }
    finish();
  };
  const tick = (): void => {
    timer = null;
    const target = virt0 + (performance.now() - wall0) * 1000 * speed;
    const cap = session.now + tickMs * 1000 * speed * MAX_TICK_FACTOR;
    session.run(Math.min(target, cap, until));
    if (session.done || session.now >= until) end();
    else timer = setTimeout(tick, tickMs);
  };
  timer = setTimeout(tick, tickMs);
  return { feed, done, stop: end };
}
