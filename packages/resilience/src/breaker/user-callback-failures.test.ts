import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import type { Classification } from '../classify/classification.ts';
import type { ClassifyHint } from '../classify/classifier.ts';
import { Classifier } from '../classify/classifier.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { noopListener } from '../telemetry/listener.ts';
import { overloaded, warningsDuring } from '../testing/support.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import type { CircuitBreakerOptions } from './options.ts';

/** Runs a call that fails with a 503 through `target`, which passes that failure on. */
async function failsOverloaded(target: {
  execute(fn: () => Promise<string>): Promise<string>;
}): Promise<void> {
  await assert.rejects(
    target.execute(() => Promise.reject(overloaded())),
    /overloaded/,
  );
}

/**
 * Opens a one-failure breaker, lets it go half-open, and fails its probe while `broken` is set;
 * then checks the breaker still recovers: a later probe is admitted and closes it.
 */
async function probeFailsWhileBroken(
  make: (
    clock: ManualClock,
    broken: () => boolean,
  ) => { execute(fn: () => Promise<string>): Promise<string> },
  breakerOf: (made: unknown) => CircuitBreaker,
): Promise<void> {
  const clock = new ManualClock(0);
  let broken = false;
  const made = make(clock, () => broken);
  const breaker = breakerOf(made);
  await failsOverloaded(made);
  assert.equal(breaker.state, 'open');
  await clock.advance(1_000);
  assert.equal(breaker.state, 'half_open');
  broken = true;
  await assert.rejects(
    made.execute(() => Promise.reject(overloaded())),
    /overloaded/,
    'the call fails with its own error',
  );
  broken = false;
  assert.equal(
    breaker.state,
    'open',
    'the failed probe, counted by the built-in rule, re-opened the breaker',
  );
  await clock.advance(60_000);
  assert.equal(await made.execute(async () => 'ok'), 'ok', 'the next probe is admitted: no slot was kept');
  assert.equal(breaker.state, 'closed');
}

/** {@link probeFailsWhileBroken} through a one-failure Pipeline classifying with `classifierOf`. */
function pipelineProbeFailsWhileBroken(classifierOf: (broken: () => boolean) => Classifier): Promise<void> {
  return probeFailsWhileBroken(
    (clock, broken) =>
      new Pipeline({
        dependency: 'llm',
        clock,
        listener: noopListener,
        classifier: classifierOf(broken),
        breaker: { trip: { kind: 'consecutive', threshold: 1 }, openDurationMs: 1_000 },
      }),
    (p) => (p as Pipeline).breaker!,
  );
}

const base = (clock: ManualClock): CircuitBreakerOptions => ({
  dependency: 'llm',
  clock,
  listener: noopListener,
  trip: { kind: 'consecutive', threshold: 1 },
  openDurationMs: 1_000,
});

describe('user callbacks that fail mid-bookkeeping never leave a breaker refusing every call', () => {
  it('a shouldCount that throws on a probe failure gives way to the built-in rule', async () => {
    const warnings = await warningsDuring(() =>
      probeFailsWhileBroken(
        (clock, broken) =>
          new CircuitBreaker({
            ...base(clock),
            shouldCount: (c: Classification) => {
              if (broken()) throw new Error('shouldCount bug');
              return c.source === 'dependency';
            },
          }),
        (b) => b as CircuitBreaker,
      ),
    );
    assert.deepEqual(
      warnings.filter((w) => w.includes('shouldCount threw')),
      [
        'Breakwater breaker shouldCount threw; the built-in rule decided; further errors are ignored: Error: shouldCount bug',
      ],
    );
  });

  for (const [label, delay] of [
    [
      'throws',
      () => {
        throw new Error('backoff bug');
      },
    ],
    ['returns NaN', () => Number.NaN],
    ['returns a negative delay', () => -5],
  ] as const) {
    it(`an openBackoff that ${label} opens for the built-in duration instead`, async () => {
      const warnings = await warningsDuring(async () => {
        const clock = new ManualClock(0);
        const breaker = new CircuitBreaker({ ...base(clock), openBackoff: { delay } });
        await failsOverloaded(breaker);
        assert.equal(breaker.state, 'open');
        await clock.advance(999);
        assert.equal(breaker.state, 'open');
        await clock.advance(1);
        assert.equal(breaker.state, 'half_open', 'open for openDurationMs, not for ever');
      });
      assert.equal(warnings.filter((w) => w.includes('openBackoff failed')).length, 1);
    });
  }

  it("a Classifier rule that throws on a pipeline's probe failure is skipped, and said once", async () => {
    const warnings = await warningsDuring(() =>
      pipelineProbeFailsWhileBroken(
        (broken) =>
          new Classifier({
            rules: [
              {
                when: () => {
                  if (broken()) throw new Error('rule bug');
                  return false;
                },
                classify: { category: 'validation' },
              },
            ],
          }),
      ),
    );
    assert.equal(warnings.filter((w) => w.includes('Classifier rule failed and was skipped')).length, 1);
  });

  for (const [label, classify] of [
    [
      'throws',
      () => {
        throw new Error('classifier bug');
      },
    ],
    ['returns no classification', () => undefined],
  ] as const) {
    it(`a custom classifier that ${label} gives way to the built-in rules`, async () => {
      const warnings = await warningsDuring(() =>
        pipelineProbeFailsWhileBroken(
          (broken) =>
            ({
              classify: (error: unknown) => (broken() ? classify() : new Classifier().classify(error)),
            }) as never,
        ),
      );
      assert.equal(warnings.filter((w) => w.includes('classifier failed')).length, 1);
    });
  }

  it('a Classifier subclass whose own classify() throws gives way to the built-in rules too', async () => {
    // Only the Classifier's own classify() guards itself (its rules); an override is user code.
    const subclass = (broken: () => boolean) =>
      new (class TenantClassifier extends Classifier {
        override classify(error: unknown, hint?: ClassifyHint): Classification {
          if (broken()) throw new Error('tenant lookup failed');
          return super.classify(error, hint);
        }
      })();
    const warnings = await warningsDuring(() => pipelineProbeFailsWhileBroken(subclass));
    assert.equal(warnings.filter((w) => w.includes('classifier failed')).length, 1);
  });
});
