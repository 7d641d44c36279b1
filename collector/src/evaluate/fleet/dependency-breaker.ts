import {
  formatDuration,
  MAX_SIGNAL_ERROR_TYPE_CHARS,
  type OverrideState,
  type SignalReason,
} from '@breakwater/protocol';
import type { FleetPolicy } from './config.ts';
import type { InstanceBudget } from './instance-budget.ts';
import { StepTally } from './step-tally.ts';
import { SlidingWindow, type WindowStats } from './window.ts';

/** A change of the fleet breaker's state for one dependency. */
export interface Transition {
  state: OverrideState;
  /** Fraction admitted (half_open only). */
  allow: number | undefined;
  reason: SignalReason;
  /** One line for people: what tripped, passed or failed. */
  why: string;
}

/**
 * The fleet-wide breaker of one dependency (or one service's dependency):
 * `closed` → `open` (for the open period) → `half_open` ramp steps → `closed`, and back to
 * `open` with a longer period whenever a ramp step fails. Pure state: it reads time only from
 * the arguments, and the caller turns transitions into signals. Every time is monotonic
 * (`Clock.monotonic`), so a step of the wall clock cannot stretch an open period or a ramp step.
 */
export class DependencyBreaker {
  state: OverrideState = 'closed';
  /** When the current state (or ramp step) began (monotonic ms). */
  since: number;
  /** The reason of the last transition, re-sent with re-issued signals. */
  reason: SignalReason | undefined;
  /** Current ramp step index (half_open only). */
  step = -1;
  /** Open period in force; grows after each failed step, reset once closed. */
  openPeriodMs: number;
  /** End of the open period (monotonic ms). */
  openUntil = 0;
  readonly window: SlidingWindow;
  /**
   * The current ramp step's calls; only while half-open, so the up to 2,000 instance ids a step
   * remembers are given back when the ramp ends.
   */
  private tally: StepTally | undefined;
  /** Whether the state ever changed (creation is not a change). */
  private transitioned = false;

  readonly policy: FleetPolicy;

  /** @param instances the instance-id budget shared with the fleet breaker's other windows. */
  constructor(policy: FleetPolicy, now: number, instances?: InstanceBudget) {
    this.policy = policy;
    this.since = now;
    this.openPeriodMs = policy.openDuration;
    this.window = new SlidingWindow(Math.max(...policy.windows.map((w) => w.duration)), instances);
  }

  /** Admitted fraction while ramping. */
  get allow(): number | undefined {
    return this.state === 'half_open' ? this.policy.ramp[this.step] : undefined;
  }

  /** Records one call the dependency saw. */
  record(now: number, failed: boolean, instance: string, errorType: string | undefined): void {
    this.window.add(now, failed, instance, errorType);
    this.tally?.add(failed, instance, errorType);
  }

  /** Statistics of the configured windows, for reports and metrics. */
  windowStats(now: number): { durationMs: number; stats: WindowStats }[] {
    return this.policy.windows.map((w) => ({
      durationMs: w.duration,
      stats: this.window.stats(now, w.duration),
    }));
  }

  /** Moves the state on if the evidence (or the time) says so; returns the transition made. */
  evaluate(now: number): Transition | undefined {
    switch (this.state) {
      case 'closed':
        return this.evaluateClosed(now);
      case 'open':
        return now >= this.openUntil ? this.enterStep(now, 0, this.reason ?? emptyReason()) : undefined;
      case 'half_open':
        return this.evaluateStep(now);
    }
  }

  private evaluateClosed(now: number): Transition | undefined {
    const p = this.policy;
    for (const w of p.windows) {
      // Only seconds since the last transition count, so the outage that just ended cannot
      // re-open a breaker the ramp has closed. Before any transition everything counts: the
      // breaker was created by the first call it saw.
      const s = this.window.stats(now, w.duration, this.transitioned ? this.since : 0);
      const minVolume = w.minVolume ?? p.minVolume;
      const threshold = w.threshold ?? p.openThreshold;
      if (s.failures === 0 || s.calls < minVolume || s.ratio < threshold || s.failingInstances < p.quorum) {
        continue;
      }
      const reason = toReason(s, w.duration);
      return this.open(
        now,
        reason,
        `failure ratio ${pct(s.ratio)} ≥ ${pct(threshold)} over ${reason.window} ` +
          `(${s.failures}/${s.calls} calls, ${s.failingInstances} instances failing, quorum ${p.quorum})`,
      );
    }
    return undefined;
  }

  private evaluateStep(now: number): Transition | undefined {
    const p = this.policy;
    const elapsed = now - this.since;
    this.tally ??= new StepTally();
    const s = this.tally.stats();
    const reason = toReason(s, Math.max(1_000, Math.round(elapsed / 1_000) * 1_000));
    // During the ramp few instances may be calling; the quorum shrinks to those reporting, so a
    // dependency still failing for everyone who tries it cannot be declared healthy.
    const quorum = Math.max(1, Math.min(p.quorum, s.reportingInstances));
    const failing = s.failures > 0 && s.ratio >= p.openThreshold && s.failingInstances >= quorum;
    const enoughEvidence = s.calls >= p.stepMinVolume;
    if (failing && (enoughEvidence || elapsed >= p.stepMaxDuration)) {
      this.openPeriodMs = Math.min(p.maxOpenDuration, Math.round(this.openPeriodMs * p.backoffMultiplier));
      return this.open(
        now,
        reason,
        `ramp step ${this.step + 1}/${p.ramp.length} (${pct(this.allow ?? 0)}) failed: ` +
          `${s.failures}/${s.calls} calls failed; open again for ${formatDuration(this.openPeriodMs)}`,
      );
    }
    const passed = (elapsed >= p.stepDuration && enoughEvidence) || elapsed >= p.stepMaxDuration;
    if (!passed) return undefined;
    if (this.step + 1 < p.ramp.length) return this.enterStep(now, this.step + 1, reason);
    this.state = 'closed';
    this.since = now;
    this.transitioned = true;
    this.step = -1;
    this.tally = undefined;
    this.reason = reason;
    this.openPeriodMs = p.openDuration;
    return {
      state: 'closed',
      allow: undefined,
      reason,
      why: `ramp completed: ${s.failures}/${s.calls} calls failed in the last step`,
    };
  }

  private open(now: number, reason: SignalReason, why: string): Transition {
    this.state = 'open';
    this.since = now;
    this.transitioned = true;
    this.step = -1;
    this.tally = undefined;
    this.reason = reason;
    this.openUntil = now + this.openPeriodMs;
    return { state: 'open', allow: undefined, reason, why };
  }

  private enterStep(now: number, step: number, reason: SignalReason): Transition {
    this.state = 'half_open';
    this.since = now;
    this.transitioned = true;
    this.step = step;
    this.reason = reason;
    this.tally = new StepTally();
    const allow = this.policy.ramp[step]!;
    return {
      state: 'half_open',
      allow,
      reason,
      why:
        step === 0
          ? `open period of ${formatDuration(this.openPeriodMs)} over: ramp step 1/${this.policy.ramp.length}, admit ${pct(allow)}`
          : `ramp step ${step}/${this.policy.ramp.length} passed (${reason.volume} calls, ratio ${pct(reason.errorRatio)}): admit ${pct(allow)}`,
    };
  }
}

function toReason(s: WindowStats, windowMs: number): SignalReason {
  return {
    errorRatio: Math.min(1, Math.max(0, s.ratio)),
    window: formatDuration(Math.max(1, Math.round(windowMs))),
    volume: s.calls,
    instances: s.failingInstances,
    topErrorTypes: s.topErrorTypes.map((t) => ({
      type: t.type.slice(0, MAX_SIGNAL_ERROR_TYPE_CHARS),
      count: t.count,
    })),
  };
}

function emptyReason(): SignalReason {
  return { errorRatio: 0, window: '1s', volume: 0, instances: 0, topErrorTypes: [] };
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}
