/**
 * The pusher when the wall clock steps back between an alert's start and its resolution, and
 * when Alertmanager refuses a batch: a refusal must not hold back every later change.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { AlertmanagerPusher } from './alertmanager.ts';
import type { DesiredAlert } from './alerts.ts';
import { type AlertmanagerProcess, startAlertmanager } from './testing/alertmanager-process.ts';
import { ALERTMANAGER, memoryLogger, skipUnless } from './testing/tools.ts';

const running: AlertmanagerProcess[] = [];
const pushers: AlertmanagerPusher[] = [];
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const p of pushers) await p.stop();
  for (const am of running) await am.stop();
  for (const close of closers) await close();
});

const alert = (alertname: string): DesiredAlert => ({
  labels: { alertname, slo: 'availability', service: 'checkout', severity: 'page' },
  annotations: { summary: 'burning' },
});

/** Two deliveries (the alert, then its resolution), none refused, nothing left to resolve. */
function assertFiredAndResolved(pusher: AlertmanagerPusher): void {
  assert.deepEqual(
    [pusher.stats.deliveries, pusher.stats.rejections, pusher.stats.pendingResolutions],
    [2, 0, 0],
    `last error: ${pusher.stats.lastError}`,
  );
}

describe('AlertmanagerPusher and a wall clock stepped back', {
  skip: skipUnless(ALERTMANAGER, 'prometheus-alertmanager'),
}, () => {
  it('resolves an alert after the clock stepped back 10 minutes (the resolution states no start to end before)', async () => {
    const am = await startAlertmanager();
    running.push(am);
    const clock = new ManualClock(Date.now() - 60_000);
    const pusher = new AlertmanagerPusher({ url: am.url, clock, logger: memoryLogger(), random: () => 1 });
    pushers.push(pusher);
    pusher.update([alert('Burn')]);
    await pusher.idle();
    assert.equal(pusher.stats.deliveries, 1);
    clock.stepWall(-10 * 60_000);
    pusher.update([]);
    await pusher.idle();
    assertFiredAndResolved(pusher);
  });

  it('delivers an alert raised while the clock is 10 minutes ahead of Alertmanager, and resolves it once corrected', async () => {
    const am = await startAlertmanager();
    running.push(am);
    const clock = new ManualClock(Date.now() + 10 * 60_000);
    const pusher = new AlertmanagerPusher({ url: am.url, clock, logger: memoryLogger(), random: () => 1 });
    pushers.push(pusher);
    pusher.update([alert('AheadBurn')]);
    await pusher.idle();
    // A `startsAt` 10 minutes ahead would end before Alertmanager's `endsAt` (5 m): refused, 400.
    assert.equal(pusher.stats.rejections, 0, `last error: ${pusher.stats.lastError}`);
    assert.equal((await am.alerts()).length, 1);
    clock.stepWall(-10 * 60_000); // NTP corrects the clock; then the burn stops
    pusher.update([]);
    await pusher.idle();
    assertFiredAndResolved(pusher);
    assert.deepEqual(await am.alerts(), [], 'Alertmanager no longer lists the resolved alert');
  });
});

describe('AlertmanagerPusher and a refused batch', () => {
  it('does not retry a 4xx answer: the next change goes out at once, and is counted and logged', async () => {
    const bodies: { labels: Record<string, string>; endsAt?: string }[][] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        const batch = JSON.parse(body) as { labels: Record<string, string>; endsAt?: string }[];
        bodies.push(batch);
        const refuse = batch.some((a) => a.labels.alertname === 'Invalid');
        res.writeHead(refuse ? 400 : 200).end(refuse ? 'start time must be before end time' : '');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => new Promise((r) => server.close(() => r())));
    const clock = new ManualClock();
    const logger = memoryLogger();
    const pusher = new AlertmanagerPusher({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      clock,
      logger,
      random: () => 1,
    });
    pushers.push(pusher);

    pusher.update([alert('Invalid')]);
    await pusher.idle();
    pusher.update([]); // its resolution is refused too: dropped, not retried
    await pusher.idle();
    assert.equal(pusher.stats.rejections, 2);
    assert.equal(pusher.stats.failures, 0);
    assert.equal(pusher.stats.pendingResolutions, 0);
    assert.match(pusher.stats.lastError ?? '', /HTTP 400: start time must be before end time/);
    assert.ok(logger.lines.some((l) => l.level === 'error' && /rejected/.test(l.msg ?? '')));

    pusher.update([alert('Burn')]); // goes out at once, not behind a retry of the refused batch
    await pusher.idle();
    assert.equal(pusher.stats.deliveries, 1);
    assert.deepEqual(
      bodies.map((b) => b.map((a) => a.labels.alertname)),
      [['Invalid'], ['Invalid'], ['Burn']],
    );
    await clock.advance(10 * 60_000);
    await pusher.idle();
    assert.equal(bodies.filter((b) => b.some((a) => a.labels.alertname === 'Invalid')).length, 2);
  });

  it('still retries 5xx answers with backoff', async () => {
    let answers = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(++answers < 3 ? 503 : 200).end());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => new Promise((r) => server.close(() => r())));
    const clock = new ManualClock();
    const pusher = new AlertmanagerPusher({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      clock,
      logger: memoryLogger(),
      random: () => 1,
    });
    pushers.push(pusher);
    pusher.update([alert('Burn')]);
    await pusher.idle();
    await clock.advance(1_000);
    await pusher.idle();
    await clock.advance(2_000);
    await pusher.idle();
    assert.deepEqual([pusher.stats.failures, pusher.stats.rejections, pusher.stats.deliveries], [2, 0, 1]);
  });
});
