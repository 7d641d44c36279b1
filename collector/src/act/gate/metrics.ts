import type { GateDecision } from '@breakwater/protocol';
import {
  formatLabels,
  formatValue,
  LabeledCounter,
  writeFamily,
  writeSample,
} from '../../exposition/prometheus-text.ts';

/** Rollback latency histogram bounds, seconds: a scripted rollback takes seconds to minutes. */
export const ROLLBACK_LATENCY_BUCKETS_S = [1, 5, 10, 30, 60, 120, 300, 600, 1800] as const;

/**
 * The gate's Prometheus series: every decision answered, and the rollback and recovery outcomes
 * the CLI measures and reports (`POST /v1/gate/rollbacks`).
 */
export class GateMetrics {
  private readonly decisions = new LabeledCounter(
    'breakwater_gate_decisions_total',
    'Deployment gate answers by service and decision.',
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
  private readonly latency = new Map<string, { buckets: number[]; sum: number; count: number }>();

  /** Counts one answer. */
  decision(service: string, decision: GateDecision): void {
    this.decisions.add([service, decision]);
  }

  /** Records one rollback: violation detected → command finished. */
  rollback(service: string, latencyMs: number, exitCode: number): void {
    this.rollbacks.add([service, exitCode === 0 ? 'succeeded' : 'failed']);
    let h = this.latency.get(service);
    if (h === undefined) {
      h = { buckets: ROLLBACK_LATENCY_BUCKETS_S.map(() => 0), sum: 0, count: 0 };
      this.latency.set(service, h);
    }
    const seconds = latencyMs / 1000;
    ROLLBACK_LATENCY_BUCKETS_S.forEach((bound, i) => {
      if (seconds <= bound) h.buckets[i]!++;
    });
    h.sum += seconds;
    h.count++;
  }

  /** Records whether a rollback led to recovery. */
  recovery(service: string, recovered: boolean): void {
    this.recoveries.add([service, recovered ? 'recovered' : 'not_recovered']);
    this.recoveryServices.add(service);
  }

  /** Current count of answers (tests). */
  decisionsFor(service: string, decision: GateDecision): number {
    return this.decisions.get([service, decision]);
  }

  write(out: string[]): void {
    this.decisions.write(out);
    this.rollbacks.write(out);
    const name = 'breakwater_gate_rollback_latency_seconds';
    writeFamily(out, name, 'histogram', 'Time from the ROLLBACK answer to the rollback command finishing.');
    for (const [service, h] of this.latency) {
      ROLLBACK_LATENCY_BUCKETS_S.forEach((bound, i) => {
        out.push(
          `${name}_bucket${formatLabels({ service, le: String(bound) })} ${formatValue(h.buckets[i]!)}`,
        );
      });
      out.push(`${name}_bucket${formatLabels({ service, le: '+Inf' })} ${h.count}`);
      writeSample(out, `${name}_sum`, { service }, h.sum);
      writeSample(out, `${name}_count`, { service }, h.count);
    }
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
  }
}
