/**
 * The collector's browser guard in a real browser: web pages the operator happens to open must
 * not use the collector's API. A page of another site on this machine fires a gate request (a
 * decision is recorded, counted and may page: a side effect, even though the page cannot read
 * the answer), and a page served under a name re-pointed at 127.0.0.1 (DNS rebinding, simulated
 * with Chromium's host resolver rules) is same-origin with the collector and could read
 * `/v1/status`. Headless Debian `chromium` driven by `playwright-core`, the real built-in
 * components, no auth (the configuration these attacks aim at).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { COLLECTOR_PATHS, GATE_PATHS } from '@breakwater/protocol';
import type { Browser } from 'playwright-core';
import { builtInComponents } from '../../collector/src/built-in-components.ts';
import { startTestService, type TestService } from '../../collector/src/testing/helpers.ts';
import { launchChromium } from '../harness/chromium.ts';

const REBOUND = 'rebound.test';
const CONFIG = 'store: { kind: memory }\nevaluation: { interval: 1s }\n';

/** How many gate decisions the collector has counted, from its own `/metrics`. */
async function gateDecisions(base: string): Promise<number> {
  const text = await (await fetch(`${base}${COLLECTOR_PATHS.PROMETHEUS}`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('breakwater_gate_decisions_total{')) total += Number(line.split(' ').at(-1));
  }
  return total;
}

describe('browser guard in headless Chromium', { timeout: 120_000 }, () => {
  let browser: Browser;
  let t: TestService;
  let collectorPort = 0;
  /** Another site on this machine, `localhost:<port>`: serves whatever page a test sets. */
  let otherSite: Server;
  let otherOrigin = '';
  let otherPage = '';

  before(async () => {
    t = await startTestService(CONFIG, { components: builtInComponents() });
    collectorPort = Number(new URL(t.url).port);
    otherSite = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(otherPage);
    });
    await new Promise<void>((resolve) => otherSite.listen(0, '127.0.0.1', resolve));
    otherOrigin = `http://localhost:${(otherSite.address() as AddressInfo).port}`;
    // The attacker's name now resolves to this machine, as after a DNS rebinding.
    browser = await launchChromium([`--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`]);
  });

  after(async () => {
    await browser?.close();
    otherSite?.closeAllConnections();
    await new Promise((resolve) => otherSite?.close(resolve));
    await t?.close();
  });

  test('a page of another site cannot fire gate requests; a link to the status page still works', async () => {
    const gate = `http://127.0.0.1:${collectorPort}${GATE_PATHS.DECISION}?service=agent&version=v2`;
    otherPage = `<!doctype html>
      <img src="${gate}&via=img">
      <a id="status" href="http://127.0.0.1:${collectorPort}${COLLECTOR_PATHS.STATUS_PAGE}">status</a>
      <script>
        window.sent = fetch(${JSON.stringify(gate)}, { mode: 'no-cors' }).then(() => 'sent', (e) => String(e));
      </script>`;
    // The same request from a program (no browser headers) is a decision: the guard lets it by.
    const before = await gateDecisions(t.url);
    const direct = await fetch(gate);
    assert.equal(direct.status, 200, await direct.text());
    assert.equal(await gateDecisions(t.url), before + 1);

    const context = await browser.newContext();
    const page = await context.newPage();
    // What came back to the page's fetch (the <img> answer is then blocked by the browser's
    // opaque-response blocking, as a JSON body: only the collector's count tells about it).
    const answers: number[] = [];
    page.on('response', (r) => {
      if (r.url() === gate) answers.push(r.status());
    });
    await page.goto(otherOrigin, { waitUntil: 'load' });
    assert.equal(await page.evaluate('window.sent'), 'sent');
    assert.deepEqual(answers, [403], 'the fetch reached the collector and was refused');
    assert.equal(await gateDecisions(t.url), before + 1, 'no decision was taken for the page');

    // Following a link from that site to the status page is a top-level navigation: served.
    const [navigation] = await Promise.all([page.waitForNavigation(), page.click('#status')]);
    assert.equal(navigation?.status(), 200);
    assert.match(await page.title(), /breakwater/i);
    await context.close();
  });

  test('a page under a name re-pointed at 127.0.0.1 (DNS rebinding) cannot read the status', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const origin = `http://${REBOUND}:${collectorPort}`;
    const document = await page.goto(`${origin}${COLLECTOR_PATHS.STATUS_PAGE}`);
    assert.equal(document?.status(), 421);
    // Same origin as the collector for the browser, so it could read any answer it got.
    const read = (await page.evaluate(
      `fetch(${JSON.stringify(COLLECTOR_PATHS.STATUS)}).then(async (r) => ({ status: r.status, body: await r.text() }))`,
    )) as { status: number; body: string };
    assert.equal(read.status, 421);
    assert.doesNotMatch(read.body, /"slos"|"signals"/, 'no status data in the refusal');

    // The same page under a loopback name is the operator's own: served, and it reads the status.
    const own = await page.goto(`http://127.0.0.1:${collectorPort}${COLLECTOR_PATHS.STATUS_PAGE}`);
    assert.equal(own?.status(), 200);
    const status = (await page.evaluate(
      `fetch(${JSON.stringify(COLLECTOR_PATHS.STATUS)}).then((r) => r.status)`,
    )) as number;
    assert.equal(status, 200);
    await context.close();
  });
});
