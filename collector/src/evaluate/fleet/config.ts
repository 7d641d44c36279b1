import { MAX_SIGNAL_TTL_MS } from '@breakwater/protocol';
import { z } from 'zod';
import { derivedDefault } from '../../config/derived-default.ts';
import { durationMs } from '../../config/slo/duration-schema.ts';
import { fitsTimer, TIMER_LIMIT_MESSAGE } from '../../config/timer-limit.ts';
import { checkDependencyKeyCaps } from './dependency-key-caps.ts';
import { checkDurationBounds } from './duration-bounds.ts';
import { checkHeartbeatBelowIdleTimeout } from './heartbeat-vs-idle.ts';
import { checkShareWithinTotal, defaultSubscribersPerToken } from './token-share.ts';
import { checkTtlCoversReissue } from './ttl-vs-interval.ts';

/** A duration as people write it (`"30s"`) or as milliseconds; always milliseconds once parsed. */
const Duration = z
  .union([durationMs, z.number().int().positive()], {
    error: 'expected a duration such as "30s" (at least 1ms) or a positive whole number of milliseconds',
  })
  // At many keys, per dependency too: once in the JSON Schema's $defs.
  .meta({ id: 'FleetDuration' });

/** A duration a timer waits for (Node.js timers wait at most about 24.8 days). */
const TimerDuration = Duration.refine(fitsTimer, { message: TIMER_LIMIT_MESSAGE });

const Ratio = z.number().gt(0).max(1);
const Count = z.number().int().positive();

/**
 * One evaluation window. A dependency opens when *any* window crosses its threshold with its
 * minimum volume and the quorum: a short window reacts fast to a full outage at fleet scale, a
 * long one catches a failing dependency that is called too rarely to fill the short one.
 */
export const FleetWindowSchema = z
  .object({
    duration: Duration,
    /** Failure ratio that opens; defaults to the policy's `openThreshold`. */
    threshold: Ratio.optional().meta(derivedDefault("the dependency's `openThreshold`")),
    /** Calls needed in this window before it may open; defaults to the policy's `minVolume`. */
    minVolume: Count.optional().meta(derivedDefault("the dependency's `minVolume`")),
  })
  .strict()
  // Also in every `perDependency` entry: once in the JSON Schema's $defs.
  .meta({ id: 'FleetWindow' });

/** The tunables of the fleet breaker; every one may be overridden per dependency. */
const policyShape = {
  /** Dependency-side failure ratio (0..1] that opens the fleet breaker. */
  openThreshold: Ratio,
  /** Calls a window must hold before its ratio may open anything. */
  minVolume: Count,
  /**
   * Distinct `service.instance.id`s that must report dependency-side failures in the window.
   * Default 2 so one bad replica can never trip the fleet; set 1 for a single-replica deployment.
   */
  quorum: Count,
  /** Evaluation windows, checked in order; the first that trips is reported as the reason. */
  windows: z.array(FleetWindowSchema).min(1).max(6),
  /** Lifetime of an `open`/`half_open` signal; re-issued at half of it while the state holds. */
  ttl: Duration.refine((ms) => ms <= MAX_SIGNAL_TTL_MS, `at most ${MAX_SIGNAL_TTL_MS} ms`),
  /** Lifetime of a `closed` signal (short: it only tells SDKs to drop their overrides now). */
  closedTtl: Duration.refine((ms) => ms <= MAX_SIGNAL_TTL_MS, `at most ${MAX_SIGNAL_TTL_MS} ms`),
  /** First open period before the ramp starts. */
  openDuration: Duration,
  /** Open periods grow by `backoffMultiplier` after each failed ramp step, up to this. */
  maxOpenDuration: Duration,
  backoffMultiplier: z.number().min(1).max(10),
  /** Fractions of traffic admitted by the half-open steps, strictly increasing. */
  ramp: z
    .array(Ratio)
    .min(1)
    .max(10)
    .refine((steps) => steps.every((v, i) => i === 0 || v > (steps[i - 1] ?? 0)), 'must increase'),
  /** Shortest time a ramp step lasts. */
  stepDuration: Duration,
  /** Calls a step needs (besides `stepDuration`) before it may pass. */
  stepMinVolume: Count,
  /**
   * A step that saw too few calls is judged after this long on the calls it has: it fails on the
   * failure ratio and quorum, else passes (also with none).
   */
  stepMaxDuration: Duration,
  /**
   * `fleet`: one decision per dependency for every service (signals carry no `service`).
   * `service`: one decision per (service, dependency); signals are scoped to that service.
   */
  scope: z.enum(['fleet', 'service']),
  /** `false` excludes the dependency from fleet decisions. */
  enabled: z.boolean(),
};

const PolicySchema = z.object(policyShape).strict();
/** A policy with every duration in milliseconds. */
export type FleetPolicy = z.output<typeof PolicySchema>;

/**
 * The defaults as a config file would give them, documented in FLEET.md. The schema applies them
 * as input-side defaults (`.prefault`), so the JSON Schema and CONFIG.md show them as written.
 */
const POLICY_INPUT_DEFAULTS = {
  openThreshold: 0.5,
  minVolume: 10,
  quorum: 2,
  windows: [{ duration: '2s', minVolume: 20 }, { duration: '10s' }, { duration: '1m' }],
  ttl: '15s',
  closedTtl: '5s',
  openDuration: '30s',
  maxOpenDuration: '5m',
  backoffMultiplier: 2,
  ramp: [0.1, 0.25, 0.5, 1],
  stepDuration: '5s',
  stepMinVolume: 5,
  stepMaxDuration: '30s',
  scope: 'fleet',
  enabled: true,
} satisfies z.input<typeof PolicySchema>;

/** The defaults, parsed (durations in milliseconds). */
export const FLEET_POLICY_DEFAULTS: FleetPolicy = PolicySchema.parse(POLICY_INPUT_DEFAULTS);

/** The SSE stream's tunables. */
const StreamSchema = z
  .object({
    /** Interval of `:` heartbeat comments on idle streams; at most a third of the SDK idle timeout. */
    heartbeat: TimerDuration.prefault('15s'),
    /** Reconnection delay hinted to clients with `retry:`. */
    retry: TimerDuration.prefault('2s'),
    /** Recent events kept for `Last-Event-ID` resumption. */
    replayBuffer: Count.max(100_000).default(1_024),
    /** Concurrent subscribers; more are refused with 503. */
    maxSubscribers: Count.default(10_000),
    /**
     * Concurrent subscribers on one auth token (when auth is on); more are refused with 503.
     * Default: half of `maxSubscribers`, so no token can lock the others out.
     */
    maxSubscribersPerToken: Count.optional().meta(
      derivedDefault('half of `fleet.stream.maxSubscribers`, rounded up'),
    ),
    /** Bytes queued for one subscriber before it is disconnected as too slow. */
    maxQueuedBytes: Count.default(1_048_576),
  })
  .strict()
  .superRefine(checkHeartbeatBelowIdleTimeout)
  .superRefine(checkShareWithinTotal)
  .transform((stream) => ({
    ...stream,
    maxSubscribersPerToken:
      stream.maxSubscribersPerToken ?? defaultSubscribersPerToken(stream.maxSubscribers),
  }));

/** The `fleet:` section of the collector configuration. */
export const FleetConfigSchema = z
  .object({
    /** `false` turns fleet decisions off (the stream still serves, empty). */
    enabled: policyShape.enabled.prefault(POLICY_INPUT_DEFAULTS.enabled),
    /** How often time-driven transitions (open period over, ramp steps, re-issues) are checked. */
    evaluateInterval: TimerDuration.prefault('1s'),
    /** Dependency keys tracked at once; spans for further keys are ignored (and counted). */
    maxDependencies: Count.default(10_000),
    openThreshold: policyShape.openThreshold.prefault(POLICY_INPUT_DEFAULTS.openThreshold),
    minVolume: policyShape.minVolume.prefault(POLICY_INPUT_DEFAULTS.minVolume),
    quorum: policyShape.quorum.prefault(POLICY_INPUT_DEFAULTS.quorum),
    windows: policyShape.windows.prefault(POLICY_INPUT_DEFAULTS.windows),
    ttl: policyShape.ttl.prefault(POLICY_INPUT_DEFAULTS.ttl),
    closedTtl: policyShape.closedTtl.prefault(POLICY_INPUT_DEFAULTS.closedTtl),
    openDuration: policyShape.openDuration.prefault(POLICY_INPUT_DEFAULTS.openDuration),
    maxOpenDuration: policyShape.maxOpenDuration.prefault(POLICY_INPUT_DEFAULTS.maxOpenDuration),
    backoffMultiplier: policyShape.backoffMultiplier.prefault(POLICY_INPUT_DEFAULTS.backoffMultiplier),
    ramp: policyShape.ramp.prefault(POLICY_INPUT_DEFAULTS.ramp),
    stepDuration: policyShape.stepDuration.prefault(POLICY_INPUT_DEFAULTS.stepDuration),
    stepMinVolume: policyShape.stepMinVolume.prefault(POLICY_INPUT_DEFAULTS.stepMinVolume),
    stepMaxDuration: policyShape.stepMaxDuration.prefault(POLICY_INPUT_DEFAULTS.stepMaxDuration),
    scope: policyShape.scope.prefault(POLICY_INPUT_DEFAULTS.scope),
    /**
     * Overrides per dependency key. A key may contain `*` wildcards (`tool/*`); an exact key wins
     * over patterns, and a longer pattern over a shorter one.
     */
    perDependency: z.record(z.string().min(1), PolicySchema.partial()).prefault({}),
    stream: StreamSchema.prefault({}),
  })
  .strict()
  .superRefine(checkTtlCoversReissue)
  .superRefine(checkDurationBounds)
  .superRefine(checkDependencyKeyCaps);

/** The parsed `fleet:` section (durations in ms). */
export type FleetConfig = z.output<typeof FleetConfigSchema>;

/** Section for the composed collector config: `fleet:` with every key defaulted. */
export const FleetSectionSchema = z.object({ fleet: FleetConfigSchema.prefault({}) });

/** Parses a `fleet:` section (or `undefined` for all defaults). Throws a zod error on bad input. */
export function parseFleetConfig(section: unknown): FleetConfig {
  return FleetConfigSchema.parse(section ?? {});
}

/** Resolves the policy for one dependency key from the defaults and `perDependency`. */
export function policyFor(config: FleetConfig, dependency: string): FleetPolicy {
  const base: FleetPolicy = {
    openThreshold: config.openThreshold,
    minVolume: config.minVolume,
    quorum: config.quorum,
    windows: config.windows,
    ttl: config.ttl,
    closedTtl: config.closedTtl,
    openDuration: config.openDuration,
    maxOpenDuration: config.maxOpenDuration,
    backoffMultiplier: config.backoffMultiplier,
    ramp: config.ramp,
    stepDuration: config.stepDuration,
    stepMinVolume: config.stepMinVolume,
    stepMaxDuration: config.stepMaxDuration,
    scope: config.scope,
    enabled: config.enabled,
  };
  // Own keys only: the key comes from spans, and `perDependency.constructor` (inherited) would
  // otherwise pass for an exact entry and hide the glob entries from such a dependency.
  if (Object.hasOwn(config.perDependency, dependency))
    return { ...base, ...defined(config.perDependency[dependency]!) };
  let best: { length: number; policy: Partial<FleetPolicy> } | undefined;
  for (const [pattern, policy] of Object.entries(config.perDependency)) {
    if (!pattern.includes('*') || !globMatches(pattern, dependency)) continue;
    if (best === undefined || pattern.length > best.length) best = { length: pattern.length, policy };
  }
  return best === undefined ? base : { ...base, ...defined(best.policy) };
}

function defined(partial: Partial<FleetPolicy>): Partial<FleetPolicy> {
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
}

function globMatches(pattern: string, value: string): boolean {
  const parts = pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`).test(value);
}
