/**
 * Who can resolve a gate incident: only a PROCEED that judged the SLOs which raised it, against
 * the same baseline. A narrower question (anyone allowed to ask the gate can ask one) must not
 * silence a page.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GateAnswer, GateDecision, GateSloEvidence } from '@breakwater/protocol';
import type { IncidentStore, StoredIncident } from './incident-store.ts';
import { incidentAlertsSetup } from './testing/incident-alerts-setup.ts';

const MIN = 60_000;

function evidence(slo: string, decision: GateDecision, judged = true): GateSloEvidence {
  return {
    slo,
    objective: 0.99,
    burnRates: {},
    budgetRemaining: 0.5,
    sample: { good: 90, total: 100 },
    judged,
    decision,
  };
}

function answer(decision: GateDecision, slos: GateSloEvidence[], baseline = ['v1']): GateAnswer {
  const code = decision === 'ROLLBACK' ? 'sustained_burn' : 'budget_below_reserve';
  return {
    decision,
    service: 'checkout',
    version: 'v2',
    baseline,
    reasons: decision === 'PROCEED' ? [] : [{ code, message: code, decision }],
    slos,
    window: '10m',
    evaluatedAt: 0,
  };
}

/** The ROLLBACK `service=checkout&version=v2` gets: availability burns, refusals are fine. */
const page = answer('ROLLBACK', [
  evidence('availability', 'ROLLBACK'),
  evidence('breaker-refusal', 'PROCEED'),
]);

function setup(store?: IncidentStore) {
  const { clock, alerts, latest } = incidentAlertsSetup(store === undefined ? {} : { store });
  const firing = () => latest().map((a) => a.labels.severity);
  return { clock, alerts, firing };
}

describe('GateIncidentAlerts: what resolves an incident', () => {
  it('a PROCEED for another SLO (slo=breaker-refusal) leaves the page firing until its TTL', async () => {
    const { clock, alerts, firing } = setup();
    alerts.record(page);
    alerts.record(answer('PROCEED', [evidence('breaker-refusal', 'PROCEED')]));
    assert.deepEqual(firing(), ['page']);
    assert.equal(alerts.firing, 1);
    await clock.advance(30 * MIN);
    assert.deepEqual(firing(), []);
  });

  it('a PROCEED against another baseline, or with the failing SLO not judged, leaves it firing', () => {
    const { alerts, firing } = setup();
    alerts.record(page);
    alerts.record(answer('PROCEED', [evidence('availability', 'PROCEED')], ['v0']));
    alerts.record(answer('PROCEED', [evidence('availability', 'PROCEED', false)]));
    assert.deepEqual(firing(), ['page']);
  });

  it('a PROCEED that judged the SLOs that raised it, against the same baseline, resolves it', () => {
    const { alerts, firing } = setup();
    alerts.record(page);
    alerts.record(answer('PROCEED', [evidence('availability', 'PROCEED')]));
    assert.deepEqual(firing(), []);
    assert.equal(alerts.firing, 0);
  });

  it('a narrower HALT does not turn the page into a ticket; a full one does', () => {
    const { alerts, firing } = setup();
    alerts.record(page);
    alerts.record(answer('HALT', [evidence('breaker-refusal', 'HALT')]));
    assert.deepEqual(firing(), ['page']);
    alerts.record(answer('HALT', [evidence('availability', 'HALT'), evidence('breaker-refusal', 'PROCEED')]));
    assert.deepEqual(firing(), ['ticket']);
  });

  it('a narrower answer raising it again widens what a PROCEED must judge', () => {
    const { alerts, firing } = setup();
    alerts.record(page);
    alerts.record(answer('ROLLBACK', [evidence('breaker-refusal', 'ROLLBACK')]));
    alerts.record(answer('PROCEED', [evidence('availability', 'PROCEED')]));
    assert.deepEqual(firing(), ['page'], 'breaker-refusal was not judged');
    alerts.record(
      answer('PROCEED', [evidence('availability', 'PROCEED'), evidence('breaker-refusal', 'PROCEED')]),
    );
    assert.deepEqual(firing(), []);
  });

  it('keeps the scope across a restart; an incident saved without one runs to its TTL', async () => {
    let saved: StoredIncident[] = [];
    const store: IncidentStore = {
      load: async () => saved,
      save: (incidents) => {
        saved = [...incidents];
      },
      flush: async () => {},
    };
    const first = setup(store);
    await first.alerts.restore();
    first.alerts.record(page);
    assert.deepEqual(saved[0]?.scope, { slos: ['availability'], baseline: ['v1'] });
    saved.push({ ...saved[0]!, key: JSON.stringify(['checkout', 'old']), scope: undefined });

    const second = setup(store);
    await second.alerts.restore();
    assert.equal(second.alerts.firing, 2);
    second.alerts.record(answer('PROCEED', [evidence('breaker-refusal', 'PROCEED')]));
    assert.equal(second.alerts.firing, 2);
    second.alerts.record(answer('PROCEED', [evidence('availability', 'PROCEED')]));
    assert.equal(second.alerts.firing, 1);
    second.alerts.record({ ...answer('PROCEED', [evidence('availability', 'PROCEED')]), version: 'old' });
    assert.equal(second.alerts.firing, 1, 'no scope: not resolved by a PROCEED');
  });
});
