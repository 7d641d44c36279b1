import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { RolledBackVersions } from './rolled-back-versions.ts';

it('remembers a ROLLBACK answer for as long as the gate window, per service, from the last answer', async () => {
  const clock = new ManualClock(0);
  const versions = new RolledBackVersions(clock, 600_000);
  versions.add('chat', 'v2');
  versions.add('search', 'v7');
  assert.deepEqual(versions.of('chat'), ['v2']);
  await clock.advance(500_000);
  versions.add('chat', 'v2'); // polled again by --watch: kept from this answer on
  await clock.advance(200_000);
  assert.deepEqual(versions.of('chat'), ['v2']);
  assert.deepEqual(versions.of('search'), []);
  await clock.advance(400_001);
  assert.deepEqual(versions.of('chat'), []);
});
