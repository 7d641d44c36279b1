import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { AlertmanagerSchema } from '../config/slo-section.ts';
import { AlertmanagerPusher, alertmanagerPusherFrom } from './alertmanager.ts';
import type { DesiredAlert } from './alerts.ts';
import { type AlertmanagerProcess, freePort, startAlertmanager } from './testing/alertmanager-process.ts';
import { ALERTMANAGER, memoryLogger, skipUnless } from './testing/tools.ts';

const skip = skipUnless(ALERTMANAGER, 'prometheus-alertmanager');
const running: AlertmanagerProcess[] = [];
const pushers: AlertmanagerPusher[] = [];
after(async () => {
  for (const p of pushers) await p.stop();
  for (const am of running) await am.stop();
});

const page: DesiredAlert = {
  labels: {
    alertname: 'BreakwaterErrorBudgetBurn',
    slo: 'availability',
    service: 'checkout',
    severity: 'page',
    tier: 'business',
  },
  annotations: {
    summary: 'burning',
    burn_rates: '5m=20 1h=16',
    budget_remaining: '89.21%',
    top_error_categories: 'timeout=34',
    example_trace_ids: 'abc',
  },
};

describe('AlertmanagerPusher against a real Alertmanager', { skip }, () => {
  it('fires, re-sends every interval, then resolves with endsAt', async () => {
    const am = await startAlertmanager();
    running.push(am);
    // The clock starts a minute in the past, so the resolution's endsAt is already over when
    // Alertmanager reads it (a firing alert carries no endsAt, so the offset does not matter).
    const clock = new ManualClock(Date.now() - 60_000);
    const pusher = new AlertmanagerPusher({
      url: am.url,
      clock,
      logger: memoryLogger(),
      resendIntervalMs: 60_000,
    });
    pushers.push(pusher);

    const sent = Date.now();
    pusher.update([page]);
    await pusher.idle();
    assert.equal(pusher.stats.deliveries, 1);
    let alerts = await am.alerts();
    assert.equal(alerts.length, 1);
    assert.deepEqual(alerts[0]!.labels, page.labels);
    assert.equal(alerts[0]!.annotations.budget_remaining, '89.21%');
    assert.equal(alerts[0]!.status.state, 'active');
    // Started when Alertmanager received it, on its own clock (the collector's is a minute behind).
    const startsAt = new Date(alerts[0]!.startsAt).getTime();
    assert.ok(startsAt >= sent - 1 && startsAt <= Date.now(), alerts[0]!.startsAt);

    // Unchanged alerts are re-sent on the resend interval, with fresh annotations.
    pusher.update([{ ...page, annotations: { ...page.annotations, budget_remaining: '88.00%' } }]);
    await clock.advance(60_000);
    await pusher.idle();
    assert.equal(pusher.stats.deliveries, 2);
    alerts = await am.alerts();
    assert.equal(alerts[0]!.annotations.budget_remaining, '88.00%');
    assert.equal(new Date(alerts[0]!.startsAt).getTime(), startsAt, 'a re-send keeps the start');

    pusher.update([]);
    await pusher.idle();
    assert.equal(pusher.stats.deliveries, 3);
    assert.deepEqual(pusher.stats, { ...pusher.stats, firing: 0, pendingResolutions: 0 });
    assert.deepEqual(await am.alerts(), [], 'Alertmanager no longer lists the resolved alert');
    // Nothing left to re-send.
    await clock.advance(120_000);
    await pusher.idle();
    assert.equal(pusher.stats.deliveries, 3);
  });

  it('still delivers a resolution that happens while the firing alert is in flight', async () => {
    const am = await startAlertmanager();
    running.push(am);
    const clock = new ManualClock(Date.now() - 60_000);
    const pusher = new AlertmanagerPusher({ url: am.url, clock, logger: memoryLogger() });
    pushers.push(pusher);
    pusher.update([page]);
    pusher.update([]); // resolved before the first POST returned
    await pusher.idle();
    assert.equal(pusher.stats.deliveries, 2);
    assert.equal(pusher.stats.pendingResolutions, 0);
    assert.deepEqual(await am.alerts(), []);
  });

  it('retries with backoff on the injected clock until Alertmanager comes up', async () => {
    const port = await freePort();
    const clock = new ManualClock(Date.now() - 60_000);
    const logger = memoryLogger();
    const pusher = new AlertmanagerPusher({
      url: `http://127.0.0.1:${port}/`,
      clock,
      logger,
      initialBackoffMs: 1_000,
      maxBackoffMs: 8_000,
      random: () => 1, // no jitter: 1 s, 2 s, 4 s, 8 s, 8 s…
    });
    pushers.push(pusher);

    pusher.update([page]); // returns at once; delivery fails in the background
    await pusher.idle();
    assert.equal(pusher.stats.failures, 1);
    assert.equal(clock.pendingTimers, 1);
    await clock.advance(999);
    await pusher.idle();
    assert.equal(pusher.stats.failures, 1, 'no retry before the backoff');
    await clock.advance(1);
    await pusher.idle();
    assert.equal(pusher.stats.failures, 2);
    await clock.advance(2_000);
    await pusher.idle();
    assert.equal(pusher.stats.failures, 3);
    assert.match(pusher.stats.lastError ?? '', /fetch failed|ECONNREFUSED/);
    assert.ok(logger.lines.some((l) => l.msg === 'alertmanager delivery failed'));

    const am = await startAlertmanager(port);
    running.push(am);
    await clock.advance(4_000);
    await pusher.idle();
    assert.equal(pusher.stats.deliveries, 1);
    assert.equal(pusher.stats.consecutiveFailures, 0);
    const alerts = await am.alerts();
    assert.deepEqual(
      alerts.map((a) => a.labels.alertname),
      ['BreakwaterErrorBudgetBurn'],
    );
  });

  it('while nothing fires, probes readiness every interval: a wrong URL shows before the first page', async () => {
    const port = await freePort();
    const clock = new ManualClock(Date.now());
    const logger = memoryLogger();
    const pusher = new AlertmanagerPusher({
      url: `http://127.0.0.1:${port}`,
      clock,
      logger,
      probeIntervalMs: 60_000,
    });
    pushers.push(pusher);
    assert.equal(pusher.stats.reachable, undefined, 'nothing known before the first contact');

    pusher.update([]); // an evaluation with nothing to fire
    await pusher.idle();
    assert.equal(pusher.stats.reachable, false);
    const warned = () => logger.lines.filter((l) => l.level === 'warn' && /not reachable/.test(l.msg ?? ''));
    assert.equal(warned().length, 1);
    assert.match(JSON.stringify(warned()[0]!.obj), /ECONNREFUSED/);
    assert.equal(pusher.stats.failures, 0, 'a probe is no delivery');

    const am = await startAlertmanager(port);
    running.push(am);
    pusher.update([]);
    await pusher.idle();
    assert.equal(pusher.stats.reachable, false, 'not probed again within the interval');
    await clock.advance(60_000);
    pusher.update([]);
    await pusher.idle();
    assert.equal(pusher.stats.reachable, true);
    assert.ok(logger.lines.some((l) => l.level === 'info' && l.msg === 'alertmanager is reachable again'));
    assert.equal(warned().length, 1, 'said once per change');

    // Deliveries are contacts too: while an alert fires nothing is probed.
    pusher.update([page]);
    await pusher.idle();
    assert.equal(pusher.stats.deliveries, 1);
    await am.stop();
    await clock.advance(60_000); // the re-send fails
    await pusher.idle();
    assert.equal(pusher.stats.reachable, false);
    assert.equal(warned().length, 1, 'a failed delivery logs its own warning');
    assert.equal(logger.lines.filter((l) => l.msg === 'alertmanager delivery failed').length, 1);
  });

  it('behind a proxy that wants a header: alertmanager.headers go with probes and deliveries', async () => {
    const am = await startAlertmanager();
    running.push(am);
    const seen: string[] = [];
    // An authenticating proxy in front of the real Alertmanager.
    const proxy = createServer((req, res) => {
      const authorized = req.headers.authorization === 'Bearer am-secret';
      const type = req.headers['content-type'] === undefined ? '' : ` ${req.headers['content-type']}`;
      seen.push(`${req.method} ${req.url} ${authorized ? 'authorized' : 'refused'}${type}`);
      if (!authorized) return void res.writeHead(401).end('unauthorized');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = req.method === 'POST' ? Buffer.concat(chunks) : undefined;
        const headers = { 'content-type': req.headers['content-type'] ?? 'application/json' };
        const answer = await fetch(`${am.url}${req.url}`, { method: req.method, headers, body });
        res.writeHead(answer.status).end(await answer.text());
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    const config = AlertmanagerSchema.parse({
      url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      // A Content-Type spelt as here is not joined with the pusher's own (`a, b`).
      headers: { authorization: 'Bearer am-secret', 'Content-Type': 'application/json' },
    });
    const pusher = alertmanagerPusherFrom(config, new ManualClock(Date.now()), memoryLogger(), true)!;
    pushers.push(pusher);

    pusher.update([]); // nothing fires: a readiness probe
    await pusher.idle();
    assert.equal(pusher.stats.reachable, true);
    pusher.update([page]);
    await pusher.idle();
    assert.equal(pusher.stats.deliveries, 1);
    assert.deepEqual(seen, [
      'GET /-/ready authorized application/json',
      'POST /api/v2/alerts authorized application/json',
    ]);
    assert.deepEqual((await am.alerts())[0]!.labels, page.labels);
  });
});

describe('AlertmanagerPusher URL', () => {
  it('keeps a path and a query (a proxy token) in alertmanager.url for probes and deliveries', async () => {
    const seen: string[] = [];
    const proxy = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/alertmanager/?token=am-secret`;
    const config = AlertmanagerSchema.parse({ url });
    const pusher = alertmanagerPusherFrom(config, new ManualClock(Date.now()), memoryLogger(), true)!;
    pushers.push(pusher);
    pusher.update([]);
    await pusher.idle();
    pusher.update([page]);
    await pusher.idle();
    assert.deepEqual(seen, [
      'GET /alertmanager/-/ready?token=am-secret',
      'POST /alertmanager/api/v2/alerts?token=am-secret',
    ]);
  });
  it('never logs the query (a proxy token) of alertmanager.url: refused deliveries and failed probes name origin and path', async () => {
    const proxy = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(req.method === 'GET' ? 503 : 400).end('no'));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    const base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/alertmanager`;
    const logger = memoryLogger();
    const config = AlertmanagerSchema.parse({ url: `${base}/?token=am-secret` });
    const pusher = alertmanagerPusherFrom(config, new ManualClock(Date.now()), logger, true)!;
    pushers.push(pusher);
    pusher.update([]);
    await pusher.idle();
    pusher.update([page]);
    await pusher.idle();
    assert.deepEqual(
      logger.lines.map((l) => (l.obj as { endpoint?: string }).endpoint),
      [`${base}/-/ready`, `${base}/api/v2/alerts`],
    );
    assert.ok(!JSON.stringify(logger.lines).includes('am-secret'), JSON.stringify(logger.lines));
  });
});

describe('AlertmanagerPusher behind a reverse proxy', () => {
  it("tells a proxy's own error page (Alertmanager down behind nginx) by its title, not its markup", async () => {
    const proxy = createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res
          .writeHead(502, { 'content-type': 'text/html' })
          .end(
            '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n',
          ),
      );
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    const pusher = new AlertmanagerPusher({
      url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/alertmanager`,
      clock: new ManualClock(Date.now()),
      logger: memoryLogger(),
    });
    pushers.push(pusher);
    pusher.update([page]);
    await pusher.idle();
    assert.equal(pusher.stats.lastError, 'HTTP 502: an HTML page ("502 Bad Gateway"), from a proxy in front');
  });
});

describe('alertmanager config', () => {
  it('refuses credentials in the URL (fetch would refuse every delivery, and log them): a header instead', () => {
    const messages = (am: unknown) => {
      const result = AlertmanagerSchema.safeParse(am);
      return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    assert.deepEqual(messages({ url: 'http://user:secret@alertmanager:9093' }), [
      'url: fetch refuses a URL with credentials: put them in a header (e.g. authorization)',
    ]);
    assert.deepEqual(messages({ url: 'http://alertmanager:9093', headers: { 'content-length': '1' } }), [
      'headers.content-length: fetch sets this header itself (connection and framing): leave it out',
    ]);
    assert.deepEqual(
      messages({ url: 'http://alertmanager:9093', headers: { authorization: 'Basic dTpw' } }),
      [],
    );
  });
});
