/**
 * DAMOS watermarks (spec §4.6): a scheme is deactivated while the metric is above `high` or below
 * `low`, stays inactive while between `mid` and `high`, and is activated otherwise. The kdamond
 * waits the smallest wait of all schemes while none is active.
 */
import type { SchemesMetrics } from './metrics.js';
import type { Scheme } from './scheme.js';

/** damos_wmark_wait_us: 0 when the scheme is (now) active, else the µs to wait before re-checking. */
export function wmarkWaitUs(s: Scheme, metrics: SchemesMetrics | undefined): number {
  const w = s.wmarks;
  // metric none, or no way to measure it: always active.
  if (w.metric === 'none' || !metrics) return 0;
  const metric = metrics.freeMemRate();
  if (metric > w.high || w.low > metric) {
    w.activated = false;
    return w.intervalUs;
  }
  if (w.high >= metric && metric >= w.mid && !w.activated) return w.intervalUs;
  w.activated = true;
  return 0;
}

/** kdamond_wait_activation's one check: the minimum wait over the schemes (none → 0). */
export function activationWaitUs(schemes: readonly Scheme[], metrics: SchemesMetrics | undefined): number {
  let min = 0;
  let init = false;
  for (const s of schemes) {
    const w = wmarkWaitUs(s, metrics);
    if (!init || w < min) {
      init = true;
      min = w;
    }
  }
  return min;
}
