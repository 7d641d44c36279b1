import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { CollectorConfigSchema } from '../config/schema.ts';
import { renderPrometheusRules } from './prometheus-rules.ts';
import { PROMTOOL, run, skipUnless } from './testing/tools.ts';

const config = CollectorConfigSchema.parse({
  defaultSlos: true,
  slos: [
    {
      name: 'chat-availability',
      objective: 99.9,
      window: '28d',
      selector: { service: ['checkout', 'search'], operation: 'chat', attributes: { 'app.tenant': 'acme' } },
      groupBy: ['model', 'app.region'],
      bad: { sources: ['dependency', 'policy'], categories: ['unknown', 'quota_exhausted'] },
    },
    { name: 'chat-latency', sli: 'latency', threshold: '2s', objective: 95, selector: { operation: 'chat' } },
    {
      apiVersion: 'openslo/v1',
      kind: 'SLO',
      metadata: { name: 'tool-success', labels: { tier: 'technical' } },
      spec: {
        service: 'agent',
        budgetingMethod: 'Occurrences',
        timeWindow: [{ duration: '7d', isRolling: true }],
        objectives: [{ target: 0.99 }],
        indicator: {
          spec: {
            ratioMetric: {
              good: { metricSource: { type: 'breakwater', spec: { status: ['ok', 'unset'] } } },
              total: { metricSource: { type: 'breakwater', spec: { operation: 'execute_tool' } } },
            },
          },
        },
      },
    },
  ],
});

/** Attribute keys the OpenTelemetry Collector's exporters rename, and one Prometheus drops. */
const oddNames = CollectorConfigSchema.parse({
  defaultSlos: false,
  technicalSlos: false,
  slos: [
    {
      name: 'digits',
      objective: 99,
      selector: { attributes: { '1tenant': 'a', _t: 'b' } },
      groupBy: ['0.x'],
    },
    { name: 'reserved', objective: 99, groupBy: ['__x.y'] },
  ],
});

/** Selector values with what a PromQL string must escape: a line break, a quote, a backslash. */
const oddValues = CollectorConfigSchema.parse({
  defaultSlos: false,
  technicalSlos: false,
  slos: [
    {
      name: 'odd-values',
      objective: 99,
      selector: {
        service: ['line\nbreak', 'quote"back\\slash'],
        attributes: { 'app.tenant': 'tab\there\r' },
      },
    },
  ],
});

describe('renderPrometheusRules', () => {
  it('writes selector values as PromQL strings: line breaks escaped, not raw inside the quotes', () => {
    const doc = parseYaml(renderPrometheusRules(oddValues)) as { groups: { rules: { expr: string }[] }[] };
    const expr = doc.groups[0]!.rules[0]!.expr;
    // As PromQL reads them: `\n` and `\r` escapes, the regex's own `\\` for the backslash doubled.
    assert.ok(expr.includes(String.raw`service_name=~"line\nbreak|quote\"back\\\\slash"`), expr);
    assert.ok(expr.includes(String.raw`app_tenant="tab\there\r"`), expr);
  });

  it('names attribute labels as the OpenTelemetry Collector exports them; skips an SLO on a label Prometheus drops', () => {
    const text = renderPrometheusRules(oddNames);
    assert.match(text, /sum by \(service_name, key_0_x\)/);
    assert.match(text, /key_1tenant="a",key_t="b"/);
    assert.match(text, /# Skipped SLO "reserved"/);
    assert.doesNotMatch(text, /breakwater-slo-reserved/);
  });

  it('passes promtool check rules', { skip: skipUnless(PROMTOOL, 'prometheus') }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-rules-'));
    // Many nines put thresholds in exponent notation (`1.44e-11`), which PromQL must accept too.
    const nines = CollectorConfigSchema.parse({ slos: [{ name: 'nines', objective: 99.9999999999 }] });
    try {
      for (const [name, cfg] of [
        ['rules.yml', config],
        ['nines.yml', nines],
        ['odd-names.yml', oddNames],
        ['odd-values.yml', oddValues],
      ] as const) {
        const file = join(dir, name);
        writeFileSync(file, renderPrometheusRules(cfg));
        const result = await run(PROMTOOL, ['check', 'rules', file]);
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /SUCCESS: \d+ rules found/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fires under promtool with the labels the collector's own alerts carry", {
    skip: skipUnless(PROMTOOL, 'prometheus'),
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-rules-'));
    const grouped = CollectorConfigSchema.parse({
      defaultSlos: false,
      technicalSlos: false,
      slos: [{ name: 'answers', objective: 99, groupBy: ['model', 'app.region'] }],
    });
    // Half of 10 calls a minute fail at the dependency for an hour and ten minutes: far over
    // the 1h/5m page threshold (14.4 × 1 %).
    const series = (status: string, extra: string) =>
      `traces_span_metrics_calls_total{service_name="checkout",span_name="chat gpt-4o",gen_ai_request_model="gpt-4o",app_region="eu",status_code="${status}"${extra}}`;
    const tests = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            {
              series: series('STATUS_CODE_ERROR', ',breakwater_error_source="dependency"'),
              values: '0+5x80',
            },
            { series: series('STATUS_CODE_UNSET', ''), values: '0+5x80' },
          ],
          alert_rule_test: [
            {
              eval_time: '70m',
              alertname: 'BreakwaterErrorBudgetBurn',
              exp_alerts: [
                ['page', '1h/5m > 14.4x or 6h/30m > 6x'],
                ['ticket', '1d/2h > 3x or 3d/6h > 1x'],
              ].map(([severity, windows]) => ({
                exp_labels: {
                  severity,
                  slo: 'answers',
                  tier: 'business',
                  // What the collector's alerts are routed and inhibited on …
                  service: 'checkout',
                  model: 'gpt-4o',
                  app_region: 'eu',
                  // … beside the span-metrics labels the expression keeps.
                  service_name: 'checkout',
                  gen_ai_request_model: 'gpt-4o',
                },
                exp_annotations: {
                  summary: `answers (checkout): error budget burning fast (${windows})`,
                  description: 'Error ratio 50% against a budget of 1% over 30d.',
                },
              })),
            },
          ],
        },
      ],
    };
    try {
      writeFileSync(join(dir, 'rules.yml'), renderPrometheusRules(grouped));
      writeFileSync(join(dir, 'test.yml'), JSON.stringify(tests));
      const result = await run(PROMTOOL, ['test', 'rules', join(dir, 'test.yml')]);
      assert.equal(result.code, 0, result.stdout + result.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('encodes the same evaluation: windows, scaled thresholds, traffic guard, fault sources', () => {
    const doc = parseYaml(renderPrometheusRules(config)) as {
      groups: {
        name: string;
        rules: { record?: string; alert?: string; expr: string; labels?: Record<string, string> }[];
      }[];
    };
    assert.deepEqual(
      doc.groups.map((g) => g.name),
      [
        'breakwater-slo-chat-availability',
        'breakwater-slo-chat-latency',
        'breakwater-slo-tool-success',
        'breakwater-slo-availability',
        'breakwater-slo-retry-recovery',
        'breakwater-slo-breaker-refusal',
      ],
    );
    const chat = doc.groups[0]!.rules;
    assert.deepEqual(
      chat.filter((r) => r.record?.startsWith('breakwater_slo:error_ratio')).map((r) => r.record),
      ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '28d'].map((w) => `breakwater_slo:error_ratio:rate${w}`),
    );
    const ratio5m = chat[0]!.expr;
    assert.match(ratio5m, /sum by \(service_name, gen_ai_request_model, app_region\)/);
    assert.match(
      ratio5m,
      /service_name=~"checkout\|search",gen_ai_operation_name="chat",app_tenant="acme",breakwater_role!="attempt"/,
    );
    // Effective fault source: explicit, or absent with a category whose default source counts.
    assert.match(ratio5m, /breakwater_error_source=~"dependency\|policy"/);
    assert.match(ratio5m, /breakwater_error_source="",breakwater_error_category=~"rate_limited\|overloaded/);
    assert.match(ratio5m, /status_code="STATUS_CODE_ERROR"/);
    const page = chat.find((r) => r.alert === 'BreakwaterErrorBudgetBurn' && r.labels?.severity === 'page')!;
    // 28-day window: 14.4 × 28/30 = 13.44 → error ratio 13.44 × 0.001; 6 × 28/30 = 5.6.
    assert.match(
      page.expr,
      /rate1h\{slo="chat-availability"\} > 0\.01344 and .*rate5m\{slo="chat-availability"\} > 0\.01344 and breakwater_slo:events:increase1h\{slo="chat-availability"\} >= 10/,
    );
    assert.match(page.expr, /rate6h\{slo="chat-availability"\} > 0\.0056/);
    const latency = doc.groups[1]!.rules[0]!.expr;
    assert.ok(latency.includes('breakwater_role!="attempt",le=~"2000(\\\\.0)?"}'), latency);
    assert.match(latency, /traces_span_metrics_duration_milliseconds_count/);
    const tool = doc.groups[2]!.rules;
    assert.ok(!tool.some((r) => r.record?.endsWith('rate30d')), 'a 7-day SLO reports no 30d window');
    const retry = doc.groups[4]!.rules[0]!.expr;
    assert.match(retry, /breakwater_retry_attempts=~"\[2-9\]\|\[1-9\]\[0-9\]\+"/);
  });

  it('keeps the thresholds of an objective with many nines instead of rounding them to 0', () => {
    const rules = renderPrometheusRules(
      CollectorConfigSchema.parse({
        technicalSlos: false,
        slos: [{ name: 'nines', objective: 99.9999999999 }],
      }),
    );
    const doc = parseYaml(rules) as {
      groups: { rules: { alert?: string; expr: string; labels?: Record<string, string> }[] }[];
    };
    const page = doc.groups[0]!.rules.find((r) => r.alert === 'BreakwaterErrorBudgetBurn')!;
    // Budget 1e-12: the 1h/5m page fires above an error ratio of 14.4e-12, not above 0.
    assert.match(page.expr, /rate1h\{slo="nines"\} > 1\.44e-11 and /);
    assert.doesNotMatch(page.expr, / > 0 /);
    assert.match(rules, /against a budget of 1e-10% over 30d/);
  });
});
