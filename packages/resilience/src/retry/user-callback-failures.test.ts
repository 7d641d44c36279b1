import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import type { Backoff } from '../backoff/backoff.ts';
import type { Classification } from '../classify/classification.ts';
import type { Operation } from '../core/context.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { noopListener } from '../telemetry/listener.ts';
import { overloaded, warningsDuring } from '../testing/support.ts';
import type { RetryOptions } from './retry-policy.ts';
import { RetryPolicy } from './retry-policy.ts';

type Runner = (clock: ManualClock, options: RetryOptions) => (fn: Operation<string>) => Promise<string>;

const runners: [string, Runner][] = [
  [
    'Pipeline',
    (clock, retry) => {
      const pipeline = new Pipeline({ dependency: 'llm', clock, retry, listener: noopListener });
      return (fn) => pipeline.execute(fn);
    },
  ],
  [
    'RetryPolicy',
    (clock, options) => {
      const retry = new RetryPolicy({ clock, listener: noopListener, ...options });
      return (fn) => retry.execute(fn);
    },
  ],
];

/** Fails every attempt with a 503; returns what the call ended with and when each attempt ran. */
async function failingCall(
  clock: ManualClock,
  execute: (fn: Operation<string>) => Promise<string>,
): Promise<{ error: unknown; times: number[] }> {
  const times: number[] = [];
  let settled = false;
  let error: unknown;
  const call = execute(() => {
    times.push(clock.monotonic());
    throw overloaded();
  }).catch((e: unknown) => {
    error = e;
  });
  void call.finally(() => {
    settled = true;
  });
  for (let i = 0; i < 100 && !settled; i++) await clock.advance(1_000);
  assert.ok(settled, 'the call ended');
  return { error, times };
}

describe('a retryOn that throws', () => {
  for (const [name, runner] of runners) {
    it(`(${name}) gives way to the built-in rule; the call fails with its own error`, async () => {
      const clock = new ManualClock();
      const retryOn = (c: Classification) => (c.provider as string).startsWith('open');
      const warnings = await warningsDuring(async () => {
        const { error, times } = await failingCall(clock, runner(clock, { maxAttempts: 3, retryOn }));
        assert.equal((error as Error).message, 'overloaded', 'not the TypeError of retryOn');
        assert.equal(times.length, 3, 'a 503 is retryable by the built-in rule');
      });
      assert.equal(warnings.filter((w) => w.includes('retryOn threw')).length, 1);
    });
  }
});

describe('a back-off whose delay is not a finite number of ms ≥ 0', () => {
  const broken: [string, Backoff][] = [
    ['NaN (retried at once)', { delay: () => Number.NaN }],
    ['-1 (no retry at all)', { delay: () => -1 }],
    ['Infinity (waits 24.8 days, keeping the process alive)', { delay: () => Number.POSITIVE_INFINITY }],
    [
      'a throw (the call failed with it)',
      {
        delay: () => {
          throw new TypeError('bad back-off');
        },
      },
    ],
  ];
  for (const [name, runner] of runners) {
    for (const [what, backoff] of broken) {
      it(`(${name}, ${what}) gives way to the default back-off`, async () => {
        const clock = new ManualClock();
        const options = { maxAttempts: 3, backoff, random: () => 0.5 };
        const warnings = await warningsDuring(async () => {
          const { error, times } = await failingCall(clock, runner(clock, options));
          assert.equal((error as Error).message, 'overloaded');
          // The default: 250 ms doubling, full jitter (here half of it).
          assert.deepEqual(
            times.map((t) => t - times[0]!),
            [0, 125, 375],
          );
        });
        assert.equal(warnings.filter((w) => w.includes('backoff failed')).length, 1);
      });
    }
  }
});
