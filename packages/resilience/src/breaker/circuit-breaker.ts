import type { BreakerOverride, BreakerSource, BreakerState, Clock } from '@breakwater/protocol';
import { BreakerOverrideSchema, DEFAULT_HALF_OPEN_ALLOW } from '@breakwater/protocol';
import { cancelledIfAborted } from '../classify/cancelled.ts';
import type { Classification } from '../classify/classification.ts';
import type { CallContext, ExecuteOptions, Operation } from '../core/context.ts';
import { CircuitOpenError } from '../core/errors.ts';
import { FractionGate } from '../core/fraction-gate.ts';
import type { MutableCallContext } from '../core/mutable-context.ts';
import type { Next, Policy } from '../core/policy.ts';
import { executePolicy } from '../core/policy.ts';
import { getDefaultListener } from '../telemetry/default-listener.ts';
import type { ResilienceListener } from '../telemetry/listener.ts';
import { guardListener } from '../telemetry/safe.ts';
import type { FailureWindow } from './failure-window.ts';
import type { CircuitBreakerOptions, ResolvedBreakerOptions } from './options.ts';
import { resolveBreakerOptions } from './options.ts';
import {
  BreakerPermit,
  CLOSED_PERMIT,
  PERMIT_CLOSED,
  PERMIT_FORCED,
  PERMIT_OVERRIDE,
  PERMIT_PROBE,
} from './permit.ts';
import type { BreakerSnapshot } from './snapshot.ts';
import { BreakerSnapshotSchema, readClock } from './snapshot.ts';

type LocalState = 'closed' | 'open' | 'half_open';
type ManualState = 'isolated' | 'forced_closed';

/** The share of calls an override admits. */
function overrideFraction(override: BreakerOverride): number {
  return (
    override.allow ??
    (override.state === 'open' ? 0 : override.state === 'half_open' ? DEFAULT_HALF_OPEN_ALLOW : 1)
  );
}

/** Validates a fleet override for `dependency`; throws a `TypeError` saying what is wrong. */
export function parseBreakerOverride(dependency: string, override: BreakerOverride): BreakerOverride {
  const result = BreakerOverrideSchema.safeParse(override);
  if (!result.success) {
    throw new TypeError(
      `invalid breaker override for ${dependency}: ${result.error.issues[0]?.message ?? ''}`,
    );
  }
  return result.data;
}

/**
 * Generations of every breaker come from one process-wide counter, so a single stamp taken at a
 * success tells each breaker of a hierarchy whether it has changed state since: its generation is
 * then greater than the stamp.
 */
let lastGeneration = 0;

function nextGeneration(): number {
  lastGeneration += 1;
  return lastGeneration;
}

/**
 * A stamp of now, for {@link CircuitBreaker.onFailure}: a breaker whose generation is greater
 * than a call's stamp taken at admission has changed state since the call was admitted.
 */
export function breakerStamp(): number {
  return lastGeneration;
}

/**
 * A circuit breaker: closed → open when its trip rule fires → half-open after the open duration
 * (backing off on each re-open) → closed after enough probe successes.
 *
 * Beside the local state machine it honours manual states (`isolate()`, `forceClose()`), a parent
 * breaker (an open parent refuses for its children) and an external override (fleet signals)
 * that applies until its `expiresAt` and then has no effect at all.
 *
 * Open durations, the half-open ramp, override expiry and slow-call timing run on the clock's
 * `monotonic()` time, so a step of the wall clock neither holds the breaker open nor ends an open
 * period early; snapshots and transition events carry wall time.
 *
 * Hot path: a closed breaker with no override, manual state, parent trouble or slow-call timing
 * admits with one boolean check and the shared permit, and records an outcome in O(1).
 */
export class CircuitBreaker implements Policy {
  readonly dependency: string;
  readonly parent: CircuitBreaker | undefined;
  private readonly options: ResolvedBreakerOptions;
  private readonly clock: Clock;
  private readonly window: FailureWindow;
  private readonly listener: ResilienceListener;
  private readonly gate: FractionGate;

  /** True when admission needs no more than the shared permit (see class doc). */
  private fast = true;
  private local: LocalState = 'closed';
  private manual: ManualState | undefined = undefined;
  private override: BreakerOverride | undefined = undefined;
  /** When the override ends, on monotonic time (its `expiresAt` is wall time). */
  private overrideUntil = 0;
  /** Monotonic times, like every time kept below. */
  private openedAt = 0;
  private openUntil = 0;
  private reopens = 0;
  /** Stamp of the last change of state (see {@link nextGeneration}). */
  private generation = 0;
  /** Half-open generation that the last close ended, and the re-open count it had (late probes). */
  private closedFromGeneration = -1;
  /** The generation the last close began. */
  private closedGeneration = -1;
  private reopensAtClose = 0;
  private halfOpenSince = 0;
  private probeSuccesses = 0;
  private probesInFlight = 0;
  private reported: BreakerState = 'closed';
  private reportedSource: BreakerSource = 'local';

  constructor(options: CircuitBreakerOptions = {}) {
    this.options = resolveBreakerOptions(options);
    this.dependency = this.options.dependency;
    this.clock = this.options.clock;
    this.window = this.options.createWindow();
    this.parent = options.parent;
    this.gate = new FractionGate(this.options.random);
    this.listener = guardListener(options.listener ?? getDefaultListener());
    this.updateFast();
    this.listener.onBreakerCreated?.(this);
  }

  /**
   * Effective state: `isolated` when isolated by hand, the override's state while one is in
   * force, otherwise the local state (an open breaker whose open duration is over reads as
   * `half_open`).
   */
  get state(): BreakerState {
    if (this.manual !== undefined) return this.manual === 'isolated' ? 'isolated' : 'closed';
    const now = this.clock.monotonic();
    if (this.override !== undefined) {
      if (now < this.overrideUntil) return this.override.state;
      this.expireOverride();
      // Read again: the listener told of the change may have changed the state from inside it.
      return this.state;
    }
    if (this.local === 'open' && now >= this.openUntil) {
      this.toHalfOpen(now);
      return this.state;
    }
    return this.local;
  }

  /** `fleet` while an external override is in force, else `local`. */
  get source(): BreakerSource {
    return this.override !== undefined && this.clock.monotonic() < this.overrideUntil ? 'fleet' : 'local';
  }

  /** The override in force, if any (expired ones are dropped). */
  get activeOverride(): BreakerOverride | undefined {
    if (this.override !== undefined && this.clock.monotonic() >= this.overrideUntil) this.expireOverride();
    return this.override;
  }

  /**
   * Asks to make a call. Returns a permit to hand back with the outcome, or throws
   * {@link CircuitOpenError}. Sets `ctx.breakerState`/`ctx.breakerSource` when a context is given.
   */
  admit(ctx?: CallContext): BreakerPermit {
    if (!this.fast) return this.admitSlow(ctx);
    // Every ancestor must be fast too: an open grandparent refuses for its grandchildren.
    for (let p = this.parent; p !== undefined; p = p.parent) if (!p.fast) return this.admitSlow(ctx);
    if (ctx !== undefined) {
      (ctx as MutableCallContext).breakerState = 'closed';
      (ctx as MutableCallContext).breakerSource = 'local';
    }
    return CLOSED_PERMIT;
  }

  /**
   * Checks again a permit given before the call waited (for a bulkhead slot). It stands while
   * this breaker and each ancestor still admit on the same terms: closed for a closed permit, the
   * same half-open period for a probe, an override that admits calls for an override permit,
   * `forceClose()` for a forced one. Otherwise (the breaker or a parent opened meanwhile, a
   * probe's half-open period ended) the call asks anew, as one arriving now would, and is refused
   * while the breaker is open. Returns the permit to use, or throws {@link CircuitOpenError}.
   */
  readmit(permit: BreakerPermit, ctx?: CallContext): BreakerPermit {
    if (this.stands(permit)) return permit;
    this.release(permit);
    return this.admit(ctx);
  }

  /** Whether `permit` would still be given now, here and up the hierarchy (see {@link readmit}). */
  private stands(permit: BreakerPermit): boolean {
    // A parent on its fast path at admission gave no permit of its own: it was closed.
    if (this.parent !== undefined && !this.parent.stands(permit.parent ?? CLOSED_PERMIT)) return false;
    switch (permit.kind) {
      case PERMIT_CLOSED:
        return this.state === 'closed';
      case PERMIT_PROBE:
        // A probe of an earlier period would be sent uncounted (its outcome is ignored as stale).
        return this.state === 'half_open' && this.source === 'local' && permit.generation === this.generation;
      case PERMIT_OVERRIDE: {
        const override = this.activeOverride;
        return override !== undefined && overrideFraction(override) > 0;
      }
      default:
        return this.manual === 'forced_closed';
    }
  }

  /**
   * Restarts the slow-call clock of `permit` (and its parents'): the pipeline calls it when the
   * operation starts after a wait for a bulkhead slot, so local queueing is not taken for
   * slowness of the dependency.
   */
  onStart(permit: BreakerPermit): void {
    if (Number.isNaN(permit.startedAt)) return;
    permit.startedAt = this.clock.monotonic();
    if (permit.parent !== undefined) this.parent?.onStart(permit.parent);
  }

  /**
   * Records a success for `permit`. Returns a stamp of the moment it is recorded: hand it to
   * {@link onLateFailure} should the call fail after all, so a breaker (or a parent) that has
   * changed state since can tell the news is stale. Given `admittedAt` (as for
   * {@link onFailure}), a call admitted before the breaker last changed state is not counted as
   * slow: its time includes the trouble the breaker has judged since, so it is a plain success.
   */
  onSuccess(permit: BreakerPermit, admittedAt?: number): number {
    if (permit === CLOSED_PERMIT) {
      if (this.local === 'closed') {
        const now = this.window.needsTime ? this.clock.monotonic() : 0;
        if (this.window.record(false, false, now) && this.window.shouldTrip(now))
          this.toOpen(this.clock.monotonic(), 'local');
      }
      if (this.parent !== undefined && this.options.reportToParent)
        this.parent.onSuccess(CLOSED_PERMIT, admittedAt);
      return lastGeneration;
    }
    this.settle(permit, false, admittedAt);
    return lastGeneration;
  }

  /**
   * Records a failure for `permit`; failures the breaker does not count just release it. Given
   * `admittedAt` ({@link breakerStamp} at admission), a closed-state call admitted before the
   * breaker last changed state changes nothing: a call that hung from before an outage and fails
   * after the breaker recovered must not open it again on old news.
   */
  onFailure(permit: BreakerPermit, classification: Classification, admittedAt?: number): void {
    const parent = this.parent;
    if (parent !== undefined) {
      if (this.options.reportToParent)
        parent.onFailure(permit.parent ?? CLOSED_PERMIT, classification, admittedAt);
      // Not reported, the parent's permit must still come back: a half-open parent's probe slot
      // would otherwise stay taken and the parent would refuse every call forever.
      else if (permit.parent !== undefined) parent.release(permit.parent);
    }
    if (!this.options.shouldCount(classification)) {
      this.releaseOwn(permit);
      return;
    }
    // Old news whatever the permit: the shared one, or a closed, forced or override permit of its
    // own (slow-call timing, a parent not on its fast path). A probe is judged by its generation.
    if (this.isStale(permit, admittedAt)) return;
    if (permit === CLOSED_PERMIT) {
      if (this.local !== 'closed') return;
      const now = this.clock.monotonic();
      if (this.window.record(true, false, now) && this.window.shouldTrip(now)) this.toOpen(now, 'local');
      return;
    }
    this.settle(permit, true);
  }

  /**
   * Records a late failure: a call already recorded as a success (its response headers were fine)
   * failed afterwards, typically a stream that broke mid-way. Closed, the most recent success
   * becomes a failure (see `FailureWindow.amend`), so repeated mid-stream failures trip the
   * breaker as if they had failed up front. Half-open, it counts as a failed probe and re-opens.
   * Given the call's `permit`, a half-open probe whose success closed the breaker also counts as
   * a failed probe while the breaker is still in that closed period: it re-opens with the next
   * (longer) open duration, as if the probe had failed up front. Open, for failures the breaker
   * does not count, or for any other call whose success came before the breaker's last change of
   * state (`succeededIn`, what {@link onSuccess} returned), it changes nothing; the same holds for
   * each parent told of it.
   */
  onLateFailure(classification: Classification, permit?: BreakerPermit, succeededIn?: number): void {
    if (!this.options.shouldCount(classification)) return;
    if (this.parent !== undefined && this.options.reportToParent)
      this.parent.onLateFailure(classification, permit?.parent, succeededIn);
    const now = this.clock.monotonic();
    if (
      permit !== undefined &&
      permit.kind === PERMIT_PROBE &&
      permit.generation === this.closedFromGeneration &&
      this.generation === this.closedGeneration &&
      this.local === 'closed' &&
      this.manual === undefined
    ) {
      this.reopens = this.reopensAtClose;
      this.toOpen(now, 'local', true);
    } else if (succeededIn !== undefined && this.generation > succeededIn) {
      // The breaker has changed state since the success: the window it was counted in is gone,
      // and the dependency has been judged afresh. Amending now would turn another call's
      // success into a failure, or re-open a half-open breaker on old news.
    } else if (this.local === 'closed') {
      if (this.window.amend(now) && this.manual === undefined && this.window.shouldTrip(now))
        this.toOpen(now, 'local');
    } else if (this.local === 'half_open') {
      this.toOpen(now, 'local');
    }
  }

  /** Gives a permit back without an outcome (the call was cancelled or never made). */
  release(permit: BreakerPermit): void {
    if (this.parent !== undefined && permit.parent !== undefined) this.parent.release(permit.parent);
    this.releaseOwn(permit);
  }

  /** Refuses every call until {@link reset} (manual isolation). */
  isolate(): void {
    const from = this.reported;
    this.manual = 'isolated';
    this.afterChange(from, 'local');
  }

  /** Admits every call until {@link reset}, whatever the trip rule says. */
  forceClose(): void {
    const from = this.reported;
    this.manual = 'forced_closed';
    this.afterChange(from, 'local');
  }

  /** Clears manual states and returns to closed with fresh statistics. */
  reset(): void {
    const from = this.reported;
    this.manual = undefined;
    this.local = 'closed';
    this.reopens = 0;
    this.generation = nextGeneration();
    this.window.reset();
    this.afterChange(from, 'local');
  }

  /**
   * Applies an external override `{ state, allow?, expiresAt }` (see `BreakerOverride` in
   * `@breakwater/protocol`), replacing any previous one; `undefined` clears it. Invalid input
   * throws a `TypeError` and changes nothing. An override already expired has no effect.
   * `expiresAt` is wall time (epoch ms on the breaker's clock); the time it leaves is counted on
   * monotonic time from here on, so a later wall-clock step neither extends nor shortens it.
   *
   * While in force: `open` refuses every call, `half_open` admits the `allow` fraction (default
   * `DEFAULT_HALF_OPEN_ALLOW`), `closed` admits every call; with `allow`, any state admits that
   * fraction. Admitted calls still feed the local statistics.
   */
  applyOverride(override: BreakerOverride | undefined): void {
    const parsed = override === undefined ? undefined : parseBreakerOverride(this.dependency, override);
    const leftMs = parsed === undefined ? 0 : parsed.expiresAt - this.clock.now();
    // A stale signal delivered late must not replace (or clear) the override in force.
    if (parsed !== undefined && leftMs <= 0) return;
    const from = this.reported;
    const previous = this.override;
    this.override = parsed;
    this.overrideUntil = this.clock.monotonic() + leftMs;
    // The collector re-sends a signal every half TTL: an equal fraction keeps counting, or a
    // replica making fewer calls per re-send than 1/allow would never admit one. A new fraction
    // counts from a random phase: every replica of a fleet starting from 0 would admit nothing
    // in a step where it makes fewer than 1/allow calls, so a fleet of quiet replicas would send
    // no probe at all; from random phases it admits about `allow` of its calls together. Cleared,
    // the local logic counts from 0 again, as it does on entering half-open.
    if (parsed === undefined) this.gate.reset();
    else if (previous === undefined || overrideFraction(previous) !== overrideFraction(parsed))
      this.gate.reset(Math.random());
    this.afterChange(from, 'fleet');
  }

  /**
   * Serialisable state, its times in wall time (see `BreakerSnapshotSchema`); restore with
   * {@link restore} or `CircuitBreaker.fromJSON`.
   */
  toJSON(): BreakerSnapshot {
    const at = readClock(this.clock);
    const offset = at.wall - at.monotonic;
    const snapshot: BreakerSnapshot = {
      version: 1,
      dependency: this.dependency,
      state: this.local,
      reopens: this.reopens,
      probeSuccesses: this.local === 'half_open' ? this.probeSuccesses : 0,
      window: this.window.toJSON(at),
    };
    if (this.local === 'open') {
      snapshot.openedAt = this.openedAt + offset;
      snapshot.openUntil = this.openUntil + offset;
    }
    if (this.local === 'half_open') snapshot.halfOpenSince = this.halfOpenSince + offset;
    if (this.manual !== undefined) snapshot.manual = this.manual;
    if (this.override !== undefined)
      snapshot.override = { ...this.override, expiresAt: this.overrideUntil + offset };
    return snapshot;
  }

  /** Restores state from {@link toJSON} output. Invalid input throws and changes nothing. */
  restore(snapshot: unknown): void {
    const result = BreakerSnapshotSchema.safeParse(snapshot);
    if (!result.success) {
      throw new TypeError(
        `invalid breaker snapshot for ${this.dependency}: ${result.error.issues[0]?.message ?? ''}`,
      );
    }
    const s = result.data;
    const at = readClock(this.clock);
    const offset = at.wall - at.monotonic;
    const from = this.reported;
    this.local = s.state;
    this.openedAt = s.openedAt === undefined ? 0 : s.openedAt - offset;
    this.openUntil = s.openUntil === undefined ? 0 : s.openUntil - offset;
    this.reopens = s.reopens;
    this.halfOpenSince = s.halfOpenSince === undefined ? 0 : s.halfOpenSince - offset;
    // A snapshot of another half-open rule (more probes, a ramp) may hold more successes than this
    // rule lets a half-open breaker keep: as many as its probes would refuse every call, and with
    // no probe left to close it, for good. Its next probe decides instead.
    this.probeSuccesses =
      this.options.ramp === undefined
        ? Math.min(s.probeSuccesses, this.options.successThreshold - 1)
        : s.probeSuccesses;
    this.probesInFlight = 0;
    this.manual = s.manual;
    // An override already over has no effect, as with `applyOverride`: restored, it would report a
    // transition to its state and back at the next read.
    const override = s.override !== undefined && s.override.expiresAt > at.wall ? s.override : undefined;
    this.override = override;
    this.overrideUntil = override === undefined ? 0 : override.expiresAt - offset;
    this.generation = nextGeneration();
    this.window.restore(s.window, at);
    this.afterChange(from, 'local');
  }

  /** Creates a breaker from options (dependency defaults to the snapshot's) and restores `snapshot`. */
  static fromJSON(snapshot: unknown, options: CircuitBreakerOptions = {}): CircuitBreaker {
    const dependency = (snapshot as { dependency?: unknown } | null)?.dependency;
    const breaker = new CircuitBreaker(typeof dependency === 'string' ? { dependency, ...options } : options);
    breaker.restore(snapshot);
    return breaker;
  }

  /** Policy: admits, runs `next`, records the outcome. */
  async run<T>(ctx: CallContext, next: Next<T>): Promise<T> {
    const admittedAt = breakerStamp();
    const permit = this.admit(ctx);
    try {
      const value = await next.run(ctx);
      this.onSuccess(permit, admittedAt);
      return value;
    } catch (error) {
      this.onFailure(
        permit,
        cancelledIfAborted(this.options.classifier.classify(error, ctx), ctx),
        admittedAt,
      );
      throw error;
    }
  }

  /** Runs `fn` through this breaker alone. */
  execute<T, TData = unknown>(fn: Operation<T, TData>, options?: ExecuteOptions<TData>): Promise<T> {
    return executePolicy(this, fn, options, this.dependency);
  }

  // ---- internals -------------------------------------------------------------------------

  private admitSlow(ctx: CallContext | undefined): BreakerPermit {
    const parentPermit = this.parent?.admit(ctx);
    try {
      return this.admitOwn(ctx, parentPermit);
    } catch (error) {
      if (parentPermit !== undefined) this.parent?.release(parentPermit);
      throw error;
    }
  }

  private admitOwn(ctx: CallContext | undefined, parentPermit: BreakerPermit | undefined): BreakerPermit {
    const now = this.clock.monotonic();
    const timed = this.options.slowCallMs !== undefined;
    if (this.manual === 'isolated') return this.refuse(ctx, 'isolated', 'local', undefined);
    if (this.manual === 'forced_closed')
      return this.admitted(ctx, 'closed', 'local', PERMIT_FORCED, now, parentPermit);
    const override = this.override;
    if (override !== undefined) {
      if (now < this.overrideUntil) {
        if (!this.gate.admit(overrideFraction(override)))
          return this.refuse(ctx, override.state, 'fleet', this.overrideUntil - now);
        return this.admitted(ctx, override.state, 'fleet', PERMIT_OVERRIDE, now, parentPermit);
      }
      this.expireOverride();
      // The listener told of a change may have isolated or overridden the breaker from inside it:
      // this call is admitted on what holds now, not on what held before.
      return this.admitOwn(ctx, parentPermit);
    }
    if (this.local === 'open') {
      if (now < this.openUntil) return this.refuse(ctx, 'open', 'local', this.openUntil - now);
      this.toHalfOpen(now);
      return this.admitOwn(ctx, parentPermit);
    }
    if (this.local === 'half_open') {
      const ramp = this.options.ramp;
      if (ramp !== undefined) {
        const elapsed = now - this.halfOpenSince;
        if (ramp.done(elapsed) && this.probeSuccesses >= this.options.successThreshold) {
          this.toClosed(now);
          return this.admitOwn(ctx, parentPermit);
        }
        if (!this.gate.admit(ramp.fraction(elapsed)))
          return this.refuse(ctx, 'half_open', 'local', undefined);
      } else if (this.probeSuccesses + this.probesInFlight >= this.options.probes) {
        return this.refuse(ctx, 'half_open', 'local', undefined);
      }
      this.probesInFlight++;
      return this.admitted(ctx, 'half_open', 'local', PERMIT_PROBE, now, parentPermit);
    }
    if (!timed && parentPermit === undefined) {
      if (ctx !== undefined) {
        (ctx as MutableCallContext).breakerState = 'closed';
        (ctx as MutableCallContext).breakerSource = 'local';
      }
      return CLOSED_PERMIT;
    }
    return this.admitted(ctx, 'closed', 'local', PERMIT_CLOSED, now, parentPermit);
  }

  private admitted(
    ctx: CallContext | undefined,
    state: BreakerState,
    source: BreakerSource,
    kind: number,
    now: number,
    parentPermit: BreakerPermit | undefined,
  ): BreakerPermit {
    if (ctx !== undefined) {
      (ctx as MutableCallContext).breakerState = state;
      (ctx as MutableCallContext).breakerSource = source;
    }
    return new BreakerPermit(kind, now, this.generation, parentPermit);
  }

  private refuse(
    ctx: CallContext | undefined,
    state: BreakerState,
    source: BreakerSource,
    retryAfterMs: number | undefined,
  ): never {
    if (ctx !== undefined) {
      (ctx as MutableCallContext).breakerState = state;
      (ctx as MutableCallContext).breakerSource = source;
    }
    const error = new CircuitOpenError(this.dependency, state, source, retryAfterMs);
    this.listener.onRejected?.(ctx, error);
    throw error;
  }

  /**
   * Whether a call admitted at `admittedAt` ({@link breakerStamp}) is old news: admitted before
   * the breaker last changed state, on any permit but a probe (which its generation judges).
   */
  private isStale(permit: BreakerPermit, admittedAt: number | undefined): boolean {
    return permit.kind !== PERMIT_PROBE && admittedAt !== undefined && this.generation > admittedAt;
  }

  /** Outcome of a non-shared permit; a stale call (see {@link onSuccess}) is never slow. */
  private settle(permit: BreakerPermit, failed: boolean, admittedAt?: number): void {
    if (!failed && permit.parent !== undefined && this.parent !== undefined) {
      if (this.options.reportToParent) this.parent.onSuccess(permit.parent, admittedAt);
      else this.parent.release(permit.parent);
    }
    const now = this.clock.monotonic();
    const slowMs = this.options.slowCallMs;
    const slow =
      slowMs !== undefined &&
      !Number.isNaN(permit.startedAt) &&
      now - permit.startedAt >= slowMs &&
      !this.isStale(permit, admittedAt);
    if (permit.kind === PERMIT_PROBE) {
      if (permit.generation !== this.generation || this.local !== 'half_open') return;
      this.probesInFlight--;
      if (failed || slow) {
        this.toOpen(now, 'local');
        return;
      }
      this.probeSuccesses++;
      const ramp = this.options.ramp;
      if (
        this.probeSuccesses >= this.options.successThreshold &&
        (ramp === undefined || ramp.done(now - this.halfOpenSince))
      ) {
        this.toClosed(now);
      }
      return;
    }
    // Closed, forced or override admissions feed the closed-state statistics.
    if (this.local !== 'closed') return;
    if (this.window.record(failed, slow, now) && this.manual === undefined && this.window.shouldTrip(now)) {
      this.toOpen(now, 'local');
    }
  }

  private releaseOwn(permit: BreakerPermit): void {
    if (permit.kind === PERMIT_PROBE && permit.generation === this.generation && this.local === 'half_open') {
      this.probesInFlight--;
    }
  }

  private toOpen(now: number, source: BreakerSource, reopen = this.local === 'half_open'): void {
    const from = this.reported;
    // The previous open duration, read before `openedAt`/`openUntil` are overwritten.
    const previousMs = reopen ? this.openUntil - this.openedAt : 0;
    if (reopen) this.reopens++;
    else this.reopens = 0;
    this.local = 'open';
    this.openedAt = now;
    this.openUntil =
      now + this.options.openBackoff.delay(this.reopens, previousMs, this.options.random ?? Math.random);
    this.generation = nextGeneration();
    this.window.reset();
    this.afterChange(from, source);
  }

  private toHalfOpen(now: number): void {
    this.local = 'half_open';
    this.halfOpenSince = now;
    this.probeSuccesses = 0;
    this.probesInFlight = 0;
    this.generation = nextGeneration();
    this.gate.reset();
    this.afterChange(this.reported, 'local');
  }

  private toClosed(_now: number): void {
    const from = this.reported;
    this.closedFromGeneration = this.generation;
    this.reopensAtClose = this.reopens;
    this.local = 'closed';
    this.reopens = 0;
    this.generation = nextGeneration();
    this.closedGeneration = this.generation;
    this.window.reset();
    this.afterChange(from, 'local');
  }

  private expireOverride(): void {
    this.override = undefined;
    this.gate.reset();
    this.afterChange(this.reported, 'fleet');
  }

  private updateFast(): void {
    this.fast =
      this.local === 'closed' &&
      this.manual === undefined &&
      this.override === undefined &&
      this.options.slowCallMs === undefined;
  }

  /** Recomputes the hot-path flag and reports a transition if the effective state changed. */
  private afterChange(from: BreakerState, source: BreakerSource): void {
    this.updateFast();
    const to = this.effectiveNoSideEffects();
    const toSource: BreakerSource = this.override !== undefined ? 'fleet' : source;
    this.reported = to;
    if (to === from && toSource === this.reportedSource) return;
    this.reportedSource = toSource;
    if (to === from) return;
    this.listener.onBreakerTransition?.({
      dependency: this.dependency,
      from,
      to,
      source,
      at: this.clock.now(),
    });
  }

  private effectiveNoSideEffects(): BreakerState {
    if (this.manual !== undefined) return this.manual === 'isolated' ? 'isolated' : 'closed';
    if (this.override !== undefined) return this.override.state;
    return this.local;
  }
}
