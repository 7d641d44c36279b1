import type { CollectorComponent, ComponentContext } from '../component.ts';
import { writeFamily, writeSample } from '../exposition/prometheus-text.ts';
import { BreakerStateTable } from './breaker-state-table.ts';

/**
 * Name of the gauge on `/metrics`. Not `breakwater_fleet_breaker_state`: that family is the
 * collector's own fleet decision (act/signals/fleet-metrics.ts), and one family name may be
 * declared only once in an exposition.
 */
export const SDK_BREAKER_STATE_METRIC = 'breakwater_sdk_breaker_state';

/** The "fleet breaker states" component plus its table, for the status page. */
export interface BreakerStatesComponent extends CollectorComponent {
  readonly table: BreakerStateTable;
}

/**
 * Keeps the latest `breakwater.circuit_breaker.state` reported by every SDK instance (from
 * `POST /v1/metrics`) and exports it as a gauge: 1 per (service, instance, dependency) with its
 * current `state`. Entries expire after 5 minutes without a report.
 */
export function createBreakerStatesComponent(context: ComponentContext): BreakerStatesComponent {
  const table = new BreakerStateTable({ clock: context.clock, ttlMs: 5 * 60_000, maxEntries: 10_000 });
  return {
    name: 'breaker-states',
    table,
    breakerStateSink: (points) => table.record(points),
    writeMetrics(out) {
      writeFamily(
        out,
        SDK_BREAKER_STATE_METRIC,
        'gauge',
        'Circuit breaker state last reported by each SDK instance (1 for the reported state).',
      );
      for (const entry of table.snapshot()) {
        writeSample(
          out,
          SDK_BREAKER_STATE_METRIC,
          {
            service: entry.service,
            instance: entry.instanceId ?? '',
            dependency: entry.dependency,
            state: entry.state,
          },
          1,
        );
      }
    },
  };
}
