import { z } from 'zod';
import type { Holds, SameType } from './same-type.ts';

/** Circuit breaker states, as reported on spans, metrics and signals. */
export const BREAKER_STATES = ['closed', 'open', 'half_open', 'isolated'] as const;
/**
 * A circuit breaker state: `closed` (calls pass), `open` (calls refused), `half_open` (a limited
 * number or fraction of calls admitted to probe recovery), `isolated` (refused by hand until reset).
 */
export type BreakerState = (typeof BREAKER_STATES)[number];

/** States a fleet signal (or any external override) may impose on a breaker. */
export const OVERRIDE_STATES = ['open', 'half_open', 'closed'] as const;
/** A state a fleet signal or other external override may impose (one of {@link OVERRIDE_STATES}). */
export type OverrideState = (typeof OVERRIDE_STATES)[number];

/**
 * An external override of a local breaker: while `expiresAt` (epoch ms, on the SDK's own clock)
 * is in the future the breaker behaves as `state`, admitting the `allow` fraction of calls when
 * given. An expired override has no effect, so a lost control plane fails open. The breaker
 * counts the time left at the moment it is applied on monotonic time, so a later step of the
 * wall clock neither ends it early nor stretches it. Check untrusted input with
 * {@link BreakerOverrideSchema}.
 */
export type BreakerOverride = {
  state: OverrideState;
  /**
   * Fraction of calls admitted, 0..1. Without it `open` admits none, `half_open`
   * {@link DEFAULT_HALF_OPEN_ALLOW} and `closed` all.
   */
  allow?: number | undefined;
  /** When the override ends: epoch ms on the SDK's own clock. */
  expiresAt: number;
  /** Where the override came from, e.g. a signal id; reported on spans and metrics. */
  source?: string | undefined;
};

/** Validates a {@link BreakerOverride}. */
export const BreakerOverrideSchema = z.object({
  state: z.enum(OVERRIDE_STATES),
  allow: z.number().min(0).max(1).optional(),
  expiresAt: z.number().finite(),
  source: z.string().optional(),
});
type _BreakerOverrideChecked = Holds<SameType<z.infer<typeof BreakerOverrideSchema>, BreakerOverride>>;

/**
 * Fraction of calls a breaker admits under a `half_open` override that gives no `allow`.
 */
export const DEFAULT_HALF_OPEN_ALLOW = 0.1;
