import type { GateDecision } from '@breakwater/protocol';
import { LabeledHistogram } from '../../exposition/labeled-histogram.ts';
import { LabeledCounter, writeFamily, writeSample } from '../../exposition/prometheus-text.ts';
import { OVERFLOW_LABEL_VALUE } from '../../sli/series.ts';

/** Rollback latency histogram bounds, seconds: a scripted rollback takes seconds to minutes. */
export const ROLLBACK_LATENCY_BUCKETS_S = [1, 5, 10, 30, 60, 120, 300, 600, 1800] as const;

/**
 * Most services with their own `breakwater_gate_*` series (about 20 lines each). Further services
 * are counted under `service="__overflow__"`, as the SLO engine does beyond `maxSeries`.
 */
export const MAX_GATE_METRIC_SERVICES = 500;

/**
 * `service` label of answers for a service the store holds no event of: any caller can ask about
 * any name, so such names get no series (nor a place under the cap) of their own.
 */
export const NO_DATA_SERVICE_LABEL = '__no_data__';

/**
 * The gate's Prometheus series: every decision answered, and the rollback and recovery outcomes
 * the CLI measures and reports (`POST /v1/gate/rollbacks`). Bounded: at most `maxServices`
 * services get series of their own (the first seen keep them: a counter must not vanish).
 */
export class GateMetrics {
  private readonly maxServices: number;
  private readonly services = new Set<string>();
  /** Observations counted under {@link OVERFLOW_LABEL_VALUE} because the cap was reached. */
  private overflowed = 0;
  private readonly decisions = new LabeledCounter(
    'breakwater_gate_decisions_total',
    `Deployment gate answers by service and decision (service="${NO_DATA_SERVICE_LABEL}": a service without any event).`,
    ['service', 'decision'],
  );
  private readonly rollbacks = new LabeledCounter(
    'breakwater_gate_rollbacks_total',
    'Rollbacks run by `breakwater gate --on-rollback`, by service and result (succeeded: the command exited 0).',
    ['service', 'result'],
  );
  private readonly recoveries = new LabeledCounter(
    'breakwater_gate_recoveries_total',
    "Rollbacks by whether the service's SLIs returned to green within the recovery timeout.",
    ['service', 'result'],
  );
  private readonly recoveryServices = new Set<string>();
  private readonly latency = new LabeledHistogram(
    'breakwater_gate_rollback_latency_seconds',
    'Time from the ROLLBACK answer to the rollback command finishing.',
    'service',
    ROLLBACK_LATENCY_BUCKETS_S,
  );

  constructor(maxServices = MAX_GATE_METRIC_SERVICES) {
    this.maxServices = maxServices;
  }

  /**
   * Counts one answer. `serviceHasData` false (the store has no event of the service) counts it
   * under {@link NO_DATA_SERVICE_LABEL} instead of the name.
   */
  decision(service: string, decision: GateDecision, serviceHasData = true): void {
    this.decisions.add([serviceHasData ? this.label(service) : NO_DATA_SERVICE_LABEL, decision]);
  }

  /** Records one rollback: violation detected → command finished. */
  rollback(service: string, latencyMs: number, exitCode: number): void {
    const label = this.label(service);
    this.rollbacks.add([label, exitCode === 0 ? 'succeeded' : 'failed']);
    this.latency.observe(label, latencyMs / 1000);
  }

  /** Records whether a rollback led to recovery. */
  recovery(service: string, recovered: boolean): void {
    const label = this.label(service);
    this.recoveries.add([label, recovered ? 'recovered' : 'not_recovered']);
    this.recoveryServices.add(label);
  }

  /** Current count of answers (tests). */
  decisionsFor(service: string, decision: GateDecision): number {
    return this.decisions.get([service, decision]);
  }

  write(out: string[]): void {
    this.decisions.write(out);
    this.rollbacks.write(out);
    this.latency.write(out);
    this.recoveries.write(out);
    writeFamily(
      out,
      'breakwater_gate_recovery_ratio',
      'gauge',
      'Share of reported rollbacks after which the service recovered (target above 0.95).',
    );
    for (const service of this.recoveryServices) {
      const ok = this.recoveries.get([service, 'recovered']);
      const total = ok + this.recoveries.get([service, 'not_recovered']);
      writeSample(out, 'breakwater_gate_recovery_ratio', { service }, ok / total);
    }
    this.writeLimits(out);
  }

  private writeLimits(out: string[]): void {
    writeFamily(
      out,
      'breakwater_gate_services',
      'gauge',
      'Services with breakwater_gate_* series of their own.',
    );
    writeSample(out, 'breakwater_gate_services', undefined, this.services.size);
    writeFamily(
      out,
      'breakwater_gate_services_limit',
      'gauge',
      `Most services with series of their own; further ones are counted under service="${OVERFLOW_LABEL_VALUE}".`,
    );
    writeSample(out, 'breakwater_gate_services_limit', undefined, this.maxServices);
    writeFamily(
      out,
      'breakwater_gate_overflow_total',
      'counter',
      `Answers, rollbacks and recoveries counted under service="${OVERFLOW_LABEL_VALUE}" because the limit was reached.`,
    );
    writeSample(out, 'breakwater_gate_overflow_total', undefined, this.overflowed);
  }

  /** The `service` label: the name while there is room (or it has series already), else overflow. */
  private label(service: string): string {
    if (this.services.has(service)) return service;
    if (this.services.size < this.maxServices) {
      this.services.add(service);
      return service;
    }
    this.overflowed++;
    return OVERFLOW_LABEL_VALUE;
  }
}

/** `breakwater_gate_incidents` and `_dropped_total`, from the incident alerts (when on). */
export function writeIncidentMetrics(out: string[], incidents: { firing: number; dropped: number }): void {
  writeFamily(out, 'breakwater_gate_incidents', 'gauge', 'Gate incident alerts firing.');
  writeSample(out, 'breakwater_gate_incidents', undefined, incidents.firing);
  writeFamily(
    out,
    'breakwater_gate_incidents_dropped_total',
    'counter',
    'Gate incidents dropped (least recently raised tickets first) because the most were firing.',
  );
  writeSample(out, 'breakwater_gate_incidents_dropped_total', undefined, incidents.dropped);
}
