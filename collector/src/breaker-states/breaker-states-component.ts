import type { CollectorComponent, ComponentContext } from '../component.ts';
import { writeFamily, writeSample } from '../exposition/prometheus-text.ts';
import { BreakerStateTable } from './breaker-state-table.ts';

/**
 * Name of the gauge on `/metrics`. Not `breakwater_fleet_breaker_state`: that family is the
 * collector's own fleet decision (act/signals/fleet-metrics.ts), and one family name may be
 * declared only once in an exposition.
 */
export const SDK_BREAKER_STATE_METRIC = 'breakwater_sdk_breaker_state';

/** Entries dropped at {@link MAX_SDK_BREAKER_STATES} (spelt out, so a search finds the series). */
const EVICTED_METRIC = 'breakwater_sdk_breaker_states_evicted_total';

/** Most (service, instance, dependency) entries kept; beyond, the least recently reported go. */
export const MAX_SDK_BREAKER_STATES = 10_000;

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
  const table = new BreakerStateTable({
    clock: context.clock,
    ttlMs: 5 * 60_000,
    maxEntries: MAX_SDK_BREAKER_STATES,
  });
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
            // Not `instance`: Prometheus sets that label to the scrape target (the collector)
            // and renames ours to `exported_instance`.
            service_instance_id: entry.instanceId ?? '',
            dependency: entry.dependency,
            state: entry.state,
          },
          1,
        );
      }
      writeFamily(
        out,
        EVICTED_METRIC,
        'counter',
        `SDK breaker-state entries dropped because ${MAX_SDK_BREAKER_STATES} were held (the least recently reported first).`,
      );
      writeSample(out, EVICTED_METRIC, undefined, table.evicted);
    },
  };
}
