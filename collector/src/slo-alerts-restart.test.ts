/**
 * SLO alerts across a restart: what fired before and no longer does is resolved in Alertmanager
 * by the next start, not left to Alertmanager's `resolve_timeout`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { type AlertmanagerProcess, startAlertmanager } from './act/testing/alertmanager-process.ts';
import { ALERTMANAGER, skipUnless } from './act/testing/tools.ts';
import { many, postSpans, startOn } from './testing/restart.ts';

const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

const config = (amUrl: string, slo: string) => `
technicalSlos: false
evaluation: { interval: 200ms, minEvents: 10 }
alertmanager: { url: ${amUrl} }
slos: [{ name: ${slo}, objective: 99 }]
`;

/** Polls Alertmanager's active alerts (bounded) until `done` holds. */
async function waitFor(am: AlertmanagerProcess, what: string, done: (slos: string[]) => boolean) {
  const deadline = Date.now() + 8_000;
  for (;;) {
    const slos = (await am.alerts()).map((a) => a.labels.slo ?? '');
    if (done(slos)) return;
    if (Date.now() > deadline) throw new Error(`${what}; firing: ${JSON.stringify(slos)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('resolves the alerts of an SLO renamed while the collector was down', {
  skip: skipUnless(ALERTMANAGER, 'prometheus-alertmanager'),
}, async () => {
  const am = await startAlertmanager();
  cleanup.push(() => am.stop());
  const dir = mkdtempSync(join(tmpdir(), 'bw-alerts-restart-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));

  const first = await startOn(dir, config(am.url, 'avail'));
  await postSpans(first.url, [...many(80), ...many(20, { failed: true })]);
  await waitFor(am, 'the old SLO pages', (slos) => slos.includes('avail'));
  await first.shutdown();

  const second = await startOn(dir, config(am.url, 'chat-avail'));
  cleanup.push(() => second.shutdown());
  await waitFor(am, 'the old name is resolved', (slos) => !slos.includes('avail'));
});

it('resolves after the next restart an alert whose resolution Alertmanager had not taken before a stop', async () => {
  // A stand-in Alertmanager that answers 503 while `down`, and records every alert posted.
  let down = false;
  const posted: { slo?: string; resolved: boolean; down: boolean; summary?: string }[] = [];
  const am = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (req.method === 'POST') {
        type Posted = {
          labels: Record<string, string>;
          annotations?: Record<string, string>;
          endsAt?: string;
        };
        for (const a of JSON.parse(body) as Posted[])
          posted.push({
            slo: a.labels.slo,
            resolved: a.endsAt !== undefined,
            down,
            summary: a.annotations?.summary,
          });
      }
      res.writeHead(down ? 503 : 200).end();
    });
  });
  await new Promise<void>((resolve) => am.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => am.close(() => resolve())));
  const url = `http://127.0.0.1:${(am.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'bw-alerts-restart-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const until = async (what: string, done: () => boolean) => {
    const deadline = Date.now() + 8_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`${what}; posted: ${JSON.stringify(posted)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const first = await startOn(dir, config(url, 'avail'));
  await postSpans(first.url, [...many(80), ...many(20, { failed: true })]);
  await until('the old SLO pages', () => posted.some((p) => p.slo === 'avail' && !p.resolved));
  await first.shutdown();

  // Renamed while Alertmanager does not answer: the resolution is tried, and refused.
  down = true;
  const second = await startOn(dir, config(url, 'chat-avail'));
  await until('the resolution is tried', () => posted.some((p) => p.slo === 'avail' && p.resolved));
  await second.shutdown();

  down = false;
  const third = await startOn(dir, config(url, 'chat-avail'));
  cleanup.push(() => third.shutdown());
  await until('the old name is resolved once Alertmanager answers', () =>
    posted.some((p) => p.slo === 'avail' && p.resolved && !p.down),
  );
  // With what it was about: Alertmanager keeps the latest post's annotations for the resolved notice.
  const resolution = posted.find((p) => p.slo === 'avail' && p.resolved && !p.down)!;
  assert.match(resolution.summary ?? '', /^avail \(/);
});
