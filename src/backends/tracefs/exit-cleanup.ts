/**
 * Process-wide registry of synchronous cleanups that must run however the process ends: normal exit,
 * an uncaught error, or SIGINT/SIGTERM/SIGHUP. Kernel state (tracefs settings, mounts, instances) is
 * global and outlives us, so it has to be put back even when the caller never reaches its `finally`.
 */

type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let installed = false;

function runAll(): void {
  // Newest first: later settings may depend on earlier ones (an instance inside a mount).
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    try {
      fn();
    } catch (e) {
      process.stderr.write(`damon-ts: cleanup failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}

function onSignal(sig: NodeJS.Signals): void {
  runAll();
  // If nobody else handles the signal, keep its default meaning (terminate with the signal).
  if (process.listenerCount(sig) === 1) {
    uninstall();
    process.kill(process.pid, sig);
  }
}

const handlers = new Map<NodeJS.Signals, () => void>();

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const sig of SIGNALS) {
    const h = (): void => onSignal(sig);
    handlers.set(sig, h);
    process.on(sig, h);
  }
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', runAll);
  for (const [sig, h] of handlers) process.off(sig, h);
  handlers.clear();
}

/**
 * Registers `fn` to run once at exit or on a terminating signal. Returns a function that runs it now
 * (if it has not run yet) and unregisters it: call that on the normal cleanup path.
 */
export function registerExitCleanup(fn: Cleanup): () => void {
  install();
  cleanups.add(fn);
  return () => {
    if (!cleanups.delete(fn)) return;
    if (cleanups.size === 0) uninstall();
    fn();
  };
}
