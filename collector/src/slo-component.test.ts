import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock, SloListSchema, SloStatusSchema } from '@breakwater/protocol';
import { type AlertmanagerProcess, startAlertmanager } from './act/testing/alertmanager-process.ts';
import { ALERTMANAGER, memoryLogger, PROMTOOL, run, skipUnless } from './act/testing/tools.ts';
import type { CollectorComponent } from './component.ts';
import { CollectorConfigSchema } from './config/schema.ts';
import { failed, span, times } from './sli/testing/spans.ts';
import { createSloComponent } from './slo-component.ts';
import { DEFAULT_STORE_FILE } from './store/open-store.ts';
import { SqliteStore } from './store/sqlite-store.ts';
import { until } from './testing/until.ts';

const M = 60_000;
const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bw-slo-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function component(doc: unknown, clock: ManualClock, dataDir = tempDir()) {
  const config = CollectorConfigSchema.parse(doc);
  const c = await createSloComponent({ config, clock, logger: memoryLogger(), dataDir });
  return c;
}

/**
 * Serves a component's routes on 127.0.0.1:0 the way the collector's router dispatches them
 * (pattern groups percent-decoded).
 */
async function serve(
  c: CollectorComponent,
): Promise<{ get(path: string): Promise<{ status: number; body: unknown }> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    for (const route of c.routes ?? []) {
      if (route.method !== req.method) continue;
      const match =
        typeof route.path === 'string'
          ? route.path === url.pathname
            ? []
            : null
          : route.path.exec(url.pathname)?.slice(1).map(decodeURIComponent);
      if (match == null) continue;
      void route.handle(req, res, url, match);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  const address = server.address() as { port: number };
  return {
    async get(path) {
      const res = await fetch(`http://127.0.0.1:${address.port}${path}`);
      return { status: res.status, body: await res.json() };
    },
  };
}

function metrics(c: CollectorComponent): string {
  const out: string[] = [];
  c.writeMetrics?.(out);
  return `${out.join('\n')}\n`;
}

describe('SLO component', () => {
  it('ingests, evaluates and answers GET /v1/slos and /v1/slos/{name}', async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 12, 0, 0));
    const c = await component({ store: { kind: 'memory' } }, clock);
    cleanup.push(() => c.stop?.());
    await c.start?.();
    await c.spanSink!([...times(95, () => span()), ...times(5, () => failed('timeout'))], clock.now());
    const http = await serve(c);

    const list = await http.get('/v1/slos');
    assert.equal(list.status, 200);
    const slos = SloListSchema.parse(list.body).slos;
    assert.deepEqual(
      slos.map((s) => s.name),
      ['availability', 'retry-recovery', 'breaker-refusal'],
    );
    const one = await http.get('/v1/slos/availability');
    assert.equal(one.status, 200);
    const status = SloStatusSchema.parse(one.body);
    const group = status.groups[0]!;
    assert.deepEqual(
      [group.service, group.version, group.labels],
      ['checkout', undefined, { operation: 'chat' }],
    );
    assert.deepEqual([group.windows[0]!.good, group.windows[0]!.total], [95, 100]);
    assert.deepEqual(
      // 5 % errors burn at 10: above 6 (6h/30m page), 3 and 1 (tickets), not 14.4 (1h/5m).
      group.alerts.map((a) => `${a.severity} ${a.longWindow}`),
      ['page 6h', 'ticket 1d', 'ticket 3d'],
    );
    assert.equal(group.level, 'emergency');
    assert.equal(group.exampleTraceIds.length, 3);

    const missing = await http.get('/v1/slos/nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { error: { code: 404, message: 'no SLO named "nope"' } });
    // The name is decoded once, as the router does: `%2561` is `%61`, not `a`.
    const encoded = await http.get('/v1/slos/%2561vailability');
    assert.equal(encoded.status, 404);
    assert.deepEqual(encoded.body, { error: { code: 404, message: 'no SLO named "%61vailability"' } });
    assert.deepEqual(
      c.routes?.map((r) => r.scope),
      ['admin', 'admin'],
    );
  });

  it('evaluates on the injected clock and exposes breakwater_slo_* that pass promtool check metrics', {
    skip: skipUnless(PROMTOOL, 'prometheus'),
  }, async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 12, 0, 0));
    const c = await component(
      {
        store: { kind: 'memory' },
        defaultSlos: true,
        slos: [
          { name: 'tenant-latency', sli: 'latency', threshold: '1s', objective: 95, groupBy: ['app.tenant'] },
        ],
      },
      clock,
    );
    cleanup.push(() => c.stop?.());
    await c.start?.();
    assert.doesNotMatch(metrics(c), /breakwater_slo_error_ratio\{/);
    await c.spanSink!(
      [
        ...times(50, () => span({ extra: { 'app.tenant': 'a"b\\c' } })),
        failed('server_error', { durationMs: 3000, serviceVersion: undefined }),
        failed('circuit_open', { errorSource: 'policy' }),
        span({ retryAttempts: 2 }),
      ],
      clock.now(),
    );
    await clock.advance(10_000); // one evaluation interval
    const text = metrics(c);
    assert.match(
      text,
      /breakwater_slo_burn_rate\{slo="availability",tier="business",service="checkout",operation="chat",window="5m"\} /,
    );
    assert.match(
      text,
      /breakwater_slo_events_total\{slo="availability",tier="business",service="checkout",version="1\.0\.0",operation="chat"\} 52/,
    );
    assert.match(
      text,
      // 2 bad (the server error and the breaker's refusal) of 53: burn 7.5, over the page rule's 6
      // on 6h and 30m.
      /breakwater_slo_alert_firing\{slo="availability",tier="business",service="checkout",operation="chat",severity="page"\} 1/,
    );
    assert.match(text, /app_tenant="a\\"b\\\\c"/);
    assert.match(
      text,
      /breakwater_slo_objective\{slo="breaker-refusal",tier="technical",sli="availability"\} 0\.99/,
    );
    const check = await run(PROMTOOL, ['check', 'metrics'], text);
    assert.equal(check.code, 0, `${check.stdout}${check.stderr}\n${text}`);
  });

  it("caps series per SLO at maxSeries, folds the rest into their service's or the fleet's overflow series and frees aged-out series", async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 12, 0, 0));
    const c = await component(
      { store: { kind: 'memory' }, technicalSlos: false, evaluation: { maxSeries: 2, interval: '1d' } },
      clock,
    );
    cleanup.push(() => c.stop?.());
    await c.start?.();
    const batch = (services: string[]) =>
      services.flatMap((service) => [span({ service }), failed('timeout', { service })]);
    await c.spanSink!(batch(['a', 'b', 'c', 'd']), clock.now());
    await c.spanSink!(batch(['a', 'e']), clock.now());
    const summed = (await c.current())[0]!.groups.filter((g) => g.version === undefined);
    assert.deepEqual(
      summed.map((g) => [g.service, g.labels, g.windows.find((w) => w.window === '30d')!.total]),
      [
        ['__overflow__', { operation: '__overflow__' }, 6],
        ['a', { operation: 'chat' }, 4],
        ['b', { operation: 'chat' }, 2],
      ],
    );
    let text = metrics(c);
    assert.match(text, /breakwater_slo_series\{slo="availability"\} 2\n/);
    assert.match(text, /breakwater_slo_series_limit\{slo="availability"\} 2\n/);
    assert.match(text, /breakwater_slo_overflow_events_total\{slo="availability"\} 6\n/);
    assert.doesNotMatch(text, /service="[cde]"/);
    // A new version of a service with a series of its own goes to that service's overflow series.
    await c.spanSink!(
      batch(['a']).map((sp) => ({ ...sp, serviceVersion: '2.0.0' })),
      clock.now(),
    );
    const withOwn = (await c.current())[0]!.groups.filter((g) => g.version === undefined);
    assert.deepEqual(
      withOwn.map((g) => [g.service, g.labels, g.windows.find((w) => w.window === '30d')!.total]).slice(1, 3),
      [
        ['a', { operation: '__overflow__' }, 2],
        ['a', { operation: 'chat' }, 4],
      ],
    );
    text = metrics(c);
    assert.match(
      text,
      /breakwater_slo_series\{slo="availability"\} 2\n/,
      'an overflow series takes no place',
    );
    assert.match(text, /breakwater_slo_overflow_events_total\{slo="availability"\} 8\n/);

    // Past the SLO window plus the retention margin, the compaction drops every series: their
    // counters go and their places are free again.
    await clock.advance(32 * 86_400_000);
    text = metrics(c);
    assert.doesNotMatch(text, /breakwater_slo_events_total\{/);
    assert.match(text, /breakwater_slo_series\{slo="availability"\} 0\n/);
    await c.spanSink!(batch(['c']), clock.now());
    const after = (await c.current())[0]!.groups.filter((g) => g.version === undefined);
    assert.deepEqual(
      after.map((g) => g.service),
      ['c'],
    );
  });

  it('names alertmanager.url at start without its query (a proxy token)', async () => {
    const logger = memoryLogger();
    const config = CollectorConfigSchema.parse({
      alertmanager: { url: 'http://127.0.0.1:9/alertmanager/?token=am-secret' },
    });
    const c = await createSloComponent({ config, clock: new ManualClock(0), logger, dataDir: tempDir() });
    cleanup.push(() => c.stop?.());
    const ready = logger.lines.find((l) => l.msg === 'SLO engine ready');
    assert.equal((ready!.obj as { alertmanager?: string }).alertmanager, 'http://127.0.0.1:9/alertmanager');
    assert.ok(!JSON.stringify(logger.lines).includes('am-secret'));
  });

  it('warns at start of an SLO whose levels page while it is met, naming the SLO', async () => {
    const logger = memoryLogger();
    const config = CollectorConfigSchema.parse({
      technicalSlos: false,
      slos: [
        { name: 'tools', sli: 'latency', threshold: '2s', objective: 95, levels: { warning: '250ms' } },
        { name: 'chat', objective: 99 },
      ],
    });
    const c = await createSloComponent({ config, clock: new ManualClock(0), logger, dataDir: tempDir() });
    cleanup.push(() => c.stop?.());
    const warnings = logger.lines.filter((l) => l.level === 'warn');
    assert.deepEqual(
      warnings.map((l) => [(l.obj as { slo?: string }).slo, l.msg]),
      [
        [
          'tools',
          'SLO levels: severe level 500ms is below the 2s threshold: p95 may be between them while the SLO is met',
        ],
      ],
    );
  });

  it('a failed compaction is logged, the tick still evaluates, and the next tick compacts again', async (t) => {
    const dataDir = tempDir();
    const t0 = Date.UTC(2025, 5, 1, 12, 0, 0);
    const clock = new ManualClock(t0);
    const logger = memoryLogger();
    const config = CollectorConfigSchema.parse({ technicalSlos: false, evaluation: { interval: '5m' } });
    const c = await createSloComponent({ config, clock, logger, dataDir });
    cleanup.push(() => c.stop?.());
    await c.start?.(); // compacts (nothing to do) and evaluates at t0
    await clock.advance(5 * M); // evaluates; the next compaction is due at t0 + 10m
    await c.spanSink!([...times(80, () => span()), ...times(20, () => failed('timeout'))], clock.now());

    // Compaction fails while ingest keeps working (the store holds its file exclusively; its own
    // tests fail a compaction inside SQLite and check that nothing changed).
    const failing = t.mock.method(SqliteStore.prototype, 'compact', async () => {
      throw new Error('simulated disk failure');
    });
    await clock.advance(5 * M); // t0 + 10m: compaction fails
    let text = metrics(c);
    // This tick's evaluation still ran: the burn-rate alert fires and the timestamp is current.
    assert.match(
      text,
      new RegExp(`breakwater_slo_last_evaluation_timestamp_seconds ${(t0 + 10 * M) / 1000}\n`),
    );
    assert.match(
      text,
      /breakwater_slo_alert_firing\{slo="availability",tier="business",service="checkout",operation="chat",severity="page"\} 1\n/,
    );
    const logged = logger.lines.find((l) => l.level === 'error' && l.msg === 'SLO store compaction failed');
    assert.match(String((logged?.obj as { err?: unknown } | undefined)?.err), /simulated disk failure/);
    assert.match(text, /breakwater_slo_engine_errors_total\{stage="compaction"\} 1\n/);
    assert.match(text, /breakwater_slo_engine_errors_total\{stage="evaluation"\} 0\n/);
    // What the stale-evaluation alert compares the last evaluation's age with.
    assert.match(text, /breakwater_slo_evaluation_interval_seconds 300\n/);

    failing.mock.restore();
    const compactions = t.mock.method(SqliteStore.prototype, 'compact');
    await clock.advance(5 * M); // t0 + 15m: the next tick compacts again, not 10 minutes later
    assert.equal(compactions.mock.callCount(), 1);
    text = metrics(c);
    assert.match(text, /breakwater_slo_engine_errors_total\{stage="compaction"\} 1\n/);
  });

  it('restores every window from SQLite after a restart', async () => {
    const dataDir = tempDir();
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 12, 0, 0));
    const first = await component({}, clock, dataDir);
    await first.start?.();
    await first.spanSink!(
      [...times(40, () => span()), failed('overloaded', { traceId: 'ab'.repeat(16) })],
      clock.now(),
    );
    await clock.advance(2 * M);
    await first.spanSink!([span({ service: 'search' })], clock.now());
    // No stop(): the process "dies" with the handle open; acknowledged counts must be on disk. The
    // files as they are now, in a directory of their own, are what a restart finds (the store
    // holds its file exclusively while the first component lives).
    const copyDir = tempDir();
    for (const file of [DEFAULT_STORE_FILE, `${DEFAULT_STORE_FILE}-wal`])
      copyFileSync(join(dataDir, file), join(copyDir, file));
    const second = await component({}, clock, copyDir);
    cleanup.push(async () => {
      await second.stop?.();
      await first.stop?.();
    });
    await second.start?.();
    const http = await serve(second);
    const status = SloStatusSchema.parse((await http.get('/v1/slos/availability')).body);
    const summed = status.groups.filter((g) => g.version === undefined);
    assert.deepEqual(
      summed.map((g) => [
        g.service,
        g.windows.find((w) => w.window === '1h')!.good,
        g.windows.find((w) => w.window === '30d')!.total,
      ]),
      [
        ['checkout', 40, 41],
        ['search', 1, 1],
      ],
    );
    // The failure's trace is still there to look at.
    assert.deepEqual(summed[0]!.exampleTraceIds, ['ab'.repeat(16)]);
  });

  it('judges new latency thresholds after a restart over the events counted against them', async () => {
    const dataDir = tempDir();
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 12, 0, 0));
    const latency = (levels: object) => ({
      defaultSlos: false,
      technicalSlos: false,
      evaluation: { minEvents: 20 },
      slos: [{ name: 'lat', sli: 'latency', threshold: '2s', objective: 95, levels }],
    });
    const level = async (c: Awaited<ReturnType<typeof component>>) =>
      (await c.current())[0]!.groups[0]!.level;
    const first = await component(latency({}), clock, dataDir);
    await first.start?.();
    await first.spanSink!(
      times(100, () => span({ durationMs: 100 })),
      clock.now(),
    );
    assert.equal(await level(first), 'ok');
    await first.stop?.();

    // Tuned levels: the 100 stored events were not counted against 400/600/1200 ms, so they
    // neither page nor count as slow; the new thresholds wait for minEvents events of their own.
    await clock.advance(M);
    const second = await component(
      latency({ warning: '400ms', severe: '600ms', emergency: '1200ms' }),
      clock,
      dataDir,
    );
    cleanup.push(async () => {
      await second.stop?.();
    });
    await second.start?.();
    await second.spanSink!(
      times(10, () => span({ durationMs: 100 })),
      clock.now(),
    );
    assert.equal(await level(second), 'ok');
    await second.spanSink!(
      times(20, () => span({ durationMs: 500 })),
      clock.now(),
    );
    assert.equal(await level(second), 'warning', '20 of 30 new events over 400 ms');
    await second.spanSink!(
      times(20, () => span({ durationMs: 1500 })),
      clock.now(),
    );
    assert.equal(await level(second), 'emergency', '20 of 50 new events over 1200 ms');
  });

  it('keeps an SLO left out of one run for its own window, not the longest one still configured', async () => {
    const dataDir = tempDir();
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 12, 0, 0));
    const H = 60 * M;
    const full = { technicalSlos: false, slos: [{ name: 'checkout', objective: 99, window: '30d' }] };
    const slip = { technicalSlos: false, slos: [{ name: 'short', objective: 99, window: '1d' }] };
    const run = async (doc: unknown, work: (c: Awaited<ReturnType<typeof component>>) => Promise<void>) => {
      const c = await component(doc, clock, dataDir);
      await c.start?.();
      try {
        await work(c);
      } finally {
        await c.stop?.();
      }
    };
    await run(full, async (c) => {
      await c.spanSink!([...times(90, () => span()), ...times(10, () => failed('timeout'))], clock.now());
    });
    await clock.advance(28 * H);
    // One run without checkout, long enough to compact, with traffic arriving.
    await run(slip, async (c) => {
      await c.spanSink!(
        times(5, () => span()),
        clock.now(),
      );
      await clock.advance(11 * M);
    });
    await run(full, async (c) => {
      const checkout = (await c.current()).find((s) => s.name === 'checkout')!;
      assert.equal(
        checkout.groups[0]?.windows.at(-1)?.total,
        100,
        'the 30d window still holds the day-old events',
      );
    });
  });

  it('starts, and compacts, with recent counts of a dropped SLO whose window is longer than any configured', async () => {
    const dataDir = tempDir();
    const clock = new ManualClock(Date.UTC(2025, 5, 1, 12, 0, 0));
    const full = { technicalSlos: false, slos: [{ name: 'checkout', objective: 99, window: '30d' }] };
    const slip = { technicalSlos: false, slos: [{ name: 'short', objective: 99, window: '1d' }] };
    const first = await component(full, clock, dataDir);
    await first.start?.();
    await first.spanSink!(
      times(10, () => span()),
      clock.now(),
    );
    await first.stop?.();
    // Two hours later, within the 1d SLO's retention: the dropped SLO's counts are in its snapshot.
    await clock.advance(120 * M);
    const second = await component(slip, clock, dataDir);
    cleanup.push(() => second.stop?.());
    await second.start?.();
    await clock.advance(11 * M);
    assert.match(metrics(second), /breakwater_slo_engine_errors_total\{stage="compaction"\} 0\n/);
  });

  it('pushes burn-rate alerts to a real Alertmanager and resolves them', {
    skip: skipUnless(ALERTMANAGER, 'prometheus-alertmanager'),
  }, async () => {
    const am: AlertmanagerProcess = await startAlertmanager();
    cleanup.push(() => am.stop());
    // Start the injected clock 45 minutes in the past so the resolution at +31m is already over.
    const clock = new ManualClock(Date.now() - 45 * M);
    const c = await component(
      {
        store: { kind: 'memory' },
        technicalSlos: false,
        // A long request timeout: the manual clock jumps minutes while a real POST is in flight.
        alertmanager: { url: am.url, labels: { cluster: 'test' }, timeout: '1h' },
      },
      clock,
    );
    cleanup.push(() => c.stop?.());
    assert.doesNotMatch(metrics(c), /breakwater_slo_alertmanager_up/, 'unknown before any contact');
    await c.start?.();
    // Nothing fires yet: the pusher asks Alertmanager whether it is ready instead.
    await until(() => /^breakwater_slo_alertmanager_up 1$/m.test(metrics(c)), 'the readiness probe');
    const bad = times(20, () => failed('timeout'));
    await c.spanSink!([...times(80, () => span()), ...bad], clock.now());
    await clock.advance(10_000);
    // Alertmanager takes in the alerts of one push one by one: wait until it shows all three kinds.
    const firing = await waitFor(
      am,
      (alerts) =>
        alerts.some((a) => a.labels.severity === 'page') &&
        alerts.some(
          (a) => a.labels.severity === 'ticket' && a.labels.alertname === 'BreakwaterErrorBudgetBurn',
        ) &&
        alerts.some((a) => a.labels.alertname === 'BreakwaterSloLevel' && a.labels.level === 'emergency'),
    );
    const pageAlert = firing.find((a) => a.labels.severity === 'page')!;
    assert.deepEqual(
      {
        alertname: pageAlert.labels.alertname,
        slo: pageAlert.labels.slo,
        service: pageAlert.labels.service,
        operation: pageAlert.labels.operation,
        cluster: pageAlert.labels.cluster,
      },
      {
        alertname: 'BreakwaterErrorBudgetBurn',
        slo: 'availability',
        service: 'checkout',
        operation: 'chat',
        cluster: 'test',
      },
    );
    assert.match(pageAlert.annotations.burn_rates!, /5m=40 30m=40 1h=40/);
    assert.equal(pageAlert.annotations.top_error_categories, 'timeout=20');
    assert.ok(bad.slice(0, 3).every((s) => pageAlert.annotations.example_trace_ids!.includes(s.traceId)));
    assert.match(pageAlert.annotations.budget_remaining!, /%$/);
    assert.ok(
      firing.some(
        (a) => a.labels.severity === 'ticket' && a.labels.alertname === 'BreakwaterErrorBudgetBurn',
      ),
    );
    assert.ok(
      firing.some((a) => a.labels.alertname === 'BreakwaterSloLevel' && a.labels.level === 'emergency'),
    );

    // 31 minutes later both page pairs (1h/5m, 6h/30m) have an empty short window.
    await clock.advance(31 * M);
    const later = await waitFor(am, (alerts) => !alerts.some((a) => a.labels.severity === 'page'));
    assert.ok(
      later.some((a) => a.labels.severity === 'ticket'),
      'the ticket (1d/2h) still fires',
    );
  });
});

/** Polls Alertmanager (bounded) until `done` holds; the pusher delivers in the background. */
async function waitFor(
  am: AlertmanagerProcess,
  done: (alerts: Awaited<ReturnType<AlertmanagerProcess['alerts']>>) => boolean,
) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const alerts = await am.alerts();
    if (done(alerts)) return alerts;
    if (Date.now() > deadline)
      throw new Error(`condition not met; alerts: ${JSON.stringify(alerts.map((a) => a.labels))}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
