import { z } from 'zod';
import { OVERRIDE_STATES } from './breaker.ts';
import { DURATION_PATTERN } from './duration.ts';

/** Longest TTL a signal may carry: a stuck signal must still expire within the hour. */
export const MAX_SIGNAL_TTL_MS = 3_600_000;

/**
 * Longest dependency key a signal may carry, in characters. The collector tracks no longer
 * dependency keys, service names or error types (see {@link MAX_SIGNAL_SERVICE_CHARS},
 * {@link MAX_SIGNAL_ERROR_TYPE_CHARS}): a signal it issued for one would be dropped by every SDK
 * as malformed.
 */
export const MAX_SIGNAL_DEPENDENCY_CHARS = 512;
/** Longest `service` a signal may carry, in characters (see {@link MAX_SIGNAL_DEPENDENCY_CHARS}). */
export const MAX_SIGNAL_SERVICE_CHARS = 256;
/** Longest `error.type` in a signal's `reason.topErrorTypes`, in characters. */
export const MAX_SIGNAL_ERROR_TYPE_CHARS = 256;

/** Why the collector decided: what it saw across the fleet. */
export const SignalReasonSchema = z.object({
  /** Ratio of dependency-side failures over the window, 0..1. */
  errorRatio: z.number().min(0).max(1),
  /** The window the ratio was measured over, e.g. `"60s"`. */
  window: z.string().regex(DURATION_PATTERN),
  /** Calls seen in the window. */
  volume: z.number().int().nonnegative(),
  /** Distinct `service.instance.id`s reporting failures. */
  instances: z.number().int().nonnegative(),
  /** Most frequent `error.type`s, most frequent first. */
  topErrorTypes: z
    .array(
      z.object({ type: z.string().max(MAX_SIGNAL_ERROR_TYPE_CHARS), count: z.number().int().nonnegative() }),
    )
    .max(10),
});
/** Why the collector issued a signal; see {@link SignalReasonSchema}. */
export type SignalReason = z.infer<typeof SignalReasonSchema>;

/**
 * A breaker signal pushed from the collector to every SDK. Validated by this one schema on both
 * ends; a signal that fails it is dropped and counted, never applied. The SDK computes expiry
 * from its own receipt time plus `ttlMs` so clock skew between hosts cannot extend a signal.
 */
export const BreakerSignalSchema = z.object({
  /** Id of this issue of the signal (each re-issue gets a new one), 1 to 128 characters. */
  id: z.string().min(1).max(128),
  kind: z.literal('breaker'),
  /** Dependency key (see `dependencyKey`). */
  dependency: z.string().min(1).max(MAX_SIGNAL_DEPENDENCY_CHARS),
  /** Service the signal is for; absent means every service. */
  service: z.string().min(1).max(MAX_SIGNAL_SERVICE_CHARS).optional(),
  state: z.enum(OVERRIDE_STATES),
  /** Fraction of calls admitted while ramping (half_open). */
  allow: z.number().min(0).max(1).optional(),
  /** How long the signal holds after the SDK receives it, ms (at most {@link MAX_SIGNAL_TTL_MS}). */
  ttlMs: z.number().int().positive().max(MAX_SIGNAL_TTL_MS),
  /**
   * Epoch milliseconds on the collector's clock: informational. SDKs order signals by their
   * event id's sequence within a collector run, never by this (a stepped clock or another replica
   * would make a newer decision look older).
   */
  issuedAt: z.number().int().nonnegative(),
  reason: SignalReasonSchema,
});
/**
 * A breaker signal from the collector; see {@link BreakerSignalSchema}. Check untrusted input with
 * {@link parseBreakerSignal}.
 */
export type BreakerSignal = z.infer<typeof BreakerSignalSchema>;

/**
 * Largest SSE event (one `data:` line) a subscriber accepts on `GET /v1/signals`. A single signal
 * is far below it; a snapshot of many signals is sent in parts of at most half of it.
 */
export const MAX_SIGNAL_EVENT_BYTES = 1 << 20;

/** Body of `GET /v1/signals/active`, and the data of a `snapshot` event on the stream. */
export const ActiveSignalsSchema = z.object({
  /** Collector time of the snapshot, epoch ms. */
  now: z.number().int().nonnegative(),
  signals: z.array(BreakerSignalSchema),
  /**
   * On the stream, a snapshot too large for one event comes in parts: every part but the last says
   * `more: true`, and only the last carries the event id, so a subscriber cut off mid-snapshot has
   * no id to resume from and is sent the whole snapshot again.
   */
  more: z.boolean().optional(),
});
/** Body of `GET /v1/signals/active` and data of a `snapshot` event; see {@link ActiveSignalsSchema}. */
export type ActiveSignals = z.infer<typeof ActiveSignalsSchema>;

/** SSE event names on `GET /v1/signals`. */
export const SIGNAL_EVENT = {
  /** One signal (data: a {@link BreakerSignal}). */
  SIGNAL: 'signal',
  /** All active signals at connect time (data: {@link ActiveSignals}). */
  SNAPSHOT: 'snapshot',
} as const;

/**
 * Parses untrusted signal JSON. Returns the signal, or an error message naming what was wrong.
 */
export function parseBreakerSignal(
  input: unknown,
): { ok: true; signal: BreakerSignal } | { ok: false; error: string } {
  const result = BreakerSignalSchema.safeParse(input);
  if (result.success) return { ok: true, signal: result.data };
  return { ok: false, error: z.prettifyError(result.error) };
}
