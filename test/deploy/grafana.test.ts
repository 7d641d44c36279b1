/**
 * examples/deploy/grafana: the dashboard JSON and the provisioning files. Every PromQL metric name
 * must be one examples/deploy/known-metrics.json lists (see metric-names.test.ts for where those
 * names come from).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Doc, isRecord, list, readJson, readYaml, record, str } from './deploy-files.ts';
import { knownSeries } from './known-metrics.ts';
import { metricNames } from './promql-names.ts';

const dashboard = readJson('grafana/breakwater-dashboard.json');
const panels = list(dashboard.panels, 'panels').map((p, i) => record(p, `panels[${i}]`));
const variables = list(record(dashboard.templating, 'templating').list, 'templating.list').map((v) =>
  record(v, 'variable'),
);

interface Query {
  where: string;
  expr: string;
}

function queries(): Query[] {
  const out: Query[] = [];
  for (const panel of panels) {
    for (const [i, target] of (Array.isArray(panel.targets) ? panel.targets : []).entries()) {
      out.push({
        where: `panel "${panel.title}" target ${i}`,
        expr: str(record(target, 'target').expr, 'expr'),
      });
    }
  }
  for (const variable of variables) {
    if (variable.type !== 'query') continue;
    const query = isRecord(variable.query) ? variable.query.query : variable.query;
    out.push({ where: `variable $${variable.name}`, expr: str(query, 'variable query') });
  }
  return out;
}

describe('grafana/breakwater-dashboard.json', () => {
  test('has a Prometheus datasource variable that every panel and query uses', () => {
    const ds = variables.find((v) => v.name === 'datasource');
    assert.ok(ds, 'no $datasource variable');
    assert.equal(ds.type, 'datasource');
    assert.equal(ds.query, 'prometheus');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable reference, not a JS template
    const expected = { type: 'prometheus', uid: '${datasource}' };
    for (const panel of panels) {
      if (panel.type === 'row') continue;
      assert.deepEqual(panel.datasource, expected, `panel "${panel.title}" datasource`);
      const targets = list(panel.targets, `panel "${panel.title}" targets`);
      assert.ok(targets.length > 0, `panel "${panel.title}" has no query`);
      for (const target of targets) assert.deepEqual(record(target, 'target').datasource, expected);
    }
    for (const variable of variables.filter((v) => v.type === 'query')) {
      assert.deepEqual(variable.datasource, expected, `variable $${variable.name} datasource`);
    }
  });

  test('panel ids are unique, refIds unique per panel, and the grid has no overlaps', () => {
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'duplicate panel ids');
    const cells = new Map<string, string>();
    for (const panel of panels) {
      const grid = record(panel.gridPos, `panel "${panel.title}" gridPos`) as Record<string, number>;
      const { x = 0, y = 0, w = 0, h = 0 } = grid;
      assert.ok(x >= 0 && w > 0 && x + w <= 24, `panel "${panel.title}" exceeds the 24-column grid`);
      for (let row = y; row < y + h; row += 1) {
        for (let col = x; col < x + w; col += 1) {
          const other = cells.get(`${row}:${col}`);
          assert.equal(other, undefined, `panel "${panel.title}" overlaps "${other}"`);
          cells.set(`${row}:${col}`, String(panel.title));
        }
      }
      if (Array.isArray(panel.targets)) {
        const refIds = panel.targets.map((t: Doc) => t.refId);
        assert.equal(new Set(refIds).size, refIds.length, `panel "${panel.title}" duplicate refIds`);
      }
    }
  });

  test('queries only metric names listed in known-metrics.json', () => {
    const known = knownSeries();
    const unknown: string[] = [];
    for (const { where, expr } of queries()) {
      const names = metricNames(expr);
      if (!where.startsWith('variable'))
        assert.ok(names.length > 0, `${where}: no metric name found in ${expr}`);
      for (const name of names) if (!known.has(name)) unknown.push(`${where}: ${name}`);
    }
    assert.deepEqual(unknown, [], 'metric names missing from examples/deploy/known-metrics.json');
  });

  test('covers SLO burn rates, budgets, alerts, ingest, fleet breakers, the gate and the SDK metrics', () => {
    const used = new Set(queries().flatMap((q) => metricNames(q.expr)));
    for (const name of [
      'breakwater_slo_error_ratio',
      'breakwater_slo_burn_rate',
      'breakwater_slo_budget_remaining',
      'breakwater_slo_alert_firing',
      'ALERTS',
      'breakwater_ingest_spans_total',
      'breakwater_fleet_breaker_state',
      'breakwater_gate_decisions_total',
      'breakwater_circuit_breaker_state',
      'breakwater_calls_total',
      'gen_ai_client_operation_duration_seconds_bucket',
    ]) {
      assert.ok(used.has(name), `no panel queries ${name}`);
    }
  });
});

describe('promql metric-name extraction', () => {
  test('ignores functions, labels, strings, ranges, keywords and Grafana variables', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.95, sum by (le, svc) (rate(a_bucket{x=~"$s", y!="b c"}[$__rate_interval]))) / on (svc) group_left (z) b_total offset 5m > bool 1e3',
      ),
      ['a_bucket', 'b_total'],
    );
    assert.deepEqual(metricNames('label_values(m{slo=~"$slo"}, service)'), ['m']);
    assert.deepEqual(metricNames('label_values(service)'), []);
    assert.deepEqual(metricNames('1 - max by (slo) (obj{slo=~"$slo"}) or vector(0)'), ['obj']);
  });
});

describe('grafana/provisioning', () => {
  test('provisions the Prometheus datasource the dashboard defaults to, plus Alertmanager and traces', () => {
    const provisioned = readYaml('grafana/provisioning/datasources/breakwater.yaml');
    const sources = list(provisioned.datasources, 'datasources').map((d) => record(d, 'datasource'));
    const prometheus = sources.find((s) => s.type === 'prometheus');
    assert.ok(prometheus, 'no prometheus datasource');
    const current = record(variables.find((v) => v.name === 'datasource')?.current, 'datasource.current');
    assert.equal(prometheus.uid, current.value, 'dashboard default datasource uid');
    assert.equal(prometheus.isDefault, true);
    assert.equal(prometheus.url, 'http://prometheus:9090');
    assert.deepEqual(sources.map((s) => s.type).sort(), ['alertmanager', 'jaeger', 'prometheus', 'tempo']);
    assert.equal(new Set(sources.map((s) => s.uid)).size, sources.length, 'duplicate datasource uids');
  });

  test('the dashboard provider reads the folder compose mounts the dashboard into', () => {
    const provider = readYaml('grafana/provisioning/dashboards/breakwater.yaml');
    const providers = list(provider.providers, 'providers').map((p) => record(p, 'provider'));
    assert.equal(providers.length, 1);
    const folder = str(record(providers[0]?.options, 'options').path, 'options.path');
    const compose = readYaml('compose.yaml');
    const grafana = record(record(compose.services, 'services').grafana, 'grafana');
    const mount = list(grafana.volumes, 'grafana.volumes')
      .map((v) => str(v, 'volume'))
      .find((v) => v.startsWith('./grafana/breakwater-dashboard.json:'));
    assert.ok(mount, 'compose does not mount the dashboard');
    assert.ok(mount.split(':')[1]?.startsWith(`${folder}/`), `${mount} is not under ${folder}`);
  });
});
