/**
 * The deploy files against real processes: the Breakwater collector (from source) serves
 * /metrics, a real Prometheus (Debian `prometheus`) scrapes it, evaluates breakwater-rules.yml
 * and accepts every PromQL expression of the Grafana dashboard.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../harness/ports.ts';
import { type RunningProcess, startNode, startProcess } from '../harness/process.ts';
import { waitFor } from '../harness/wait.ts';
import {
  deployPath,
  isRecord,
  list,
  REPO,
  readJson,
  record,
  requireTool,
  rulesOf,
  str,
} from './deploy-files.ts';
import { knownMetrics } from './known-metrics.ts';

const CLI = path.join(REPO, 'collector/src/cli/main.ts');

/** Grafana's built-in and dashboard variables, replaced the way Grafana would for "All". */
function grafanaExpression(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '1h')
    .replace(/\$\{?(slo|service)\}?/g, '.*');
}

function dashboardExpressions(): { where: string; expr: string }[] {
  const dashboard = readJson('grafana/breakwater-dashboard.json');
  const out: { where: string; expr: string }[] = [];
  for (const panel of list(dashboard.panels, 'panels').map((p) => record(p, 'panel'))) {
    if (!Array.isArray(panel.targets)) continue;
    for (const target of panel.targets) {
      out.push({ where: `panel "${panel.title}"`, expr: str(record(target, 'target').expr, 'expr') });
    }
  }
  return out;
}

describe('a real collector and Prometheus', {
  skip: existsSync(CLI) ? false : `${CLI} does not exist yet`,
}, () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'breakwater-deploy-live-'));
  let collector: RunningProcess | undefined;
  let prometheus: RunningProcess | undefined;
  let collectorUrl = '';
  let prometheusUrl = '';

  before(async () => {
    const port = await freePort();
    collectorUrl = `http://127.0.0.1:${port}`;
    collector = await startNode(
      [
        CLI,
        'serve',
        '--listen',
        `127.0.0.1:${port}`,
        '--data-dir',
        path.join(scratch, 'data'),
        '--log-level',
        'warn',
      ],
      { readyUrl: `${collectorUrl}/metrics`, name: 'breakwater serve', timeoutMs: 30_000 },
    );
  });
  after(async () => {
    await prometheus?.stop();
    await collector?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('/metrics exposes the collector series known-metrics.json lists, with the listed types', async (t) => {
    const text = await (await fetch(`${collectorUrl}/metrics`)).text();
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
    const missing: string[] = [];
    for (const metric of knownMetrics().filter((m) => m.section === 'collector')) {
      const type = types.get(metric.name);
      if (type === undefined) missing.push(metric.name);
      else assert.equal(type, metric.type, `${metric.name}: known-metrics.json says ${metric.type}`);
    }
    // Some families exist only with a feature on (alertmanager.url, forward): reported, not failed.
    if (missing.length)
      t.diagnostic(`not on this collector's /metrics (features it does not enable): ${missing.join(', ')}`);
    assert.ok(types.has('breakwater_slo_budget_remaining'), 'no SLO series on /metrics');
  });

  test('Prometheus scrapes it, evaluates breakwater-rules.yml and accepts every dashboard query', async () => {
    const binary = requireTool('prometheus', 'prometheus');
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    const config = path.join(scratch, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: [${JSON.stringify(deployPath('breakwater-rules.yml'))}, ${JSON.stringify(deployPath('collector-alerts.yml'))}]`,
        'scrape_configs:',
        '  - job_name: breakwater',
        `    static_configs: [{ targets: ['${new URL(collectorUrl).host}'] }]`,
        '',
      ].join('\n'),
    );
    prometheus = await startProcess(
      binary,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(scratch, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { readyUrl: `${prometheusUrl}/-/ready`, name: 'prometheus', timeoutMs: 30_000 },
    );
    const query = async (expr: string) => {
      const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
      return { status: response.status, body: record(await response.json(), 'query response') };
    };

    await waitFor(
      'Prometheus to scrape the collector',
      async () => {
        const { body } = await query('up{job="breakwater"} == 1');
        const result = list(record(body.data, 'data').result, 'result');
        return result.length === 1;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const budgets = await query('breakwater_slo_objective');
    assert.equal(budgets.body.status, 'success');

    const rules = await waitFor(
      'every rule group to be evaluated',
      async () => {
        const response = await fetch(`${prometheusUrl}/api/v1/rules`);
        const groups = list(record(record(await response.json(), 'rules').data, 'data').groups, 'groups');
        const all = groups.flatMap((g) =>
          list(record(g, 'group').rules, 'rules').map((r) => record(r, 'rule')),
        );
        return all.length > 0 && all.every((r) => r.health !== 'unknown') ? all : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    const broken = rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`);
    assert.deepEqual(broken, [], 'rules Prometheus could not evaluate');
    // A healthy collector raises none of the alerts about itself, not even as pending.
    const selfAlerts = rulesOf('collector-alerts.yml').map((r) => str(r.alert, 'alert'));
    const raised = await query(`ALERTS{alertname=~"${selfAlerts.join('|')}"}`);
    assert.equal(raised.body.status, 'success');
    assert.deepEqual(list(record(raised.body.data, 'data').result, 'result'), []);

    const rejected: string[] = [];
    for (const { where, expr } of dashboardExpressions()) {
      const { status, body } = await query(grafanaExpression(expr));
      if (status !== 200 || body.status !== 'success') {
        rejected.push(`${where}: ${isRecord(body) ? String(body.error) : status} in ${expr}`);
      }
    }
    assert.deepEqual(rejected, [], 'dashboard queries Prometheus rejects');
  });
});
