import {
  type BreakerStatesComponent,
  createBreakerStatesComponent,
} from './breaker-states/breaker-states-component.ts';
import type { CollectorComponent, ComponentContext } from './component.ts';
import { createFleetComponent, type FleetComponent } from './fleet-component.ts';
import { createGateComponent, type GateComponent } from './gate-component.ts';
import { createSloComponent, type SloComponent } from './slo-component.ts';
import { createStatusComponent } from './status-component.ts';

/** Builds one component from the service's context. */
export type ComponentFactory = (
  context: ComponentContext,
) => CollectorComponent | Promise<CollectorComponent>;

/**
 * The collector's built-in components in data-flow order: the SLO engine, the fleet breaker,
 * the SDK breaker-state table, the deployment gate (reading the SLO engine's own store) and the
 * status page (reading all of them). Factories run in order, so each closure below sees the
 * components created before it. Call once per service: the closures hold that service's parts.
 */
export function builtInComponents(): ComponentFactory[] {
  let slo: SloComponent | undefined;
  let fleet: FleetComponent | undefined;
  let breakerStates: BreakerStatesComponent | undefined;
  let gate: GateComponent | undefined;
  return [
    async (ctx) => {
      slo = await createSloComponent(ctx);
      return slo;
    },
    (ctx) => {
      fleet = createFleetComponent(ctx);
      return fleet;
    },
    (ctx) => {
      breakerStates = createBreakerStatesComponent(ctx);
      return breakerStates;
    },
    (ctx) => {
      gate = createGateComponent(ctx, slo!.gateSource);
      return gate;
    },
    (ctx) =>
      createStatusComponent(ctx, {
        slos: () => slo!.current(),
        signals: () => fleet!.hub.snapshot(),
        dependencies: () => fleet!.fleet.view(),
        breakerStates: () => breakerStates!.table.snapshot(),
        gateDecisions: () => gate!.recentDecisions(),
        gateIncidents: () => gate!.firingIncidents(),
        onChange(listener) {
          const offSignal = fleet!.fleet.onSignal(() => listener());
          const offGate = gate!.onDecision(() => listener());
          return () => {
            offSignal();
            offGate();
          };
        },
      }),
  ];
}
