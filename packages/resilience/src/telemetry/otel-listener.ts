import type { CallOutcome } from '@breakwater/protocol';
import { ATTR, BREAKER_STATES, METRIC, SEMCONV, SPAN_EVENT } from '@breakwater/protocol';
import type {
  Attributes,
  Counter,
  Meter,
  MeterProvider,
  ObservableGauge,
  ObservableResult,
  ObservableUpDownCounter,
  Span,
} from '@opentelemetry/api';
import { metrics, trace } from '@opentelemetry/api';
import type { Classification } from '../classify/classification.ts';
import type { CallContext } from '../core/context.ts';
import type { ResilienceError, TimeoutError } from '../core/errors.ts';
import type {
  BreakerTransitionEvent,
  ObservableBreaker,
  ObservableBudget,
  ObservableBulkhead,
  PatternEvent,
  ResilienceListener,
} from './listener.ts';

/** Options of {@link OtelListener}. */
export interface OtelListenerOptions {
  /** Meter provider to use; default: the global one, looked up lazily. */
  readonly meterProvider?: MeterProvider;
  /** Add span events/attributes to the active span (default true). */
  readonly spanEvents?: boolean;
}

/**
 * Counterparts of the `on*Created` registration hooks of {@link ResilienceListener}, called when
 * per-dependency state is dropped (an evicted dependency; see `BreakerRegistry.delete`): a listener
 * that observes the object, or caches something for its dependency, lets go of it. Optional, like
 * every listener method; callers guard them as they guard the others.
 */
export interface RemovalListener {
  onBreakerRemoved?(breaker: ObservableBreaker): void;
  onBudgetRemoved?(budget: ObservableBudget): void;
  onBulkheadRemoved?(bulkhead: ObservableBulkhead): void;
  /** Every object of `dependency` is gone; per-dependency caches can go too. */
  onDependencyRemoved?(dependency: string): void;
}

const SCOPE = '@breakwater/resilience';
/**
 * Dependencies whose attribute sets are cached. The owner of the dependencies frees them through
 * {@link RemovalListener.onDependencyRemoved}; this bound only backs that up for callers that never
 * do (pipelines made per dependency by hand): past it the oldest entry is dropped and made again
 * if needed.
 */
const MAX_CACHED_DEPENDENCIES = 4096;
/** How many metric records pass between checks for a newly registered global meter provider. */
const PROVIDER_CHECK_EVERY = 1024;

interface Instruments {
  readonly provider: MeterProvider;
  readonly calls: Counter;
  readonly attempts: Counter;
  readonly transitions: Counter;
}

/** Cached attribute sets for one dependency, so recording allocates nothing. */
class DependencyAttrs {
  readonly dependency: string;
  readonly base: Attributes;
  readonly success: Attributes;
  private readonly failures = new Map<string, Attributes>();
  constructor(dependency: string) {
    this.dependency = dependency;
    this.base = Object.freeze({ [ATTR.DEPENDENCY]: dependency });
    this.success = Object.freeze({ [ATTR.DEPENDENCY]: dependency, [ATTR.OUTCOME]: 'success' });
  }
  outcome(outcome: CallOutcome, category: string): Attributes {
    const key = `${outcome}:${category}`;
    let attrs = this.failures.get(key);
    if (attrs === undefined) {
      attrs = Object.freeze({
        [ATTR.DEPENDENCY]: this.dependency,
        [ATTR.OUTCOME]: outcome,
        [ATTR.ERROR_CATEGORY]: category,
      });
      this.failures.set(key, attrs);
    }
    return attrs;
  }
}

/**
 * The OpenTelemetry implementation of {@link ResilienceListener}: span events and attributes on
 * the active span, and the `breakwater.*` metrics, through `@opentelemetry/api` only.
 *
 * The meter is obtained lazily and re-resolved if a global provider is registered later, so with
 * no SDK the cost is the API's no-ops. Gauges (breaker state, budget tokens, bulkhead in flight)
 * are observed at collection time from registered objects, never updated per call.
 */
export class OtelListener implements ResilienceListener, RemovalListener {
  private readonly explicitProvider: MeterProvider | undefined;
  private readonly spanEvents: boolean;
  private instruments: Instruments | undefined = undefined;
  private records = 0;
  private readonly deps = new Map<string, DependencyAttrs>();
  private readonly breakers = new Set<WeakRef<ObservableBreaker>>();
  private readonly budgets = new Set<WeakRef<ObservableBudget>>();
  private readonly bulkheads = new Set<WeakRef<ObservableBulkhead>>();
  /** The WeakRef each observed object is held by, so a removal finds it in O(1). */
  private readonly refs = new WeakMap<object, WeakRef<object>>();

  constructor(options: OtelListenerOptions = {}) {
    this.explicitProvider = options.meterProvider;
    this.spanEvents = options.spanEvents ?? true;
  }

  onCallEnd(ctx: CallContext, outcome: CallOutcome, classification: Classification | undefined): void {
    const m = this.meter();
    const attrs = this.attrs(ctx.dependency);
    // A success whose result goes on (a stream) is counted when it ends: onCallSettled or
    // onLateFailure, so a stream that breaks mid-way counts once, as the failure it was.
    if (outcome !== 'success') m.calls.add(1, attrs.outcome(outcome, classification?.category ?? 'none'));
    else if (!ctx.settlesLater) m.calls.add(1, attrs.success);
    // Attempts made: one a policy refused never reached the dependency (during an outage the
    // shielded dependency must not look busy).
    if (ctx.sent > 0) m.attempts.add(ctx.sent, attrs.base);
    if (!this.spanEvents || (outcome === 'success' && ctx.attempt === 0)) return;
    const span = trace.getActiveSpan();
    if (span === undefined) return;
    span.setAttribute(ATTR.RETRY_ATTEMPTS, ctx.sent);
    if (classification !== undefined && outcome !== 'success') {
      // A fallback's answer is a success: the cause stays visible, but error.type (which
      // backends read as "this operation failed") is only for calls that did fail.
      setErrorAttributes(span, classification, outcome !== 'fallback');
    }
    if (ctx.breakerState !== undefined) span.setAttribute(ATTR.BREAKER_STATE, ctx.breakerState);
    if (ctx.breakerSource !== undefined) span.setAttribute(ATTR.BREAKER_SOURCE, ctx.breakerSource);
  }

  onRetry(ctx: CallContext, classification: Classification, delayMs: number): void {
    if (!this.spanEvents) return;
    trace.getActiveSpan()?.addEvent(SPAN_EVENT.RETRY, {
      [ATTR.DEPENDENCY]: ctx.dependency,
      [SEMCONV.HTTP_REQUEST_RESEND_COUNT]: ctx.attempt + 1,
      [ATTR.ERROR_CATEGORY]: classification.category,
      [SEMCONV.ERROR_TYPE]: classification.errorType,
      [ATTR.RETRY_DELAY_MS]: Math.round(delayMs),
    });
  }

  onRejected(ctx: CallContext | undefined, error: ResilienceError): void {
    if (!this.spanEvents) return;
    const span = trace.getActiveSpan();
    if (span === undefined) return;
    const attributes: Attributes = {
      [ATTR.ERROR_CATEGORY]: error.classification.category,
      [ATTR.ERROR_SOURCE]: error.classification.source,
    };
    if (error.dependency !== undefined) attributes[ATTR.DEPENDENCY] = error.dependency;
    const breakerSource = (error as { breakerSource?: unknown }).breakerSource;
    if (typeof breakerSource === 'string') attributes[ATTR.BREAKER_SOURCE] = breakerSource;
    const state = (error as { state?: unknown }).state;
    if (typeof state === 'string') attributes[ATTR.BREAKER_STATE] = state;
    else if (ctx?.breakerState !== undefined) attributes[ATTR.BREAKER_STATE] = ctx.breakerState;
    span.addEvent(SPAN_EVENT.REJECTED, attributes);
  }

  onTimeout(ctx: CallContext, error: TimeoutError): void {
    if (!this.spanEvents) return;
    trace.getActiveSpan()?.addEvent(SPAN_EVENT.TIMEOUT, {
      [ATTR.DEPENDENCY]: ctx.dependency,
      [ATTR.TIMEOUT_SCOPE]: error.scope,
      [SEMCONV.HTTP_REQUEST_RESEND_COUNT]: ctx.attempt,
    });
  }

  onCallSettled(ctx: CallContext): void {
    this.meter().calls.add(1, this.attrs(ctx.dependency).success);
  }

  onLateFailure(ctx: CallContext, classification: Classification): void {
    // A call without `settlesLater` was counted as a success already (counters only go up).
    if (!ctx.settlesLater) return;
    this.meter().calls.add(1, this.attrs(ctx.dependency).outcome('failure', classification.category));
  }

  onFallback(_ctx: CallContext, name: string, classification: Classification): void {
    if (!this.spanEvents) return;
    const span = trace.getActiveSpan();
    if (span === undefined) return;
    span.setAttribute(ATTR.FALLBACK, name);
    span.addEvent(SPAN_EVENT.FALLBACK, {
      [ATTR.FALLBACK]: name,
      [ATTR.ERROR_CATEGORY]: classification.category,
    });
  }

  onBreakerTransition(event: BreakerTransitionEvent): void {
    this.meter().transitions.add(1, {
      [ATTR.DEPENDENCY]: event.dependency,
      [ATTR.FROM_STATE]: event.from,
      [ATTR.TO_STATE]: event.to,
      [ATTR.BREAKER_SOURCE]: event.source,
    });
  }

  onPattern(event: PatternEvent): void {
    if (!this.spanEvents) return;
    trace.getActiveSpan()?.addEvent(SPAN_EVENT.ERROR_PATTERN, {
      [ATTR.ERROR_CATEGORY]: event.category,
      [ATTR.PATTERN_COUNT]: event.count,
    });
  }

  onBreakerCreated(breaker: ObservableBreaker): void {
    this.observe(this.breakers, breaker);
  }

  onBudgetCreated(budget: ObservableBudget): void {
    this.observe(this.budgets, budget);
  }

  onBulkheadCreated(bulkhead: ObservableBulkhead): void {
    this.observe(this.bulkheads, bulkhead);
  }

  /**
   * Stops observing `breaker`: the breaker-state gauge no longer reports its series. An SDK that
   * follows the specification then drops them; `@opentelemetry/sdk-metrics` 3.1 does so only at
   * delta temporality (see the README, under `BreakerRegistry`).
   */
  onBreakerRemoved(breaker: ObservableBreaker): void {
    this.unobserve(this.breakers, breaker);
  }

  /** Stops observing `budget` (the retry-budget gauge no longer reports it). */
  onBudgetRemoved(budget: ObservableBudget): void {
    this.unobserve(this.budgets, budget);
  }

  /** Stops observing `bulkhead` (the in-flight instrument no longer reports it). */
  onBulkheadRemoved(bulkhead: ObservableBulkhead): void {
    this.unobserve(this.bulkheads, bulkhead);
  }

  /** Drops the attribute sets cached for `dependency` (made again if it is called again). */
  onDependencyRemoved(dependency: string): void {
    this.deps.delete(dependency);
  }

  private observe<T extends object>(refs: Set<WeakRef<T>>, value: T): void {
    const ref = new WeakRef(value);
    refs.add(ref);
    this.refs.set(value, ref);
    this.meter();
  }

  private unobserve<T extends object>(refs: Set<WeakRef<T>>, value: T): void {
    const ref = this.refs.get(value);
    if (ref === undefined) return;
    refs.delete(ref as WeakRef<T>);
    this.refs.delete(value);
  }

  private attrs(dependency: string): DependencyAttrs {
    let attrs = this.deps.get(dependency);
    if (attrs === undefined) {
      if (this.deps.size >= MAX_CACHED_DEPENDENCIES) this.deps.delete(this.deps.keys().next().value!);
      attrs = new DependencyAttrs(dependency);
      this.deps.set(dependency, attrs);
    }
    return attrs;
  }

  /** Instruments, created on first use and re-created when the global provider changes. */
  private meter(): Instruments {
    let m = this.instruments;
    if (
      m !== undefined &&
      (this.explicitProvider !== undefined || ++this.records % PROVIDER_CHECK_EVERY !== 0)
    )
      return m;
    const provider = this.explicitProvider ?? metrics.getMeterProvider();
    if (m !== undefined && m.provider === provider) return m;
    m = this.createInstruments(provider);
    this.instruments = m;
    return m;
  }

  private createInstruments(provider: MeterProvider): Instruments {
    const meter: Meter = provider.getMeter(SCOPE);
    const state: ObservableGauge = meter.createObservableGauge(METRIC.BREAKER_STATE, {
      description: 'Circuit breaker state: 1 for the current state, 0 for the others',
    });
    state.addCallback((result) => this.observeBreakers(result));
    const tokens: ObservableGauge = meter.createObservableGauge(METRIC.RETRY_BUDGET_TOKENS, {
      description: 'Tokens left in a retry budget',
    });
    tokens.addCallback((result) =>
      observeEach(this.budgets, (b) => result.observe(b.tokens, { [ATTR.DEPENDENCY]: b.dependency })),
    );
    const inFlight: ObservableUpDownCounter = meter.createObservableUpDownCounter(METRIC.BULKHEAD_IN_FLIGHT, {
      description: 'Calls currently inside a bulkhead',
    });
    inFlight.addCallback((result) =>
      observeEach(this.bulkheads, (b) => result.observe(b.inFlight, { [ATTR.DEPENDENCY]: b.dependency })),
    );
    return {
      provider,
      calls: meter.createCounter(METRIC.CALLS, {
        description: 'Logical calls by outcome and error category',
      }),
      attempts: meter.createCounter(METRIC.RETRY_ATTEMPTS, {
        description: 'Attempts made, the first included',
      }),
      transitions: meter.createCounter(METRIC.BREAKER_TRANSITIONS, {
        description: 'Circuit breaker state transitions',
      }),
    };
  }

  private observeBreakers(result: ObservableResult): void {
    observeEach(this.breakers, (breaker) => {
      const current = breaker.state;
      for (const state of BREAKER_STATES) {
        result.observe(state === current ? 1 : 0, {
          [ATTR.DEPENDENCY]: breaker.dependency,
          [ATTR.STATE]: state,
        });
      }
    });
  }
}

function observeEach<T extends object>(refs: Set<WeakRef<T>>, fn: (value: T) => void): void {
  for (const ref of refs) {
    const value = ref.deref();
    if (value === undefined) refs.delete(ref);
    else fn(value);
  }
}

function setErrorAttributes(span: Span, c: Classification, failed: boolean): void {
  if (failed) span.setAttribute(SEMCONV.ERROR_TYPE, c.errorType);
  span.setAttribute(ATTR.ERROR_CATEGORY, c.category);
  span.setAttribute(ATTR.ERROR_RETRYABLE, c.retryable);
  span.setAttribute(ATTR.ERROR_SOURCE, c.source);
}
