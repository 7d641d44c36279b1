import { formatDuration } from '@breakwater/protocol';
import type { z } from 'zod';

interface Bounds {
  openDuration?: number | undefined;
  maxOpenDuration?: number | undefined;
  stepDuration?: number | undefined;
  stepMaxDuration?: number | undefined;
}

/** The keys of the `fleet:` section {@link checkDurationBounds} reads (durations in ms). */
interface BoundsInput extends Required<Bounds> {
  perDependency: Record<string, Bounds>;
}

/** Pairs of a duration and its ceiling: a ceiling below the start could never be reached. */
const PAIRS = [
  ['openDuration', 'maxOpenDuration'],
  ['stepDuration', 'stepMaxDuration'],
] as const;

/**
 * `maxOpenDuration` caps the open period that starts at `openDuration`, and `stepMaxDuration`
 * ends a ramp step that lasts at least `stepDuration`: each ceiling must not be below its start,
 * in the section and in every dependency's policy (one field overridden, the other inherited).
 */
export function checkDurationBounds(fleet: BoundsInput, ctx: z.RefinementCtx): void {
  const check = (policy: Bounds, path: (string | number)[]) => {
    for (const [start, ceiling] of PAIRS) {
      const low = policy[start] ?? fleet[start];
      const high = policy[ceiling] ?? fleet[ceiling];
      if (low <= high) continue;
      // Report it where it was written: on the dependency only when it overrides one of the two.
      if (path.length > 0 && policy[start] === undefined && policy[ceiling] === undefined) continue;
      ctx.addIssue({
        code: 'custom',
        path: [...path, ceiling],
        message: `${ceiling} ${formatDuration(high)} must be at least ${start} (${formatDuration(low)})`,
      });
    }
  };
  check(fleet, []);
  for (const [dependency, policy] of Object.entries(fleet.perDependency))
    check(policy, ['perDependency', dependency]);
}
