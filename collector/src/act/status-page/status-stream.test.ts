/**
 * The status stream's viewers: one that connects and never reads (nothing more is written to its
 * socket once it needs draining, so its queue stays small, and it must still lose its slot), and
 * what counts as a new snapshot for them.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { streamViewer, testStream } from './testing/stream-viewer.ts';
import type { StatusSnapshot } from './types.ts';

it('drops a viewer whose socket has needed draining for two heartbeats; one that reads stays', async () => {
  const clock = new ManualClock();
  let version = 0;
  const stream = testStream(clock, () => ({ now: clock.now(), version }) as unknown as StatusSnapshot);
  const reader = streamViewer(true);
  const stuck = streamViewer(false);
  stream.subscribe(reader.req, reader.res);
  stream.subscribe(stuck.req, stuck.res);
  for (let s = 0; s < 29; s++) {
    version++;
    stream.changed();
    await clock.advance(1_000);
  }
  assert.equal(stuck.destroyed(), false, 'not within two heartbeats');
  await clock.advance(16_000);
  stream.stop();
  assert.equal(stuck.destroyed(), true);
  assert.equal(reader.destroyed(), false);
  assert.equal(stream.stats.dropped, 1);
});

it('keeps a viewer that takes snapshots of megabytes slowly', async () => {
  // A status page of many SLOs sends snapshots of megabytes, and a browser reads the next only
  // once it has rendered the last: such a viewer is slow, not stalled.
  const clock = new ManualClock();
  let version = 0;
  const pad = 'x'.repeat(5 << 20);
  const stream = testStream(clock, () => ({ now: clock.now(), version, pad }) as unknown as StatusSnapshot);
  const viewer = streamViewer(false);
  stream.subscribe(viewer.req, viewer.res);
  for (let s = 1; s <= 12; s++) {
    version++;
    stream.changed();
    await clock.advance(1_000);
    if (s % 3 === 0) viewer.drain(); // takes each snapshot within three seconds
  }
  stream.stop();
  assert.equal(viewer.destroyed(), false);
  assert.equal(stream.stats.dropped, 0);
  assert.ok(viewer.snapshots() >= 4, `got ${viewer.snapshots()} snapshots`);
});

it('sends a new snapshot when a signal is re-issued, not each second its ttlMs counts down', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  let expiresAt = clock.now() + 60_000;
  const signal = { id: 's1', dependency: 'openai/gpt-4o', state: 'open', issuedAt: clock.now() };
  const stream = testStream(
    clock,
    () =>
      ({
        now: clock.now(),
        signals: [{ ...signal, ttlMs: expiresAt - clock.now() }],
      }) as unknown as StatusSnapshot,
    { pollIntervalMs: 1_000 },
  );
  const v = streamViewer(true);
  stream.subscribe(v.req, v.res);
  for (let s = 0; s < 10; s++) await clock.advance(1_000);
  assert.equal(v.snapshots(), 1, 'the countdown is the page’s own');
  expiresAt = clock.now() + 60_000; // re-issued: a later expiry
  stream.changed();
  await clock.advance(1_000);
  stream.stop();
  assert.equal(v.snapshots(), 2);
});

it('sends no new snapshot for an SLO evaluated again with the same result', async () => {
  // Each build re-reads the SLOs, evaluated anew: only `evaluatedAt` moves, which the page does
  // not show; a snapshot a second re-rendered the page and took an operator's text selection.
  const clock = new ManualClock(1_700_000_000_000);
  let budgetRemaining = 1;
  const stream = testStream(
    clock,
    () =>
      ({
        now: clock.now(),
        slos: [
          { name: 'availability', evaluatedAt: clock.now(), groups: [{ service: 'a', budgetRemaining }] },
        ],
      }) as unknown as StatusSnapshot,
    { pollIntervalMs: 1_000 },
  );
  const v = streamViewer(true);
  stream.subscribe(v.req, v.res);
  for (let s = 0; s < 10; s++) await clock.advance(1_000);
  assert.equal(v.snapshots(), 1, 'the same evaluation result');
  budgetRemaining = 0.9;
  await clock.advance(1_000);
  stream.stop();
  assert.equal(v.snapshots(), 2);
});
