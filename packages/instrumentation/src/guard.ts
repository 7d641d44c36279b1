/**
 * The only module that builds `@breakwater/resilience` objects. Every instrumented call runs
 * through that package's `Pipeline`, built from the policy the {@link PolicyResolver} resolved and
 * cached per dependency key and policy. Breakers (in one registry, for fleet overrides), retry budgets
 * and bulkheads are per dependency and shared by every pipeline of that dependency.
 *
 * Dependency keys come from traffic, so that state is bounded (see dependency-limits.ts): past
 * `maxDependencies`, idle dependencies are evicted, least recently used first, and a dependency
 * used again starts afresh.
 */
import {
  BREAKER_STATES,
  type BreakerOverride,
  type BreakerSource,
  type BreakerState,
  type Clock,
} from '@breakwater/protocol';
import {
  BreakerRegistry,
  Bulkhead,
  type Classification,
  Classifier,
  type ClassifierRule,
  cancelledIfAborted,
  getDefaultListener,
  guardListener,
  OtelListener,
  type Pipeline,
  type RemovalListener,
  Pipeline as ResiliencePipeline,
  RetryBudget,
} from '@breakwater/resilience';
import { diag, type Meter, type MeterProvider } from '@opentelemetry/api';
import { type DependencyLimits, resolveLimits } from './dependency-limits.ts';
import { type AttemptDeadline, breakerOptions, type CallData, pipelineOptions } from './pipeline-options.ts';
import type { BreakerSettings, BulkheadSettings, DependencyPolicy } from './policies.ts';
import type { BreakerFacts } from './span-attributes.ts';

export type { AttemptDeadline, CallData } from './pipeline-options.ts';

/** A dependency's pipeline. */
export type CallPipeline = Pipeline<unknown, CallData>;

/** Runs calls through resilience pipelines; `@breakwater/node` applies fleet overrides here. */
export interface GuardHandle {
  /**
   * The pipeline for `dependency` under `policy` (cached per policy: call sites with policies of
   * their own, such as two `tool()`s of one name, each keep theirs, and equal policies share
   * one). Every pipeline of a dependency shares its breaker, retry budget and bulkhead; the
   * bulkhead has the limits of the first policy that asked for one.
   */
  pipeline(dependency: string, policy: DependencyPolicy, deadline: AttemptDeadline): CallPipeline;
  /**
   * Classifies an error; for `tool/…` dependencies an error nothing else recognises is
   * `tool_error`. Once `callerSignal` has aborted, any error is `cancelled` (as the pipeline
   * counts it): the abort reason can be any value.
   */
  classify(error: unknown, dependency?: string, callerSignal?: AbortSignal): Classification;
  /** The breaker's state for `dependency` right now, when it has one. */
  breakerFacts(dependency: string): BreakerFacts | undefined;
  applyOverride(dependency: string, override: BreakerOverride): void;
  clearOverride(dependency: string): void;
  /** The underlying breaker registry (for snapshots and dashboards). */
  readonly breakers: BreakerRegistry;
  /** How many dependencies the guard keeps state for (see {@link DependencyLimits}). */
  readonly size: number;
  /**
   * {@link DependencyLimits.maxDependencies} as resolved. Breakers under a fleet override are
   * never idle, so are never evicted: the fleet control client holds at most this many overrides.
   */
  readonly maxDependencies: number;
}

/** A pipeline built for one policy (and deadline). */
interface Entry {
  readonly policy: DependencyPolicy;
  readonly deadline: AttemptDeadline;
  readonly pipeline: CallPipeline;
  /**
   * Set by every call while this is the dependency's latest pipeline, cleared by an eviction
   * sweep (which then sets the dependency's `seenAt`): all the hot path pays for recency is this
   * store, no clock read.
   */
  used: boolean;
}

/** Everything the guard keeps for one dependency (its breaker is in the registry). */
interface DependencyParts {
  /** The pipeline the dependency was last asked for (also in the guard's `latest` map). */
  latest: Entry | undefined;
  /** Breaker options come from the policy of the first call that created the breaker. */
  breakerSettings: BreakerSettings | undefined;
  budget: RetryBudget | undefined;
  bulkhead: { readonly limits: BulkheadSettings; readonly bulkhead: Bulkhead } | undefined;
  /** Whether differing bulkhead limits have been reported (once per dependency). */
  warned: boolean;
  /**
   * Newest last, at most {@link MAX_PIPELINES}. Emptied when a fleet override creates the
   * dependency's breaker: pipelines then rebuild.
   */
  entries: Entry[];
  /**
   * When the dependency was last known to be used (see {@link Entry.used}), on monotonic time: a
   * wall-clock step must neither evict busy dependencies nor keep idle ones.
   */
  seenAt: number;
}

/**
 * Pipelines kept per dependency. Call sites with policies of their own are few; a `tool()` made
 * per request with a fallback closing over the request would otherwise add one per request.
 */
const MAX_PIPELINES = 16;

/** `seenAt` of a dependency only a fleet override created: older than any use. */
const NEVER_USED = Number.MIN_SAFE_INTEGER;

function samePart<T extends object>(a: T | false, b: T | false): boolean {
  if (a === b) return true;
  if (a === false || b === false) return false;
  const keys = Object.keys(a) as (keyof T)[];
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** Whether two policies build the same pipeline (a policy object made per call often does). */
function samePolicy(a: DependencyPolicy, b: DependencyPolicy): boolean {
  return (
    a === b ||
    (a.timeoutMs === b.timeoutMs &&
      a.fallback === b.fallback &&
      samePart(a.retry, b.retry) &&
      samePart(a.breaker, b.breaker) &&
      samePart(a.bulkhead, b.bulkhead))
  );
}

/** Shared, frozen facts per (source, state): reading them on every call allocates nothing. */
const FACTS: Readonly<Record<BreakerSource, Readonly<Record<BreakerState, BreakerFacts>>>> = {
  local: factsFor('local'),
  fleet: factsFor('fleet'),
};

function factsFor(source: BreakerSource): Readonly<Record<BreakerState, BreakerFacts>> {
  const out: Partial<Record<BreakerState, BreakerFacts>> = {};
  for (const state of BREAKER_STATES) out[state] = Object.freeze({ state, source });
  return Object.freeze(out as Record<BreakerState, BreakerFacts>);
}

/**
 * Options of a breaker for a dependency whose policy has none (`breaker: false`), created by a
 * fleet override so the fleet's decision applies: local failures never trip it.
 */
const OVERRIDE_ONLY = Object.freeze({
  trip: Object.freeze({ kind: 'consecutive', threshold: Number.MAX_SAFE_INTEGER }),
}) satisfies ReturnType<typeof breakerOptions>;

function show(limits: BulkheadSettings): string {
  return `{ maxConcurrent: ${limits.maxConcurrent}, maxQueue: ${limits.maxQueue} }`;
}

/** A provider that hands out the one meter the app chose (for {@link OtelListener}). */
function meterProviderOf(meter: Meter): MeterProvider {
  return { getMeter: () => meter };
}

/**
 * Creates the guard. Policy events and `breakwater.*` metrics go to `meter` when one is given,
 * else to the resilience package's default listener (the global meter provider).
 */
export function createGuard(options: {
  clock: Clock;
  meter?: Meter;
  /**
   * The policy of a dependency, for breakers created before its first call (by a fleet override):
   * without it they would keep the registry's defaults instead of the configured breaker policy.
   */
  policyFor?: (dependency: string) => DependencyPolicy;
  /** Bounds on the per-dependency state (defaults in dependency-limits.ts). */
  limits?: DependencyLimits;
  /** The app's own classification rules, checked before the built-ins. */
  classifierRules?: readonly ClassifierRule[];
}): GuardHandle {
  const { clock } = options;
  const { maxDependencies, idleMs } = resolveLimits(options.limits);
  // An explicit meter gets a listener of its own; otherwise the resilience default follows the
  // global meter provider, even one registered after this guard was made.
  const listener =
    options.meter === undefined
      ? undefined
      : new OtelListener({ meterProvider: meterProviderOf(options.meter) });
  const withListener = listener === undefined ? {} : { listener };
  const classifier = new Classifier({
    clock,
    ...(options.classifierRules ? { rules: options.classifierRules } : {}),
  });
  /** Insertion order is creation order; recency is in `seenAt` and the latest entry's `used`. */
  const dependencies = new Map<string, DependencyParts>();
  /** Each dependency's latest pipeline, apart from its parts: the hot path is this one lookup. */
  const latest = new Map<string, Entry>();
  const breakers = new BreakerRegistry({
    clock,
    ...withListener,
    options: (dependency: string) => {
      const parts = dependencies.get(dependency);
      let p = parts?.breakerSettings;
      if (p === undefined && options.policyFor !== undefined) {
        const breaker = options.policyFor(dependency).breaker;
        // No breaker of its own: the one a fleet override creates only ever moves by overrides.
        if (breaker === false) return OVERRIDE_ONLY;
        p = breaker;
        if (parts !== undefined) parts.breakerSettings = breaker;
      }
      return p === undefined ? undefined : breakerOptions(p);
    },
  });

  // Evicting in batches, down to `maxDependencies - slack`, spreads a sweep's pass over the map
  // across `slack` new dependencies; a sweep that could not get under the cap waits for the map to
  // grow by `slack` or for the first dependency that may have become idle by then.
  const slack = Number.isFinite(maxDependencies) ? Math.max(1, Math.floor(maxDependencies / 16)) : 0;
  // Dependencies kept for being busy (bulkhead in use, breaker not closed) may settle any time.
  const recheckMs = Math.max(1, Math.min(idleMs, 1_000));
  let nextSweepSize = 0;
  let nextSweepAt = Number.NEGATIVE_INFINITY;

  function partsOf(dependency: string): DependencyParts {
    let parts = dependencies.get(dependency);
    if (parts === undefined) {
      const now = clock.monotonic();
      parts = {
        latest: undefined,
        breakerSettings: undefined,
        budget: undefined,
        bulkhead: undefined,
        warned: false,
        entries: [],
        seenAt: now,
      };
      dependencies.set(dependency, parts);
      const size = dependencies.size;
      if (size > maxDependencies && (size >= nextSweepSize || now >= nextSweepAt)) sweep(now);
    }
    return parts;
  }

  /** Whether nothing of the dependency is in use: no call in its bulkhead, its breaker idle. */
  function quiet(dependency: string, parts: DependencyParts): boolean {
    const bulkhead = parts.bulkhead?.bulkhead;
    if (bulkhead !== undefined && (bulkhead.inFlight > 0 || bulkhead.queued > 0)) return false;
    return breakers.find(dependency) === undefined || breakers.isIdle(dependency);
  }

  /**
   * Evicts idle dependencies, least recently used first, down to `maxDependencies - slack`: unused
   * for `idleMs` and {@link quiet}. Pipelines handed out before keep their objects: a call still
   * running on them (possible only without a bulkhead, past `idleMs`) reports to objects that are gone.
   */
  function sweep(now: number): void {
    const idle: [string, DependencyParts][] = [];
    let wakeAt = Number.POSITIVE_INFINITY;
    for (const [dependency, parts] of dependencies) {
      const last = parts.latest;
      if (last?.used === true) {
        last.used = false;
        parts.seenAt = now;
      }
      const idleAt = parts.seenAt + idleMs;
      if (idleAt > now) wakeAt = Math.min(wakeAt, idleAt);
      else if (quiet(dependency, parts)) idle.push([dependency, parts]);
      else wakeAt = Math.min(wakeAt, now + recheckMs);
    }
    idle.sort((a, b) => a[1].seenAt - b[1].seenAt);
    const target = maxDependencies - slack;
    let i = 0;
    for (; i < idle.length && dependencies.size > target; i++) evict(idle[i]![0], idle[i]![1]);
    nextSweepSize = Math.max(dependencies.size, maxDependencies) + slack;
    // Idle ones left over can go as soon as the cap is passed again.
    nextSweepAt = i < idle.length ? now : wakeAt;
  }

  /** Drops everything of one dependency: its breaker, budget, bulkhead, pipelines, gauge series. */
  function evict(dependency: string, parts: DependencyParts): void {
    // The listener these objects registered with: the guard's own, or the default (one replaced
    // since then is left to drop its weak references when they are collected).
    const observer = guardListener(listener ?? getDefaultListener()) as RemovalListener;
    if (breakers.find(dependency) !== undefined && !breakers.delete(dependency)) return;
    dependencies.delete(dependency);
    latest.delete(dependency);
    if (parts.budget !== undefined) observer.onBudgetRemoved?.(parts.budget);
    if (parts.bulkhead !== undefined) observer.onBulkheadRemoved?.(parts.bulkhead.bulkhead);
    observer.onDependencyRemoved?.(dependency);
  }

  /** The dependency's one bulkhead, made with the limits of the first policy that has one. */
  function bulkheadFor(dependency: string, parts: DependencyParts, limits: BulkheadSettings): Bulkhead {
    if (parts.bulkhead === undefined) {
      const { maxConcurrent, maxQueue } = limits;
      const bulkhead = new Bulkhead({ dependency, clock, maxConcurrent, maxQueue, ...withListener });
      parts.bulkhead = { limits, bulkhead };
    } else if (!parts.warned && !samePart(parts.bulkhead.limits, limits)) {
      parts.warned = true;
      const had = parts.bulkhead.limits;
      diag.warn(
        `Breakwater: ${dependency} is called with bulkhead limits ${show(limits)} and ${show(had)}; ` +
          `a dependency has one bulkhead, so every call site shares the first: ${show(had)}`,
      );
    }
    return parts.bulkhead.bulkhead;
  }

  function build(
    dependency: string,
    parts: DependencyParts,
    policy: DependencyPolicy,
    deadline: AttemptDeadline,
  ): Entry {
    if (policy.breaker !== false) parts.breakerSettings ??= policy.breaker;
    if (policy.retry !== false) parts.budget ??= new RetryBudget({ dependency, ...withListener });
    const pipeline = new ResiliencePipeline<unknown, CallData>(
      pipelineOptions(dependency, policy, deadline, {
        clock,
        classifier,
        breakers,
        budget: policy.retry === false ? undefined : parts.budget,
        bulkhead: policy.bulkhead === false ? undefined : bulkheadFor(dependency, parts, policy.bulkhead),
        listener,
      }),
    );
    const entry: Entry = { policy, deadline, pipeline, used: false };
    if (parts.entries.push(entry) > MAX_PIPELINES) parts.entries.shift();
    return entry;
  }

  return {
    pipeline(dependency, policy, deadline) {
      // The common case, one policy per dependency, is a single lookup.
      const last = latest.get(dependency);
      if (last !== undefined && last.policy === policy && last.deadline === deadline) {
        last.used = true;
        return last.pipeline;
      }
      const parts = partsOf(dependency);
      // Off the hot path, recency is exact.
      parts.seenAt = clock.monotonic();
      const entry =
        parts.entries.find((e) => e.deadline === deadline && samePolicy(e.policy, policy)) ??
        build(dependency, parts, policy, deadline);
      parts.latest = entry;
      latest.set(dependency, entry);
      return entry.pipeline;
    },
    classify(error, dependency, callerSignal) {
      const c = classifier.classify(error, dependency === undefined ? undefined : { dependency });
      return cancelledIfAborted(c, { callerSignal });
    },
    breakerFacts(dependency) {
      const b = breakers.find(dependency);
      return b === undefined ? undefined : FACTS[b.source][b.state];
    },
    applyOverride(dependency, override) {
      const existed = breakers.find(dependency) !== undefined;
      const tracked = dependencies.has(dependency);
      // The registry creates the breaker of an unknown (or evicted) dependency; tracking it makes
      // it evictable once the override is over.
      breakers.applyOverride(dependency, override);
      const parts = partsOf(dependency);
      // Not called here (yet): once the override is over nothing of it is in use, so it is idle
      // at once and goes first, instead of holding a place for `idleMs` after every override for
      // a dependency this service never calls.
      if (!tracked) parts.seenAt = NEVER_USED;
      // Pipelines built without a breaker (breaker policy off) must pick up the one just created;
      // the rebuilds keep the dependency's retry budget and bulkhead.
      if (!existed) {
        parts.latest = undefined;
        latest.delete(dependency);
        parts.entries = [];
      }
    },
    clearOverride(dependency) {
      // No breaker, no override to clear: creating one would only add a dependency.
      if (breakers.find(dependency) !== undefined) breakers.applyOverride(dependency, undefined);
    },
    breakers,
    get size() {
      return dependencies.size;
    },
    maxDependencies,
  };
}
