import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SloStatus } from '@breakwater/protocol';
import { CollectorConfigSchema } from '../config/schema.ts';
import { resolveSlos } from '../config/slo/resolve.ts';
import { evaluateAll } from '../evaluate/evaluator.ts';
import { SliAggregator } from '../sli/aggregate.ts';
import { failed, span, times } from '../sli/testing/spans.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { BURN_ALERT_NAME, type DesiredAlert, desiredAlerts, LEVEL_ALERT_NAME } from './alerts.ts';

const M = 60_000;
const D = 1_440 * M;
const T0 = Date.UTC(2025, 2, 1, 12, 0, 0);

/** Statuses after 20 bad of 100 calls 50 minutes ago and 100 good calls 2 minutes ago. */
async function statuses(objective: number, levelWindowMs: number): Promise<SloStatus[]> {
  const defs = resolveSlos(
    CollectorConfigSchema.parse({ technicalSlos: false, slos: [{ name: 'chat', objective }] }),
  );
  const store = new MemoryStore(() => 31 * D);
  const aggregator = new SliAggregator(defs);
  await store.commit(
    T0 - 50 * M,
    aggregator.aggregate([...times(80, () => span()), ...times(20, () => failed('timeout'))]),
  );
  await store.commit(T0 - 2 * M, aggregator.aggregate(times(100, () => span())));
  return evaluateAll(defs, store, { nowMs: T0, levelWindowMs });
}

function levelAlert(alerts: readonly DesiredAlert[]): DesiredAlert {
  const found = alerts.find((a) => a.labels.alertname === LEVEL_ALERT_NAME);
  assert.ok(found, 'a level alert fires');
  return found;
}

describe('desiredAlerts', () => {
  it('quotes the error ratio of the level window the level was judged over, not the first window', async () => {
    // Over the last hour 20 of 200 calls failed (90 %: emergency); the last 5 minutes were clean.
    const alert = levelAlert(
      desiredAlerts(await statuses(99.5, 60 * M), { levels: true, levelWindowMs: 60 * M }),
    );
    assert.equal(alert.labels.level, 'emergency');
    assert.match(alert.annotations.description!, /Error ratio over 1h: 10\.00%\./);
    assert.doesNotMatch(alert.annotations.description!, /over 5m/);
  });

  it('leaves the ratio out when the level window is not a reported one, rather than quote another', async () => {
    const alert = levelAlert(
      desiredAlerts(await statuses(99.5, 55 * M), { levels: true, levelWindowMs: 55 * M }),
    );
    assert.doesNotMatch(alert.annotations.description!, /Error ratio over/);
  });

  it('states an objective with many nines as configured, never rounded up to 100 %', async () => {
    const alerts = desiredAlerts(await statuses(99.999, 60 * M), { levels: false });
    // The 1d/2h ticket fires; the pages do not (their short windows saw only the clean calls).
    const burn = alerts.find((a) => a.labels.alertname === BURN_ALERT_NAME);
    assert.ok(burn, 'a burn-rate alert fires');
    assert.match(burn.annotations.description!, /\(objective 99\.999% over 30d\)/);
  });

  it('says an overspent budget is spent, not that it will be in 0s', async () => {
    // 20 bad of 200 against a budget of 0.5 %: spent twenty times over.
    const burn = desiredAlerts(await statuses(99.5, 5 * M), { levels: false }).find(
      (a) => a.labels.alertname === BURN_ALERT_NAME,
    );
    assert.ok(burn, 'a burn-rate alert fires');
    assert.match(burn.annotations.description!, /Error budget over 30d spent: -1900\.00% remaining\.$/);
  });
});
