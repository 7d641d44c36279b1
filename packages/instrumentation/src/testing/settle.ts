import assert from 'node:assert/strict';
import { setTimeout as wait } from 'node:timers/promises';
import type { ManualClock } from '@breakwater/protocol';

/**
 * Advances `clock` (the policies' clock) in 250 ms steps, letting I/O run between them, until `p`
 * settles (at most 50 s of clock time); its outcome.
 */
export async function settleAdvancing<T>(
  clock: ManualClock,
  p: PromiseLike<T>,
): Promise<PromiseSettledResult<T>> {
  let result: PromiseSettledResult<T> | undefined;
  const settled = Promise.resolve(p).then(
    (value) => (result = { status: 'fulfilled', value }),
    (reason: unknown) => (result = { status: 'rejected', reason }),
  );
  for (let i = 0; i < 200 && result === undefined; i++) {
    await wait(5);
    await clock.advance(250);
  }
  await Promise.race([settled, wait(1)]);
  assert.ok(result !== undefined, 'the call never settled');
  return result;
}
