import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type CollectorConfig, CollectorConfigSchema } from '../config/schema.ts';
import { resolveSlos } from '../config/slo/resolve.ts';
import { STATUS_UNSET } from '../decode/span-record.ts';
import { evaluateAll } from '../evaluate/evaluator.ts';
import { SliAggregator } from '../sli/aggregate.ts';
import { failed, span, times } from '../sli/testing/spans.ts';
import { MemoryStore } from '../store/memory-store.ts';
import { desiredAlerts } from './alerts.ts';
import { renderPrometheusRules } from './prometheus-rules.ts';
import { PROMTOOL, run, skipUnless } from './testing/tools.ts';

/*
 * The collector's own evaluation and the rules `breakwater rules` prints, fed the same traffic
 * minute by minute: the spans to the collector, their spanmetrics counters and histogram to
 * promtool. At each checked minute the alerts firing in Prometheus (alertname, severity, level)
 * must be the ones the collector pushes to Alertmanager. Checked minutes sit clear of the
 * thresholds: Prometheus extrapolates `rate` over the window, the collector counts whole minutes.
 */

const M = 60_000;
const T0 = Date.UTC(2025, 0, 1);
/**
 * Histogram bounds (ms) of the spanmetrics input: a bucket at the latency SLO's threshold (2000)
 * and at its default levels (2000 / 3333 / 6667), as the README asks of a deployment; between
 * bounds Prometheus interpolates a quantile where the collector counts exactly.
 */
const BOUNDS = [100, 500, 1000, 2000, 3333, 5000, 6667];

/** One minute of traffic: successful and failed (dependency `server_error`) operations. */
interface Minute {
  ok: number;
  bad: number;
  /** Duration of every call of the minute (default 50 ms). */
  ms?: number;
}

const steady = (minutes: number, m: Minute): Minute[] => Array.from({ length: minutes }, () => m);

/** `alertname severity level` of each alert firing at each minute in `at`, as the collector decides. */
async function collectorAlerts(config: CollectorConfig, traffic: readonly Minute[], at: readonly number[]) {
  const defs = resolveSlos(config);
  const aggregator = new SliAggregator(defs);
  const store = new MemoryStore(() => 31 * 86_400_000);
  const out = new Map<number, string[]>();
  for (let i = 0; i <= traffic.length; i++) {
    if (at.includes(i)) {
      const statuses = await evaluateAll(defs, store, {
        nowMs: T0 + i * M,
        levelWindowMs: config.evaluation.levelWindow,
      });
      const alerts = desiredAlerts(statuses, { levels: true });
      out.set(
        i,
        alerts.map((a) => `${a.labels.alertname} ${a.labels.severity} ${a.labels.level ?? ''}`).sort(),
      );
    }
    const m = traffic[i];
    if (m === undefined) continue;
    const durationMs = m.ms ?? 50;
    const spans = [
      ...times(m.ok, () => span({ statusCode: STATUS_UNSET, durationMs })),
      ...times(m.bad, () => failed('server_error', { errorSource: 'dependency', durationMs })),
    ];
    if (spans.length > 0) await store.commit(T0 + i * M + 30_000, aggregator.aggregate(spans));
  }
  return out;
}

/** The same traffic as spanmetrics series: sample `j` (at `j` minutes) holds minutes before `j`. */
function inputSeries(traffic: readonly Minute[]): { series: string; values: string }[] {
  const common =
    'service_name="checkout",span_name="chat gpt-4o",gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o",breakwater_role="operation"';
  const kinds = [
    { labels: `${common},status_code="STATUS_CODE_UNSET"`, count: (m: Minute) => m.ok },
    {
      labels: `${common},status_code="STATUS_CODE_ERROR",breakwater_error_source="dependency",breakwater_error_category="server_error"`,
      count: (m: Minute) => m.bad,
    },
  ];
  const cumulative = (inc: (m: Minute) => number) => {
    const values = ['0'];
    let sum = 0;
    for (const m of traffic) {
      sum += inc(m);
      values.push(String(sum));
    }
    return values.join(' ');
  };
  const out: { series: string; values: string }[] = [];
  for (const { labels, count } of kinds) {
    out.push({ series: `traces_span_metrics_calls_total{${labels}}`, values: cumulative(count) });
    out.push({
      series: `traces_span_metrics_duration_milliseconds_count{${labels}}`,
      values: cumulative(count),
    });
    for (const le of [...BOUNDS, Number.POSITIVE_INFINITY]) {
      out.push({
        series: `traces_span_metrics_duration_milliseconds_bucket{${labels},le="${le === Number.POSITIVE_INFINITY ? '+Inf' : le}"}`,
        values: cumulative((m) => ((m.ms ?? 50) <= le ? count(m) : 0)),
      });
    }
  }
  return out;
}

/** Runs promtool expecting, at each minute, the alerts the collector fired. */
async function assertPrometheusAgrees(slo: Record<string, unknown>, traffic: Minute[], at: number[]) {
  const config = CollectorConfigSchema.parse({ defaultSlos: false, technicalSlos: false, slos: [slo] });
  const expected = await collectorAlerts(config, traffic, at);
  const tests = {
    rule_files: ['rules.yml'],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: inputSeries(traffic),
        promql_expr_test: at.map((minute) => {
          const counts = new Map<string, number>();
          for (const key of expected.get(minute)!) counts.set(key, (counts.get(key) ?? 0) + 1);
          return {
            expr: 'count by (alertname, severity, level) (ALERTS{alertstate="firing"})',
            eval_time: `${minute}m`,
            exp_samples: [...counts].map(([key, value]) => {
              const [alertname, severity, level] = key.split(' ');
              return {
                labels: `{alertname="${alertname}",severity="${severity}"${level ? `,level="${level}"` : ''}}`,
                value,
              };
            }),
          };
        }),
      },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), 'bw-agree-'));
  try {
    writeFileSync(join(dir, 'rules.yml'), renderPrometheusRules(config));
    writeFileSync(join(dir, 'test.yml'), JSON.stringify(tests));
    const result = await run(PROMTOOL, ['test', 'rules', join(dir, 'test.yml')]);
    assert.equal(
      result.code,
      0,
      `collector: ${JSON.stringify([...expected])}\n${result.stdout}${result.stderr}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return expected;
}

describe('collector evaluation and `breakwater rules` agree', {
  skip: skipUnless(PROMTOOL, 'prometheus'),
}, () => {
  it('availability 99.9 %: ticket, then page, then back to a ticket after recovery', async () => {
    const traffic = [
      ...steady(60, { ok: 100, bad: 0 }),
      ...steady(80, { ok: 98, bad: 2 }),
      ...steady(60, { ok: 100, bad: 0 }),
    ];
    const alerts = await assertPrometheusAgrees(
      { name: 'chat', objective: 99.9 },
      traffic,
      [50, 70, 125, 150, 199],
    );
    // Not a vacuous agreement: the collector fired, and stopped paging once the short windows cleared.
    assert.deepEqual(alerts.get(50), []);
    assert.ok(alerts.get(125)!.includes('BreakwaterErrorBudgetBurn page '));
    assert.ok(!alerts.get(199)!.includes('BreakwaterErrorBudgetBurn page '));
  });

  it('no traffic and too little traffic fire nothing (no division by zero, minEvents guard)', async () => {
    const trickle = Array.from({ length: 30 }, (_, i) => ({ ok: 0, bad: i % 5 === 0 ? 1 : 0 }));
    const traffic = [...steady(30, { ok: 0, bad: 0 }), ...trickle, ...steady(30, { ok: 0, bad: 0 })];
    const alerts = await assertPrometheusAgrees(
      { name: 'chat', objective: 99.9 },
      traffic,
      [20, 45, 59, 75, 90],
    );
    // Six failures and nothing else: every ratio is 100 %, but no window reaches 10 events.
    for (const fired of alerts.values()) assert.deepEqual(fired, []);
  });

  it('latency: a call exactly at the threshold is good, one just above it is not', async () => {
    const slo = { name: 'chat-latency', sli: 'latency', threshold: '2s', objective: 99 };
    const at = [30, 90, 150];
    const atThreshold = await assertPrometheusAgrees(slo, steady(150, { ok: 100, bad: 0, ms: 2000 }), at);
    for (const minute of at)
      assert.ok(!atThreshold.get(minute)!.some((a) => a.startsWith('BreakwaterErrorBudgetBurn')));
    const over = await assertPrometheusAgrees(slo, steady(150, { ok: 100, bad: 0, ms: 2001 }), at);
    assert.ok(over.get(90)!.includes('BreakwaterErrorBudgetBurn page '));
  });

  it('a short window scales the thresholds alike (7 d)', async () => {
    const traffic = [...steady(60, { ok: 100, bad: 0 }), ...steady(60, { ok: 95, bad: 5 })];
    const alerts = await assertPrometheusAgrees(
      { name: 'chat', objective: 99, window: '7d' },
      traffic,
      [65, 100, 119],
    );
    assert.ok(alerts.get(119)!.includes('BreakwaterErrorBudgetBurn page '));
  });
});
