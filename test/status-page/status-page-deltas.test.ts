/**
 * The status page kept up to date by deltas, in headless Chromium: after every change (an SLO
 * starting to burn, signals opening and closing, a budget sample, every count moving, a gate
 * decision) the page that has been open all along, on one stream, shows exactly what a page
 * loaded afresh (a full snapshot) shows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Clock, COLLECTOR_PATHS, systemClock, type TimerHandle } from '@breakwater/protocol';
import type { Browser, Page } from 'playwright-core';
import {
  STATUS_DELTA_EVENT,
  STATUS_DELTAS_PARAM,
} from '../../collector/src/act/status-page/status-stream.ts';
import { syntheticFleet } from '../../collector/src/act/status-page/testing/synthetic-fleet.ts';
import { createStatusComponent, type StatusComponent } from '../../collector/src/status-component.ts';
import { startTestService, type TestService } from '../../collector/src/testing/helpers.ts';
import { launchChromium } from '../harness/chromium.ts';

const SAMPLE_MS = 3_600_000;

/** The page's data as shown, relative times aside (they tick on each page's own second). */
function shown(page: Page): Promise<string> {
  return page.evaluate(`(() => {
    const copy = document.body.cloneNode(true);
    for (const el of copy.querySelectorAll('.rel')) el.textContent = '';
    return ['#summary', '#updated', '#data'].map((id) => copy.querySelector(id).outerHTML).join('\\n');
  })()`);
}

const snapshotOf = (page: Page) => page.locator('body').getAttribute('data-snapshot');

/**
 * What `a` and `b` show once both show the same snapshot. The stream re-reads its sources on its
 * own too (a signal's expiry is counted to the second), so the fresh page may load a snapshot
 * newer than the one the open page had a moment before: the open page then gets it as a delta.
 */
async function shownInStep(a: Page, b: Page): Promise<[string, string]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const id = await snapshotOf(a);
    if (id === (await snapshotOf(b))) {
      const pair: [string, string] = [await shown(a), await shown(b)];
      if (id === (await snapshotOf(a)) && id === (await snapshotOf(b))) return pair;
    }
    assert.ok(Date.now() < deadline, 'the open and the fresh page never showed the same snapshot');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('status page kept up to date by deltas', { timeout: 120_000 }, () => {
  const fleet = syntheticFleet(300);
  let status: StatusComponent | undefined;
  let t: TestService;
  let browser: Browser;
  // The budget sampling timer, held: the test samples when it chooses.
  let sampleNow: (() => void) | undefined;
  const sampleHandle = {} as TimerHandle;
  const clock: Clock = {
    ...systemClock,
    now: () => systemClock.now(),
    monotonic: () => systemClock.monotonic(),
    setTimeout: (fn, ms, options) => {
      if (ms !== SAMPLE_MS) return systemClock.setTimeout(fn, ms, options);
      sampleNow = fn;
      return sampleHandle;
    },
    clearTimeout: (handle) => (handle === sampleHandle ? undefined : systemClock.clearTimeout(handle)),
  };

  before(async () => {
    t = await startTestService('store: { kind: memory }\n', {
      components: [
        (ctx) => {
          status = createStatusComponent({ ...ctx, clock }, fleet.sources, {
            minIntervalMs: 100,
            pollIntervalMs: 100,
            sampleIntervalMs: SAMPLE_MS,
            historyCapacity: 2, // the second sample drops the oldest point
          });
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

  test('the open page shows after each delta what a fresh page shows', async () => {
    // What the stream sends a viewer that asks for deltas, as the page does: deltas after the first snapshot.
    const events: string[] = [];
    const watcher = new AbortController();
    const stream = await fetch(`${t.url}${COLLECTOR_PATHS.STATUS_EVENTS}?${STATUS_DELTAS_PARAM}=1`, {
      signal: watcher.signal,
    });
    void (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of stream.body!) {
        for (const m of decoder.decode(chunk, { stream: true }).matchAll(/^event: (.*)$/gm))
          events.push(m[1]!);
      }
    })().catch(() => undefined);

    const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
    try {
      const live = await context.newPage();
      const errors: string[] = [];
      live.on('pageerror', (e) => errors.push(String(e)));
      let streams = 0;
      live.on('request', (r) => {
        if (new URL(r.url()).pathname === COLLECTOR_PATHS.STATUS_EVENTS) streams++;
      });
      await live.goto(`${t.url}/`);
      await live.locator('#sec-slos tbody tr').first().waitFor({ timeout: 10_000 });
      // The SLO table shows more rows than its first 50, so rows beyond them are compared too.
      await live.locator('#sec-slos button', { hasText: /more/ }).click();

      const changes: [string, () => void][] = [
        ['an SLO starts burning', () => fleet.burn(5)],
        ['signals open', () => fleet.signal(4)],
        ['a budget sample', () => sampleNow!()],
        ['every count moves', () => fleet.advance()],
        [
          'a gate decision',
          () =>
            status!.recordGateDecision({
              decision: 'HALT',
              service: 'service-0003',
              version: '1.5.0',
              baseline: ['1.4.0'],
              reasons: [{ code: 'slo_burn', message: 'burning', slo: 'availability' }],
              slos: [],
              window: '10m',
              evaluatedAt: Date.now(),
            }),
        ],
        [
          'signals close, another SLO burns',
          () => {
            fleet.signal(1);
            fleet.burn(40);
          },
        ],
        [
          'another sample, counts move',
          () => {
            sampleNow!();
            fleet.advance();
          },
        ],
      ];
      for (const [what, change] of changes) {
        const before = await live.locator('body').getAttribute('data-snapshot');
        change();
        status!.changed();
        await live.locator(`body:not([data-snapshot="${before}"])`).waitFor({ timeout: 10_000 });
        const fresh = await context.newPage();
        await fresh.goto(`${t.url}/`);
        await fresh.locator('body[data-snapshot]').waitFor({ timeout: 10_000 });
        await fresh.locator('#sec-slos button', { hasText: /more/ }).click();
        const [kept, loaded] = await shownInStep(live, fresh);
        assert.equal(kept, loaded, what);
        await fresh.close();
      }
      assert.equal(streams, 1, 'the open page stayed on its one stream');
      assert.deepEqual(errors, []);
      assert.ok(events.filter((e) => e === STATUS_DELTA_EVENT).length >= changes.length, events.join());
    } finally {
      watcher.abort();
      await context.close();
    }
  });
});
