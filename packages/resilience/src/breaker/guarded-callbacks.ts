import type { Backoff } from '../backoff/backoff.ts';
import type { Classification } from '../classify/classification.ts';
import { warnOnce } from '../telemetry/safe.ts';

// The breaker calls these in the middle of its bookkeeping: `shouldCount` while a failed call
// still holds its permit, `openBackoff` while it trips. A throw there would leave a half-open
// probe slot taken (every later call refused for good) or a trip half made; a delay that is not a
// finite, non-negative number would hold the breaker open forever (NaN never passes). A failing
// callback gives way to the built-in behaviour and is reported once as a process warning.

/** `shouldCount` that falls back to `builtIn` when it throws. */
export function guardShouldCount(
  shouldCount: (c: Classification) => boolean,
  builtIn: (c: Classification) => boolean,
): (c: Classification) => boolean {
  const report = warnOnce('Breakwater breaker shouldCount threw; the built-in rule decided');
  return (c) => {
    try {
      return shouldCount(c);
    } catch (bug) {
      report(bug);
      return builtIn(c);
    }
  };
}

/** `openBackoff` whose delay falls back to `builtIn`'s when it throws or is not a usable number. */
export function guardOpenBackoff(openBackoff: Backoff, builtIn: Backoff): Backoff {
  const report = warnOnce('Breakwater breaker openBackoff failed; the built-in open duration was used');
  return {
    delay(reopens, previousMs, random) {
      let ms: number;
      try {
        ms = openBackoff.delay(reopens, previousMs, random);
      } catch (bug) {
        report(bug);
        return builtIn.delay(reopens, previousMs, random);
      }
      if (typeof ms === 'number' && ms >= 0 && ms < Number.POSITIVE_INFINITY) return ms;
      report(`delay() returned ${String(ms)}, not a finite number of ms ≥ 0`);
      return builtIn.delay(reopens, previousMs, random);
    },
  };
}
