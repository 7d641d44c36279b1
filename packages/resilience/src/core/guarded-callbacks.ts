import type { Backoff } from '../backoff/backoff.ts';
import { warnOnce } from '../telemetry/safe.ts';

// Policies call these user callbacks in the middle of their bookkeeping: a breaker's
// `shouldCount` while a failed call still holds its permit, its `openBackoff` while it trips, a
// retry's `retryOn` and `backoff` between attempts, a fallback's `handle` on the final error. A
// throw there would leave a half-open probe slot taken (every later call refused for good), a
// trip half made, or the call failing with the callback's error instead of its own; a delay that
// is not a finite, non-negative number would hold a breaker open forever (NaN never passes),
// retry at once, not at all, or wait 24.8 days. A failing callback gives way to the built-in
// behaviour and is reported once as a process warning starting with `what`.

/** `predicate` that falls back to `builtIn` when it throws. */
export function guardPredicate<A>(
  predicate: (a: A) => boolean,
  builtIn: (a: A) => boolean,
  what: string,
): (a: A) => boolean {
  const report = warnOnce(what);
  return (a) => {
    try {
      return predicate(a);
    } catch (bug) {
      report(bug);
      return builtIn(a);
    }
  };
}

/** `backoff` whose delay falls back to `builtIn`'s when it throws or is not a usable number. */
export function guardBackoff(backoff: Backoff, builtIn: Backoff, what: string): Backoff {
  const report = warnOnce(what);
  return {
    delay(retry, previousMs, random) {
      let ms: number;
      try {
        ms = backoff.delay(retry, previousMs, random);
      } catch (bug) {
        report(bug);
        return builtIn.delay(retry, previousMs, random);
      }
      if (typeof ms === 'number' && ms >= 0 && ms < Number.POSITIVE_INFINITY) return ms;
      report(`delay() returned ${String(ms)}, not a finite number of ms ≥ 0`);
      return builtIn.delay(retry, previousMs, random);
    },
  };
}
