/**
 * SLO alerts across a restart: what fired before and no longer does is resolved in Alertmanager
 * by the next start, not left to Alertmanager's `resolve_timeout`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
