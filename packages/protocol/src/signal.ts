import { z } from 'zod';
import { OVERRIDE_STATES, type OverrideState } from './breaker.ts';
import { DURATION_PATTERN } from './duration.ts';
import type { Holds, SameType } from './same-type.ts';

/**
 * The `kind` of a {@link BreakerSignal}. A signal of another kind comes from a newer collector: a
 * reader ignores it (it is not this kind, whatever else it carries), and need not call it malformed.
 */
export const BREAKER_SIGNAL_KIND = 'breaker';

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

/** Why the collector issued a signal: what it saw across the fleet. */
export type SignalReason = {
  /** Ratio of dependency-side failures over the window, 0..1. */
  errorRatio: number;
  /** The window the ratio was measured over, e.g. `"60s"`. */
  window: string;
  /** Calls seen in the window. */
  volume: number;
  /** Distinct `service.instance.id`s reporting failures. */
  instances: number;
  /**
   * Most frequent `error.type`s, most frequent first: at most 10, each `type` at most
   * {@link MAX_SIGNAL_ERROR_TYPE_CHARS} characters.
   */
  topErrorTypes: { type: string; count: number }[];
};

/** Validates a {@link SignalReason}. */
export const SignalReasonSchema = z.object({
  errorRatio: z.number().min(0).max(1),
  window: z.string().regex(DURATION_PATTERN),
  volume: z.number().int().nonnegative(),
  instances: z.number().int().nonnegative(),
  topErrorTypes: z
    .array(
      z.object({ type: z.string().max(MAX_SIGNAL_ERROR_TYPE_CHARS), count: z.number().int().nonnegative() }),
    )
    .max(10),
});
type _SignalReasonChecked = Holds<SameType<z.infer<typeof SignalReasonSchema>, SignalReason>>;

/**
 * A breaker signal pushed from the collector to every SDK. Validated by one schema on both ends
 * ({@link BreakerSignalSchema}; check untrusted input with {@link parseBreakerSignal}); a signal
 * that fails it is dropped and counted, never applied. The SDK computes expiry from its own
 * receipt time plus `ttlMs` so clock skew between hosts cannot extend a signal.
 */
export type BreakerSignal = {
  /** Id of this issue of the signal (each re-issue gets a new one), 1 to 128 characters. */
  id: string;
  kind: typeof BREAKER_SIGNAL_KIND;
  /** Dependency key (see `dependencyKey`), at most {@link MAX_SIGNAL_DEPENDENCY_CHARS} characters. */
  dependency: string;
  /** Service the signal is for; absent means every service. */
  service?: string | undefined;
  /** The state the SDKs' breakers of `dependency` take. */
  state: OverrideState;
  /** Fraction of calls admitted while ramping (half_open), 0..1. */
  allow?: number | undefined;
  /** How long the signal holds after the SDK receives it, ms (at most {@link MAX_SIGNAL_TTL_MS}). */
  ttlMs: number;
  /**
   * Epoch milliseconds on the collector's clock: informational. SDKs order signals by their
   * event id's sequence within a collector run, never by this (a stepped clock or another replica
   * would make a newer decision look older).
   */
  issuedAt: number;
  reason: SignalReason;
};

/** Validates a {@link BreakerSignal}. */
export const BreakerSignalSchema = z.object({
  id: z.string().min(1).max(128),
  kind: z.literal(BREAKER_SIGNAL_KIND),
  dependency: z.string().min(1).max(MAX_SIGNAL_DEPENDENCY_CHARS),
  service: z.string().min(1).max(MAX_SIGNAL_SERVICE_CHARS).optional(),
  state: z.enum(OVERRIDE_STATES),
  allow: z.number().min(0).max(1).optional(),
  ttlMs: z.number().int().positive().max(MAX_SIGNAL_TTL_MS),
  issuedAt: z.number().int().nonnegative(),
  reason: SignalReasonSchema,
});
type _BreakerSignalChecked = Holds<SameType<z.infer<typeof BreakerSignalSchema>, BreakerSignal>>;

/**
 * Largest SSE event (one `data:` line) a subscriber accepts on `GET /v1/signals`. A single signal
 * is far below it; a snapshot of many signals is sent in parts of at most half of it.
 */
export const MAX_SIGNAL_EVENT_BYTES = 1 << 20;

/** Body of `GET /v1/signals/active`, and the data of a `snapshot` event on the stream. */
export type ActiveSignals = {
  /** Collector time of the snapshot, epoch ms. */
  now: number;
  signals: BreakerSignal[];
  /**
   * On the stream, a snapshot too large for one event comes in parts: every part but the last says
   * `more: true`, and only the last carries the event id, so a subscriber cut off mid-snapshot has
   * no id to resume from and is sent the whole snapshot again.
   */
  more?: boolean | undefined;
};

/** Validates {@link ActiveSignals}. */
export const ActiveSignalsSchema = z.object({
  now: z.number().int().nonnegative(),
  signals: z.array(BreakerSignalSchema),
  more: z.boolean().optional(),
});
type _ActiveSignalsChecked = Holds<SameType<z.infer<typeof ActiveSignalsSchema>, ActiveSignals>>;

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
