/**
 * The status page at fleet scale in headless Chromium: hundreds of SLO rows, one of them burning
 * near the end of the engine's order. The burning one must be the first row, the table must stay
 * a bounded number of rows (more on request), a filter must find any service and keep to it
 * across updates, and a row whose data did not change must stay the same element (an
 * operator's selection in it survives an update).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { serviceName, syntheticFleet } from '../../collector/src/act/status-page/testing/synthetic-fleet.ts';
import { createStatusComponent, type StatusComponent } from '../../collector/src/status-component.ts';
import { startTestService, type TestService } from '../../collector/src/testing/helpers.ts';
import { launchChromium } from '../harness/chromium.ts';

const ROWS = 600;

/** Waits for the page to render a snapshot newer than the one shown now. */
async function nextRender(page: Page, change: () => void): Promise<void> {
  const shown = await page.locator('body').getAttribute('data-rendered');
  change();
  await page.locator(`body:not([data-rendered="${shown}"])`).waitFor({ timeout: 10_000 });
}

describe('status page with hundreds of SLO rows', { timeout: 120_000 }, () => {
  const fleet = syntheticFleet(ROWS);
  const burning = fleet.services - 2;
  let status: StatusComponent | undefined;
  let t: TestService;
  let browser: Browser;

  before(async () => {
    fleet.burn(burning);
    t = await startTestService('store: { kind: memory }\n', {
      components: [
        (ctx) => {
          status = createStatusComponent(ctx, fleet.sources, { minIntervalMs: 100 });
          return status;
        },
      ],
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test('lists the burning SLO first, a bounded number of rows, and filters', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
    try {
      const page = await context.newPage();
      await page.goto(`${t.url}/`);
      const rows = page.locator('#sec-slos tbody tr');
      await rows.first().waitFor({ timeout: 10_000 });

      // Worst first: the one burning SLO leads, whatever the engine's order.
      const first = rows.first();
      assert.equal(await first.getAttribute('data-slo'), 'availability');
      assert.match(await first.innerText(), new RegExp(serviceName(burning)));
      assert.equal(await first.locator('.badge.emergency').count(), 1);

      // Bounded: not every one of the hundreds of rows is in the page, and it says so.
      const shown = await rows.count();
      assert.ok(shown < ROWS / 4, `${shown} rows rendered of ${ROWS}`);
      const more = page.locator('#sec-slos button', { hasText: /more/ });
      assert.match(await page.locator('#sec-slos').innerText(), /worst first/);
      await more.click();
      await page.waitForFunction(`document.querySelectorAll('#sec-slos tbody tr').length > ${shown}`);

      // A row whose data does not change stays the same element across an update.
      await page.evaluate("document.querySelector('#sec-slos tbody tr').dataset.mark = 'kept'");
      await nextRender(page, () =>
        status!.recordGateDecision({
          decision: 'PROCEED',
          service: 'agent',
          version: '2',
          baseline: ['1'],
          reasons: [],
          slos: [],
          window: '10m',
          evaluatedAt: Date.now(),
        }),
      );
      assert.equal(await page.locator('#sec-slos tbody tr[data-mark="kept"]').count(), 1);

      // The filter finds a service anywhere in the fleet, and keeps to it across updates.
      const wanted = serviceName(8);
      await page.locator('#filter-slos').fill(wanted);
      await page.waitForFunction(
        `[...document.querySelectorAll('#sec-slos tbody tr')].every((tr) => tr.innerText.includes(${JSON.stringify(wanted)}))`,
      );
      // Four SLOs, each with its summed row and two version rows (service 8 runs a canary).
      assert.equal(await rows.count(), 12);
      await nextRender(page, () => {
        fleet.advance();
        status!.changed();
      });
      assert.equal(await rows.count(), 12);
      assert.equal(await page.locator('#filter-slos').inputValue(), wanted);
    } finally {
      await context.close();
    }
  });

  test('bounds the signal cards, open and newest first, and says how many are hidden', async () => {
    // A provider outage opens the breaker of every dependency on it: hundreds of cards pushed
    // the SLOs far down the page and took seconds to render.
    fleet.signal(90); // signal i issued i seconds in; every third ramping
    const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
    try {
      const page = await context.newPage();
      await page.goto(`${t.url}/`);
      const cards = page.locator('#sec-signals article');
      await cards.first().waitFor({ timeout: 10_000 });
      const shown = await cards.count();
      assert.ok(shown <= 24, `${shown} cards of 90`);
      // Open before ramping, the newest first: 89 is open (89 % 3 = 2) and the last issued.
      assert.equal(await cards.first().getAttribute('data-dependency'), 'openai/gpt-89');
      assert.equal(await cards.nth(1).getAttribute('data-dependency'), 'openai/gpt-88');
      assert.match(await page.locator('#sec-signals').innerText(), new RegExp(`Showing ${shown} of 90`));
      assert.equal(await page.locator('#count-signals').innerText(), '90');
      await page.locator('#sec-signals button', { hasText: /more/ }).click();
      await page.waitForFunction(`document.querySelectorAll('#sec-signals article').length > ${shown}`);
    } finally {
      fleet.signal(0);
      await context.close();
    }
  });
});
