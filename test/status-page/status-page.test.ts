/**
 * The status page in a real browser (issue 7 §2): a collector service with the real SLO engine,
 * fleet breaker and breaker-state table behind the status component, spans and breaker states
 * posted over OTLP/HTTP, and the page loaded in headless Chromium (Debian `chromium`, driven by
 * `playwright-core`). It must render the live state, update when a fleet signal opens without a
 * reload, and honour auth. Screenshots go to `test/test-results/`.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ATTR, COLLECTOR_PATHS, type GateAnswer, METRIC, SEMCONV, type SloList } from '@breakwater/protocol';
import type { Browser, Page } from 'playwright-core';
import type { DesiredAlert } from '../../collector/src/act/alerts.ts';
import { gateAlertLabels } from '../../collector/src/act/gate/incident-alerts.ts';
import {
  type BreakerStatesComponent,
  createBreakerStatesComponent,
} from '../../collector/src/breaker-states/breaker-states-component.ts';
import type { ComponentContext } from '../../collector/src/component.ts';
import { createFleetComponent, type FleetComponent } from '../../collector/src/fleet-component.ts';
import type { ComponentFactory } from '../../collector/src/service.ts';
import { createSloComponent } from '../../collector/src/slo-component.ts';
import { createStatusComponent, type StatusComponentOptions } from '../../collector/src/status-component.ts';
import { startTestService, type TestService } from '../../collector/src/testing/helpers.ts';
import { launchChromium } from '../harness/chromium.ts';
import { REPO_ROOT } from '../harness/process.ts';
import { getJson } from '../harness/wait.ts';

const RESULTS = path.join(REPO_ROOT, 'test', 'test-results');
const ADMIN = 'status-page-admin-token-0123456789';
const SUBSCRIBE = 'status-page-subscribe-token-0123456789';
const CONFIG = 'store: { kind: memory }\nevaluation: { interval: 1s }\n';

type Attr = { key: string; value: { stringValue: string } | { intValue: string } | { boolValue: boolean } };
const str = (key: string, value: string): Attr => ({ key, value: { stringValue: value } });

let spanSeq = 0;
/** One OTLP/JSON `resourceSpans` entry: `count` chat calls to `openai/gpt-4o` from one instance. */
function resourceSpans(instance: string, count: number, failed: boolean) {
  const end = BigInt(Date.now()) * 1_000_000n;
  return {
    resource: {
      attributes: [str(SEMCONV.SERVICE_NAME, 'agent'), str(SEMCONV.SERVICE_INSTANCE_ID, instance)],
    },
    scopeSpans: [
      {
        scope: { name: 'status-page-test' },
        // Each call as the SDK reports it: the operation span (the SLO engine counts these) and
        // its one attempt span (the fleet breaker counts those).
        spans: Array.from({ length: count }, () => {
          const n = (++spanSeq).toString(16);
          return (['operation', 'attempt'] as const).map((role, i) => ({
            traceId: n.padStart(32, 'a'),
            spanId: `${n}${i}`.padStart(16, 'b'),
            name: 'chat gpt-4o',
            kind: role === 'operation' ? 1 : 3,
            startTimeUnixNano: String(end - 120_000_000n),
            endTimeUnixNano: String(end),
            attributes: [
              str(SEMCONV.GEN_AI_OPERATION_NAME, 'chat'),
              str(SEMCONV.GEN_AI_PROVIDER_NAME, 'openai'),
              str(SEMCONV.GEN_AI_REQUEST_MODEL, 'gpt-4o'),
              str(ATTR.ROLE, role),
              ...(failed
                ? [
                    str(SEMCONV.ERROR_TYPE, '503'),
                    str(ATTR.ERROR_CATEGORY, 'server_error'),
                    str(ATTR.ERROR_SOURCE, 'dependency'),
                  ]
                : []),
            ],
            status: { code: failed ? 2 : 1 },
          }));
        }).flat(),
      },
    ],
  };
}

async function postJson(url: string, body: unknown, token?: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, `POST ${url}: ${await response.text()}`);
}

async function postSpans(base: string, failed: boolean, perInstance: number, token?: string): Promise<void> {
  await postJson(
    `${base}${COLLECTOR_PATHS.TRACES}`,
    { resourceSpans: ['pod-a', 'pod-b'].map((i) => resourceSpans(i, perInstance, failed)) },
    token,
  );
}

/** Breaker-state gauge points as an SDK exports them (1 for the current state). */
async function postBreakerStates(base: string, token?: string): Promise<void> {
  const time = String(BigInt(Date.now()) * 1_000_000n);
  await postJson(
    `${base}${COLLECTOR_PATHS.METRICS_INGEST}`,
    {
      resourceMetrics: ['pod-a', 'pod-b'].map((instance) => ({
        resource: {
          attributes: [str(SEMCONV.SERVICE_NAME, 'agent'), str(SEMCONV.SERVICE_INSTANCE_ID, instance)],
        },
        scopeMetrics: [
          {
            scope: { name: 'status-page-test' },
            metrics: [
              {
                name: METRIC.BREAKER_STATE,
                gauge: {
                  dataPoints: ['closed', 'open', 'half_open'].map((state) => ({
                    attributes: [str(ATTR.DEPENDENCY, 'openai/gpt-4o'), str(ATTR.STATE, state)],
                    timeUnixNano: time,
                    asInt: state === 'closed' ? '1' : '0',
                  })),
                },
              },
            ],
          },
        ],
      })),
    },
    token,
  );
}

/**
 * The components of a collector with a status page, wired the way the service will wire them:
 * each status source is a thin adapter over a real component.
 */
function components(
  admin: () => { url: string; token?: string },
  status: StatusComponentOptions = {},
  gateIncidents: () => readonly DesiredAlert[] = () => [],
  gateDecisions: () => readonly GateAnswer[] = () => [],
): ComponentFactory[] {
  let fleet: FleetComponent | undefined;
  let breakers: BreakerStatesComponent | undefined;
  return [
    createSloComponent,
    (ctx: ComponentContext) => {
      breakers = createBreakerStatesComponent(ctx);
      return breakers;
    },
    (ctx: ComponentContext) => {
      fleet = createFleetComponent(ctx);
      return fleet;
    },
    (ctx: ComponentContext) =>
      createStatusComponent(
        ctx,
        {
          // The SLO engine exposes its statuses only on its route so far: read them there.
          slos: async () => {
            const { url, token } = admin();
            if (url === '') return [];
            const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
            return (await getJson<SloList>(`${url}${COLLECTOR_PATHS.SLOS}`, headers)).slos;
          },
          signals: () => fleet!.hub.snapshot(),
          dependencies: () => fleet!.fleet.view(),
          breakerStates: () => breakers!.table.snapshot(),
          gateIncidents,
          gateDecisions,
          onChange: (listener) => fleet!.fleet.onSignal(() => listener()),
        },
        { sampleIntervalMs: 1_000, ...status },
      ),
  ];
}

/** Console errors and page errors (a CSP violation is reported as a console error). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

describe('status page in headless Chromium', { timeout: 120_000 }, () => {
  let browser: Browser;

  before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  describe('without auth', () => {
    let t: TestService;
    let base = '';
    // The gate's firing incidents, as the gate component keeps them, and its recent decisions.
    const incidents: DesiredAlert[] = [];
    const decisions: GateAnswer[] = [];

    before(async () => {
      t = await startTestService(CONFIG, {
        components: components(
          () => ({ url: base }),
          {},
          () => incidents,
          () => decisions,
        ),
      });
      base = t.url;
    });

    after(async () => {
      await t?.close();
    });

    test('renders the live state and updates when a fleet signal opens, without a reload', async () => {
      await postSpans(base, false, 20);
      await postBreakerStates(base);
      const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
      const page = await context.newPage();
      const errors = watchErrors(page);
      try {
        const response = await page.goto(`${base}/`);
        assert.equal(response?.status(), 200);
        assert.match(response?.headers()['content-security-policy'] ?? '', /default-src 'self'/);

        // Live state: SLO rows from the real engine, no signals, SDK breaker states.
        await page.locator('#conn[data-state="live"]').waitFor({ timeout: 10_000 });
        const sloRow = page.locator('#sec-slos tr[data-slo="availability"]').first();
        await sloRow.waitFor({ timeout: 10_000 });
        assert.match(await sloRow.innerText(), /agent/);
        assert.match(await sloRow.innerText(), /99\.5%/);
        assert.equal((await page.locator('#sec-slos svg.spark').count()) > 0, true, 'budget chart drawn');
        assert.match(await page.locator('#sec-signals').innerText(), /No active fleet signals/);
        await page.locator('#sec-breakerStates tr', { hasText: 'pod-b' }).waitFor({ timeout: 10_000 });
        await page
          .locator('#sec-dependencies tr[data-dependency="openai/gpt-4o"]')
          .waitFor({ timeout: 10_000 });
        assert.match(await page.locator('#sec-dependencies').innerText(), /closed/);

        // A provider outage: failing attempts from two replicas open the fleet breaker.
        await page.evaluate('window.notReloaded = true');
        await postSpans(base, true, 30);
        const card = page.locator('#sec-signals article.card.open[data-dependency="openai/gpt-4o"]');
        await card.waitFor({ timeout: 10_000 });
        const text = await card.innerText();
        assert.match(text, /open/);
        assert.match(text, /errors over/);
        assert.match(text, /2 failing instances/);
        assert.match(text, /503/);
        assert.equal(await page.evaluate('window.notReloaded'), true, 'updated live, not by a reload');
        await page.locator('#summary .badge.open').waitFor({ timeout: 5_000 });
        // A canary rolled back pages: the header says so, not only the alerts table.
        incidents.push({
          labels: gateAlertLabels({ service: 'agent', version: 'v2', decision: 'ROLLBACK' }),
          annotations: { summary: 'agent@v2: ROLLBACK (sustained_burn)' },
        });
        await page
          .locator('#summary .badge.page', { hasText: '1 gate incident' })
          .waitFor({ timeout: 5_000 });
        // The decision's reasons name the SLO, and the operation it was judged on.
        decisions.push({
          decision: 'ROLLBACK',
          service: 'agent',
          version: 'v2',
          baseline: ['v1'],
          reasons: [
            {
              code: 'sustained_burn',
              message: 'availability [operation=chat]: burn rate 49.33x over 10m (37/150 bad)',
              slo: 'availability',
              operation: { operation: 'chat' },
              decision: 'ROLLBACK',
            },
          ],
          slos: [],
          window: '10m',
          evaluatedAt: Date.now(),
        });
        await page
          .locator('#sec-gateDecisions li', { hasText: '(availability [operation=chat])' })
          .waitFor({ timeout: 5_000 });
        // A version already written with its "v" is shown as written, not "v v2".
        assert.equal(await page.locator('#sec-gateDecisions .chip').first().innerText(), 'v2');
        await page
          .locator('#sec-dependencies tr[data-dependency="openai/gpt-4o"] .badge.open')
          .waitFor({ timeout: 5_000 });
        // The SLO row now shows the errors burning budget.
        await page
          .locator('#sec-slos tr[data-slo="availability"] .chip', { hasText: 'server_error' })
          .first()
          .waitFor({ timeout: 10_000 });

        await page.screenshot({ path: path.join(RESULTS, 'status-page.png'), fullPage: true });
        await page.setViewportSize({ width: 390, height: 844 });
        await page.screenshot({ path: path.join(RESULTS, 'status-page-narrow.png'), fullPage: true });
        const overflow = await page.evaluate<number>(
          'document.documentElement.scrollWidth - window.innerWidth',
        );
        assert.ok(overflow <= 1, `no horizontal scrolling at 390 px (overflow ${overflow}px)`);
        assert.deepEqual(errors, [], 'no console errors or CSP violations');
      } finally {
        await context.close();
      }
    });
  });

  describe('when the live stream is refused or lost', () => {
    let t: TestService;
    let base = '';

    before(async () => {
      t = await startTestService(CONFIG, {
        components: components(() => ({ url: base }), { maxSubscribers: 1 }),
      });
      base = t.url;
      await postSpans(base, false, 5);
    });

    after(async () => {
      await t?.close();
    });

    test('says a refusal is the collector being busy, and marks the last data as not live', async () => {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      try {
        const watching = await context.newPage();
        await watching.goto(`${base}/`);
        await watching.locator('#conn[data-state="live"]').waitFor({ timeout: 10_000 });
        await watching.locator('#sec-slos tr[data-slo="availability"]').first().waitFor({ timeout: 10_000 });
        assert.equal(await watching.locator('#stale').isVisible(), false, 'no banner while live');

        // The one viewer slot is taken: a second viewer is told why it is not live.
        const refused = await context.newPage();
        await refused.goto(`${base}/`);
        await refused.locator('#conn[data-state="reconnecting"]').waitFor({ timeout: 10_000 });
        assert.match(await refused.locator('#conn').innerText(), /too many status viewers/);
        assert.equal(await refused.locator('#stale').isVisible(), false, 'nothing shown, so nothing stale');
        await refused.close();

        // The collector goes away: the first viewer keeps its data, marked as no longer live.
        await t.close();
        await watching.locator('#conn[data-state="reconnecting"]').waitFor({ timeout: 10_000 });
        const banner = watching.locator('#stale');
        await banner.waitFor({ state: 'visible', timeout: 5_000 });
        assert.match(await banner.innerText(), /Not live: what follows is the last data received/);
        assert.equal(
          await watching.locator('#sec-slos tr[data-slo="availability"]').first().isVisible(),
          true,
        );
        await watching.screenshot({ path: path.join(RESULTS, 'status-page-not-live.png') });
      } finally {
        await context.close();
      }
    });
  });

  describe('when a quiet live stream is lost', () => {
    let t: TestService;

    before(async () => {
      // Nothing changes (no SLO data, no budget sample due): heartbeats alone keep it live.
      t = await startTestService(CONFIG, {
        components: components(() => ({ url: '' }), { heartbeatMs: 250, sampleIntervalMs: 3_600_000 }),
      });
    });

    after(async () => {
      await t?.close();
    });

    test('dates the last data to when the stream was last heard from, not to the last change', async () => {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      try {
        const page = await context.newPage();
        await page.goto(`${t.url}/`);
        await page.locator('#conn[data-state="live"]').waitFor({ timeout: 10_000 });
        await page.locator('body[data-rendered]').waitFor({ timeout: 10_000 });
        await page.waitForTimeout(5_000);
        await t.close();
        const banner = page.locator('#stale');
        await banner.waitFor({ state: 'visible', timeout: 5_000 });
        const text = await banner.innerText();
        // Live until a moment ago: it was confirmed current then, not 5 s ago when last sent.
        const age = /from (just now|(\d+)s ago)/.exec(text);
        assert.ok(age !== null && Number(age[2] ?? 0) <= 2, text);
      } finally {
        await context.close();
      }
    });
  });

  describe('with auth on', () => {
    let t: TestService;
    let base = '';

    before(async () => {
      t = await startTestService(
        `${CONFIG}auth:\n  tokens:\n    - { token: ${ADMIN}, scopes: [admin] }\n    - { token: ${SUBSCRIBE}, scopes: [subscribe] }\n`,
        { components: components(() => ({ url: base, token: ADMIN })) },
      );
      base = t.url;
      await postSpans(base, false, 5, ADMIN);
    });

    after(async () => {
      await t?.close();
    });

    test('asks for a token, refuses one without the admin scope, then shows the data', async () => {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      const page = await context.newPage();
      const errors = watchErrors(page);
      try {
        await page.goto(`${base}/`);
        await page.locator('#conn[data-state="unauthorized"]').waitFor({ timeout: 10_000 });
        assert.equal(await page.locator('#auth').isVisible(), true);
        assert.equal(await page.locator('#data').isVisible(), false);
        assert.match(await page.locator('#auth-msg').innerText(), /requires a token/);
        await page.screenshot({ path: path.join(RESULTS, 'status-page-unauthorized.png') });

        await page.fill('#token', SUBSCRIBE);
        await page.click('#auth-form button[type="submit"]');
        await page.locator('#auth-msg', { hasText: 'lacks the admin scope' }).waitFor({ timeout: 10_000 });
        assert.match(await page.locator('#conn').innerText(), /403/);

        await page.fill('#token', ADMIN);
        await page.click('#auth-form button[type="submit"]');
        await page.locator('#conn[data-state="live"]').waitFor({ timeout: 10_000 });
        await page.locator('#sec-slos tr[data-slo="availability"]').first().waitFor({ timeout: 10_000 });
        assert.equal(await page.locator('#auth').isVisible(), false);
        assert.equal(await page.evaluate("sessionStorage.getItem('breakwater.statusToken')"), ADMIN);

        // The token survives a reload of the tab, and "Forget token" drops it.
        await page.reload();
        await page.locator('#conn[data-state="live"]').waitFor({ timeout: 10_000 });
        await page.click('#signout');
        await page.locator('#conn[data-state="unauthorized"]').waitFor({ timeout: 10_000 });
        assert.equal(await page.evaluate("sessionStorage.getItem('breakwater.statusToken')"), null);
        // 401/403 answers to the stream are logged by Chromium as failed resources; nothing else may fail.
        assert.deepEqual(
          errors.filter((e) => !/status of 40[13]/.test(e)),
          [],
          'no other console errors or CSP violations',
        );
      } finally {
        await context.close();
      }
    });
  });
});
