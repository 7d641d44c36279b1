/**
 * The status stream across a step of the wall clock: its per-viewer rate limit runs on the
 * monotonic clock, so a viewer keeps getting changes (not only heartbeats) after the step.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { streamViewer, testStream } from './testing/stream-viewer.ts';
import type { StatusSnapshot } from './types.ts';

describe('StatusStream across a wall-clock step', () => {
  it('sends a change within the rate limit after the clock stepped back an hour', async () => {
    const clock = new ManualClock();
    let version = 0;
    const stream = testStream(clock, () => ({ now: clock.now(), version }) as unknown as StatusSnapshot);
    const v = streamViewer();
    stream.subscribe(v.req, v.res);
    await clock.advance(10);
    assert.equal(v.snapshots(), 1);
    clock.stepWall(-3_600_000);
    version = 1;
    stream.changed();
    await clock.advance(1_000);
    stream.stop();
    assert.equal(v.snapshots(), 2);
  });
});
