/**
 * Flush on SIGTERM/SIGINT without changing how the process ends. Node exits on these signals
 * only while nobody listens; once we listen, we must end the process ourselves unless the app
 * has its own listener (then exiting is the app's decision).
 *
 * An app that listens usually ends with `process.exit()` once its own shutdown is done (`next
 * start` closes its server, then calls `process.exit(143)`), which would cut the export of the
 * last spans short. So after the signal that exit is held until the shutdown flush is done.
 */
import { MAX_TIMER_MS } from '@breakwater/protocol';
import { holdRepeatedSignals, signalClusterWorkers } from './cluster-workers.ts';

interface Flushable {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
const handlers: Record<string, () => void> = {};

/**
 * Installs one-shot handlers that shut `handle` down within `timeoutMs` (at most
 * `MAX_TIMER_MS`, about 24.8 days: a longer Node timer fires after 1 ms, which would end the
 * process before its flush).
 */
export function installSignalHandlers(handle: Flushable, timeoutMs: number): void {
  // NaN, which Node would likewise turn into 1 ms, fails the comparison and waits the longest too.
  const waitMs = timeoutMs <= MAX_TIMER_MS ? timeoutMs : MAX_TIMER_MS;
  // A process that simply runs out of work exits without signals: flush then too. Work scheduled
  // here keeps the loop alive until the export finishes (bounded by the export timeout).
  // `beforeExit` fires only once nothing ref'd is pending, so it never lands mid-call: the waits a
  // call is blocked on (retry back-off, bulkhead queue) use ref'd timers (`KEEP_ALIVE` on the
  // clock), while background timers (deadline ticks, control-client reconnects) stay unref'd.
  process.once('beforeExit', () => {
    void handle.shutdown();
  });
  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      for (const s of SIGNALS) process.removeListener(s, handlers[s] ?? onSignal);
      // Ours runs first (prepended), so every app listener is still registered here, `once` ones
      // included: Node removes those just before calling them.
      if (process.listenerCount(signal) > 0) {
        // The app's listeners end the process when its own shutdown is done, its calls in flight
        // answered: what is buffered goes out now, the rest at its process.exit() or beforeExit.
        // A cluster primary's listener ends its workers as it sees fit.
        void handle.forceFlush();
        holdExit(handle, waitMs);
        return;
      }
      const release = holdRepeatedSignals(SIGNALS);
      const timer = setTimeout(finish, waitMs);
      timer.unref();
      // Ending the process ourselves, a cluster primary first has its workers flush and exit
      // (cluster-workers.ts).
      Promise.all([handle.shutdown(), signalClusterWorkers(signal)]).then(finish, finish);
      function finish(): void {
        clearTimeout(timer);
        release();
        // Re-raise with the default disposition so the exit code says which signal ended us.
        process.kill(process.pid, signal);
      }
    };
    handlers[signal] = onSignal;
    process.prependOnceListener(signal, onSignal);
  }
}

/**
 * Makes the next `process.exit()` shut `handle` down first (within `waitMs`), then exit with the
 * code it was given. The held call returns to its caller, where a real one never would; a second
 * call while the first is held changes nothing (the first one's code ends the process, as it would
 * have).
 */
function holdExit(handle: Flushable, waitMs: number): void {
  const exit = process.exit;
  let held = false;
  const holding = (code?: number | string | null): void => {
    if (held) return;
    held = true;
    // Should the loop run dry first, the process ends with that code all the same.
    if (code !== undefined && code !== null) process.exitCode = code;
    const timer = setTimeout(finish, waitMs);
    handle.shutdown().then(finish, finish);
    function finish(): void {
      clearTimeout(timer);
      if (process.exit === holding) process.exit = exit;
      exit.call(process, code);
    }
  };
  process.exit = holding as typeof process.exit;
}
