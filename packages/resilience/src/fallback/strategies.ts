import type { Clock } from '@breakwater/protocol';
import { systemClock } from '@breakwater/protocol';
import { z } from 'zod';
import type { Classification } from '../classify/classification.ts';
import type { CallContext } from '../core/context.ts';
import type { MutableCallContext } from '../core/mutable-context.ts';
import { ClockSchema, parseOptions } from '../core/options.ts';

/** Returned by a strategy that has nothing to offer, so the next one (or the error) wins. */
export const NO_FALLBACK: unique symbol = Symbol('breakwater.no-fallback');

/** How to produce a result when the protected call failed. */
export interface FallbackStrategy<F> {
  /** Reported as `breakwater.fallback`. */
  readonly name: string;
  /** Sees every successful result (the cached strategy remembers them). */
  onSuccess?(ctx: CallContext, value: unknown): void;
  /** A replacement result, or {@link NO_FALLBACK}. */
  resolve(
    ctx: CallContext,
    error: unknown,
    classification: Classification,
  ): F | typeof NO_FALLBACK | Promise<F | typeof NO_FALLBACK>;
}

/** Always the same value. */
export function staticFallback<F>(value: F, name = 'static'): FallbackStrategy<F> {
  return { name, resolve: () => value };
}

/** A function producing a degraded result (a smaller model, a canned answer, a partial result). */
export function degradedFallback<F>(
  fn: (ctx: CallContext, error: unknown, classification: Classification) => F | Promise<F>,
  name = 'degraded',
): FallbackStrategy<F> {
  return { name, resolve: fn };
}

/** Options of {@link cachedFallback}. */
export interface CachedFallbackOptions {
  /**
   * Cache key per call: what tells one caller's request from another's (a hash of the prompt and
   * the user, say). Required: a result remembered per dependency alone would answer every caller
   * with the last caller's result.
   */
  readonly key: (ctx: CallContext) => string;
  /** How long a remembered result stays usable, ms (default: forever). */
  readonly ttlMs?: number;
  /** Most keys remembered; the oldest is dropped first (default 1000). */
  readonly maxEntries?: number;
  readonly clock?: Clock;
  readonly name?: string;
}

// A misspelt `ttlMs` would keep every result forever; a NaN `maxEntries` would never drop one.
const CachedSchema = z.object({
  key: z.custom<(ctx: CallContext) => string>((v) => typeof v === 'function'),
  ttlMs: z
    .union([z.number().positive(), z.literal(Number.POSITIVE_INFINITY)])
    .default(Number.POSITIVE_INFINITY),
  maxEntries: z.number().int().min(1).default(1000),
  clock: ClockSchema.default(systemClock),
  name: z.string().min(1).default('cached'),
});

/**
 * The last good result for the same key, if it is fresh enough.
 *
 * @throws {TypeError} without a `key` function, or with options that are unknown or misshapen.
 */
export function cachedFallback<F>(options: CachedFallbackOptions): FallbackStrategy<F> {
  const key = (options as Partial<CachedFallbackOptions> | undefined)?.key;
  if (typeof key !== 'function') {
    throw new TypeError(
      "cachedFallback: options.key must be a function of the call: a result cached per dependency alone would answer every caller with the last caller's result",
    );
  }
  const o = parseOptions(CachedSchema, options, 'cachedFallback');
  const ttl = o.ttlMs;
  const max = o.maxEntries;
  const clock = o.clock;
  // `at` is monotonic time: a wall-clock step must not make a result stale or fresh.
  const entries = new Map<string, { value: F; at: number }>();
  return {
    name: o.name,
    onSuccess(ctx, value) {
      const k = key(ctx);
      entries.delete(k);
      entries.set(k, { value: value as F, at: clock.monotonic() });
      if (entries.size > max) entries.delete(entries.keys().next().value as string);
    },
    resolve(ctx) {
      const entry = entries.get(key(ctx));
      if (entry === undefined || clock.monotonic() - entry.at > ttl) return NO_FALLBACK;
      return entry.value;
    },
  };
}

/**
 * Tries each strategy in order; the first with something to offer wins and names the result. A
 * strategy that throws (a smaller model that is down too) hands over to the next; when none
 * offers anything, the chain throws what the last failing one threw, if one did.
 */
export function chainFallback<F>(...strategies: FallbackStrategy<F>[]): FallbackStrategy<F> {
  return {
    name: strategies.map((s) => s.name).join('>'),
    onSuccess(ctx, value) {
      // One strategy that cannot remember this success (a cache key() that cannot read the call)
      // must not keep the others from it; the first throw is still passed on, to be reported.
      let failed: { error: unknown } | undefined;
      for (const s of strategies) {
        try {
          s.onSuccess?.(ctx, value);
        } catch (error) {
          failed ??= { error };
        }
      }
      if (failed !== undefined) throw failed.error;
    },
    async resolve(ctx, error, classification) {
      let failed: { error: unknown } | undefined;
      for (const s of strategies) {
        let value: F | typeof NO_FALLBACK;
        try {
          value = await s.resolve(ctx, error, classification);
        } catch (strategyError) {
          failed = { error: strategyError };
          continue;
        }
        if (value !== NO_FALLBACK) {
          (ctx as MutableCallContext).fallback = s.name;
          return value;
        }
      }
      if (failed !== undefined) throw failed.error;
      return NO_FALLBACK;
    },
  };
}
