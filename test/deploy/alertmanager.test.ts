/**
 * examples/deploy/alertmanager.yml, checked with the real amtool and a real Alertmanager
 * (Debian `prometheus-alertmanager`): routing of severity=page|ticket and the inhibition of a
 * ticket by a page for the same SLO, service, version and groupBy labels (operation, dependency).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { gateAlertLabels } from '../../collector/src/act/gate/incident-alerts.ts';
import { freePort } from '../harness/ports.ts';
import { type RunningProcess, startProcess } from '../harness/process.ts';
import { waitFor } from '../harness/wait.ts';
import { deployPath, list, readYaml, record, requireTool, run, str } from './deploy-files.ts';

const CONFIG = deployPath('alertmanager.yml');

describe('alertmanager.yml', () => {
  test('passes amtool check-config', async () => {
    const amtool = requireTool('amtool', 'prometheus-alertmanager');
    const result = await run(amtool, ['check-config', CONFIG]);
    assert.equal(result.code, 0, `amtool check-config failed:\n${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /SUCCESS/);
  });

  const cases: { labels: string[]; receiver: string }[] = [
    {
      labels: [
        'alertname=BreakwaterErrorBudgetBurn',
        'severity=page',
        'slo=availability',
        'service=checkout',
      ],
      receiver: 'pager',
    },
    {
      labels: [
        'alertname=BreakwaterErrorBudgetBurn',
        'severity=ticket',
        'slo=availability',
        'service=checkout',
      ],
      receiver: 'ticket',
    },
    { labels: ['severity=page', 'slo=latency-p95', 'service=search', 'tier=business'], receiver: 'pager' },
    // Threshold levels the collector pushes: warning → ticket, severe/emergency → page.
    {
      labels: [
        'alertname=BreakwaterSloLevel',
        'severity=ticket',
        'level=warning',
        'slo=availability',
        'service=checkout',
      ],
      receiver: 'ticket',
    },
    {
      labels: [
        'alertname=BreakwaterSloLevel',
        'severity=page',
        'level=emergency',
        'slo=availability',
        'service=checkout',
      ],
      receiver: 'pager',
    },
    // Anything else still reaches a person, through the ticket queue.
    { labels: ['severity=warning', 'slo=availability', 'service=checkout'], receiver: 'ticket' },
    { labels: ['alertname=Unrelated'], receiver: 'ticket' },
  ];
  for (const { labels, receiver } of cases) {
    test(`amtool config routes test ${labels.join(' ')} → ${receiver}`, async () => {
      const amtool = requireTool('amtool', 'prometheus-alertmanager');
      const result = await run(amtool, [
        'config',
        'routes',
        'test',
        `--config.file=${CONFIG}`,
        `--verify.receivers=${receiver}`,
        ...labels,
      ]);
      assert.equal(result.code, 0, `routed elsewhere:\n${result.stdout}${result.stderr}`);
      assert.equal(result.stdout.trim(), receiver);
    });
  }

  test('groups by slo and service; a page inhibits the ticket for the same slo, service, version and group', () => {
    const config = readYaml('alertmanager.yml');
    const route = record(config.route, 'route');
    assert.deepEqual(route.group_by, ['slo', 'service']);
    const inhibit = list(config.inhibit_rules, 'inhibit_rules').map((r) => record(r, 'inhibit_rule'));
    assert.deepEqual(inhibit, [
      {
        source_matchers: ['severity="page"'],
        target_matchers: ['severity="ticket"'],
        equal: ['slo', 'service', 'version', 'operation', 'dependency'],
      },
    ]);
    const receivers = list(config.receivers, 'receivers').map((r) => str(record(r, 'receiver').name, 'name'));
    assert.deepEqual(receivers.sort(), ['pager', 'ticket']);
  });
});

describe('a real Alertmanager with alertmanager.yml', () => {
  let am: RunningProcess | undefined;
  const storage = mkdtempSync(path.join(tmpdir(), 'breakwater-alertmanager-'));
  after(async () => {
    await am?.stop();
    rmSync(storage, { recursive: true, force: true });
  });

  test('suppresses the ticket while the page for the same slo/service/version/group fires, not for another service, release or group', async () => {
    const binary = requireTool('alertmanager', 'prometheus-alertmanager', [
      '/usr/bin/prometheus-alertmanager',
    ]);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    am = await startProcess(
      binary,
      [
        `--config.file=${CONFIG}`,
        `--storage.path=${storage}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { readyUrl: `${base}/-/ready`, name: 'alertmanager', timeoutMs: 30_000 },
    );

    const now = new Date().toISOString();
    const alert = (severity: string, service: string, group: Record<string, string> = {}) => ({
      labels: { alertname: 'BreakwaterErrorBudgetBurn', slo: 'availability', service, severity, ...group },
      annotations: { summary: `${severity} for ${service}` },
      startsAt: now,
    });
    // The default SLOs group by operation (availability) and dependency (the technical ones):
    // a page for one group must not hide the ticket of another.
    const byGroup = (severity: string, label: string, value: string) =>
      alert(severity, 'agent', { slo: `by-${label}`, [label]: value });
    // Gate incidents, labelled as the collector labels them: a ROLLBACK of pay@v9 pages.
    const incident = (version: string, decision: 'ROLLBACK' | 'HALT') => ({
      labels: gateAlertLabels({ service: 'pay', version, decision }),
      annotations: { summary: `${decision} pay@${version}` },
      startsAt: now,
    });
    const posted = await fetch(`${base}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        alert('page', 'checkout'),
        alert('ticket', 'checkout'),
        alert('ticket', 'search'),
        incident('v9', 'ROLLBACK'),
        incident('v9', 'HALT'),
        incident('v2', 'HALT'),
        byGroup('page', 'operation', 'chat'),
        byGroup('ticket', 'operation', 'chat'),
        byGroup('ticket', 'operation', 'embeddings'),
        byGroup('page', 'dependency', 'openai/gpt-4o'),
        byGroup('ticket', 'dependency', 'openai/gpt-4o'),
        byGroup('ticket', 'dependency', 'tool/search'),
      ]),
    });
    assert.equal(posted.status, 200, await posted.text());

    interface AmAlert {
      labels: Record<string, string>;
      status: { state: string; inhibitedBy: string[] };
      receivers: { name: string }[];
    }
    const key = (a: AmAlert) =>
      `${a.labels.severity}/${a.labels.service}${a.labels.version ? `@${a.labels.version}` : ''}` +
      `${a.labels.operation ? `/${a.labels.operation}` : ''}${a.labels.dependency ? `/${a.labels.dependency}` : ''}`;
    const alerts = await waitFor('the twelve alerts with inhibition applied', async () => {
      const response = await fetch(`${base}/api/v2/alerts`);
      const body = (await response.json()) as AmAlert[];
      const byKey = new Map(body.map((a) => [key(a), a]));
      const inhibited = [
        'ticket/checkout',
        'ticket/pay@v9',
        'ticket/agent/chat',
        'ticket/agent/openai/gpt-4o',
      ].map((k) => byKey.get(k));
      return body.length === 12 && inhibited.every((a) => a && a.status.inhibitedBy.length > 0)
        ? byKey
        : undefined;
    });

    assert.equal(alerts.get('page/checkout')?.status.state, 'active');
    assert.deepEqual(
      alerts.get('page/checkout')?.receivers.map((r) => r.name),
      ['pager'],
    );
    assert.equal(alerts.get('ticket/checkout')?.status.state, 'suppressed');
    assert.equal(alerts.get('ticket/search')?.status.state, 'active');
    // The rollback of v9 pages and hides v9's own HALT ticket, not the HALT of another release.
    assert.equal(alerts.get('page/pay@v9')?.status.state, 'active');
    assert.equal(alerts.get('ticket/pay@v9')?.status.state, 'suppressed');
    assert.equal(alerts.get('ticket/pay@v2')?.status.state, 'active');
    assert.deepEqual(
      alerts.get('ticket/search')?.receivers.map((r) => r.name),
      ['ticket'],
    );
    // A page for one operation or dependency hides that group's ticket, not another group's.
    assert.equal(alerts.get('ticket/agent/chat')?.status.state, 'suppressed');
    assert.equal(alerts.get('ticket/agent/embeddings')?.status.state, 'active');
    assert.equal(alerts.get('ticket/agent/openai/gpt-4o')?.status.state, 'suppressed');
    assert.equal(alerts.get('ticket/agent/tool/search')?.status.state, 'active');
  });
});
