import type { Clock } from '@breakwater/protocol';
import { systemClock } from '@breakwater/protocol';
import { defaultClassifier } from '../classify/classifier.ts';

/** One feature switch. */
export interface FeatureOptions<F> {
  /** What callers get while the feature is degraded. */
  readonly fallback: () => F | Promise<F>;
  /** Degraded automatically while this returns true (e.g. `() => breaker.state === 'open'`). */
  readonly when?: () => boolean;
  /**
   * Also answer with the fallback when the feature's own call fails (default false). Not when it
   * was cancelled: the caller walked away, and a fallback would answer nobody.
   */
  readonly fallbackOnError?: boolean;
}

/** State of one switch. */
export interface FeatureStatus {
  readonly degraded: boolean;
  /** `manual` when switched off by hand, `automatic` when its `when` condition holds. */
  readonly cause: 'manual' | 'automatic' | undefined;
  readonly reason: string | undefined;
  readonly since: number | undefined;
}

interface Feature {
  readonly options: FeatureOptions<unknown>;
  manual: { reason: string | undefined; since: number } | undefined;
}

/**
 * Graceful degradation: named feature switches, each with a fallback. Operators (or conditions
 * such as an open breaker) turn non-essential features off so the essential path keeps working.
 */
export class DegradationManager {
  private readonly features = new Map<string, Feature>();
  private readonly clock: Clock;

  constructor(options: { readonly clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  /** Registers a feature. Registering a name twice throws. */
  register<F>(name: string, options: FeatureOptions<F>): this {
    if (this.features.has(name)) throw new TypeError(`feature "${name}" is already registered`);
    if (typeof options?.fallback !== 'function')
      throw new TypeError(`feature "${name}" needs a fallback function`);
    this.features.set(name, { options: options as FeatureOptions<unknown>, manual: undefined });
    return this;
  }

  /** Switches a feature to its fallback until {@link restore}. */
  degrade(name: string, reason?: string): void {
    this.feature(name).manual = { reason, since: this.clock.now() };
  }

  /** Switches a feature back on (its `when` condition may still degrade it). */
  restore(name: string): void {
    this.feature(name).manual = undefined;
  }

  isDegraded(name: string): boolean {
    return this.status(name).degraded;
  }

  status(name: string): FeatureStatus {
    const feature = this.feature(name);
    if (feature.manual !== undefined) {
      return { degraded: true, cause: 'manual', reason: feature.manual.reason, since: feature.manual.since };
    }
    if (feature.options.when?.() === true) {
      return { degraded: true, cause: 'automatic', reason: undefined, since: undefined };
    }
    return { degraded: false, cause: undefined, reason: undefined, since: undefined };
  }

  /** Every feature's status, by name. */
  snapshot(): Record<string, FeatureStatus> {
    const out: Record<string, FeatureStatus> = {};
    for (const name of this.features.keys()) out[name] = this.status(name);
    return out;
  }

  /** Runs the feature, or its fallback while it is degraded. */
  async run<T, F>(name: string, fn: () => T | Promise<T>): Promise<T | F> {
    const feature = this.feature(name);
    if (this.isDegraded(name)) return (await feature.options.fallback()) as F;
    if (feature.options.fallbackOnError !== true) return fn();
    try {
      return await fn();
    } catch (error) {
      if (defaultClassifier.classify(error).category === 'cancelled') throw error;
      return (await feature.options.fallback()) as F;
    }
  }

  private feature(name: string): Feature {
    const feature = this.features.get(name);
    if (feature === undefined) throw new TypeError(`unknown feature "${name}"`);
    return feature;
  }
}
