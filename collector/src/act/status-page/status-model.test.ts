import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, type SloGroupStatus, type SloStatus } from '@breakwater/protocol';
import { silentLogger } from '../../silent-logger.ts';
import type { DesiredAlert } from '../alerts.ts';
import { AlertLog } from './alert-log.ts';
import { BudgetHistory, budgetKey } from './budget-history.ts';
import { StatusModel } from './status-model.ts';

function status(name: string, budget: number, burning = false, version?: string): SloStatus {
  const group: SloGroupStatus = {
    service: 'agent',
    ...(version === undefined ? {} : { version }),
    labels: { operation: 'chat' },
    windows: [],
    budgetRemaining: budget,
    exhaustionEtaMs: null,
    alerts: burning
      ? [
          {
            severity: 'page',
            longWindow: '1h',
            shortWindow: '5m',
            threshold: 14.4,
            longBurnRate: 20,
            shortBurnRate: 20,
          },
        ]
      : [],
    level: 'ok',
    topErrorCategories: [],
    exampleTraceIds: [],
  };
  return {
    name,
    tier: 'business',
    sli: 'availability',
    objective: 0.99,
    window: '30d',
    evaluatedAt: 0,
    groups: [group],
  };
}

describe('BudgetHistory', () => {
  it('keeps a bounded ring per summed group and ignores version groups', () => {
    const history = new BudgetHistory({ capacity: 3, maxSeries: 10 });
    for (let i = 0; i < 5; i++)
      history.sample([status('a', 1 - i / 10), status('a', 0, false, 'v2')], i * 1_000);
    const key = budgetKey('a', { service: 'agent', labels: { operation: 'chat' } });
    assert.deepEqual(history.get(key), [
      [2_000, 0.8],
      [3_000, 0.7],
      [4_000, 0.6],
    ]);
    assert.equal(history.size, 1);
  });

  it('replaces a sample taken at the same time instead of adding one', () => {
    const history = new BudgetHistory({ capacity: 3, maxSeries: 10 });
    history.sample([status('a', 0.9)], 1_000);
    history.sample([status('a', 0.8)], 1_000);
    assert.deepEqual(history.get(budgetKey('a', { service: 'agent', labels: { operation: 'chat' } })), [
      [1_000, 0.8],
    ]);
  });

  it('drops the least recently sampled series beyond maxSeries', () => {
    const history = new BudgetHistory({ capacity: 3, maxSeries: 2 });
    history.sample([status('a', 1)], 1);
    history.sample([status('b', 1)], 2);
    history.sample([status('a', 1)], 3);
    history.sample([status('c', 1)], 4);
    const labels = { service: 'agent', labels: { operation: 'chat' } };
    assert.equal(history.size, 2);
    assert.deepEqual(history.get(budgetKey('b', labels)), []);
    assert.equal(history.get(budgetKey('a', labels)).length, 2);
  });

  it('keeps the worst groups beyond maxSeries, wherever the engine lists them', () => {
    // A fleet of more groups than series: those the page lists first (burning, least budget
    // left) must have their chart, not whichever the engine happened to list last.
    const history = new BudgetHistory({ capacity: 3, maxSeries: 3 });
    const fleet = [
      status('paging', 0.6, true),
      status('low', 0.1),
      status('full', 1),
      status('emptied', -0.2),
      status('half', 0.5),
      status('most', 0.9),
    ];
    for (let t = 1; t <= 3; t++) history.sample(fleet, t * 1_000);
    const labels = { service: 'agent', labels: { operation: 'chat' } };
    const charted = fleet
      .map((s) => s.name)
      .filter((name) => history.get(budgetKey(name, labels)).length > 0);
    assert.deepEqual(charted, ['paging', 'low', 'emptied']);
    assert.equal(history.get(budgetKey('paging', labels)).length, 3);
  });
});

describe('AlertLog', () => {
  it('lists firing alerts first and keeps resolved ones within capacity', () => {
    const log = new AlertLog(2, { levels: false });
    log.update([status('a', 0.5, true), status('b', 0.5, true)], 1_000);
    log.update([status('a', 0.5, true)], 2_000); // b resolves
    log.update([status('a', 0.5, true), status('c', 0.5, true)], 3_000); // c starts
    const listed = log.list().map((a) => [a.labels.slo, a.state, a.startsAt, a.endsAt]);
    // Capacity 2 with two firing: the resolved one is pushed out; firing ones never are.
    assert.deepEqual(listed, [
      ['c', 'firing', 3_000, undefined],
      ['a', 'firing', 1_000, undefined],
    ]);
    log.update([], 4_000);
    assert.deepEqual(
      log.list().map((a) => [a.labels.slo, a.state, a.endsAt]),
      [
        ['a', 'resolved', 4_000],
        ['c', 'resolved', 4_000],
      ],
    );
    // Firing again starts a fresh entry.
    log.update([status('a', 0.5, true)], 5_000);
    assert.deepEqual(log.list()[0]?.startsAt, 5_000);
    assert.equal(log.list()[0]?.state, 'firing');
  });
});

describe('StatusModel: gate incidents among the alerts', () => {
  const rollback: DesiredAlert = {
    labels: {
      alertname: 'BreakwaterDeploymentGate',
      service: 'agent',
      version: 'v2',
      decision: 'ROLLBACK',
      severity: 'page',
    },
    annotations: { summary: 'agent v2: ROLLBACK' },
  };

  function model(incidents: () => readonly DesiredAlert[]) {
    const clock = new ManualClock(1_700_000_000_000);
    const m = new StatusModel({
      clock,
      logger: silentLogger,
      sources: { slos: () => [status('a', 0.5, true)], gateIncidents: incidents },
      historyCapacity: 10,
      historySeries: 10,
      alertCapacity: 10,
      gateCapacity: 10,
      alertOptions: { levels: false },
    });
    return { clock, m };
  }

  it('lists a firing incident with the SLO alerts until it stops firing, then as resolved', async () => {
    let firing: DesiredAlert[] = [rollback];
    const { clock, m } = model(() => firing);
    const first = await m.build();
    assert.equal(first.available.alerts, true);
    const incident = first.alerts.find((a) => a.name === 'BreakwaterDeploymentGate');
    assert.deepEqual(
      [incident?.state, incident?.severity, incident?.labels.version, incident?.summary, incident?.startsAt],
      ['firing', 'page', 'v2', 'agent v2: ROLLBACK', clock.now()],
    );
    assert.ok(first.alerts.some((a) => a.labels.slo === 'a' && a.state === 'firing'));

    await clock.advance(60_000);
    firing = [];
    const later = await m.build();
    const resolved = later.alerts.find((a) => a.name === 'BreakwaterDeploymentGate');
    assert.deepEqual([resolved?.state, resolved?.endsAt], ['resolved', clock.now()]);
  });

  it('keeps an incident firing when its source fails, and says so', async () => {
    let fail = false;
    const { m } = model(() => {
      if (fail) throw new Error('incidents unreadable');
      return [rollback];
    });
    await m.build();
    fail = true;
    const snapshot = await m.build();
    assert.equal(snapshot.errors.alerts, 'incidents unreadable');
    const incident = snapshot.alerts.find((a) => a.name === 'BreakwaterDeploymentGate');
    assert.equal(incident?.state, 'firing', 'not marked resolved for want of a reading');
  });
});
