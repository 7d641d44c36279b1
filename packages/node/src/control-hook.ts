/**
 * ── Fleet control client hook ─────────────────────────────────────────────────────────────────
 * The control client (packages/node/src/control/**, owned separately) subscribes to the
 * collector's breaker signals and calls `target.applyOverride(dependency, override)` /
 * `target.clearOverride(dependency)`. This file is the one place it is wired to a runtime's
 * breaker registry, by `start()` and by `startFleetControl()`.
 */
import { getRuntime, type Runtime } from '@breakwater/instrumentation';
import type { Clock } from '@breakwater/protocol';
import { systemClock } from '@breakwater/protocol';
import { type ControlClient, type OverrideTarget, startControlClient } from './control/index.ts';
import type { ResolvedOptions } from './options.ts';

/** What start() keeps of a running control client. */
export interface ControlHandle {
  close(): Promise<void> | void;
}

/**
 * Adapts the runtime's breaker registry to the control client's target interface. The client
 * holds at most the runtime's `limits.maxDependencies` overrides: a breaker under an override is
 * never evicted, so the fleet could otherwise grow every SDK past its dependency limit.
 */
export function overrideTarget(runtime: Runtime): OverrideTarget {
  return targetOf(() => runtime);
}

/**
 * {@link overrideTarget} of whichever runtime is the process's when each signal arrives
 * (`getRuntime()`), for `startFleetControl()`: the app owns the runtime and may replace it with
 * `configureBreakwater()` after the client started, and a target bound to the old one would steer
 * breakers no call uses. An override in force reaches the new runtime at its next re-issue (about
 * every TTL/2). The cap is the runtime's at start.
 */
export function processRuntimeTarget(): OverrideTarget {
  return targetOf(getRuntime);
}

/** The target on the runtime `runtime()` gives at each call; the cap is taken once, now. */
function targetOf(runtime: () => Runtime): OverrideTarget {
  return {
    applyOverride: (dependency, override) => runtime().guard.applyOverride(dependency, override),
    clearOverride: (dependency) => runtime().guard.clearOverride(dependency),
    maxOverrides: runtime().guard.maxDependencies,
    has: (dependency) => runtime().guard.breakers.find(dependency) !== undefined,
  };
}

/**
 * Starts the control client for `options.serviceName` on `target`, unless `options.control` is
 * off; never throws (a failure is logged and none runs).
 */
export function startControl(
  options: Pick<ResolvedOptions, 'control' | 'serviceName'>,
  target: OverrideTarget,
  clock: Clock | undefined,
  log: (message: string) => void,
): ControlClient | undefined {
  if (options.control === false) return undefined;
  try {
    return startControlClient({
      url: options.control.url,
      token: options.control.token,
      service: options.serviceName,
      target,
      clock: clock ?? systemClock,
      logger: log,
    });
  } catch (error) {
    log(`control client failed to start: ${String(error)}`);
    return undefined;
  }
}
