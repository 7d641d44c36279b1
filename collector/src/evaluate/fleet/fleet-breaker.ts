import { randomUUID } from 'node:crypto';
import {
  type BreakerSignal,
  type Clock,
  MAX_SIGNAL_DEPENDENCY_CHARS,
  MAX_SIGNAL_SERVICE_CHARS,
  type OverrideState,
  type TimerHandle,
} from '@breakwater/protocol';
import type { Logger } from '../../component.ts';
import type { SpanRecord } from '../../decode/span-record.ts';
import { classifyForHealth } from './classify.ts';
import { type FleetConfig, type FleetPolicy, policyFor } from './config.ts';
import { DecisionCounters } from './decision-counters.ts';
import { DependencyBreaker } from './dependency-breaker.ts';
import { InstanceBudget } from './instance-budget.ts';
import { withRemainingTtl } from './remaining-ttl.ts';
import type { WindowStats } from './window.ts';

/** Receives every signal the fleet breaker issues (decisions and re-issues), in order. */
export type SignalListener = (signal: BreakerSignal) => void;

/** One tracked dependency, for `/metrics` and status views. */
export interface DependencyView {
  dependency: string;
  /** Set when the dependency's policy has `scope: service`. */
  service: string | undefined;
  state: OverrideState;
  allow: number | undefined;
  windows: { durationMs: number; stats: WindowStats }[];
}

/** Counters the fleet breaker keeps (rendered on `/metrics` by the act stage). */
export interface FleetCounters {
  /** State changes per dependency key, bounded (see {@link DecisionCounters}). */
  decisions: DecisionCounters;
  /** Signals issued, re-issues included, by state. */
  signals: Record<OverrideState, number>;
  /** Spans by how they counted toward dependency health. */
  spans: { success: number; failure: number; ignored: number; untracked: number };
}

interface Tracked {
  /** Key in the tracked map (and of the decision counters). */
  key: string;
  dependency: string;
  service: string | undefined;
  breaker: DependencyBreaker;
  /** Latest signal issued for the key. */
  signal: BreakerSignal | undefined;
  /** When {@link signal} was issued, and when to re-issue it (monotonic ms). */
  signalAt: number;
  reissueAt: number;
}

/**
 * Dependency health across the fleet and the decisions taken on it. Spans go in through
 * {@link record}; decisions come out as {@link BreakerSignal}s to the listeners and as the
 * active-signal list. Every decision is logged and counted.
 *
 * Windows, open periods, ramp steps, re-issues and signal lifetimes run on monotonic time, so a
 * step of the wall clock changes none of them; only a signal's `issuedAt` is wall time.
 */
export class FleetBreaker {
  readonly counters: FleetCounters;
  private readonly config: FleetConfig;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly tracked = new Map<string, Tracked>();
  private readonly policies = new Map<string, FleetPolicy>();
  /** Instance ids all tracked windows remember together. */
  private readonly instances: InstanceBudget;
  private readonly listeners = new Set<SignalListener>();
  /** Prefix that keeps ids unique across collector restarts. */
  private readonly idPrefix = randomUUID().slice(0, 8);
  private idSeq = 0;
  private timer: TimerHandle | undefined;

  /** `instances` bounds the instance ids remembered over all windows (default 200,000). */
  constructor(options: { config: FleetConfig; clock: Clock; logger: Logger; instances?: InstanceBudget }) {
    this.config = options.config;
    this.instances = options.instances ?? new InstanceBudget();
    this.clock = options.clock;
    this.logger = options.logger;
    this.counters = {
      decisions: new DecisionCounters(options.config.maxDependencies),
      signals: { open: 0, half_open: 0, closed: 0 },
      spans: { success: 0, failure: 0, ignored: 0, untracked: 0 },
    };
  }

  /** Subscribes to issued signals; returns the unsubscribe function. */
  onSignal(listener: SignalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the periodic evaluation (open periods, ramp steps, re-issues, eviction). */
  start(): void {
    if (this.timer !== undefined || !this.config.enabled) return;
    const loop = (): void => {
      this.tick();
      this.timer = this.clock.setTimeout(loop, this.config.evaluateInterval);
    };
    this.timer = this.clock.setTimeout(loop, this.config.evaluateInterval);
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Records a batch of spans received just now and evaluates the dependencies it touched right
   * away, so an outage is acted on as soon as its evidence arrives. The windows count it at the
   * monotonic time of this call, not at the receiver's wall-clock receipt time.
   */
  record(spans: readonly SpanRecord[]): void {
    if (!this.config.enabled) return;
    const now = this.clock.monotonic();
    const touched = new Set<Tracked>();
    for (const span of spans) {
      if (span.dependency === undefined) continue;
      const outcome = classifyForHealth(span);
      if (outcome === 'ignored') {
        this.counters.spans.ignored++;
        continue;
      }
      const tracked = this.trackedFor(span.dependency, span.service, now);
      if (tracked === undefined) {
        this.counters.spans.untracked++;
        continue;
      }
      this.counters.spans[outcome]++;
      const instance = span.instanceId ?? `service:${span.service}`;
      const errorType = outcome === 'failure' ? (span.errorType ?? span.errorCategory) : undefined;
      tracked.breaker.record(now, outcome === 'failure', instance, errorType);
      touched.add(tracked);
    }
    for (const tracked of touched) this.evaluate(tracked, now);
  }

  /** Evaluates every dependency: time-driven transitions, re-issues and eviction of idle ones. */
  tick(): void {
    const now = this.clock.monotonic();
    for (const [key, tracked] of this.tracked) {
      this.evaluate(tracked, now);
      if (tracked.breaker.state === 'open' || tracked.breaker.state === 'half_open') {
        // Re-issue on the last tick before the due time, never after it.
        if (now + this.config.evaluateInterval >= tracked.reissueAt) this.issue(tracked, now, 'reissue');
        continue;
      }
      const idleSince = Math.max(tracked.breaker.window.lastActivityMs(), tracked.breaker.since);
      const signalAlive = tracked.signal !== undefined && remainingTtl(tracked, now) > 0;
      if (!signalAlive && now - idleSince > longestWindow(tracked.breaker.policy)) {
        this.tracked.delete(key);
        tracked.breaker.window.release();
        this.counters.decisions.untracked(key);
      }
    }
  }

  /**
   * Signals in force now, one per dependency at most, each with `ttlMs` shortened to the time it
   * has left (on the monotonic clock), so a subscriber receiving it now cannot hold it longer.
   */
  activeSignals(): BreakerSignal[] {
    const now = this.clock.monotonic();
    const out: BreakerSignal[] = [];
    for (const t of this.tracked.values()) {
      if (t.signal === undefined) continue;
      const current = withRemainingTtl(t.signal, now - t.signalAt);
      if (current !== undefined) out.push(current);
    }
    return out;
  }

  /** Every tracked dependency with its state and window statistics. */
  view(): DependencyView[] {
    const now = this.clock.monotonic();
    return [...this.tracked.values()].map((t) => ({
      dependency: t.dependency,
      service: t.service,
      state: t.breaker.state,
      allow: t.breaker.allow,
      windows: t.breaker.windowStats(now),
    }));
  }

  private evaluate(tracked: Tracked, now: number): void {
    const transition = tracked.breaker.evaluate(now);
    if (transition === undefined) return;
    this.counters.decisions.count(tracked.key, tracked.dependency, tracked.service, transition.state);
    const log = { dependency: tracked.dependency, service: tracked.service, reason: transition.reason };
    const message = `fleet breaker ${transition.state}${transition.allow === undefined ? '' : ` (allow ${transition.allow})`}: ${transition.why}`;
    if (transition.state === 'open') this.logger.warn({ ...log, state: 'open' }, message);
    else this.logger.info({ ...log, state: transition.state, allow: transition.allow }, message);
    this.issue(tracked, now, 'decision');
  }

  private issue(tracked: Tracked, now: number, cause: 'decision' | 'reissue'): void {
    const { breaker } = tracked;
    const closed = breaker.state === 'closed';
    const ttlMs = closed ? breaker.policy.closedTtl : breaker.policy.ttl;
    const signal: BreakerSignal = {
      id: `${this.idPrefix}-${(++this.idSeq).toString(36)}`,
      kind: 'breaker',
      dependency: tracked.dependency,
      ...(tracked.service === undefined ? {} : { service: tracked.service }),
      state: breaker.state,
      ...(breaker.allow === undefined ? {} : { allow: breaker.allow }),
      ttlMs,
      // The one wall-clock time, informational: SDKs time the TTL from receipt.
      issuedAt: Math.floor(this.clock.now()),
      reason: breaker.reason ?? { errorRatio: 0, window: '1s', volume: 0, instances: 0, topErrorTypes: [] },
    };
    tracked.signal = signal;
    tracked.signalAt = now;
    // Re-issue at half the TTL: a subscriber that misses one re-issue still holds the override.
    tracked.reissueAt = closed ? Number.POSITIVE_INFINITY : now + Math.max(1, Math.floor(ttlMs / 2));
    this.counters.signals[signal.state]++;
    if (cause === 'reissue')
      this.logger.debug({ dependency: signal.dependency, id: signal.id }, 'signal re-issued');
    for (const listener of this.listeners) {
      try {
        listener(signal);
      } catch (error) {
        this.logger.error({ err: error }, 'signal listener failed');
      }
    }
  }

  private trackedFor(dependency: string, service: string, now: number): Tracked | undefined {
    const policy = this.policyOf(dependency);
    if (policy === undefined || !policy.enabled) return undefined;
    const scoped = policy.scope === 'service' ? service : undefined;
    // A signal for a longer key or service would fail the schema at every SDK: never decided on.
    if (dependency.length > MAX_SIGNAL_DEPENDENCY_CHARS) return undefined;
    if (scoped !== undefined && scoped.length > MAX_SIGNAL_SERVICE_CHARS) return undefined;
    const key = scoped === undefined ? dependency : `${scoped}\u0000${dependency}`;
    let tracked = this.tracked.get(key);
    if (tracked === undefined) {
      if (this.tracked.size >= this.config.maxDependencies) return undefined;
      tracked = {
        key,
        dependency,
        service: scoped,
        breaker: new DependencyBreaker(policy, now, this.instances),
        signal: undefined,
        signalAt: 0,
        reissueAt: Number.POSITIVE_INFINITY,
      };
      this.tracked.set(key, tracked);
      this.counters.decisions.tracked(key);
    }
    return tracked;
  }

  private policyOf(dependency: string): FleetPolicy | undefined {
    let policy = this.policies.get(dependency);
    if (policy === undefined) {
      // Resolving walks the wildcard patterns; cache per key, bounded like the tracked keys.
      if (this.policies.size >= this.config.maxDependencies) this.policies.clear();
      policy = policyFor(this.config, dependency);
      this.policies.set(dependency, policy);
    }
    return policy;
  }
}

/** Time the key's latest signal has left at monotonic `now` (≤ 0: expired or none). */
function remainingTtl(tracked: Tracked, now: number): number {
  return tracked.signal === undefined ? 0 : tracked.signalAt + tracked.signal.ttlMs - now;
}

function longestWindow(policy: FleetPolicy): number {
  return Math.max(...policy.windows.map((w) => w.duration));
}
