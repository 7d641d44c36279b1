import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BulkheadFullError } from '@breakwater/resilience';
import { collectUntil } from '../testing/gc.ts';
import { attrs, FAST, harnessPerFile } from '../testing/harness.ts';
import { breakwaterMiddleware } from './middleware.ts';
import type { ModelCallOptions, StreamResultLike } from './model-types.ts';

// A model stream the app drops unread (a `streamText` result nobody consumes, a handler that
// throws before it returns the stream) ends when garbage collection finds it, as the clients'
// streams do: its operation ends abandoned, its bulkhead slot is free again, and its request
// (the model's stream) is cancelled.

const h = harnessPerFile(FAST);
const middleware = breakwaterMiddleware();

/** A model whose streams send a first part, then wait for reads; says whether each was cancelled. */
function model(modelId: string) {
  const cancelled: unknown[] = [];
  const doStream = async (): Promise<StreamResultLike<unknown>> => ({
    stream: new ReadableStream({
      start(controller) {
        controller.enqueue({ type: 'stream-start', warnings: [] });
        controller.enqueue({ type: 'text-delta', id: '0', delta: 'hi' });
      },
      cancel(reason) {
        cancelled.push(reason);
      },
    }),
  });
  const m = {
    provider: 'openai.chat',
    modelId,
    config: { baseURL: 'http://127.0.0.1:9/v1' },
    doGenerate: () => Promise.reject(new Error('not used')),
    doStream,
  };
  const stream = (): Promise<StreamResultLike<unknown>> =>
    middleware.wrapStream<ModelCallOptions, unknown, StreamResultLike<unknown>>({
      params: {},
      model: m,
      doGenerate: m.doGenerate,
      doStream,
    });
  return { stream, cancelled };
}

it('a stream dropped unread ends abandoned when collected, frees its bulkhead slot and is cancelled', async () => {
  // One slot, no queue: while the dropped stream holds its slot, the next call is refused.
  const { stream, cancelled } = model('gpt-one-slot-dropped');
  await (async () => {
    await stream();
  })();
  assert.equal(h.runtime.openOperations.size, 1);
  const op = await collectUntil(() => h.operation('gpt-one-slot-dropped'));
  assert.ok(op, 'the operation ended once its stream was collected');
  assert.equal(attrs(op)['breakwater.stream.abandoned'], true);
  assert.equal(op.status.code, 0);
  assert.equal(h.runtime.openOperations.size, 0);
  assert.equal(cancelled.length, 1, "the model's stream (its request) was cancelled");

  const next = await stream().then(
    (s) => s,
    (error: unknown) => error,
  );
  assert.ok(!(next instanceof BulkheadFullError), 'the slot is free again');
  await (next as StreamResultLike<unknown>).stream.cancel();
});

it('a stream the app holds is neither ended nor cancelled by a collection', async () => {
  const { stream, cancelled } = model('gpt-held');
  const held = await stream();
  const reader = held.stream.getReader();
  assert.deepEqual(await reader.read(), { done: false, value: { type: 'stream-start', warnings: [] } });
  assert.equal(await collectUntil(() => h.operation('gpt-held')), undefined);
  assert.equal(cancelled.length, 0);
  await reader.cancel();
  assert.equal(attrs(h.operation('gpt-held')!)['breakwater.stream.abandoned'], true);
});
