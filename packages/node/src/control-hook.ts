/**
 * ── Fleet control client hook ─────────────────────────────────────────────────────────────────
 * The control client (packages/node/src/control/**, owned separately) subscribes to the
 * collector's breaker signals and calls `target.applyOverride(dependency, override)` /
 * `target.clearOverride(dependency)`. This file is the one place `start()` wires it to the
 * runtime's breaker registry.
 */
import type { Runtime } from '@breakwater/instrumentation';
import type { Clock } from '@breakwater/protocol';
import { systemClock } from '@breakwater/protocol';
import { type OverrideTarget, startControlClient } from './control/index.ts';
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
  return {
    applyOverride: (dependency, override) => runtime.guard.applyOverride(dependency, override),
    clearOverride: (dependency) => runtime.guard.clearOverride(dependency),
    maxOverrides: runtime.guard.maxDependencies,
    has: (dependency) => runtime.guard.breakers.find(dependency) !== undefined,
  };
}

/** Starts the control client when its module is present; never throws. */
export function startControl(
  options: ResolvedOptions,
  runtime: Runtime,
  clock: Clock | undefined,
  log: (message: string) => void,
): ControlHandle | undefined {
  if (options.control === false) return undefined;
  try {
    return startControlClient({
      url: options.control.url,
      token: options.control.token,
      service: options.serviceName,
      target: overrideTarget(runtime),
      clock: clock ?? systemClock,
      logger: log,
    });
  } catch (error) {
    log(`control client failed to start: ${String(error)}`);
    return undefined;
  }
}
