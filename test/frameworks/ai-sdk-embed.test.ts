/**
 * The AI SDK's `embed` / `embedMany` through `breakwaterEmbeddingMiddleware()` (given with `ai`'s
 * `wrapEmbeddingModel`), against the fault provider: each `doEmbed` is an `embeddings` operation
 * with its attempt spans, input tokens and the dependency's pipeline, as `embeddings.create` of
 * the `openai` client is.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { CircuitOpenError, refusalOf } from '@breakwater/instrumentation';
import { breakwaterEmbeddingMiddleware } from '@breakwater/instrumentation/ai-sdk';
import { APICallError, embed, embedMany, wrapEmbeddingModel } from 'ai';
import { aiSdkHarness, attr } from './ai-sdk-harness.ts';

let openai: ReturnType<typeof createOpenAI>;
const h = aiSdkHarness(
  [
    { match: '*', policy: { retry: { baseDelayMs: 1, maxDelayMs: 2 }, timeoutMs: 5_000 } },
    {
      match: '*/embed-breaker',
      policy: { retry: { maxAttempts: 1 }, breaker: { minimumCalls: 1, consecutiveFailures: 2 } },
    },
  ],
  (fp) => {
    openai = createOpenAI({ baseURL: fp.openaiBaseUrl, apiKey: 'k' });
  },
);
const { exporter, operationOf } = h;
const middleware = breakwaterEmbeddingMiddleware();
const embedder = (model: string) => wrapEmbeddingModel({ model: openai.embedding(model), middleware });

it('embed: an embeddings operation span with its input tokens and one attempt span', async () => {
  const { embedding } = await embed({ model: embedder('embed-ok'), value: 'hello there', maxRetries: 0 });
  assert.ok(embedding.length > 0);
  const { op, attempts } = operationOf('embed-ok');
  assert.equal(op.name, 'embeddings embed-ok');
  assert.equal(attr(op, 'gen_ai.operation.name'), 'embeddings');
  assert.equal(attr(op, 'gen_ai.provider.name'), 'openai');
  assert.equal(attr(op, 'breakwater.dependency'), 'openai/embed-ok');
  assert.equal(attr(op, 'server.address'), '127.0.0.1');
  assert.equal(typeof attr(op, 'gen_ai.usage.input_tokens'), 'number');
  assert.equal(attr(op, 'gen_ai.usage.output_tokens'), undefined);
  assert.equal(attr(op, 'gen_ai.response.model'), 'embed-ok');
  assert.equal(attempts.length, 1);
  assert.equal(op.status.code, 0);
});

it('embedMany with dimensions: one operation per request, the dimension count recorded', async () => {
  const { embeddings } = await embedMany({
    model: embedder('embed-many'),
    values: ['a', 'b', 'c'],
    maxRetries: 0,
    dimensions: 8,
  });
  assert.equal(embeddings.length, 3);
  const { op } = operationOf('embed-many');
  assert.equal(attr(op, 'gen_ai.embeddings.dimension.count'), 8);
  assert.equal(h.fp.count({ route: 'openai.embeddings', model: 'embed-many' }), 1);
});

it('503 twice, then embeddings: with maxRetries: 0, exactly Breakwater’s 3 attempts', async () => {
  h.fp.script({
    route: 'openai.embeddings',
    model: 'embed-flaky',
    steps: [{ fault: 'error', status: 503, count: 2 }],
  });
  await embed({ model: embedder('embed-flaky'), value: 'hi', maxRetries: 0 });
  assert.equal(h.fp.count({ route: 'openai.embeddings', model: 'embed-flaky' }), 3);
  const { op, attempts } = operationOf('embed-flaky');
  assert.equal(attr(op, 'breakwater.retry.attempts'), 3);
  assert.deepEqual(
    attempts.map((a) => attr(a, 'breakwater.error.category') ?? 'ok'),
    ['overloaded', 'overloaded', 'ok'],
  );
});

it('the breaker opens on failures and refuses the next embed without a request', async () => {
  h.fp.script({
    route: 'openai.embeddings',
    model: 'embed-breaker',
    steps: [{ fault: 'error', status: 503 }],
  });
  const call = () =>
    embed({ model: embedder('embed-breaker'), value: 'hi', maxRetries: 0 }).then(
      () => assert.fail('the provider is down'),
      (e: unknown) => e,
    );
  assert.ok(APICallError.isInstance(await call()));
  assert.ok(APICallError.isInstance(await call()));
  exporter.reset();
  const refused = await call();
  assert.ok(refusalOf(refused) instanceof CircuitOpenError, String(refused));
  assert.equal(
    h.fp.count({ route: 'openai.embeddings', model: 'embed-breaker' }),
    2,
    'the refusal sent nothing',
  );
  const { op, attempts } = operationOf('embed-breaker');
  assert.equal(attr(op, 'breakwater.error.category'), 'circuit_open');
  assert.equal(attempts.length, 0);
});
