/** Lets signal handlers and timers run between synchronous simulation steps. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
