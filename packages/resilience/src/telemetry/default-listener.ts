import type { ResilienceListener } from './listener.ts';
import { OtelListener } from './otel-listener.ts';

let current: ResilienceListener | undefined;

/**
 * The listener policies use when none is given: an {@link OtelListener} on the global
 * OpenTelemetry API unless replaced with {@link setDefaultListener}. Read at policy construction.
 */
export function getDefaultListener(): ResilienceListener {
  current ??= new OtelListener();
  return current;
}

/** Replaces the default listener for policies constructed afterwards. */
export function setDefaultListener(listener: ResilienceListener): void {
  current = listener;
}
