import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { DiagLogLevel, diag, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { createRuntime } from './runtime.ts';
import { attrs, byRole, harnessPerFile } from './testing/harness.ts';
import { type ToolOptions, tool } from './tool.ts';

// A tool's timeout is the pipeline's aggressive attempt deadline: the call fails at the deadline
// and the tool's promise is abandoned. Its attempt span must end there, as a timeout, whatever
// the abandoned promise does later.

const h = harnessPerFile();

/** A tool body that ignores every signal and settles only when the test says so. */
function hanging() {
  const pending: ((value: string) => void)[] = [];
  let calls = 0;
  const body = (): Promise<string> => {
    calls++;
    if (calls > 1) return Promise.resolve('second try');
    return new Promise<string>((resolve) => pending.push(resolve));
  };
  return { body, settle: (v: string) => pending.shift()?.(v) };
}

function spansOf(name: string, role: 'operation' | 'attempt'): ReadableSpan[] {
  return byRole(h.spans(), role).filter((s) => s.name === `execute_tool ${name}`);
}

/** Lets promise callbacks run (the abandoned tool settling) without moving the manual clock. */
const settleMicrotasks = () => new Promise((r) => setImmediate(r));

describe('tool() attempt deadline', () => {
  it('ends the attempt span as a timeout at the deadline; the abandoned settle changes nothing', async () => {
    const clock = new ManualClock();
    const runtime = createRuntime({
      clock,
      policies: [{ match: 'tool/hangs_once', policy: { timeoutMs: 1_000 } }],
    });
    const t = hanging();
    const call = tool('hangs_once', t.body, { runtime })();
    const failed = assert.rejects(call, { name: 'TimeoutError' });
    await clock.advance(1_100);
    await failed;
    const [attempt] = spansOf('hangs_once', 'attempt');
    assert.ok(attempt, 'the attempt span ended at the deadline');
    assert.equal(attempt.status.code, SpanStatusCode.ERROR);
    assert.equal(attrs(attempt)['breakwater.error.category'], 'timeout');
    assert.equal(attrs(attempt)['error.type'], attrs(spansOf('hangs_once', 'operation')[0]!)['error.type']);

    t.settle('too late');
    await settleMicrotasks();
    const attempts = spansOf('hangs_once', 'attempt');
    assert.equal(attempts.length, 1, 'the late settle ends no second span');
    assert.equal(attempts[0]!.status.code, SpanStatusCode.ERROR);
  });

  it('with a retry: the abandoned attempt is a timeout, the retry succeeds', async () => {
    const clock = new ManualClock();
    const runtime = createRuntime({
      clock,
      policies: [
        {
          match: 'tool/hangs_then_ok',
          policy: { timeoutMs: 1_000, retry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 } },
        },
      ],
    });
    const t = hanging();
    const call = tool('hangs_then_ok', t.body, { runtime })();
    await clock.advance(1_100);
    assert.equal(await call, 'second try');
    const attempts = spansOf('hangs_then_ok', 'attempt');
    assert.equal(attempts.length, 2);
    const [first, second] = attempts.sort(
      (a, b) =>
        Number(attrs(a)['http.request.resend_count'] ?? 0) -
        Number(attrs(b)['http.request.resend_count'] ?? 0),
    );
    assert.equal(attrs(first!)['breakwater.error.category'], 'timeout');
    assert.equal(first!.status.code, SpanStatusCode.ERROR);
    assert.notEqual(second!.status.code, SpanStatusCode.ERROR);

    t.settle('too late');
    await settleMicrotasks();
    assert.equal(spansOf('hangs_then_ok', 'attempt').length, 2);
    assert.equal(spansOf('hangs_then_ok', 'operation')[0]!.status.code, SpanStatusCode.UNSET);
  });
});

const silentDiag = { verbose() {}, debug() {}, info() {}, warn() {}, error() {} };

describe('one tool name, two call sites with policies of their own', () => {
  it('share one bulkhead (the first limits, with a warning) and each keep their pipeline', async () => {
    const warnings: string[] = [];
    diag.setLogger({ ...silentDiag, warn: (m: string) => warnings.push(m) }, DiagLogLevel.WARN);
    try {
      const runtime = createRuntime();
      let release: () => void = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      const narrow = tool('shared_limit', () => held, {
        runtime,
        policy: { bulkhead: { maxConcurrent: 1, maxQueue: 0 } },
      });
      const wide = tool('shared_limit', async () => 'wide', {
        runtime,
        policy: { bulkhead: { maxConcurrent: 3, maxQueue: 0 } },
      });
      const first = narrow();
      // The dependency's one slot is taken: the other call site is refused, not given a bulkhead
      // of its own.
      await assert.rejects(wide(), { name: 'BulkheadFullError' });
      assert.deepEqual(warnings, [
        'Breakwater: tool/shared_limit is called with bulkhead limits { maxConcurrent: 3, maxQueue: 0 } and { maxConcurrent: 1, maxQueue: 0 }; a dependency has one bulkhead, so every call site shares the first: { maxConcurrent: 1, maxQueue: 0 }',
      ]);
      release();
      await first;
      assert.equal(await wide(), 'wide');

      // Alternating call sites reuse their pipelines instead of rebuilding one per call.
      const narrowPolicy = runtime.policies.resolveWith('tool/shared_limit', {
        bulkhead: { maxConcurrent: 1 },
      });
      const widePolicy = runtime.policies.resolveWith('tool/shared_limit', {
        bulkhead: { maxConcurrent: 3 },
      });
      const p1 = runtime.guard.pipeline('tool/shared_limit', narrowPolicy, 'pipeline');
      const p2 = runtime.guard.pipeline('tool/shared_limit', widePolicy, 'pipeline');
      assert.notEqual(p1, p2);
      assert.equal(runtime.guard.pipeline('tool/shared_limit', narrowPolicy, 'pipeline'), p1);
      assert.equal(runtime.guard.pipeline('tool/shared_limit', widePolicy, 'pipeline'), p2);
      // A policy object made per call, equal to one seen, shares that one's pipeline.
      const again = runtime.policies.resolveWith('tool/shared_limit', { bulkhead: { maxConcurrent: 1 } });
      assert.notEqual(again, narrowPolicy);
      assert.equal(runtime.guard.pipeline('tool/shared_limit', again, 'pipeline'), p1);
      // Pipelines of distinct policies are bounded: the oldest goes once 16 more are built.
      for (let i = 2; i <= 17; i++) {
        const own = runtime.policies.resolveWith('tool/shared_limit', { timeoutMs: 1_000 + i });
        runtime.guard.pipeline('tool/shared_limit', own, 'pipeline');
      }
      assert.notEqual(runtime.guard.pipeline('tool/shared_limit', narrowPolicy, 'pipeline'), p1);
      assert.equal(warnings.length, 1, 'differing limits are reported once per dependency');
    } finally {
      diag.disable();
    }
  });
});

describe('tool() fallback', () => {
  it("answers in place of a failing tool, given the tool's arguments", async () => {
    const runtime = createRuntime({ policies: [{ match: 'tool/lookup_stock', policy: { retry: false } }] });
    const inputs: unknown[] = [];
    const lookup = tool(
      'lookup_stock',
      async (sku: string, _warehouse: number): Promise<{ sku: string; count: number }> => {
        throw new Error(`inventory service down for ${sku}`);
      },
      {
        runtime,
        policy: {
          fallback: {
            name: 'unknown-stock',
            run: ({ input }) => {
              inputs.push(input);
              return { sku: input[0], count: 0 };
            },
          },
        },
      },
    );
    assert.deepEqual(await lookup('A-1', 7), { sku: 'A-1', count: 0 });
    assert.deepEqual(inputs, [['A-1', 7]]);
    const [operation] = byRole(h.spans(), 'operation').filter((s) => s.name === 'execute_tool lookup_stock');
    assert.equal(attrs(operation!)['breakwater.fallback'], 'unknown-stock');
  });

  it('must return what the tool returns (checked by the type checker, which runs in npm test)', () => {
    const defined = tool('count_words', async (text: string) => text.split(' ').length, {
      // @ts-expect-error the fallback's string would reach callers typed for a number
      policy: { fallback: { name: 'wrong-type', run: () => 'unknown' } },
    });
    assert.equal(typeof defined, 'function');
    // Options declared apart without a fallback leave the result type to the function.
    const options: ToolOptions<[string]> = { description: 'counts words' };
    const counted = tool('count_words_too', async (text: string) => text.split(' ').length, options);
    const proof: (...args: [string]) => Promise<number> = counted;
    assert.equal(typeof proof, 'function');
  });
});

describe('tool() refused by a policy', () => {
  it('a retry the budget refuses: the caller gets the refusal itself, so error.type is the refusal’s', async () => {
    const runtime = createRuntime({
      policies: [
        { match: 'tool/flaky_fetch', policy: { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } } },
      ],
    });
    const flaky = tool(
      'flaky_fetch',
      async () => {
        throw Object.assign(new Error('upstream 503'), { status: 503 });
      },
      { runtime },
    );
    // Each failed try takes a token of the tool's budget (10, retries while above half).
    let refused: unknown;
    for (let i = 0; i < 5 && refused === undefined; i++) {
      h.exporter.reset();
      const error = await flaky().then(
        () => assert.fail('the tool always throws'),
        (e: unknown) => e,
      );
      if ((error as Error).name === 'BudgetExhaustedError') refused = error;
    }
    assert.ok(refused !== undefined, 'no retry was refused by the budget');
    // Unlike an LLM client's call, a tool's caller gets Breakwater's refusal (the tool's own
    // error is its cause): the span's error.type names what the caller got.
    assert.equal(((refused as Error).cause as Error).message, 'upstream 503');
    const [operation] = spansOf('flaky_fetch', 'operation');
    assert.equal(attrs(operation!)['breakwater.error.category'], 'budget_exhausted');
    assert.equal(attrs(operation!)['breakwater.error.source'], 'policy');
    assert.equal(attrs(operation!)['error.type'], 'budget_exhausted');
    const attempts = spansOf('flaky_fetch', 'attempt');
    assert.ok(attempts.length > 0);
    assert.equal(attrs(attempts.at(-1)!)['error.type'], '503');
  });
});

describe('tool() call id', () => {
  // Regression: whatever `callId` returned went on the span, so a number from untyped code made
  // `gen_ai.tool.call.id` an int, which the conventions (and the model's ids) have as a string.
  it('records a string; a value of another type is left out', async () => {
    const runtime = createRuntime();
    const untyped = (args: { id: unknown }) => args.id as string;
    const lookup = tool('call_id_lookup', async (_args: { id: unknown }) => 'ok', {
      runtime,
      callId: untyped,
    });
    await lookup({ id: 'call_7' });
    await lookup({ id: 7 });
    const ids = spansOf('call_id_lookup', 'operation').map((s) => attrs(s)['gen_ai.tool.call.id']);
    assert.deepEqual(ids, ['call_7', undefined]);
  });
});
