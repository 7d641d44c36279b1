import type { Clock } from '@breakwater/protocol';
import { BreakerOverrideSchema } from '@breakwater/protocol';
import { z } from 'zod';

const WindowSnapshotSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('consecutive'), failures: z.number().int().nonnegative() }),
  z.object({ kind: z.literal('count'), outcomes: z.array(z.number().int().min(0).max(3)) }),
  z.object({
    kind: z.literal('time'),
    buckets: z.array(
      z.object({
        epoch: z.number().int().nonnegative(),
        total: z.number().int().nonnegative(),
        failures: z.number().int().nonnegative(),
        slow: z.number().int().nonnegative(),
      }),
    ),
  }),
]);

/**
 * A breaker's state as JSON (`breaker.toJSON()`), to persist across restarts or hand to another
 * process. In-flight probes are not part of it: they belong to the process that admitted them.
 * Its times (`openedAt`, `openUntil`, `halfOpenSince`, the override's `expiresAt`, the time
 * window's bucket epochs) are wall time: the breaker keeps them on monotonic time, whose origin
 * is the process's own, and converts them when it saves or restores.
 */
export const BreakerSnapshotSchema = z.object({
  version: z.literal(1),
  dependency: z.string(),
  /** Local state machine state (overrides and manual states are kept separately). */
  state: z.enum(['closed', 'open', 'half_open']),
  openedAt: z.number().optional(),
  openUntil: z.number().optional(),
  /** Consecutive re-opens (drives the open-duration back-off). */
  reopens: z.number().int().nonnegative(),
  halfOpenSince: z.number().optional(),
  probeSuccesses: z.number().int().nonnegative(),
  manual: z.enum(['isolated', 'forced_closed']).optional(),
  override: BreakerOverrideSchema.optional(),
  window: WindowSnapshotSchema,
});
export type BreakerSnapshot = z.infer<typeof BreakerSnapshotSchema>;

/** Both readings of a clock at one instant: converts a breaker's monotonic times to wall time. */
export interface ClockReading {
  readonly wall: number;
  readonly monotonic: number;
}

/** Reads both of `clock` at once. */
export function readClock(clock: Clock): ClockReading {
  return { wall: clock.now(), monotonic: clock.monotonic() };
}
