import type { BreakerOverride, Clock } from '@breakwater/protocol';
import { systemClock } from '@breakwater/protocol';
import type { ResilienceListener } from '../telemetry/listener.ts';
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

/**
 * Breakers by dependency key, created on first use. The fleet control client drives them through
 * {@link BreakerRegistry.applyOverride}.
 */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly config: BreakerRegistryOptions;
  private readonly clock: Clock;

  constructor(options: BreakerRegistryOptions = {}) {
    this.config = options;
    this.clock = options.clock ?? options.defaults?.clock ?? systemClock;
  }

  /** The breaker for `dependency`, creating it (and its parents) if needed. */
  get(dependency: string): CircuitBreaker {
    let breaker = this.breakers.get(dependency);
    if (breaker === undefined) {
      const parentKey = this.config.parentKey?.(dependency);
      const parent = parentKey !== undefined && parentKey !== dependency ? this.get(parentKey) : undefined;
      breaker = new CircuitBreaker({
        clock: this.clock,
        ...(this.config.listener === undefined ? {} : { listener: this.config.listener }),
        ...this.config.defaults,
        ...this.config.options?.(dependency),
        dependency,
        ...(parent === undefined ? {} : { parent }),
      });
      this.breakers.set(dependency, breaker);
    }
    return breaker;
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
