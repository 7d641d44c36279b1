import type { Clock } from '@breakwater/protocol';
import { systemClock } from '@breakwater/protocol';
import { z } from 'zod';
import type { Backoff } from '../backoff/backoff.ts';
import { ExponentialBackoff } from '../backoff/exponential.ts';
import type { Classification } from '../classify/classification.ts';
import type { Classifier } from '../classify/classifier.ts';
import { defaultClassifier } from '../classify/classifier.ts';
import { guardClassifier } from '../classify/guard-classifier.ts';
import { guardBackoff, guardPredicate } from '../core/guarded-callbacks.ts';
import { ClockSchema, ObjectSchema, objectWithMethods, parseOptions } from '../core/options.ts';
import type { TrafficRampOptions } from '../recovery/traffic-ramp.ts';
import { TrafficRamp } from '../recovery/traffic-ramp.ts';
import type { ResilienceListener } from '../telemetry/listener.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { FailureWindow } from './failure-window.ts';
import { ConsecutiveFailures, CountWindow, TimeWindow } from './failure-window.ts';

/** How a closed breaker decides to open. */
export type TripOptions =
  /** After `threshold` consecutive counted failures (default 5). */
  | { readonly kind: 'consecutive'; readonly threshold?: number }
  /**
   * When `failureRatio` of the last `size` calls failed, once `minimumThroughput` calls were seen
   * (default 10, or `size` when smaller; at most `size`, since the window never holds more).
   */
  | {
      readonly kind: 'count';
      readonly size?: number;
      readonly minimumThroughput?: number;
      readonly failureRatio?: number;
    }
  /** When `failureRatio` of the calls in the last `windowMs` failed, once `minimumThroughput` were seen. */
  | {
      readonly kind: 'time';
      readonly windowMs?: number;
      readonly buckets?: number;
      readonly minimumThroughput?: number;
      readonly failureRatio?: number;
    };

/** Options of {@link CircuitBreaker}. Every field is optional. */
export interface CircuitBreakerOptions {
  /** Dependency key the breaker protects (default `unknown`). */
  readonly dependency?: string;
  readonly clock?: Clock;
  /** Trip rule (default `{ kind: 'consecutive', threshold: 5 }`). */
  readonly trip?: TripOptions;
  /**
   * Slow calls: a call taking `thresholdMs` or more is slow. Count/time windows trip when
   * `ratio` (default 0.5) of calls were slow; the consecutive rule counts a slow call as a failure.
   */
  readonly slowCall?: { readonly thresholdMs: number; readonly ratio?: number };
  /**
   * Half-open behaviour: admit at most `probes` trial calls (default 1) and close after
   * `successThreshold` of them succeed (default 1, at most `probes`). With `ramp`, admit a rising
   * fraction of calls instead and close when the ramp completes with no failure.
   */
  readonly halfOpen?: {
    readonly probes?: number;
    readonly successThreshold?: number;
    readonly ramp?: TrafficRampOptions;
  };
  /** How long the breaker stays open the first time, ms (default 30 000). */
  readonly openDurationMs?: number;
  /** Cap on the open duration as re-opens back off, ms (default 300 000). */
  readonly maxOpenDurationMs?: number;
  /**
   * Open duration per consecutive re-open (0 = first open). Default: doubling from
   * `openDurationMs`, capped at `maxOpenDurationMs`, no jitter.
   */
  readonly openBackoff?: Backoff;
  /** Which failures count against the breaker (default: `source === 'dependency'`). */
  readonly shouldCount?: (classification: Classification) => boolean;
  /** Classifier for `execute()`/`run()` (the pipeline passes its own classification). */
  readonly classifier?: Classifier;
  /** Parent breaker: an open parent refuses for this breaker too. */
  readonly parent?: CircuitBreaker;
  /** Whether this breaker's outcomes also count on the parent (default true). */
  readonly reportToParent?: boolean;
  /** Random source for fractional admission; default is a deterministic evenly spread counter. */
  readonly random?: () => number;
  readonly listener?: ResilienceListener;
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', {
  message: 'expected a function',
});

const Schema = z.object({
  dependency: z.string().min(1).default('unknown'),
  clock: ClockSchema.default(systemClock),
  trip: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('consecutive'), threshold: z.number().int().min(1).default(5) }).strict(),
      z
        .object({
          kind: z.literal('count'),
          size: z.number().int().min(1).max(100_000).default(100),
          // Default min(10, size): resolved below, once `size` is known.
          minimumThroughput: z.number().int().min(1).optional(),
          failureRatio: z.number().gt(0).max(1).default(0.5),
        })
        .strict()
        // The window holds at most `size` calls: a larger minimum could never be reached.
        .refine((t) => t.minimumThroughput === undefined || t.minimumThroughput <= t.size, {
          message: 'trip.minimumThroughput must be <= trip.size (a count window never holds more calls)',
          path: ['minimumThroughput'],
        }),
      z
        .object({
          kind: z.literal('time'),
          windowMs: z.number().positive().default(60_000),
          buckets: z.number().int().min(1).max(1000).default(10),
          minimumThroughput: z.number().int().min(1).default(10),
          failureRatio: z.number().gt(0).max(1).default(0.5),
        })
        .strict(),
    ])
    .default({ kind: 'consecutive', threshold: 5 }),
  slowCall: z
    .object({ thresholdMs: z.number().positive(), ratio: z.number().gt(0).max(1).default(0.5) })
    .strict()
    .optional(),
  halfOpen: z
    .object({
      probes: z.number().int().min(1).default(1),
      successThreshold: z.number().int().min(1).default(1),
      ramp: ObjectSchema.optional(),
    })
    .strict()
    .refine((h) => h.successThreshold <= h.probes || h.ramp !== undefined, {
      message: 'successThreshold must be <= probes',
    })
    .default({ probes: 1, successThreshold: 1 }),
  openDurationMs: z.number().positive().default(30_000),
  maxOpenDurationMs: z.number().positive().default(300_000),
  // Called only when the breaker trips or classifies: a misshapen one would throw then, out of
  // the call that tripped it, rather than here.
  openBackoff: objectWithMethods('delay').optional(),
  shouldCount: fn.optional(),
  classifier: objectWithMethods('classify').optional(),
  parent: objectWithMethods('admit', 'release', 'onSuccess', 'onFailure').optional(),
  reportToParent: z.boolean().default(true),
  random: fn.optional(),
  listener: ObjectSchema.optional(),
});

/** Options after validation and defaults. */
export interface ResolvedBreakerOptions {
  readonly dependency: string;
  readonly clock: Clock;
  readonly createWindow: () => FailureWindow;
  readonly slowCallMs: number | undefined;
  readonly probes: number;
  readonly successThreshold: number;
  readonly ramp: TrafficRamp | undefined;
  readonly openBackoff: Backoff;
  readonly shouldCount: (c: Classification) => boolean;
  readonly classifier: Classifier;
  readonly reportToParent: boolean;
  readonly random: (() => number) | undefined;
}

const DEFAULT_MINIMUM_THROUGHPUT = 10;

const countsDependencyFaults = (c: Classification): boolean => c.source === 'dependency';

export function resolveBreakerOptions(input: CircuitBreakerOptions): ResolvedBreakerOptions {
  const o = parseOptions(Schema, input, 'CircuitBreaker');
  const trip = o.trip;
  const slowRatio = o.slowCall?.ratio;
  const createWindow = (): FailureWindow => {
    switch (trip.kind) {
      case 'consecutive':
        return new ConsecutiveFailures(trip.threshold);
      case 'count':
        return new CountWindow(trip.size, {
          failureRatio: trip.failureRatio,
          minimumThroughput: trip.minimumThroughput ?? Math.min(DEFAULT_MINIMUM_THROUGHPUT, trip.size),
          slowCallRatio: slowRatio,
        });
      case 'time':
        return new TimeWindow(trip.windowMs, trip.buckets, { ...trip, slowCallRatio: slowRatio });
    }
  };
  const builtInBackoff = new ExponentialBackoff({
    initialMs: o.openDurationMs,
    maxMs: Math.max(o.openDurationMs, o.maxOpenDurationMs),
    multiplier: 2,
    jitter: 'none',
  });
  return {
    dependency: o.dependency,
    clock: o.clock,
    createWindow,
    slowCallMs: o.slowCall?.thresholdMs,
    probes: o.halfOpen.probes,
    successThreshold: o.halfOpen.successThreshold,
    ramp: o.halfOpen.ramp === undefined ? undefined : new TrafficRamp(o.halfOpen.ramp as TrafficRampOptions),
    openBackoff:
      o.openBackoff === undefined
        ? builtInBackoff
        : guardBackoff(
            o.openBackoff as Backoff,
            builtInBackoff,
            'Breakwater breaker openBackoff failed; the built-in open duration was used',
          ),
    shouldCount:
      o.shouldCount === undefined
        ? countsDependencyFaults
        : guardPredicate(
            o.shouldCount as (c: Classification) => boolean,
            countsDependencyFaults,
            'Breakwater breaker shouldCount threw; the built-in rule decided',
          ),
    classifier: o.classifier === undefined ? defaultClassifier : guardClassifier(o.classifier as Classifier),
    reportToParent: o.reportToParent,
    random: o.random as (() => number) | undefined,
  };
}
