import { formatDuration, OVERRIDE_STATES } from '@breakwater/protocol';
import type { FleetBreaker } from '../../evaluate/fleet/fleet-breaker.ts';
import type { SignalHub } from './signal-hub.ts';

/** Subscribers refused or disconnected, by `cause` (also named in the hub's log lines). */
export const STREAM_DROPPED_METRIC = 'breakwater_fleet_stream_dropped_total';

/** Renders the fleet breaker's and the signal stream's state as Prometheus text lines. */
export function writeFleetMetrics(out: string[], fleet: FleetBreaker, hub: SignalHub): void {
  const { counters } = fleet;
  family(
    out,
    'breakwater_fleet_decisions_total',
    'counter',
    'Fleet breaker state changes by dependency and new state.',
  );
  for (const d of counters.decisions.values()) {
    for (const state of OVERRIDE_STATES) {
      if (d.counts[state] === 0) continue;
      out.push(
        `breakwater_fleet_decisions_total${labels({ dependency: d.dependency, service: d.service, state })} ${d.counts[state]}`,
      );
    }
  }
  family(
    out,
    'breakwater_fleet_decision_keys_dropped_total',
    'counter',
    'Dependency keys whose breakwater_fleet_decisions_total series were dropped (forgotten keys beyond maxDependencies).',
  );
  out.push(`breakwater_fleet_decision_keys_dropped_total ${counters.decisions.dropped}`);
  family(
    out,
    'breakwater_fleet_signals_total',
    'counter',
    'Breaker signals issued, re-issues included, by state.',
  );
  for (const state of OVERRIDE_STATES)
    out.push(`breakwater_fleet_signals_total${labels({ state })} ${counters.signals[state]}`);
  family(
    out,
    'breakwater_fleet_spans_total',
    'counter',
    'Spans by how they counted toward dependency health.',
  );
  for (const [outcome, n] of Object.entries(counters.spans))
    out.push(`breakwater_fleet_spans_total${labels({ outcome })} ${n}`);

  const view = fleet.view();
  family(
    out,
    'breakwater_fleet_breaker_state',
    'gauge',
    'Fleet breaker state per dependency (1 for the current state).',
  );
  for (const v of view) {
    for (const state of OVERRIDE_STATES) {
      const value = v.state === state ? 1 : 0;
      out.push(
        `breakwater_fleet_breaker_state${labels({ dependency: v.dependency, service: v.service, state })} ${value}`,
      );
    }
  }
  family(
    out,
    'breakwater_fleet_allow_ratio',
    'gauge',
    'Fraction of calls the fleet admits (1 closed, 0 open).',
  );
  for (const v of view) {
    const allow = v.state === 'closed' ? 1 : v.state === 'open' ? 0 : (v.allow ?? 0);
    out.push(
      `breakwater_fleet_allow_ratio${labels({ dependency: v.dependency, service: v.service })} ${allow}`,
    );
  }
  const calls: string[] = [];
  const ratios: string[] = [];
  const failing: string[] = [];
  for (const v of view) {
    for (const w of v.windows) {
      const l = labels({
        dependency: v.dependency,
        service: v.service,
        window: formatDuration(w.durationMs),
      });
      calls.push(`breakwater_fleet_calls${l} ${w.stats.calls}`);
      ratios.push(`breakwater_fleet_error_ratio${l} ${w.stats.ratio}`);
      failing.push(`breakwater_fleet_failing_instances${l} ${w.stats.failingInstances}`);
    }
  }
  family(out, 'breakwater_fleet_calls', 'gauge', 'Calls that reached the dependency within the window.');
  out.push(...calls);
  family(out, 'breakwater_fleet_error_ratio', 'gauge', 'Dependency-side failure ratio within the window.');
  out.push(...ratios);
  family(
    out,
    'breakwater_fleet_failing_instances',
    'gauge',
    'Distinct instances reporting dependency-side failures within the window.',
  );
  out.push(...failing);

  const { stats } = hub;
  family(out, 'breakwater_fleet_subscribers', 'gauge', 'Connected signal stream subscribers.');
  out.push(`breakwater_fleet_subscribers ${hub.subscribers}`);
  family(
    out,
    'breakwater_fleet_subscribers_limit',
    'gauge',
    'Most signal stream subscribers taken (fleet.stream.maxSubscribers); further ones are refused with 503.',
  );
  out.push(`breakwater_fleet_subscribers_limit ${hub.maxSubscribers}`);
  family(out, 'breakwater_fleet_stream_events_total', 'counter', 'Events published on the signal stream.');
  out.push(`breakwater_fleet_stream_events_total ${stats.published}`);
  family(
    out,
    'breakwater_fleet_stream_connections_total',
    'counter',
    'Signal stream connections by how they started.',
  );
  out.push(`breakwater_fleet_stream_connections_total${labels({ start: 'snapshot' })} ${stats.snapshots}`);
  out.push(`breakwater_fleet_stream_connections_total${labels({ start: 'resume' })} ${stats.resumed}`);
  family(out, STREAM_DROPPED_METRIC, 'counter', 'Subscribers refused or disconnected, by cause.');
  out.push(`${STREAM_DROPPED_METRIC}${labels({ cause: 'slow' })} ${stats.dropped.slow}`);
  out.push(`${STREAM_DROPPED_METRIC}${labels({ cause: 'refused' })} ${stats.dropped.refused}`);
  out.push(`${STREAM_DROPPED_METRIC}${labels({ cause: 'token_share' })} ${stats.dropped.tokenShare}`);
}

function family(out: string[], name: string, type: 'counter' | 'gauge', help: string): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

/** `{a="x",b="y"}` with values escaped per the text format; undefined labels are left out. */
function labels(values: Record<string, string | undefined>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    parts.push(`${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  }
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}
