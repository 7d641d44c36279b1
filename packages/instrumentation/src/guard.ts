/**
 * The only module that builds `@breakwater/resilience` objects. Every instrumented call runs
 * through that package's `Pipeline`: one per dependency key, cached, built from the policy the
 * {@link PolicyResolver} resolved. Breakers (in one registry, for fleet overrides), retry budgets
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
  type Pipeline,
  Pipeline as ResiliencePipeline,
  RetryBudget,
} from '@breakwater/resilience';
import type { Meter } from '@opentelemetry/api';
import { type AttemptDeadline, breakerOptions, type CallData, pipelineOptions } from './pipeline-options.ts';
import type { BreakerPolicy, BulkheadPolicy, DependencyPolicy } from './policies.ts';
import type { BreakerFacts, Classification } from './span-attributes.ts';

export type { AttemptDeadline, CallData } from './pipeline-options.ts';

/** A dependency's pipeline. */
export type CallPipeline = Pipeline<unknown, CallData>;

/** Runs calls through resilience pipelines; `@breakwater/node` applies fleet overrides here. */
export interface GuardHandle {
  /**
   * The pipeline for `dependency` under `policy` (cached; rebuilt only when the policy object
   * changes, keeping the dependency's breaker, budget and, if its limits are unchanged, bulkhead).
   */
  pipeline(dependency: string, policy: DependencyPolicy, deadline: AttemptDeadline): CallPipeline;
  /** Classifies an error; for `tool/…` dependencies an error nothing else recognises is `tool_error`. */
  classify(error: unknown, dependency?: string): Classification;
  /** The breaker's state for `dependency` right now, when it has one. */
  breakerFacts(dependency: string): BreakerFacts | undefined;
  applyOverride(dependency: string, override: BreakerOverride): void;
  clearOverride(dependency: string): void;
  /** The underlying breaker registry (for snapshots and dashboards). */
  readonly breakers: BreakerRegistry;
}

interface Entry {
  readonly policy: DependencyPolicy;
  readonly deadline: AttemptDeadline;
  readonly pipeline: CallPipeline;
  readonly budget: RetryBudget | undefined;
  readonly bulkhead: Bulkhead | undefined;
  readonly bulkheadPolicy: BulkheadPolicy | false;
}

function sameLimits(a: BulkheadPolicy | false, b: BulkheadPolicy | false): boolean {
  if (a === false || b === false) return a === b;
  return a.maxConcurrent === b.maxConcurrent && a.maxQueue === b.maxQueue;
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

/** Creates the guard. Policy events go to the resilience package's default listener (OTel). */
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
  const classifier = new Classifier({ clock });
  const entries = new Map<string, Entry>();
  // Breaker options come from the policy of the first call that created the breaker.
  const breakerPolicies = new Map<string, BreakerPolicy>();
  const breakers = new BreakerRegistry({
    clock,
    options: (dependency: string) => {
      let p = breakerPolicies.get(dependency);
      if (p === undefined && options.policyFor !== undefined) {
        const breaker = options.policyFor(dependency).breaker;
        if (breaker !== false) {
          p = breaker;
          breakerPolicies.set(dependency, breaker);
        }
      }
      return p === undefined ? undefined : breakerOptions(p);
    },
  });

  function build(dependency: string, policy: DependencyPolicy, deadline: AttemptDeadline): Entry {
    const previous = entries.get(dependency);
    if (policy.breaker !== false && !breakerPolicies.has(dependency))
      breakerPolicies.set(dependency, policy.breaker);
    const budget = policy.retry === false ? undefined : (previous?.budget ?? new RetryBudget({ dependency }));
    const limits = policy.bulkhead;
    const bulkhead =
      limits === false
        ? undefined
        : previous !== undefined &&
            previous.bulkhead !== undefined &&
            sameLimits(previous.bulkheadPolicy, limits)
          ? previous.bulkhead
          : new Bulkhead({
              dependency,
              clock,
              maxConcurrent: limits.maxConcurrent,
              maxQueue: limits.maxQueue,
            });
    const pipeline = new ResiliencePipeline<unknown, CallData>(
      pipelineOptions(dependency, policy, deadline, { clock, classifier, breakers, budget, bulkhead }),
    );
    const entry: Entry = { policy, deadline, pipeline, budget, bulkhead, bulkheadPolicy: limits };
    entries.set(dependency, entry);
    return entry;
  }

  return {
    pipeline(dependency, policy, deadline) {
      const entry = entries.get(dependency);
      if (entry !== undefined && entry.policy === policy && entry.deadline === deadline)
        return entry.pipeline;
      return build(dependency, policy, deadline).pipeline;
    },
    classify(error, dependency) {
      return classifier.classify(error, dependency === undefined ? undefined : { dependency });
    },
    breakerFacts(dependency) {
      const b = breakers.find(dependency);
      return b === undefined ? undefined : FACTS[b.source][b.state];
    },
    applyOverride(dependency, override) {
      const existed = breakers.find(dependency) !== undefined;
      breakers.applyOverride(dependency, override);
      // A pipeline built without a breaker (breaker policy off) must pick up the one just created.
      if (!existed) entries.delete(dependency);
    },
    clearOverride(dependency) {
      breakers.applyOverride(dependency, undefined);
    },
    breakers,
  };
}
