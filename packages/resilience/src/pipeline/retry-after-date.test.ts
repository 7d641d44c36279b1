import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { Pipeline } from './pipeline.ts';

it('reads an HTTP-date Retry-After on the pipeline’s own clock', async () => {
  // A clock far from the system's: on the system clock the date would be long past (no wait).
  const clock = new ManualClock(Date.UTC(2040, 0, 1));
  const delays: number[] = [];
  const pipeline = new Pipeline({
    dependency: 'llm',
    clock,
    listener: { onRetry: (_ctx, _c, delayMs) => void delays.push(delayMs) },
    retry: { maxAttempts: 2, random: () => 0 },
  });
  let attempts = 0;
  const result = pipeline.execute(() => {
    attempts++;
    if (attempts === 1) {
      const retryAfter = new Date(clock.now() + 5_000).toUTCString();
      throw Object.assign(new Error('429'), { status: 429, headers: { 'retry-after': retryAfter } });
    }
    return 'ok';
  });
  await clock.advance(4_000);
  assert.equal(attempts, 1, 'still waiting out the date');
  await clock.advance(2_000);
  assert.equal(await result, 'ok');
  assert.ok(delays[0]! >= 4_000 && delays[0]! <= 5_000, `waited ${delays[0]} ms`);
});
