import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CollectorConfigSchema } from '../schema.ts';
import { selectorAttributeKeys } from './attribute-keys.ts';
import { resolveSlos } from './resolve.ts';

function parse(doc: unknown) {
  return CollectorConfigSchema.parse(doc);
}

function errorsOf(doc: unknown): string {
  const result = CollectorConfigSchema.safeParse(doc);
  assert.equal(result.success, false, 'expected the configuration to be rejected');
  return z.prettifyError(result.error!);
}

describe('SLO configuration', () => {
  it('applies the zero-config default set plus the technical SLOs', () => {
    const defs = resolveSlos(parse({}));
    assert.deepEqual(
      defs.map((d) => [d.name, d.tier, d.objective, d.windowMs, d.groupBy]),
      [
        ['availability', 'business', 0.995, 30 * 86_400_000, ['operation']],
        ['retry-recovery', 'technical', 0.95, 30 * 86_400_000, ['dependency']],
        ['breaker-refusal', 'technical', 0.99, 30 * 86_400_000, ['dependency']],
      ],
    );
    const config = parse({});
    assert.equal(config.store.kind, 'sqlite');
    assert.equal(config.alertmanager.resendInterval, 60_000);
    assert.equal(config.evaluation.interval, 10_000);
  });

  it('replaces the default set once SLOs are configured, and can drop the technical ones', () => {
    const defs = resolveSlos(parse({ slos: [{ name: 'a', objective: 99 }], technicalSlos: false }));
    assert.deepEqual(
      defs.map((d) => d.name),
      ['a'],
    );
    const both = resolveSlos(parse({ slos: [{ name: 'retry-recovery', objective: 90 }], defaultSlos: true }));
    assert.deepEqual(
      both.map((d) => [d.name, d.origin]),
      [
        ['retry-recovery', 'native'],
        ['availability', 'default'],
        ['breaker-refusal', 'technical'],
      ],
    );
  });

  it('normalizes the native form (percent objective, selector lists, levels over defaults)', () => {
    const [avail, latency] = resolveSlos(
      parse({
        technicalSlos: false,
        slos: [
          {
            name: 'chat-availability',
            tier: 'business',
            objective: 99.9,
            window: '7d',
            selector: {
              service: 'checkout',
              operation: ['chat', 'embeddings'],
              attributes: { 'app.tenant': 'acme' },
            },
            bad: { sources: ['dependency', 'policy'], categories: [] },
            levels: { warning: 99.8 },
            minEvents: 50,
          },
          {
            name: 'chat-latency',
            sli: 'latency',
            threshold: '2s',
            objective: 95,
            levels: { severe: '800ms' },
          },
        ],
      }),
    );
    assert.ok(avail && latency);
    assert.equal(avail.objective, 0.999);
    assert.equal(avail.windowMs, 7 * 86_400_000);
    assert.deepEqual(avail.total, [
      { service: ['checkout'], operation: ['chat', 'embeddings'], attributes: { 'app.tenant': ['acme'] } },
    ]);
    assert.deepEqual(avail.bad, [
      { status: ['error'], errorSource: ['dependency', 'policy'] },
      { status: ['error'], classified: false },
    ]);
    assert.deepEqual(avail.levels, { kind: 'success_rate', warning: 99.8, severe: 99, emergency: 98.5 });
    assert.equal(avail.minEvents, 50);
    assert.deepEqual(latency.good, [{ maxDuration: 2000 }]);
    assert.deepEqual(latency.levels, {
      kind: 'latency',
      quantile: 0.95,
      warningMs: 300,
      severeMs: 800,
      emergencyMs: 1000,
    });
  });

  it('reads OpenSLO v1 documents, inline and through indicatorRef', () => {
    const doc = parseYaml(`
slos:
  - apiVersion: openslo/v1
    kind: SLO
    metadata:
      name: chat-availability
      displayName: Chat availability
      labels: { tier: business }
      annotations:
        breakwater.dev/group-by: operation,model
        breakwater.dev/min-events: "25"
    spec:
      description: Chat calls succeed
      service: checkout
      budgetingMethod: Occurrences
      timeWindow:
        - duration: 28d
          isRolling: true
      objectives:
        - displayName: good chats
          target: 0.995
      indicator:
        metadata: { name: chat-errors }
        spec:
          ratioMetric:
            counter: true
            bad:
              metricSource:
                type: breakwater
                spec: { operation: chat, status: error, errorSource: dependency }
            total:
              metricSource:
                type: Breakwater
                spec: { operation: chat }
  - apiVersion: openslo/v1
    kind: SLI
    metadata: { name: fast-tools }
    spec:
      ratioMetric:
        good: { metricSource: { type: breakwater, spec: { maxDuration: 1s } } }
        total: { metricSource: { type: breakwater, spec: { operation: execute_tool } } }
  - apiVersion: openslo/v1
    kind: SLO
    metadata: { name: tool-latency, labels: { tier: [technical] } }
    spec:
      service: "*"
      budgetingMethod: Occurrences
      timeWindow: [{ duration: 1w, isRolling: true }]
      objectives: [{ targetPercent: 90 }]
      indicatorRef: fast-tools
`);
    const defs = resolveSlos(parse(doc));
    const chat = defs.find((d) => d.name === 'chat-availability')!;
    assert.equal(chat.description, 'Chat calls succeed');
    assert.equal(chat.objective, 0.995);
    assert.equal(chat.windowMs, 28 * 86_400_000);
    assert.deepEqual(chat.groupBy, ['operation', 'model']);
    assert.equal(chat.minEvents, 25);
    assert.equal(chat.sli, 'availability');
    assert.deepEqual(chat.total, [{ operation: ['chat'], service: ['checkout'] }]);
    assert.deepEqual(chat.bad, [{ operation: ['chat'], status: ['error'], errorSource: ['dependency'] }]);
    const tools = defs.find((d) => d.name === 'tool-latency')!;
    assert.equal(tools.tier, 'technical');
    assert.equal(tools.sli, 'latency');
    assert.equal(tools.objective, 0.9);
    assert.equal(tools.windowMs, 7 * 86_400_000);
    assert.deepEqual(tools.total, [{ operation: ['execute_tool'] }]);
    assert.deepEqual(tools.good, [{ maxDuration: 1000 }]);
    // OpenSLO has no levels: the defaults follow the objective and the threshold.
    assert.deepEqual(chat.levels, { kind: 'success_rate', warning: 99.5, severe: 99, emergency: 98.5 });
    assert.deepEqual(tools.levels, {
      kind: 'latency',
      quantile: 0.9,
      warningMs: 1000,
      severeMs: 1667,
      emergencyMs: 3333,
    });
  });

  it('an SLO without levels gets levels that follow its objective or threshold, so it does not page while met', () => {
    const levelsOf = (slo: Record<string, unknown>) =>
      resolveSlos(parse({ technicalSlos: false, slos: [{ name: 's', ...slo }] }))[0]!.levels;
    // At 99.5 % and above, the fixed defaults: one, two and three budgets of 0.5 %.
    for (const objective of [99.5, 99.9, 99.99]) {
      assert.deepEqual(levelsOf({ objective }), {
        kind: 'success_rate',
        warning: 99.5,
        severe: 99,
        emergency: 98.5,
      });
    }
    // Looser objectives: one, two and three of their own budgets below 100 %. A 95 % SLO at a
    // 98.9 % success rate is met, and no longer `severe` (which pages).
    assert.deepEqual(levelsOf({ objective: 95 }), {
      kind: 'success_rate',
      warning: 95,
      severe: 90,
      emergency: 85,
    });
    assert.deepEqual(levelsOf({ objective: 99 }), {
      kind: 'success_rate',
      warning: 99,
      severe: 98,
      emergency: 97,
    });
    assert.deepEqual(levelsOf({ objective: 97.3 }), {
      kind: 'success_rate',
      warning: 97.3,
      severe: 94.6,
      emergency: 91.9,
    });
    // Three budgets below 0 %: a share stays above 0.
    assert.deepEqual(levelsOf({ objective: 60 }), {
      kind: 'success_rate',
      warning: 60,
      severe: 20,
      emergency: 0.01,
    });
    const latency = (threshold: string) => levelsOf({ sli: 'latency', objective: 95, threshold });
    assert.deepEqual(latency('200ms'), {
      kind: 'latency',
      quantile: 0.95,
      warningMs: 300,
      severeMs: 500,
      emergencyMs: 1000,
    });
    assert.deepEqual(latency('2s'), {
      kind: 'latency',
      quantile: 0.95,
      warningMs: 2000,
      severeMs: 3333,
      emergencyMs: 6667,
    });
    // An objective below 95 % lets more than 5 % of calls be slow while it is met: a p95 over
    // the threshold is no sign of trouble then. The quantile is the objective's.
    const slowTail = (objective: number) =>
      levelsOf({ sli: 'latency', objective, threshold: '2s' }) as { quantile: number };
    assert.equal(slowTail(90).quantile, 0.9);
    assert.equal(slowTail(80).quantile, 0.8);
    assert.equal(slowTail(28.999999999999996).quantile, 0.29);
    assert.equal(slowTail(99).quantile, 0.95, 'a stricter objective keeps p95');
    assert.equal(
      (
        levelsOf({ sli: 'latency', objective: 90, threshold: '2s', levels: { warning: '400ms' } }) as {
          quantile: number;
        }
      ).quantile,
      0.95,
      'given levels keep the fixed defaults',
    );
    // Any level given: the others keep the fixed defaults its order was checked against.
    assert.deepEqual(levelsOf({ objective: 95, levels: { warning: 99 } }), {
      kind: 'success_rate',
      warning: 99,
      severe: 99,
      emergency: 98.5,
    });
  });

  it('names the path of every error', () => {
    const native = errorsOf({
      slos: [
        { name: 'ok', objective: 99 },
        { name: 'Bad Name', objective: 120, selector: { colour: 'red' } },
      ],
    });
    assert.match(native, /slos\[1\]\.name/);
    assert.match(native, /slos\[1\]\.objective/);
    assert.match(native, /Unrecognized key: "colour"[\s\S]*slos\[1\]\.selector/);

    const latency = errorsOf({
      slos: [{ name: 'l', sli: 'latency', objective: 95, levels: { warning: 'soon' } }],
    });
    assert.match(latency, /threshold[\s\S]*slos\[0\]\.threshold/);
    assert.match(latency, /slos\[0\]\.levels\.warning/);

    const openslo = errorsOf({
      slos: [
        {
          apiVersion: 'openslo/v1',
          kind: 'SLO',
          metadata: { name: 'x' },
          spec: {
            service: 's',
            budgetingMethod: 'Timeslices',
            timeWindow: [{ duration: '1M', isRolling: true }],
            objectives: [{ target: 0.99 }],
            indicator: {
              spec: { ratioMetric: { total: { metricSource: { type: 'prometheus', spec: {} } } } },
            },
          },
        },
      ],
    });
    assert.match(openslo, /Occurrences[\s\S]*slos\[0\]\.spec\.budgetingMethod/);
    assert.match(openslo, /months[\s\S]*slos\[0\]\.spec\.timeWindow\[0\]\.duration/);
    // Events are counted per minute: a shorter window would hold no whole bucket.
    assert.match(
      errorsOf({ slos: [{ name: 'w', objective: 99, window: '30s' }] }),
      /must be at least 1m: events are counted per minute[\s\S]*slos\[0\]\.window/,
    );
    const shortOpenSlo = errorsOf({
      slos: [
        {
          apiVersion: 'openslo/v1',
          kind: 'SLO',
          metadata: { name: 'w' },
          spec: {
            service: 's',
            budgetingMethod: 'Occurrences',
            timeWindow: [{ duration: '45s', isRolling: true }],
            objectives: [{ target: 0.99 }],
            indicator: {
              spec: {
                ratioMetric: {
                  total: { metricSource: { type: 'breakwater', spec: {} } },
                  bad: { metricSource: { type: 'breakwater', spec: {} } },
                },
              },
            },
          },
        },
      ],
    });
    assert.match(shortOpenSlo, /must be at least 1m[\s\S]*slos\[0\]\.spec\.timeWindow\[0\]\.duration/);
    assert.match(openslo, /exactly one of good or bad[\s\S]*slos\[0\]\.spec\.indicator\.spec\.ratioMetric/);
    assert.match(
      openslo,
      /type "breakwater"[\s\S]*slos\[0\]\.spec\.indicator\.spec\.ratioMetric\.total\.metricSource\.type/,
    );

    const dup = errorsOf({
      slos: [
        { name: 'a', objective: 99 },
        { name: 'a', objective: 98 },
        {
          apiVersion: 'openslo/v1',
          kind: 'SLO',
          metadata: { name: 'b' },
          spec: {
            service: 's',
            budgetingMethod: 'Occurrences',
            timeWindow: [{ duration: '30d', isRolling: true }],
            objectives: [{ target: 0.9 }],
            indicatorRef: 'missing',
          },
        },
      ],
    });
    assert.match(dup, /already defined at slos\[0\][\s\S]*slos\[1\]\.name/);
    assert.match(dup, /no kind: SLI document named "missing"[\s\S]*slos\[2\]\.spec\.indicatorRef/);
    const kind = errorsOf({
      slos: [{ apiVersion: 'openslo/v1', kind: 'Service', metadata: { name: 'svc' } }],
    });
    assert.match(kind, /kind "SLO" or "SLI"[\s\S]*slos\[0\]\.kind/);

    assert.match(errorsOf({ evaluation: { interval: 'often' } }), /evaluation\.interval/);
    assert.match(errorsOf({ alertmanager: { url: 'ftp://x' } }), /alertmanager\.url/);
    assert.match(errorsOf({ store: { kind: 'redis' } }), /store\.kind/);
    assert.match(
      errorsOf({ slos: [{ name: 'g', objective: 99, groupBy: ['operaton'] }] }),
      /slos\[0\]\.groupBy\[0\]/,
    );
  });

  it('rejects levels out of order, counting the defaults of levels left unset', () => {
    // Alone, `warning: 2s` sits above the default severe (500 ms): a 600 ms p95 would page.
    const latency = errorsOf({
      slos: [{ name: 'l', sli: 'latency', threshold: '5s', objective: 95, levels: { warning: '2s' } }],
    });
    assert.match(
      latency,
      /severe \(500ms, the default\) must be at least as bad as warning \(2s\)[\s\S]*slos\[0\]\.levels\.warning/,
    );
    const rate = errorsOf({
      slos: [{ name: 'a', objective: 99, levels: { warning: 99, severe: 99.5, emergency: 99.7 } }],
    });
    assert.match(rate, /severe \(99\.5 %\) must be at least as bad as warning \(99 %\)[\s\S]*levels\.severe/);
    assert.match(
      rate,
      /emergency \(99\.7 %\) must be at least as bad as severe \(99\.5 %\)[\s\S]*levels\.emergency/,
    );
    // Equal levels are in order; so is one level set within the defaults.
    const ok = resolveSlos(
      parse({
        slos: [
          {
            name: 'l',
            sli: 'latency',
            threshold: '5s',
            objective: 95,
            levels: { warning: '1s', severe: '1s', emergency: '2s' },
          },
          { name: 'a', objective: 99, levels: { severe: 99.2 } },
        ],
        technicalSlos: false,
      }),
    );
    assert.deepEqual(
      ok.map((d) => d.name),
      ['l', 'a'],
    );
  });

  it('rejects groupBy dimensions that would share one label (their series and alerts would merge)', () => {
    const clash =
      'groupBy dimensions "app.tenant-id" and "app.tenant_id" both become the label "app_tenant_id" in metrics and alerts; group by one of them';
    const native = errorsOf({
      slos: [{ name: 'g', objective: 99, groupBy: ['model', 'app.tenant-id', 'app.tenant_id'] }],
    });
    assert.ok(native.includes(clash), native);
    assert.match(native, /slos\[0\]\.groupBy/);
    const openSlo = errorsOf({
      slos: [
        {
          apiVersion: 'openslo/v1',
          kind: 'SLO',
          metadata: { name: 'o', annotations: { 'breakwater.dev/group-by': 'app.tenant-id, app.tenant_id' } },
          spec: {
            service: 'checkout',
            budgetingMethod: 'Occurrences',
            timeWindow: [{ duration: '30d', isRolling: true }],
            objectives: [{ target: 0.99 }],
            indicator: {
              spec: {
                ratioMetric: {
                  good: { metricSource: { type: 'breakwater', spec: { status: ['ok'] } } },
                  total: { metricSource: { type: 'breakwater', spec: {} } },
                },
              },
            },
          },
        },
      ],
    });
    assert.ok(openSlo.includes(clash), openSlo);
    // Distinct labels stay valid, dots and dashes alike.
    assert.doesNotThrow(() =>
      parse({ slos: [{ name: 'g', objective: 99, groupBy: ['app.tenant-id', 'app.region', 'model'] }] }),
    );
  });

  it('lists the attribute keys selectors and groupings need from SpanRecord.extra', () => {
    const config = parse({
      slos: [
        {
          name: 'a',
          objective: 99,
          selector: { attributes: { 'app.tenant': 'acme', 'gen_ai.request.model': 'x' } },
          groupBy: ['app.region', 'model'],
        },
      ],
    });
    assert.deepEqual(selectorAttributeKeys(config), ['app.region', 'app.tenant']);
    assert.deepEqual(selectorAttributeKeys(parse({})), []);
  });
});
