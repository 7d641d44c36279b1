/**
 * The only module that builds `@breakwater/resilience` objects. Every instrumented call runs
 * through that package's `Pipeline`, built from the policy the {@link PolicyResolver} resolved and
 * cached per dependency key and policy. Breakers (in one registry, for fleet overrides), retry budgets
 * and bulkheads are per dependency and shared by every pipeline of that dependency.
 *
 * Dependency keys come from traffic, so that state is bounded (see dependency-limits.ts): a new
 * dependency at `maxDependencies` takes the place of the least recently used one whose state is
 * spare (see {@link createGuard}), and a dependency used again starts afresh. When none is spare,
 * the new dependency's calls run on an uncached pipeline and nothing of it is kept.
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
  /**
   * How many dependencies the guard keeps state for: at most {@link maxDependencies}, plus those
   * a fleet override had to be kept for while none was spare (see {@link DependencyLimits}).
   */
  readonly size: number;
  /**
   * {@link DependencyLimits.maxDependencies} as resolved. Breakers under a fleet override are
   * never evicted, and an override is applied even at the cap: the fleet control client holds at
   * most this many overrides.
   */
  readonly maxDependencies: number;
}

/** A pipeline built for one policy (and deadline). */
interface Entry {
  readonly policy: DependencyPolicy;
  readonly deadline: AttemptDeadline;
  readonly pipeline: CallPipeline;
  /**
   * Set by every call while this is the dependency's latest pipeline, cleared by a pass looking
   * for spare dependencies (which then sets the dependency's `seenAt`): all the hot path pays for
   * recency is this store, no clock read.
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
  /** Whether a pipeline without a bulkhead was built: its calls in flight cannot be counted. */
  uncounted: boolean;
}

/** A dependency an eviction pass found spare, with the recency it had then. */
interface Spare {
  readonly dependency: string;
  readonly parts: DependencyParts;
  readonly seenAt: number;
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

  // A pass over the map finds every spare dependency at once; new dependencies then take their
  // places one by one, least recently used first. A pass that found too few waits for `slack` more
  // new dependencies or for the first one that may have become spare by then, so a flood of new
  // keys costs at most one pass per `slack` of them.
  const slack = Number.isFinite(maxDependencies) ? Math.max(1, Math.floor(maxDependencies / 16)) : 0;
  // Dependencies held for being busy (bulkhead in use, breaker not closed) may settle any time.
  const recheckMs = Math.max(1, Math.min(idleMs, 1_000));
  let spares: Spare[] = [];
  let nextSpare = 0;
  let arrivals = 0;
  let nextPassAt = Number.NEGATIVE_INFINITY;

  /**
   * The parts of `dependency`, made if there is room for them: `undefined` at the cap with no
   * dependency spare. `force` (a fleet override) makes them whatever the count and evicts nothing
   * for them: the control client holds at most `maxDependencies` overrides, and the fleet must not
   * cost the app its own dependencies' counts.
   */
  function admit(dependency: string, force: boolean): DependencyParts | undefined {
    let parts = dependencies.get(dependency);
    if (parts !== undefined) return parts;
    const now = clock.monotonic();
    if (!force && dependencies.size >= maxDependencies && !makeRoom(now)) return undefined;
    parts = {
      latest: undefined,
      breakerSettings: undefined,
      budget: undefined,
      bulkhead: undefined,
      warned: false,
      entries: [],
      seenAt: now,
      uncounted: false,
    };
    dependencies.set(dependency, parts);
    return parts;
  }

  /**
   * Until when the dependency must be kept; `now` or earlier when its state is spare: nothing a
   * fresh one would not have but its closed breaker's recent counts. Kept while its bulkhead has
   * calls (running or queued), while its breaker is open, isolated, forced closed or under a fleet
   * override, while it is half-open and was used within `idleMs`, and, for calls the guard cannot
   * count (no bulkhead), for `idleMs` after its last use.
   */
  function heldUntil(dependency: string, parts: DependencyParts, now: number): number {
    const bulkhead = parts.bulkhead?.bulkhead;
    if (bulkhead !== undefined && (bulkhead.inFlight > 0 || bulkhead.queued > 0)) return now + recheckMs;
    if (parts.uncounted && parts.seenAt + idleMs > now) return parts.seenAt + idleMs;
    const breaker = breakers.find(dependency);
    // Last: reading a closed breaker's manual state takes a snapshot.
    if (breaker === undefined || breakers.isIdle(dependency)) return now;
    // Half-open on its own, with its open period long over and nothing calling it: what it knows
    // is as old as its last call (a model retired days ago). Held for good, such breakers would
    // fill the cap and leave every new dependency without one.
    if (breaker.state === 'half_open' && breaker.source === 'local') return parts.seenAt + idleMs;
    return now + recheckMs;
  }

  /** Evicts spare dependencies until one more fits under the cap; returns whether it does. */
  function makeRoom(now: number): boolean {
    arrivals++;
    evictSpares(now);
    if (dependencies.size < maxDependencies) return true;
    if (arrivals < slack && now < nextPassAt) return false;
    findSpares(now);
    evictSpares(now);
    return dependencies.size < maxDependencies;
  }

  /** Evicts the spares found by the last pass, in order, while at the cap and still spare. */
  function evictSpares(now: number): void {
    while (nextSpare < spares.length && dependencies.size >= maxDependencies) {
      const { dependency, parts, seenAt } = spares[nextSpare++]!;
      // Used, re-made or busy since the pass: no longer the spare it was.
      if (dependencies.get(dependency) !== parts || parts.latest?.used === true || parts.seenAt !== seenAt)
        continue;
      if (heldUntil(dependency, parts, now) <= now) evict(dependency, parts);
    }
  }

  /**
   * One pass over the map: brings recency up to date (see {@link Entry.used}) and lists the spare
   * dependencies, least recently used first.
   */
  function findSpares(now: number): void {
    const found: Spare[] = [];
    let wakeAt = Number.POSITIVE_INFINITY;
    for (const [dependency, parts] of dependencies) {
      const last = parts.latest;
      if (last?.used === true) {
        last.used = false;
        parts.seenAt = now;
      }
      const until = heldUntil(dependency, parts, now);
      if (until > now) wakeAt = Math.min(wakeAt, until);
      else found.push({ dependency, parts, seenAt: parts.seenAt });
    }
    found.sort((a, b) => a.seenAt - b.seenAt);
    spares = found;
    nextSpare = 0;
    arrivals = 0;
    nextPassAt = wakeAt;
  }

  /**
   * Drops everything of one dependency: its breaker, budget, bulkhead, pipelines, gauge series.
   * Pipelines handed out before keep their objects: a call still running on them (possible only
   * without a bulkhead, past `idleMs`) reports to objects that are gone.
   */
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
    if (policy.bulkhead === false) parts.uncounted = true;
    const pipeline = new ResiliencePipeline<unknown, CallData>(
      pipelineOptions(dependency, policy, deadline, {
        clock,
        classifier,
        breaker: policy.breaker === false ? breakers.find(dependency) : breakers.get(dependency),
        budget: policy.retry === false ? undefined : parts.budget,
        bulkhead: policy.bulkhead === false ? undefined : bulkheadFor(dependency, parts, policy.bulkhead),
        listener,
      }),
    );
    const entry: Entry = { policy, deadline, pipeline, used: false };
    if (parts.entries.push(entry) > MAX_PIPELINES) parts.entries.shift();
    return entry;
  }

  /**
   * A pipeline for a dependency with no room in the guard: made per call and kept nowhere, with
   * the policy's timeout, retries and fallback but no breaker (unless one exists), retry budget
   * or bulkhead. A breaker, budget or bulkhead made per call would hold nothing across calls; one
   * shared by all such dependencies would let one of them shut the others out.
   */
  function uncached(dependency: string, policy: DependencyPolicy, deadline: AttemptDeadline): CallPipeline {
    return new ResiliencePipeline<unknown, CallData>(
      pipelineOptions(dependency, policy, deadline, {
        clock,
        classifier,
        breaker: breakers.find(dependency),
        budget: undefined,
        bulkhead: undefined,
        listener,
      }),
    );
  }

  return {
    pipeline(dependency, policy, deadline) {
      // The common case, one policy per dependency, is a single lookup.
      const last = latest.get(dependency);
      if (last !== undefined && last.policy === policy && last.deadline === deadline) {
        last.used = true;
        return last.pipeline;
      }
      const parts = admit(dependency, false);
      if (parts === undefined) return uncached(dependency, policy, deadline);
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
      const parts = admit(dependency, true)!;
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
