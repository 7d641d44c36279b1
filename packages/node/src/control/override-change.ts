import type { BreakerOverride, BreakerSignal } from '@breakwater/protocol';
import { type ControlLogger, seconds } from './logger.ts';

/** Why an override was lifted. */
export type LiftCause = 'closed' | 'snapshot' | 'expired' | 'shutdown';

/** What one apply, clear or expiry did to the overrides in force. */
export type OverrideChange =
  | { kind: 'applied'; dependency: string; override: BreakerOverride; signal: BreakerSignal }
  | { kind: 'refreshed'; dependency: string; override: BreakerOverride; signal: BreakerSignal }
  | {
      kind: 'changed';
      dependency: string;
      override: BreakerOverride;
      previous: BreakerOverride;
      signal: BreakerSignal;
    }
  | { kind: 'lifted'; dependency: string; previous: BreakerOverride; ttlMs: number; cause: LiftCause };

const LIFTED: Record<Exclude<LiftCause, 'shutdown' | 'expired'>, string> = {
  closed: 'the collector closed it',
  snapshot: "not in the collector's snapshot",
};

/**
 * Logs a change at warn only when what the SDK does changes: an override newly applied, its state
 * (or admitted fraction) changed, or lifted. The collector re-issues an unchanged signal about
 * every TTL/2 to keep it alive; such a refresh, and the overrides a closing client lifts, go to
 * debug. (The metrics count every signal, whatever it changed.)
 */
export function logOverrideChange(logger: ControlLogger, change: OverrideChange): void {
  const { dependency } = change;
  if (change.kind === 'lifted') {
    const details = { dependency, was: describe(change.previous) };
    if (change.cause === 'shutdown') {
      logger.debug(`fleet override lifted: ${dependency} (control client closed)`, details);
    } else if (change.cause === 'expired') {
      logger.warn(
        `fleet override expired: ${dependency} (not refreshed within its ${seconds(change.ttlMs)} TTL); its local breaker decides again`,
        details,
      );
    } else {
      logger.warn(
        `fleet override lifted: ${dependency} (${LIFTED[change.cause]}); its local breaker decides again`,
        details,
      );
    }
    return;
  }
  const { signal, override } = change;
  const details = {
    dependency,
    state: override.state,
    allow: override.allow,
    ttlMs: signal.ttlMs,
    id: signal.id,
    reason: signal.reason,
  };
  const now = `${describe(override)} for ${seconds(signal.ttlMs)}`;
  if (change.kind === 'refreshed') {
    logger.debug(`fleet override refreshed: ${dependency} ${now}`, details);
  } else if (change.kind === 'applied') {
    logger.warn(`fleet override applied: ${dependency} ${now} (${why(signal)})`, details);
  } else {
    logger.warn(
      `fleet override changed: ${dependency} ${describe(change.previous)} → ${now} (${why(signal)})`,
      details,
    );
  }
}

function describe(override: BreakerOverride): string {
  return override.allow === undefined
    ? override.state
    : `${override.state} (admitting ${Math.round(override.allow * 100)}%)`;
}

/**
 * The collector's evidence, short. A half-open signal is a step of the ramp back after an
 * outage: its window is the step's, often quiet, so it says so rather than reading as a refusal
 * without a reason (a service that never failed is ramped too: the breaker is the fleet's).
 */
function why(signal: BreakerSignal): string {
  const { errorRatio, window, volume, instances } = signal.reason;
  const evidence =
    volume === 0
      ? `no calls over ${window}`
      : `fleet error ratio ${Math.round(errorRatio * 100)}% over ${window}: ${volume} calls from ${instances} instances`;
  return signal.state === 'half_open'
    ? `the fleet ramps calls back in after an outage; ${evidence}`
    : evidence;
}
