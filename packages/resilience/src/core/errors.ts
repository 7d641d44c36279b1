import type { BreakerSource, BreakerState, ErrorCategory } from '@breakwater/protocol';
import type { Classification } from '../classify/classification.ts';
import { categoryClassification } from '../classify/classification.ts';
import { markFinal } from './final-refusal-mark.ts';

/**
 * Names each class below on its prototype, under a registered symbol (one key for every copy of
 * this package): two copies run in one process (an app bundled with its own, under `--import
 * @breakwater/node/register`; a dependency pinning another version), and a refusal one copy throws
 * must still be `instanceof` the other's class, for `refusalOf()`, the classifier and the app.
 */
const KIND = Symbol.for('@breakwater/resilience.errorKind');

/** The kind `cls` itself is branded with, if any (not one it inherits: an app's own subclass has none). */
function ownKind(cls: Function): unknown {
  const proto: unknown = cls.prototype;
  return typeof proto === 'object' && proto !== null && Object.hasOwn(proto, KIND)
    ? (proto as { [KIND]: unknown })[KIND]
    : undefined;
}

/** Whether `value` is an instance of `cls`, or of the class of another copy branded as `cls` is. */
function isInstance(cls: Function, value: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(cls, value)) return true;
  const kind = ownKind(cls);
  if (kind === undefined || typeof value !== 'object' || value === null) return false;
  for (let p: object | null = Object.getPrototypeOf(value); p !== null; p = Object.getPrototypeOf(p)) {
    if (Object.hasOwn(p, KIND) && (p as { [KIND]: unknown })[KIND] === kind) return true;
  }
  return false;
}

/**
 * Base class of every error a Breakwater policy throws. It carries its own classification, so
 * `classify()` never has to guess about it.
 */
export class ResilienceError extends Error {
  /**
   * `instanceof` for this class and each subclass: its own instances, and those of the same class
   * of another copy of this package, told by the class name each copy brands its classes with
   * under a registered symbol. Only an error's failure path asks.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: the class right of `instanceof`, maybe a subclass.
    return isInstance(this, value);
  }

  /** How this refusal classifies (category, source `policy` for refusals). */
  readonly classification: Classification;
  /** Dependency key of the call, when known. */
  readonly dependency: string | undefined;

  constructor(message: string, classification: Classification, dependency?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.classification = classification;
    this.dependency = dependency;
    // A refusal (an open breaker, an empty budget, a full bulkhead) is not for a framework to retry.
    if (classification.source === 'policy') markFinal(this);
  }

  /** The category, for convenience. */
  get category(): ErrorCategory {
    return this.classification.category;
  }
}

const CIRCUIT_OPEN = categoryClassification('circuit_open');
const BUDGET_EXHAUSTED = categoryClassification('budget_exhausted');
const BULKHEAD_FULL = categoryClassification('bulkhead_full');
const TIMEOUT = categoryClassification('timeout');

/** A circuit breaker refused the call (category `circuit_open`). */
export class CircuitOpenError extends ResilienceError {
  /** Breaker state that refused: `open`, `half_open` (no probe slot left) or `isolated`. */
  readonly state: BreakerState;
  /** `local` when this process's breaker decided, `fleet` when a collector override did. */
  readonly breakerSource: BreakerSource;
  /**
   * Milliseconds until the breaker will let a probe through, when known: whole milliseconds,
   * rounded up (the monotonic clock it is counted on has fractions), so waiting it out is never
   * early.
   */
  readonly retryAfterMs: number | undefined;

  constructor(
    dependency: string | undefined,
    state: BreakerState,
    breakerSource: BreakerSource,
    retryAfterMs?: number,
  ) {
    super(
      `circuit ${state} for ${dependency ?? 'dependency'} (${breakerSource} decision)`,
      CIRCUIT_OPEN,
      dependency,
    );
    this.state = state;
    this.breakerSource = breakerSource;
    this.retryAfterMs = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs);
  }
}

/** The retry budget was empty, so a retry was refused (category `budget_exhausted`). */
export class BudgetExhaustedError extends ResilienceError {
  constructor(dependency: string | undefined, cause: unknown) {
    super(`retry budget exhausted for ${dependency ?? 'dependency'}`, BUDGET_EXHAUSTED, dependency, {
      cause,
    });
  }
}

/** The bulkhead had no room (or the queue wait timed out) (category `bulkhead_full`). */
export class BulkheadFullError extends ResilienceError {
  /** `full`: no slot and no queue room; `queue_timeout`: waited too long in the queue. */
  readonly reason: 'full' | 'queue_timeout';

  constructor(dependency: string | undefined, reason: 'full' | 'queue_timeout') {
    super(
      `bulkhead ${reason === 'full' ? 'full' : 'queue wait timed out'} for ${dependency ?? 'dependency'}`,
      BULKHEAD_FULL,
      dependency,
    );
    this.reason = reason;
  }
}

/** Where a deadline applied: one attempt, or the whole logical call including retries. */
export type TimeoutScope = 'attempt' | 'call';

/** A deadline passed (category `timeout`, source `dependency`). */
export class TimeoutError extends ResilienceError {
  readonly timeoutMs: number;
  readonly scope: TimeoutScope;

  constructor(dependency: string | undefined, timeoutMs: number, scope: TimeoutScope) {
    super(`${scope} timed out after ${timeoutMs} ms for ${dependency ?? 'dependency'}`, TIMEOUT, dependency);
    this.timeoutMs = timeoutMs;
    this.scope = scope;
  }
}

/** Brands `cls` as `kind`: written out, as a minifier may rename the classes themselves. */
function brand(cls: Function, kind: string): void {
  Object.defineProperty(cls.prototype, KIND, { value: kind });
}
brand(ResilienceError, 'ResilienceError');
brand(CircuitOpenError, 'CircuitOpenError');
brand(BudgetExhaustedError, 'BudgetExhaustedError');
brand(BulkheadFullError, 'BulkheadFullError');
brand(TimeoutError, 'TimeoutError');
