/**
 * The status stream sends a viewer the whole snapshot once, then deltas: a fleet's burn rates
 * move at every evaluation, and a whole snapshot of a few thousand SLO rows is megabytes, which
 * every open page was sent every second. A viewer behind gets the deltas it missed or, further
 * behind, the newest full snapshot; whatever it got, it holds exactly the latest snapshot.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { silentLogger } from '../../silent-logger.ts';
import { StatusModel } from './status-model.ts';
import { STATUS_DELTA_EVENT, STATUS_EVENT } from './status-stream.ts';
import { deltaApplier } from './testing/delta-applier.ts';
import { streamViewer, testStream } from './testing/stream-viewer.ts';
import { syntheticFleet } from './testing/synthetic-fleet.ts';
import type { StatusSnapshot } from './types.ts';

const applyDelta = deltaApplier();

/** A stream over a synthetic fleet of `rows` SLO rows, budget history sampled. */
async function fleetStream(rows: number) {
  const clock = new ManualClock(1_700_000_000_000);
  const fleet = syntheticFleet(rows);
  const model = new StatusModel({
    clock,
    logger: silentLogger,
    sources: fleet.sources,
    historyCapacity: 30,
    historySeries: 500,
    alertCapacity: 50,
    gateCapacity: 20,
    alertOptions: { levels: true, extraLabels: {} },
  });
  for (let i = 0; i < 30; i++) {
    await model.sample();
    await clock.advance(10_000);
  }
  let last: StatusSnapshot | undefined;
  const stream = testStream(
    clock,
    async () => {
      last = await model.build();
      return last;
    },
    // Heartbeats far apart: a viewer that does not read stays while it falls behind.
    { pollIntervalMs: 1_000, heartbeatMs: 300_000 },
  );
  return { clock, fleet, model, stream, latest: () => structuredClone(last!) };
}

/** What a viewer holds after the events written to it. */
function held(viewer: ReturnType<typeof streamViewer>): StatusSnapshot {
  let snapshot: StatusSnapshot | undefined;
  let id = '';
  for (const e of viewer.events()) {
    if (e.event === STATUS_EVENT) snapshot = e.data as StatusSnapshot;
    else {
      assert.equal((e.data as { from: string }).from, id, 'a delta follows the event it applies to');
      snapshot = applyDelta(snapshot!, e.data);
    }
    id = e.id;
  }
  return snapshot!;
}

const bytes = (e: { data: unknown }) => JSON.stringify(e.data).length;

describe('StatusStream deltas', () => {
  it('sends a change as a delta of what changed, the same bytes to every viewer', async () => {
    const { clock, fleet, stream, latest } = await fleetStream(600);
    const a = streamViewer();
    const b = streamViewer();
    stream.subscribe(a.req, a.res, true);
    stream.subscribe(b.req, b.res, true);
    await clock.advance(10);
    fleet.burn(3); // one SLO group starts burning
    stream.changed();
    await clock.advance(1_000);
    stream.stop();
    const [full, change] = a.events();
    assert.equal(full?.event, STATUS_EVENT);
    assert.equal(change?.event, STATUS_DELTA_EVENT);
    assert.ok(bytes(change!) * 50 < bytes(full!), `delta ${bytes(change!)} B, snapshot ${bytes(full!)} B`);
    assert.deepEqual(b.events(), a.events(), 'the same events to both');
    assert.equal(JSON.stringify(held(a)), JSON.stringify(latest()));
  });

  it('brings a viewer that fell behind to exactly the latest snapshot, with deltas or in full', async () => {
    const { clock, fleet, stream, latest } = await fleetStream(200);
    const reader = streamViewer();
    const slow = streamViewer(false);
    stream.subscribe(reader.req, reader.res, true);
    stream.subscribe(slow.req, slow.res, true);
    await clock.advance(10);
    slow.drain(); // took the retry line: now gets the first snapshot, and takes nothing more for a while
    for (let s = 0; s < 3; s++) {
      fleet.burn(s);
      stream.changed();
      await clock.advance(1_000);
    }
    slow.drain();
    assert.deepEqual(
      slow.events().map((e) => e.event),
      [STATUS_EVENT, STATUS_DELTA_EVENT, STATUS_DELTA_EVENT, STATUS_DELTA_EVENT],
      'three changes behind: the three deltas',
    );
    assert.equal(JSON.stringify(held(slow)), JSON.stringify(latest()));

    // Every row changes each time: the deltas soon add up to more than the snapshot.
    for (let s = 0; s < 10; s++) {
      fleet.advance();
      stream.changed();
      await clock.advance(1_000);
    }
    slow.drain();
    stream.stop();
    assert.equal(slow.events().at(-1)?.event, STATUS_EVENT, 'ten large changes behind: the whole snapshot');
    assert.equal(JSON.stringify(held(slow)), JSON.stringify(latest()));
    assert.equal(JSON.stringify(held(reader)), JSON.stringify(latest()));
    assert.equal(reader.events().filter((e) => e.event === STATUS_EVENT).length, 1);
  });
});
