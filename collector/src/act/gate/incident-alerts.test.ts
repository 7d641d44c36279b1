import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GateAnswer, GateDecision } from '@breakwater/protocol';
import type { IncidentStore, StoredIncident } from './incident-store.ts';
import { incidentAlertsSetup } from './testing/incident-alerts-setup.ts';

const MIN = 60_000;

function answer(version: string, decision: GateDecision, now: number): GateAnswer {
  const code = decision === 'ROLLBACK' ? 'sustained_burn' : 'budget_below_reserve';
  return {
    decision,
    service: 'chat',
    version,
    baseline: [],
    reasons: decision === 'PROCEED' ? [] : [{ code, message: code, decision }],
    slos: [],
    window: '10m',
    evaluatedAt: now,
  };
}

/** An in-memory {@link IncidentStore} holding what was saved last. */
function memoryStore(initial: StoredIncident[] = []): IncidentStore & { saved: StoredIncident[] } {
  const store = {
    saved: initial,
    load: async () => store.saved,
    save(incidents: readonly StoredIncident[]) {
      store.saved = [...incidents];
    },
    flush: async () => {},
  };
  return store;
}

function setup(options: { store?: IncidentStore; maxIncidents?: number } = {}) {
  const { clock, alerts, latest } = incidentAlertsSetup({ extraLabels: { cluster: 'prod' }, ...options });
  const firing = () => latest().map((a) => `${a.labels.version}:${a.labels.severity}`);
  return { clock, alerts, firing };
}

describe('GateIncidentAlerts', () => {
  it('keeps at most maxIncidents: the least recently raised ticket goes first, then pages', () => {
    const { clock, alerts, firing } = setup({ maxIncidents: 3 });
    alerts.record(answer('p1', 'ROLLBACK', clock.now()));
    alerts.record(answer('t1', 'HALT', clock.now()));
    alerts.record(answer('t2', 'HALT', clock.now()));
    alerts.record(answer('t1', 'HALT', clock.now())); // raised again: now newer than t2
    alerts.record(answer('t3', 'HALT', clock.now()));
    assert.deepEqual(firing().sort(), ['p1:page', 't1:ticket', 't3:ticket']);
    alerts.record(answer('p2', 'ROLLBACK', clock.now()));
    alerts.record(answer('p3', 'ROLLBACK', clock.now()));
    assert.deepEqual(firing().sort(), ['p1:page', 'p2:page', 'p3:page']);
    alerts.record(answer('p4', 'ROLLBACK', clock.now()));
    assert.deepEqual(firing().sort(), ['p2:page', 'p3:page', 'p4:page']);
    assert.equal(alerts.dropped, 4);
    assert.equal(alerts.firing, 3);
  });

  it("a series_overflow ticket's summary names the overflow, not the missing data it is raised despite", () => {
    const { clock, alerts } = setup();
    const overflow = 'overflow series of SLO availability may hold the version';
    alerts.record({
      ...answer('v3', 'HALT', clock.now()),
      reasons: [
        {
          code: 'no_data',
          message: 'no SLO has enough events for the version over 10m to judge it',
          decision: 'HALT',
        },
        { code: 'series_overflow', message: overflow, slo: 'availability', decision: 'HALT' },
      ],
    });
    const [ticket] = alerts.firingAlerts();
    assert.equal(ticket!.annotations.summary, `HALT chat@v3: ${overflow}`);
  });

  it('saves every change without the extra labels, which are added when pushed', async () => {
    const store = memoryStore();
    const { clock, alerts, firing } = setup({ store });
    await alerts.restore();
    alerts.record(answer('v2', 'ROLLBACK', clock.now()));
    assert.equal(store.saved.length, 1);
    assert.equal(store.saved[0]!.labels.cluster, undefined);
    assert.equal(store.saved[0]!.expiresAt, clock.now() + 30 * MIN);
    alerts.record(answer('v2', 'PROCEED', clock.now()));
    assert.deepEqual(store.saved, []);
    assert.deepEqual(firing(), []);
    await alerts.stop();
  });

  it('restore: unexpired incidents come back, none beyond ttl from now; answers before it win', async () => {
    const base = setup();
    const now = base.clock.now();
    const stored = (version: string, expiresAt: number, severity = 'page'): StoredIncident => ({
      key: JSON.stringify(['chat', version]),
      labels: { alertname: 'BreakwaterDeploymentGate', service: 'chat', version, severity },
      annotations: { summary: `stored ${version}` },
      expiresAt,
    });
    const store = memoryStore([
      stored('expired', now),
      stored('soon', now + 5 * MIN),
      stored('far', now + 90 * MIN),
      stored('raised', now + 5 * MIN, 'ticket'),
    ]);
    const { clock, alerts, firing } = setup({ store });
    // Raised while starting: not saved yet (it would overwrite what restore loads), and kept.
    alerts.record(answer('raised', 'ROLLBACK', clock.now()));
    assert.equal(store.saved.length, 4);
    await alerts.restore();
    assert.deepEqual(firing().sort(), ['far:page', 'raised:page', 'soon:page']);
    assert.deepEqual(
      store.saved.map((i) => [i.labels.version, i.expiresAt - now]),
      [
        ['raised', 30 * MIN],
        ['soon', 5 * MIN],
        ['far', 30 * MIN],
      ],
    );
    await clock.advance(5 * MIN);
    assert.deepEqual(firing().sort(), ['far:page', 'raised:page']);
    await clock.advance(25 * MIN);
    assert.deepEqual(firing(), []);
    await alerts.stop();
  });
});
