/**
 * The only module that builds `@breakwater/resilience` objects. Every instrumented call runs
 * through that package's `Pipeline`, built from the policy the {@link PolicyResolver} resolved and
 * cached per dependency key and policy. Breakers (in one registry, for fleet overrides), retry budgets
 * and bulkheads are per dependency and shared by every pipeline of that dependency.
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
  Classifier,
  cancelledIfAborted,
  OtelListener,
  type Pipeline,
  Pipeline as ResiliencePipeline,
  RetryBudget,
} from '@breakwater/resilience';
import { diag, type Meter, type MeterProvider } from '@opentelemetry/api';
import { type AttemptDeadline, breakerOptions, type CallData, pipelineOptions } from './pipeline-options.ts';
import type { BreakerPolicy, BulkheadPolicy, DependencyPolicy } from './policies.ts';
import type { BreakerFacts, Classification } from './span-attributes.ts';

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
}

/** A pipeline built for one policy (and deadline). */
interface Entry {
  readonly policy: DependencyPolicy;
  readonly deadline: AttemptDeadline;
  readonly pipeline: CallPipeline;
}

/** What every pipeline of one dependency shares, and the pipelines built so far. */
interface DependencyParts {
  budget: RetryBudget | undefined;
  bulkhead: { readonly limits: BulkheadPolicy; readonly bulkhead: Bulkhead } | undefined;
  /** Whether differing bulkhead limits have been reported (once per dependency). */
  warned: boolean;
  /**
   * Newest last, at most {@link MAX_PIPELINES}. Emptied when a fleet override creates the
   * dependency's breaker: pipelines then rebuild.
   */
  entries: Entry[];
}

/**
 * Pipelines kept per dependency. Call sites with policies of their own are few; a `tool()` made
 * per request with a fallback closing over the request would otherwise add one per request.
 */
const MAX_PIPELINES = 16;

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

function show(limits: BulkheadPolicy): string {
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
}): GuardHandle {
  const { clock } = options;
  // An explicit meter gets a listener of its own; otherwise the resilience default follows the
  // global meter provider, even one registered after this guard was made.
  const listener =
    options.meter === undefined
      ? undefined
      : new OtelListener({ meterProvider: meterProviderOf(options.meter) });
  const withListener = listener === undefined ? {} : { listener };
  const classifier = new Classifier({ clock });
  const dependencies = new Map<string, DependencyParts>();
  /** The pipeline each dependency was last asked for. */
  const latest = new Map<string, Entry>();
  // Breaker options come from the policy of the first call that created the breaker.
  const breakerPolicies = new Map<string, BreakerPolicy>();
  const breakers = new BreakerRegistry({
    clock,
    ...withListener,
    options: (dependency: string) => {
      let p = breakerPolicies.get(dependency);
      if (p === undefined && options.policyFor !== undefined) {
        const breaker = options.policyFor(dependency).breaker;
        // No breaker of its own: the one a fleet override creates only ever moves by overrides.
        if (breaker === false) return OVERRIDE_ONLY;
        p = breaker;
        breakerPolicies.set(dependency, breaker);
      }
      return p === undefined ? undefined : breakerOptions(p);
    },
  });

  function partsOf(dependency: string): DependencyParts {
    let parts = dependencies.get(dependency);
    if (parts === undefined) {
      parts = { budget: undefined, bulkhead: undefined, warned: false, entries: [] };
      dependencies.set(dependency, parts);
    }
    return parts;
  }

  /** The dependency's one bulkhead, made with the limits of the first policy that has one. */
  function bulkheadFor(dependency: string, parts: DependencyParts, limits: BulkheadPolicy): Bulkhead {
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

  function build(dependency: string, policy: DependencyPolicy, deadline: AttemptDeadline): Entry {
    const parts = partsOf(dependency);
    if (policy.breaker !== false && !breakerPolicies.has(dependency))
      breakerPolicies.set(dependency, policy.breaker);
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
    const entry: Entry = { policy, deadline, pipeline };
    if (parts.entries.push(entry) > MAX_PIPELINES) parts.entries.shift();
    return entry;
  }

  return {
    pipeline(dependency, policy, deadline) {
      // The common case, one policy per dependency, is a single lookup.
      const last = latest.get(dependency);
      if (last !== undefined && last.policy === policy && last.deadline === deadline) return last.pipeline;
      const entry =
        dependencies
          .get(dependency)
          ?.entries.find((e) => e.deadline === deadline && samePolicy(e.policy, policy)) ??
        build(dependency, policy, deadline);
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
      breakers.applyOverride(dependency, override);
      // Pipelines built without a breaker (breaker policy off) must pick up the one just created;
      // the rebuilds keep the dependency's retry budget and bulkhead.
      if (!existed) {
        latest.delete(dependency);
        const parts = dependencies.get(dependency);
        if (parts !== undefined) parts.entries = [];
      }
    },
    clearOverride(dependency) {
      breakers.applyOverride(dependency, undefined);
    },
    breakers,
  };
}
