import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, type SloStatus } from '@breakwater/protocol';
import { CollectorConfigSchema } from '../config/schema.ts';
import { defaultAvailabilitySlo } from '../config/slo/defaults.ts';
import type { SloDefinition } from '../config/slo/definition.ts';
import { errorBudget } from '../config/slo/objective.ts';
import { resolveSlos } from '../config/slo/resolve.ts';
import { SliAggregator } from '../sli/aggregate.ts';
import { encodeSeries } from '../sli/series.ts';
import { span } from '../sli/testing/spans.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { scaledBurnRules } from './alert-policy.ts';
import { budgetRemaining, burnRate, errorRatio, exhaustionEtaMs } from './burn-rate.ts';
import { evaluateAll } from './evaluator.ts';
import { latencyLevel, successRateLevel } from './levels.ts';

const M = 60_000;
const H = 60 * M;
const D = 24 * H;
const T0 = Date.UTC(2025, 2, 1, 12, 0, 0);

function close(actual: number | null | undefined, expected: number, what: string): void {
  assert.ok(
    actual !== null &&
      actual !== undefined &&
      Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} ≠ ${expected}`,
  );
}

describe('burn-rate math', () => {
  it('computes ratios, burn rates, budget and ETA by hand', () => {
    assert.equal(errorRatio({ good: 0, total: 0 }), null);
    close(errorRatio({ good: 90, total: 100 }), 0.1, 'ratio');
    close(burnRate({ good: 90, total: 100 }, 0.995), 20, 'burn');
    close(burnRate({ good: 999, total: 1000 }, 0.999), 1, 'burn at exactly the budget');
    assert.equal(budgetRemaining({ good: 0, total: 0 }, 0.995), 1);
    close(budgetRemaining({ good: 9975, total: 10_000 }, 0.995), 0.5, 'half the budget spent');
    close(budgetRemaining({ good: 9900, total: 10_000 }, 0.995), -1, 'overspent twice');
    // Half the budget left, burning at 2x: a 30-day budget lasts 30d × 0.5 / 2 = 7.5 days.
    assert.equal(exhaustionEtaMs(0.5, 2, 30 * D), 7.5 * D);
    assert.equal(exhaustionEtaMs(0.5, null, 30 * D), null);
    assert.equal(exhaustionEtaMs(0.5, 0, 30 * D), null);
    assert.equal(exhaustionEtaMs(-0.1, 3, 30 * D), 0);
  });

  it('keeps the error budget of an objective with many nines: never zero, never noisy', () => {
    const resolve = (slo: Record<string, unknown>) =>
      resolveSlos(CollectorConfigSchema.parse({ technicalSlos: false, slos: [slo] }))[0]!.objective;
    const percent = resolve({ name: 'p', objective: 99.99999999999 });
    const openSlo = resolve({
      apiVersion: 'openslo/v1',
      kind: 'SLO',
      metadata: { name: 'o' },
      spec: {
        service: 'checkout',
        budgetingMethod: 'Occurrences',
        timeWindow: [{ duration: '30d', isRolling: true }],
        objectives: [{ target: 0.9999999999999 }],
        indicator: {
          spec: {
            ratioMetric: {
              good: { metricSource: { type: 'breakwater', spec: { status: ['ok', 'unset'] } } },
              total: { metricSource: { type: 'breakwater', spec: {} } },
            },
          },
        },
      },
    });
    for (const objective of [percent, openSlo]) {
      assert.equal(objective, 0.9999999999999);
      assert.equal(errorBudget(objective), 1e-13);
      assert.equal(burnRate({ good: 99, total: 100 }, objective), 1e11);
      // One bad event in 10¹³ spends exactly the budget.
      assert.equal(budgetRemaining({ good: 1e13 - 1, total: 1e13 }, objective), 0);
    }
    assert.equal(resolve({ name: 'q', objective: 99.9 }), 0.999);
    assert.equal(errorBudget(0.995), 0.005);
    assert.equal(errorBudget(0.999999999), 1e-9);
  });

  it('scales the workbook thresholds to the SLO window', () => {
    const show = (w: number) =>
      scaledBurnRules(w).map((r) => `${r.severity} ${r.longWindow}/${r.shortWindow} ${r.threshold}`);
    assert.deepEqual(show(30 * D), ['page 1h/5m 14.4', 'page 6h/30m 6', 'ticket 1d/2h 3', 'ticket 3d/6h 1']);
    assert.deepEqual(show(28 * D), [
      'page 1h/5m 13.44',
      'page 6h/30m 5.6',
      'ticket 1d/2h 2.8',
      'ticket 3d/6h 1',
    ]);
    assert.deepEqual(show(7 * D), ['page 1h/5m 3.36', 'page 6h/30m 1.4', 'ticket 1d/2h 1', 'ticket 3d/6h 1']);
    assert.deepEqual(show(1 * D), ['page 1h/5m 1', 'page 6h/30m 1', 'ticket 1d/2h 1']);
  });

  it('picks threshold levels (success rate and latency quantile)', () => {
    const levels = { kind: 'success_rate' as const, warning: 99.5, severe: 99, emergency: 98.5 };
    const level = (good: number, total: number) => successRateLevel(levels, { good, total, extra: {} });
    assert.equal(level(995, 1000), 'ok');
    assert.equal(level(993, 1000), 'warning');
    assert.equal(level(990, 1000), 'warning');
    assert.equal(level(989, 1000), 'severe');
    assert.equal(level(984, 1000), 'emergency');
    const lat = {
      kind: 'latency' as const,
      quantile: 0.95,
      warningMs: 300,
      severeMs: 500,
      emergencyMs: 1000,
    };
    const p95 = (le300: number, le500: number, le1000: number) =>
      latencyLevel(lat, {
        good: 0,
        total: 100,
        extra: {
          'le:300': le300,
          'le:500': le500,
          'le:1000': le1000,
          'n:300': 100,
          'n:500': 100,
          'n:1000': 100,
        },
      });
    assert.equal(p95(95, 100, 100), 'ok');
    assert.equal(p95(94, 95, 100), 'warning');
    assert.equal(p95(80, 90, 95), 'severe');
    assert.equal(p95(80, 90, 94), 'emergency');
  });
});

describe('evaluateAll', () => {
  const slo: SloDefinition = { ...defaultAvailabilitySlo(10), groupBy: [] };
  const series = (version: string) => encodeSeries({ service: 'checkout', version, dims: [] }, []);

  async function scenario(minEvents = 10) {
    const clock = new ManualClock(T0);
    const store = new MemoryStore(() => 31 * D);
    // Ten days ago: a million events at a tenth of the budget.
    await store.commit(T0 - 10 * D, [
      {
        slo: 'availability',
        series: series('1.0.0'),
        counts: { good: 999_500, total: 1_000_000, extra: {} },
      },
    ]);
    // The last hour: 400 events (30 bad) fifty minutes ago and 100 (10 bad) two minutes ago, on a new version.
    await store.commit(T0 - 50 * M, [
      {
        slo: 'availability',
        series: series('1.1.0'),
        counts: { good: 370, total: 400, extra: { 'c:timeout': 30 } },
      },
    ]);
    await store.commit(T0 - 2 * M, [
      {
        slo: 'availability',
        series: series('1.1.0'),
        counts: { good: 90, total: 100, extra: { 'c:server_error': 6, 'c:timeout': 4 } },
      },
    ]);
    const def = { ...slo, minEvents };
    const run = async () =>
      (await evaluateAll([def], store, { nowMs: clock.now(), levelWindowMs: 5 * M }))[0]!;
    return { clock, run };
  }

  const summed = (s: SloStatus) => s.groups.find((g) => g.version === undefined)!;
  const alerts = (s: SloStatus) =>
    summed(s).alerts.map((a) => `${a.severity} ${a.longWindow}/${a.shortWindow}`);

  it('reports every window, the budget, the ETA and all four burn-rate alerts (hand-computed)', async () => {
    const { run } = await scenario();
    const status = await run();
    assert.equal(status.evaluatedAt, T0);
    assert.deepEqual(
      status.groups.map((g) => g.version ?? '(all)'),
      ['(all)', '1.0.0', '1.1.0'],
    );
    const g = summed(status);
    assert.deepEqual(
      g.windows.map((w) => [w.window, w.good, w.total]),
      [
        ['5m', 90, 100],
        ['30m', 90, 100],
        ['1h', 460, 500],
        ['2h', 460, 500],
        ['6h', 460, 500],
        ['1d', 460, 500],
        ['3d', 460, 500],
        ['30d', 999_960, 1_000_500],
      ],
    );
    // 5m: 10/100 = 0.1 → burn 0.1/0.005 = 20; 1h: 40/500 = 0.08 → burn 16.
    close(g.windows[0]!.burnRate, 20, '5m burn');
    close(g.windows[2]!.errorRatio, 0.08, '1h ratio');
    close(g.windows[2]!.burnRate, 16, '1h burn');
    // 30d: 540 bad of 1,000,500 → ratio 5.3973e-4 → burn 0.107946 → budget left 0.892054.
    close(g.windows[7]!.burnRate, 540 / 1_000_500 / 0.005, '30d burn');
    close(g.budgetRemaining, 1 - 540 / 1_000_500 / 0.005, 'budget remaining');
    // ETA at the 1h burn: 0.892054 × 30 d / 16 = 144,512,744 ms (≈ 40.1 h).
    assert.equal(g.exhaustionEtaMs, 144_512_744);
    assert.deepEqual(alerts(status), ['page 1h/5m', 'page 6h/30m', 'ticket 1d/2h', 'ticket 3d/6h']);
    assert.equal(g.level, 'emergency'); // 90 % over the last 5 minutes
    assert.deepEqual(g.topErrorCategories, [
      { category: 'timeout', count: 34 },
      { category: 'server_error', count: 6 },
    ]);
    // Versions get windows and levels but no alerts of their own.
    const v11 = status.groups.find((x) => x.version === '1.1.0')!;
    assert.deepEqual(v11.alerts, []);
    close(v11.windows[2]!.burnRate, 16, 'version 1h burn');
    const v10 = status.groups.find((x) => x.version === '1.0.0')!;
    assert.equal(v10.windows[0]!.burnRate, null);
    close(v10.budgetRemaining, 0.9, 'old version budget');
  });

  it('lets the short windows reset alerts as time moves on', async () => {
    const { clock, run } = await scenario();
    await clock.advance(6 * M); // 5m window now empty; the 30m window still sees the burst
    let status = await run();
    assert.deepEqual(alerts(status), ['page 6h/30m', 'ticket 1d/2h', 'ticket 3d/6h']);
    assert.equal(summed(status).level, 'ok');
    await clock.advance(25 * M); // T0+31m: 30m window empty too → no page
    status = await run();
    assert.deepEqual(alerts(status), ['ticket 1d/2h', 'ticket 3d/6h']);
    await clock.advance(6 * H); // 2h and 6h windows empty → nothing
    status = await run();
    assert.deepEqual(alerts(status), []);
  });

  it('has no exhaustion ETA when the last hour had no events, whatever older events burned', async () => {
    const { clock, run } = await scenario();
    await clock.advance(H); // the 1h window is now empty; the 30d budget is still partly spent
    const g = summed(await run());
    assert.equal(g.windows.find((w) => w.window === '1h')!.total, 0);
    assert.ok(g.budgetRemaining < 1);
    assert.equal(g.exhaustionEtaMs, null);
  });

  it('extrapolates the whole window for an SLO window shorter than the hour', async () => {
    const store = new MemoryStore(() => 2 * H);
    const short = { ...slo, windowMs: 30 * M };
    await store.commit(T0 - 10 * M, [
      { slo: 'availability', series: series('1'), counts: { good: 99, total: 100, extra: {} } },
    ]);
    const g = (await evaluateAll([short], store, { nowMs: T0, levelWindowMs: 5 * M }))[0]!.groups[0]!;
    // 1 % errors on a 0.5 % budget: burn 2, budget −1 → spent.
    assert.equal(g.exhaustionEtaMs, 0);
    await store.commit(T0 - 10 * M, [
      { slo: 'availability', series: series('1'), counts: { good: 300, total: 300, extra: {} } },
    ]);
    // 1 bad of 400: burn 0.5, budget 0.5 left → 0.5 × 30 m / 0.5 = 30 m.
    const again = (await evaluateAll([short], store, { nowMs: T0, levelWindowMs: 5 * M }))[0]!;
    assert.equal(again.groups[0]!.exhaustionEtaMs, 30 * M);
  });

  it('fires nothing below the minimum traffic in the long window', async () => {
    assert.deepEqual(alerts(await (await scenario(501)).run()), []);
    assert.deepEqual(alerts(await (await scenario(500)).run()), [
      'page 1h/5m',
      'page 6h/30m',
      'ticket 1d/2h',
      'ticket 3d/6h',
    ]);
    const { run } = await scenario(101);
    assert.equal(summed(await run()).level, 'ok'); // only 100 events in the level window
  });
});

describe('groupBy changes', () => {
  const defs = (groupBy: string[]) =>
    resolveSlos(
      CollectorConfigSchema.parse({
        technicalSlos: false,
        slos: [{ name: 'chat', objective: 99, selector: { operation: '*' }, groupBy }],
      }),
    );
  const labelsAfter = async (written: string[], read: string[]) => {
    const store = new MemoryStore(() => 31 * D);
    const spans = [span({ operationName: 'chat', requestModel: 'gpt-4o' })];
    await store.commit(T0, new SliAggregator(defs(written)).aggregate(spans));
    const [status] = await evaluateAll(defs(read), store, { nowMs: T0 + M, levelWindowMs: 5 * M });
    return status!.groups.filter((g) => g.version === undefined).map((g) => g.labels);
  };

  it('ignores counts stored under other dimensions instead of misreading them', async () => {
    assert.deepEqual(await labelsAfter(['operation'], ['operation']), [{ operation: 'chat' }]);
    assert.deepEqual(await labelsAfter(['operation'], ['model']), []);
    assert.deepEqual(await labelsAfter(['operation'], ['operation', 'model']), []);
    assert.deepEqual(await labelsAfter([], ['model']), []);
  });

  it('reads counts back under the same dimensions in another order', async () => {
    assert.deepEqual(await labelsAfter(['operation', 'model'], ['model', 'operation']), [
      { model: 'gpt-4o', operation: 'chat' },
    ]);
  });

  it('keeps one group per version when counts were stored under both orders of the dimensions', async () => {
    // A restart with `groupBy` reordered: the same series is stored under two ids from then on.
    const store = new MemoryStore(() => 31 * D);
    const spans = [span({ operationName: 'chat', requestModel: 'gpt-4o' })];
    await store.commit(T0, new SliAggregator(defs(['operation', 'model'])).aggregate(spans));
    await store.commit(T0 + M, new SliAggregator(defs(['model', 'operation'])).aggregate(spans));
    const [status] = await evaluateAll(defs(['model', 'operation']), store, {
      nowMs: T0 + 2 * M,
      levelWindowMs: 5 * M,
    });
    assert.deepEqual(
      status!.groups.map((g) => [g.version, g.labels, g.windows[0]!.total]),
      [
        [undefined, { model: 'gpt-4o', operation: 'chat' }, 2],
        ['1.0.0', { model: 'gpt-4o', operation: 'chat' }, 2],
      ],
    );
  });
});
