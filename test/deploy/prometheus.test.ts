/**
 * examples/deploy/prometheus.yml, breakwater-rules.yml and collector-alerts.yml, checked with the
 * real promtool (Debian `prometheus`): config and rules, the collector alerts' unit tests, and
 * regeneration of the rules through `breakwater rules`.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import {
  DEPLOY,
  deployPath,
  list,
  REPO,
  readYaml,
  record,
  requireTool,
  rulesOf,
  run,
  str,
} from './deploy-files.ts';
import { knownMetrics } from './known-metrics.ts';

const SECRET_PATH = '/run/secrets/breakwater_admin_token';
const RULE_FILES = ['breakwater-rules.yml', 'collector-alerts.yml'];

/** The series selectors of a PromQL expression: metric name and the labels its matchers name. */
function selectorsOf(expr: string): { metric: string; matchers: string; labels: string[] }[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)].map(
    ([, metric = '', matchers = '']) => ({
      metric,
      matchers,
      labels: [...matchers.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map(
        ([, label = '']) => label,
      ),
    }),
  );
}

const scratch = mkdtempSync(path.join(tmpdir(), 'breakwater-deploy-prom-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('prometheus.yml', () => {
  test('passes promtool check config, rule files included', async () => {
    const promtool = requireTool('promtool', 'prometheus');
    // The scrape job reads the Breakwater admin token from the compose secret, which exists only
    // inside the container: check a copy that points at a scratch token file instead.
    const config = readFileSync(deployPath('prometheus.yml'), 'utf8');
    assert.ok(config.includes(SECRET_PATH), `prometheus.yml should read the token from ${SECRET_PATH}`);
    const dir = mkdtempSync(path.join(scratch, 'config-'));
    writeFileSync(path.join(dir, 'token'), 'test-token\n');
    const local = config.replaceAll(SECRET_PATH, path.join(dir, 'token'));
    for (const file of RULE_FILES) copyFileSync(deployPath(file), path.join(dir, file));
    // As shipped, and with breakwater-rules.yml uncommented (evaluating the SLOs in Prometheus).
    const uncommented = local.replace('# - breakwater-rules.yml', '- breakwater-rules.yml');
    assert.notEqual(uncommented, local, 'prometheus.yml should name breakwater-rules.yml, commented out');
    for (const [text, files] of [
      [local, 1],
      [uncommented, 2],
    ] as const) {
      writeFileSync(path.join(dir, 'prometheus.yml'), text);
      const full = await run(promtool, ['check', 'config', path.join(dir, 'prometheus.yml')]);
      assert.equal(full.code, 0, `promtool check config failed:\n${full.stdout}${full.stderr}`);
      assert.match(full.stdout + full.stderr, new RegExp(`SUCCESS: ${files} rule files found`));
    }

    const syntax = await run(promtool, ['check', 'config', '--syntax-only', deployPath('prometheus.yml')]);
    assert.equal(
      syntax.code,
      0,
      `promtool check config --syntax-only failed:\n${syntax.stdout}${syntax.stderr}`,
    );
  });

  test('loads the collector alerts, scrapes Breakwater and the OpenTelemetry Collector, alerts to Alertmanager', () => {
    const config = readYaml('prometheus.yml');
    const ruleFiles = list(config.rule_files, 'rule_files').map((f) => str(f, 'rule_files[]'));
    // The collector pushes the SLO alerts (breakwater.yaml sets alertmanager.url): loading
    // breakwater-rules.yml as well would page twice for every burn.
    assert.ok(str(record(readYaml('breakwater.yaml').alertmanager, 'alertmanager').url, 'url').length > 0);
    assert.deepEqual(ruleFiles, ['collector-alerts.yml']);
    for (const file of ruleFiles) assert.ok(existsSync(path.join(DEPLOY, file)), `${file} is missing`);

    const jobs = new Map<string, { path: string; targets: string[] }>();
    for (const [i, raw] of list(config.scrape_configs, 'scrape_configs').entries()) {
      const job = record(raw, `scrape_configs[${i}]`);
      const targets = list(job.static_configs, `${job.job_name}.static_configs`).flatMap((s) =>
        list(record(s, 'static_config').targets, 'targets').map((t) => str(t, 'target')),
      );
      jobs.set(str(job.job_name, 'job_name'), { path: String(job.metrics_path ?? '/metrics'), targets });
    }
    assert.deepEqual(jobs.get('breakwater'), { path: '/metrics', targets: ['breakwater:4318'] });
    assert.deepEqual(jobs.get('otel-collector-exporter')?.targets, ['otel-collector:8889']);
    assert.deepEqual(jobs.get('otel-collector')?.targets, ['otel-collector:8888']);

    const alerting = record(config.alerting, 'alerting');
    const managers = list(alerting.alertmanagers, 'alertmanagers').map((m) => record(m, 'alertmanager'));
    const amTargets = managers.flatMap((m) =>
      list(m.static_configs, 'static_configs').flatMap((s) => list(record(s, 's').targets, 'targets')),
    );
    assert.deepEqual(amTargets, ['alertmanager:9093']);
  });
});

describe('breakwater-rules.yml', () => {
  test('passes promtool check rules', async () => {
    const promtool = requireTool('promtool', 'prometheus');
    const result = await run(promtool, ['check', 'rules', deployPath('breakwater-rules.yml')]);
    assert.equal(result.code, 0, `promtool check rules failed:\n${result.stdout}${result.stderr}`);
  });

  test('alerts carry the labels Alertmanager routes on (severity page|ticket, slo, service)', () => {
    const alerts = rulesOf('breakwater-rules.yml').filter((r) => 'alert' in r);
    assert.ok(alerts.length > 0, 'no alerting rules');
    const severities = new Set(alerts.map((a) => str(record(a.labels, 'labels').severity, 'severity')));
    assert.deepEqual([...severities].sort(), ['page', 'ticket']);
  });

  test('selects only series and labels the spanmetrics connector in otel-collector.yaml produces', () => {
    const otel = readYaml('otel-collector.yaml');
    const spanmetrics = record(record(otel.connectors, 'connectors').spanmetrics, 'spanmetrics');
    const namespace = str(spanmetrics.namespace, 'namespace').replaceAll('.', '_');
    const unit =
      str(record(spanmetrics.histogram, 'histogram').unit, 'unit') === 'ms' ? 'milliseconds' : 'seconds';
    const series = new Set([
      `${namespace}_calls_total`,
      ...['_bucket', '_sum', '_count'].map((suffix) => `${namespace}_duration_${unit}${suffix}`),
    ]);
    // Always-present dimensions, then the configured ones as the Prometheus exporter names them.
    const labels = new Set(['service_name', 'span_name', 'span_kind', 'status_code', 'le']);
    for (const d of list(spanmetrics.dimensions, 'dimensions')) {
      labels.add(str(record(d, 'dimension').name, 'name').replace(/[^a-zA-Z0-9_]/g, '_'));
    }

    const rules = rulesOf('breakwater-rules.yml');
    const recorded = new Set(rules.flatMap((r) => (typeof r.record === 'string' ? [r.record] : [])));
    const problems = new Set<string>();
    let selectors = 0;
    for (const rule of rules) {
      const expr = str(rule.expr, 'expr');
      const name = String(rule.record ?? rule.alert);
      for (const selector of selectorsOf(expr)) {
        const metric = selector.metric;
        if (recorded.has(metric)) continue;
        selectors += 1;
        if (!series.has(metric)) problems.add(`${name}: series ${metric}`);
        for (const label of selector.labels) {
          if (!labels.has(label)) problems.add(`${name}: label ${label} on ${metric}`);
        }
      }
      // Aggregations over the span metrics (recording rules that read them directly).
      if (!expr.includes(namespace)) continue;
      for (const [, by = ''] of expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
        for (const label of by.split(',').map((l) => l.trim())) {
          if (label && !labels.has(label)) problems.add(`${name}: by ${label}`);
        }
      }
    }
    assert.ok(selectors > 0, 'no rule reads the span metrics');
    assert.deepEqual(
      [...problems],
      [],
      'breakwater-rules.yml needs series or labels the spanmetrics connector does not produce: add the dimension in otel-collector.yaml',
    );
  });

  test('regenerates with generate-rules.sh (`breakwater rules`) into a file promtool accepts', async () => {
    const promtool = requireTool('promtool', 'prometheus');
    const out = path.join(scratch, 'regenerated-rules.yml');
    const generated = await run('bash', [deployPath('generate-rules.sh'), out], { timeoutMs: 120_000 });
    assert.equal(generated.code, 0, `generate-rules.sh failed:\n${generated.stdout}${generated.stderr}`);
    const check = await run(promtool, ['check', 'rules', out]);
    assert.equal(check.code, 0, `promtool check rules on regenerated rules:\n${check.stdout}${check.stderr}`);

    assert.equal(
      readFileSync(out, 'utf8'),
      readFileSync(deployPath('breakwater-rules.yml'), 'utf8'),
      'examples/deploy/breakwater-rules.yml differs from `breakwater rules`: run examples/deploy/generate-rules.sh',
    );
  });
});

describe('collector-alerts.yml', () => {
  test('passes promtool check rules and its unit tests (promtool test rules)', async () => {
    const promtool = requireTool('promtool', 'prometheus');
    const check = await run(promtool, ['check', 'rules', deployPath('collector-alerts.yml')]);
    assert.equal(check.code, 0, `promtool check rules failed:\n${check.stdout}${check.stderr}`);
    const tests = path.join(REPO, 'test/deploy/collector-alerts.promtool.yml');
    const result = await run(promtool, ['test', 'rules', tests]);
    assert.equal(result.code, 0, `promtool test rules failed:\n${result.stdout}${result.stderr}`);
  });

  test('reads only collector series known-metrics.json lists, with their labels', () => {
    const known = new Map(
      knownMetrics()
        .filter((m) => m.section === 'collector')
        .flatMap((m) => {
          const labels = [...m.labels, 'job', 'instance'];
          if (m.type !== 'histogram') return [[m.name, new Set(labels)] as const];
          return [
            [`${m.name}_bucket`, new Set([...labels, 'le'])] as const,
            [`${m.name}_sum`, new Set(labels)] as const,
            [`${m.name}_count`, new Set(labels)] as const,
          ];
        }),
    );
    known.set('up', new Set(['job', 'instance']));
    const problems: string[] = [];
    const rules = rulesOf('collector-alerts.yml');
    for (const rule of rules) {
      const expr = str(rule.expr, 'expr');
      const name = str(rule.alert, 'alert');
      const selectors = selectorsOf(expr);
      if (selectors.length === 0) problems.push(`${name}: no series selector`);
      for (const { metric, matchers, labels: used } of selectors) {
        const labels = known.get(metric);
        if (labels === undefined) {
          problems.push(`${name}: ${metric} is not a collector series`);
          continue;
        }
        if (!/\bjob="breakwater"/.test(matchers))
          problems.push(`${name}: ${metric} without job="breakwater"`);
        for (const label of used) {
          if (!labels.has(label)) problems.push(`${name}: ${metric} has no label ${label}`);
        }
      }
      const severity = str(record(rule.labels, `${name}.labels`).severity, `${name} severity`);
      if (severity !== 'page' && severity !== 'ticket') problems.push(`${name}: severity ${severity}`);
    }
    assert.ok(rules.length >= 6);
    assert.deepEqual(problems, []);
  });
});
