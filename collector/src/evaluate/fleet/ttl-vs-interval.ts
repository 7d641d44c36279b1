import { formatDuration } from '@breakwater/protocol';
import type { z } from 'zod';

/** The keys of the `fleet:` section {@link checkTtlCoversReissue} reads (durations in ms). */
interface TtlInput {
  evaluateInterval: number;
  ttl: number;
  perDependency: Record<string, { ttl?: number | undefined }>;
}

/**
 * Open and half-open signals are re-issued on an evaluation tick before `ttl / 2` has passed.
 * With `evaluateInterval ≥ ttl / 2` a signal can expire before the tick that re-issues it, and
 * every SDK drops the fleet override for part of every interval while the breaker is open: so
 * the interval must be shorter than half of every `ttl` (the section's and each dependency's).
 */
export function checkTtlCoversReissue(fleet: TtlInput, ctx: z.RefinementCtx): void {
  const check = (ttl: number, path: (string | number)[]) => {
    if (fleet.evaluateInterval < ttl / 2) return;
    ctx.addIssue({
      code: 'custom',
      path,
      message:
        `ttl ${formatDuration(ttl)} must be more than twice evaluateInterval (${formatDuration(fleet.evaluateInterval)}): ` +
        'signals are re-issued on evaluation ticks before half their ttl, so a shorter one lapses between re-issues',
    });
  };
  check(fleet.ttl, ['ttl']);
  for (const [dependency, policy] of Object.entries(fleet.perDependency))
    if (policy.ttl !== undefined) check(policy.ttl, ['perDependency', dependency, 'ttl']);
}
