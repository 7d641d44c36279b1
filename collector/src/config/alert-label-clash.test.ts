/**
 * `alertmanager.labels` may not name a label the collector sets itself: checked against the
 * alerts the collector really sends, so a label a builder adds without listing it is caught here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GateAnswer } from '@breakwater/protocol';
import { BURN_ALERT_NAME, type DesiredAlert, desiredAlerts, LEVEL_ALERT_NAME } from '../act/alerts.ts';
import { GATE_ALERT_NAME } from '../act/gate/incident-alerts.ts';
import { incidentAlertsSetup } from '../act/gate/testing/incident-alerts-setup.ts';
import { evaluateAll } from '../evaluate/evaluator.ts';
import { SliAggregator } from '../sli/aggregate.ts';
import { failed, span, times } from '../sli/testing/spans.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { clashingAlertLabels } from './alert-label-clash.ts';
import { CollectorConfigSchema } from './schema.ts';
import { resolveSlos } from './slo/resolve.ts';

const M = 60_000;
const D = 1_440 * M;
const T0 = Date.UTC(2025, 2, 1, 12, 0, 0);
const EXTRA = { cluster: 'prod' };

/** The label names on `alerts` other than the configured extra ones. */
function collectorLabels(alerts: readonly DesiredAlert[]): string[] {
  const names = new Set(alerts.flatMap((a) => Object.keys(a.labels)));
  for (const extra of Object.keys(EXTRA)) names.delete(extra);
  return [...names].sort();
}

/** The names among `labels` that the check refuses as `alertmanager.labels`. */
function refused(labels: readonly string[], slos: Parameters<typeof clashingAlertLabels>[1]): string[] {
  const config = Object.fromEntries(labels.map((l) => [l, 'x']));
  return clashingAlertLabels(config, slos)
    .map((c) => c.key)
    .sort();
}

describe('alertmanager.labels clash check', () => {
  it('refuses every label the SLO alerts carry (burn rate and level, groupBy labels included)', async () => {
    const defs = resolveSlos(
      CollectorConfigSchema.parse({
        technicalSlos: false,
        slos: [{ name: 'chat', objective: 99.5, groupBy: ['model', 'app.region'] }],
      }),
    );
    const store = new MemoryStore(() => 31 * D);
    const aggregator = new SliAggregator(defs);
    await store.commit(
      T0 - 2 * M,
      aggregator.aggregate([...times(50, () => span()), ...times(50, () => failed('timeout'))]),
    );
    const statuses = await evaluateAll(defs, store, { nowMs: T0, levelWindowMs: 5 * M });
    const alerts = desiredAlerts(statuses, { levels: true, levelWindowMs: 5 * M, extraLabels: EXTRA });
    assert.deepEqual(
      new Set(alerts.map((a) => a.labels.alertname)),
      new Set([BURN_ALERT_NAME, LEVEL_ALERT_NAME]),
    );
    const labels = collectorLabels(alerts);
    assert.ok(labels.includes('model') && labels.includes('app_region'), labels.join());
    assert.deepEqual(refused(labels, defs), labels);
  });

  it('refuses every label the deployment gate alerts carry, with no SLO configured', () => {
    const { alerts, latest } = incidentAlertsSetup({ extraLabels: EXTRA });
    const answer: GateAnswer = {
      decision: 'ROLLBACK',
      service: 'chat',
      version: 'v2',
      baseline: ['v1'],
      reasons: [{ code: 'sustained_burn', message: 'burning', decision: 'ROLLBACK' }],
      slos: [],
      window: '10m',
      evaluatedAt: T0,
    };
    alerts.record(answer);
    assert.equal(latest()[0]?.labels.alertname, GATE_ALERT_NAME);
    const labels = collectorLabels(latest());
    assert.deepEqual(labels, ['alertname', 'decision', 'service', 'severity', 'version']);
    assert.deepEqual(refused(labels, []), labels);
  });

  it('says which alerts set the label', () => {
    assert.deepEqual(
      clashingAlertLabels({ version: 'x', decision: 'y', slo: 'z', service: 'w', cluster: 'prod' }, []),
      [
        {
          key: 'version',
          message:
            'the collector sets label "version" on the deployment gate alerts (BreakwaterDeploymentGate) itself; give this one another name',
        },
        {
          key: 'decision',
          message:
            'the collector sets label "decision" on the deployment gate alerts (BreakwaterDeploymentGate) itself; give this one another name',
        },
        {
          key: 'slo',
          message: 'the collector sets label "slo" on the SLO alerts itself; give this one another name',
        },
        {
          key: 'service',
          message: 'the collector sets label "service" on every alert itself; give this one another name',
        },
      ],
    );
  });
});
