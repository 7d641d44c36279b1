import { writeFleetMetrics } from './act/signals/fleet-metrics.ts';
import { signalRoutes } from './act/signals/routes.ts';
import { SignalHub } from './act/signals/signal-hub.ts';
import type { CollectorComponent, ComponentContext } from './component.ts';
import { type FleetConfig, parseFleetConfig } from './evaluate/fleet/config.ts';
import { FleetBreaker } from './evaluate/fleet/fleet-breaker.ts';

/** Options beyond the collector configuration (mostly for tests and benchmarks). */
export interface FleetComponentOptions {
  /** Use this parsed `fleet:` section instead of `ctx.config.fleet`. */
  config?: FleetConfig;
}

/** The fleet component, with its parts exposed for tests, benchmarks and status views. */
export interface FleetComponent extends CollectorComponent {
  readonly fleet: FleetBreaker;
  readonly hub: SignalHub;
}

/**
 * The fleet breaker as a collector component: dependency health from spans (evaluate), breaker
 * decisions, and the signal stream to SDKs (act): `GET /v1/signals` (SSE) and
 * `GET /v1/signals/active` (JSON), both with the `subscribe` scope.
 */
export function createFleetComponent(
  ctx: ComponentContext,
  options: FleetComponentOptions = {},
): FleetComponent {
  // Until the lead composes `FleetSectionSchema` into the collector config, the section may be
  // absent (all defaults); parsing an already-parsed section is a no-op.
  const config = options.config ?? parseFleetConfig((ctx.config as { fleet?: unknown }).fleet);
  const logger = ctx.logger.child({ component: 'fleet' });
  const fleet = new FleetBreaker({ config, clock: ctx.clock, logger });
  const hub = new SignalHub({
    clock: ctx.clock,
    logger,
    active: () => fleet.activeSignals(),
    heartbeatMs: config.stream.heartbeat,
    retryMs: config.stream.retry,
    replayBuffer: config.stream.replayBuffer,
    maxSubscribers: config.stream.maxSubscribers,
    maxSubscribersPerToken: config.stream.maxSubscribersPerToken,
    maxQueuedBytes: config.stream.maxQueuedBytes,
  });
  fleet.onSignal((signal) => hub.publish(signal));
  return {
    name: 'fleet',
    fleet,
    hub,
    // The receiver's receipt time is wall time; the fleet breaker's windows run on monotonic time.
    spanSink(spans) {
      fleet.record(spans);
    },
    routes: signalRoutes(hub),
    writeMetrics(out) {
      writeFleetMetrics(out, fleet, hub);
    },
    start() {
      fleet.start();
      hub.start();
    },
    stop() {
      fleet.stop();
      hub.stop();
    },
  };
}
