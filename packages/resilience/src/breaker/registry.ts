import type { BreakerOverride, Clock } from '@breakwater/protocol';
import { systemClock } from '@breakwater/protocol';
import { z } from 'zod';
import { ClockSchema, ObjectSchema, parseOptions } from '../core/options.ts';
import { getDefaultListener } from '../telemetry/default-listener.ts';
import type { ResilienceListener } from '../telemetry/listener.ts';
import type { RemovalListener } from '../telemetry/otel-listener.ts';
import { guardListener } from '../telemetry/safe.ts';
import { CircuitBreaker, parseBreakerOverride } from './circuit-breaker.ts';
import type { CircuitBreakerOptions } from './options.ts';

/** Options of {@link BreakerRegistry}. */
export interface BreakerRegistryOptions {
  /** Options for every breaker the registry creates (dependency, clock, parent are set by it). */
  readonly defaults?: Omit<CircuitBreakerOptions, 'dependency' | 'parent'>;
  /** Per-dependency options, merged over `defaults`. */
  readonly options?: (dependency: string) => Omit<CircuitBreakerOptions, 'dependency' | 'parent'> | undefined;
  /**
   * Parent key of a dependency, e.g. `(d) => d.split('/')[0]` makes `openai` the parent of
   * `openai/gpt-4o`. Return `undefined` (or the key itself) for no parent.
   */
  readonly parentKey?: (dependency: string) => string | undefined;
  readonly clock?: Clock;
  readonly listener?: ResilienceListener;
}

const fn = z.custom<(dependency: string) => unknown>((v) => typeof v === 'function', {
  message: 'expected a function of the dependency key',
});

// A misspelt `parentKey` would silently leave every breaker without its parent. `defaults` and
// `options(…)` are checked as breaker options when a breaker is made.
const Schema = z.object({
  defaults: ObjectSchema.optional(),
  options: fn.optional(),
  parentKey: fn.optional(),
  clock: ClockSchema.optional(),
  listener: ObjectSchema.optional(),
});

/**
 * Breakers by dependency key, created on first use. The fleet control client drives them through
 * {@link BreakerRegistry.applyOverride}. Breakers stay until {@link BreakerRegistry.delete}d: an
 * owner that sees unbounded keys (the instrumentation's guard) evicts the idle ones.
 */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();
  /** How many breakers in the registry each parent key has: a parent stays while it has any. */
  private readonly children = new Map<string, number>();
  private readonly config: BreakerRegistryOptions;
  private readonly clock: Clock;

  constructor(options: BreakerRegistryOptions = {}) {
    this.config = parseOptions(Schema, options, 'BreakerRegistry') as BreakerRegistryOptions;
    this.clock = this.config.clock ?? this.config.defaults?.clock ?? systemClock;
  }

  /** The breaker for `dependency`, creating it (and its parents) if needed. */
  get(dependency: string): CircuitBreaker {
    return this.breakers.get(dependency) ?? this.create(dependency, []);
  }

  /** Creates the breaker of `dependency` and any missing parents; `children` are being created. */
  private create(dependency: string, children: readonly string[]): CircuitBreaker {
    const parentKey = this.config.parentKey?.(dependency);
    let parent: CircuitBreaker | undefined;
    if (parentKey !== undefined && parentKey !== dependency) {
      // A parentKey that leads back to a key being created would recurse until the stack overflows.
      if (children.includes(parentKey))
        throw new TypeError(
          `BreakerRegistry: parentKey makes a loop: ${[...children, dependency, parentKey].join(' → ')}`,
        );
      parent = this.breakers.get(parentKey) ?? this.create(parentKey, [...children, dependency]);
    }
    const breaker = new CircuitBreaker({
      clock: this.clock,
      ...(this.config.listener === undefined ? {} : { listener: this.config.listener }),
      ...this.config.defaults,
      ...this.config.options?.(dependency),
      dependency,
      ...(parent === undefined ? {} : { parent }),
    });
    this.breakers.set(dependency, breaker);
    if (parent !== undefined)
      this.children.set(parent.dependency, (this.children.get(parent.dependency) ?? 0) + 1);
    return breaker;
  }

  /** How many breakers the registry holds. */
  get size(): number {
    return this.breakers.size;
  }

  /**
   * Whether the breaker of `dependency` holds nothing a fresh one would not: closed, with no
   * manual state (`isolate`, `forceClose`), no fleet override in force and no child breaker in the
   * registry. `false` when there is no breaker. (Statistics of a closed breaker are not counted:
   * an owner evicting by this should also wait until the dependency has gone unused a while.)
   */
  isIdle(dependency: string): boolean {
    const breaker = this.breakers.get(dependency);
    return (
      breaker !== undefined &&
      !this.children.has(dependency) &&
      breaker.state === 'closed' &&
      breaker.activeOverride === undefined &&
      // Forced closed reads as `closed`; only the snapshot tells. Eviction is off the hot path.
      breaker.toJSON().manual === undefined
    );
  }

  /**
   * Removes the breaker of `dependency`, so that the next {@link get} (or {@link applyOverride})
   * creates a fresh, closed one, and tells the listener (`onBreakerRemoved`) so that gauges stop
   * reporting it. A parent with child breakers in the registry is kept: delete the children first.
   * Returns whether a breaker was removed. Pipelines built with the breaker keep using it, outside
   * the registry's reach: delete only breakers no pipeline still serves (see {@link isIdle}).
   */
  delete(dependency: string): boolean {
    const breaker = this.breakers.get(dependency);
    if (breaker === undefined || this.children.has(dependency)) return false;
    this.breakers.delete(dependency);
    const parent = breaker.parent;
    if (parent !== undefined) {
      const left = (this.children.get(parent.dependency) ?? 1) - 1;
      if (left > 0) this.children.set(parent.dependency, left);
      else this.children.delete(parent.dependency);
    }
    const listener = guardListener(this.config.listener ?? getDefaultListener()) as RemovalListener;
    listener.onBreakerRemoved?.(breaker);
    return true;
  }

  /** The breaker for `dependency` if it exists. */
  find(dependency: string): CircuitBreaker | undefined {
    return this.breakers.get(dependency);
  }

  /** Every breaker created so far. */
  list(): CircuitBreaker[] {
    return [...this.breakers.values()];
  }

  /**
   * Entry point for the fleet control client: applies (or with `undefined` clears) an override
   * on the dependency's breaker, creating the breaker if needed. Invalid input throws a
   * `TypeError` and changes nothing.
   */
  applyOverride(dependency: string, override: BreakerOverride | undefined): CircuitBreaker {
    // Validated before the breaker is looked up, so bad input creates no breaker either.
    if (override !== undefined) parseBreakerOverride(dependency, override);
    const breaker = this.get(dependency);
    breaker.applyOverride(override);
    return breaker;
  }

  /** Clears every override (e.g. when the control plane is switched off). */
  clearOverrides(): void {
    for (const breaker of this.breakers.values())
      if (breaker.activeOverride !== undefined) breaker.applyOverride(undefined);
  }

  /** Snapshot of every breaker by dependency key. */
  toJSON(): Record<string, ReturnType<CircuitBreaker['toJSON']>> {
    const out: Record<string, ReturnType<CircuitBreaker['toJSON']>> = {};
    for (const [key, breaker] of this.breakers) out[key] = breaker.toJSON();
    return out;
  }

  /** Restores breakers from {@link toJSON} output (creating them as needed). */
  restore(snapshot: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(snapshot)) this.get(key).restore(value);
  }
}
