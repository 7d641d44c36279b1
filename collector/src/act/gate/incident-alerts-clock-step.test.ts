/**
 * Gate incidents across steps of the wall clock: the TTL runs on the monotonic clock, and only
 * the saved copy (read on restore) carries a wall-clock expiry.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GateAnswer } from '@breakwater/protocol';
import type { IncidentStore, StoredIncident } from './incident-store.ts';
import { incidentAlertsSetup } from './testing/incident-alerts-setup.ts';

const MIN = 60_000;

const rollback = (now: number): GateAnswer => ({
  decision: 'ROLLBACK',
  service: 'chat',
  version: 'v2',
  baseline: [],
  reasons: [{ code: 'sustained_burn', message: 'sustained_burn', decision: 'ROLLBACK' }],
  slos: [],
  window: '10m',
  evaluatedAt: now,
});

const setup = (store?: IncidentStore) => incidentAlertsSetup(store === undefined ? {} : { store });

describe('GateIncidentAlerts across a wall-clock step', () => {
  it('a ROLLBACK page with a 30m TTL stops firing 30 minutes later, although the clock stepped back an hour', async () => {
    const { clock, alerts, pushed } = setup();
    alerts.record(rollback(clock.now()));
    clock.stepWall(-60 * MIN);
    await clock.advance(30 * MIN - 1);
    assert.equal(alerts.firing, 1);
    await clock.advance(1);
    assert.equal(alerts.firing, 0);
    assert.deepEqual(pushed.at(-1), [], 'the resolution was pushed');
  });

  it('does not end a page early after the clock stepped forward, and saves the expiry as of the save', async () => {
    let saved: StoredIncident[] = [];
    const store: IncidentStore = {
      load: async () => [],
      save: (incidents) => {
        saved = [...incidents];
      },
      flush: async () => {},
    };
    const { clock, alerts } = setup(store);
    await alerts.restore();
    alerts.record(rollback(clock.now()));
    clock.stepWall(2 * 60 * MIN);
    await clock.advance(10 * MIN);
    alerts.record({ ...rollback(clock.now()), version: 'v3' }); // a push: expired ones go
    assert.equal(alerts.firing, 2, 'v2 has 20 minutes left');
    assert.deepEqual(
      saved.map((i) => [JSON.parse(i.key)[1], i.expiresAt - clock.now()]),
      [
        ['v2', 20 * MIN],
        ['v3', 30 * MIN],
      ],
    );
  });
});
