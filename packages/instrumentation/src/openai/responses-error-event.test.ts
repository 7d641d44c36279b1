/**
 * A Responses stream can end in an `error` event rather than `response.failed`. The published
 * schema of that event is flat (`{ type: 'error', code, message, param, sequence_number }`), as
 * OpenAI-compatible servers send it. openai 6 throws only for an `error` object in the data, so it
 * yields such an event like any other and ends the stream without a word; openai 7 throws for an
 * SSE event named `error`, but yields one sent without its name too. Either way the generation
 * failed, and the operation and its breaker must say so.
 *
 * The endpoint is a client `fetch` that answers as such a server does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';
import { SpanStatusCode } from '@opentelemetry/api';
import type OpenAIType from 'openai';
import { attrs, harnessPerFile, require } from '../testing/harness.ts';

const h = harnessPerFile();

/** A Responses stream that fails after it began, its `error` event named or not. */
function failingStream(model: string, named: boolean): string {
  const response = { id: 'resp_1', object: 'response', status: 'in_progress', model, output: [] };
  const created = { type: 'response.created', sequence_number: 0, response };
  const error = {
    type: 'error',
    code: 'server_error',
    message: 'The server had an error while processing your request.',
    param: null,
    sequence_number: 1,
  };
  const name = (event: string) => (named ? `event: ${event}\n` : '');
  return `${name('response.created')}data: ${JSON.stringify(created)}\n\n${name('error')}data: ${JSON.stringify(error)}\n\n`;
}

let seq = 0;

for (const [label, name] of [
  ['openai 7', 'openai'],
  ['openai 6', 'openai-v6'],
] as const) {
  describe(`${label}: a Responses stream that ends in a flat error event`, () => {
    for (const named of [true, false]) {
      it(`fails the operation, classified by its code (event ${named ? 'named' : 'unnamed'})`, async () => {
        const model = `gpt-error-event-${seq++}`;
        const client = clientOf(name, model, named);
        const stream = await client.responses.create({ model, input: 'hi', stream: true });
        // The client may yield the event or throw for it; the app's events are its own either way.
        await (async () => {
          for await (const _ of stream);
        })().catch(() => {});
        await assertFailed(model);
      });

      it(`fails the operation read by responses.stream() too (event ${named ? 'named' : 'unnamed'})`, async () => {
        const model = `gpt-error-event-${seq++}`;
        // openai 7's helper throws for the event, leaving the stream early: still a failure.
        await clientOf(name, model, named)
          .responses.stream({ model, input: 'hi' })
          .finalResponse()
          .catch(() => {});
        await assertFailed(model);
      });
    }
  });
}

/** A client whose every request gets that failing stream. */
function clientOf(name: string, model: string, named: boolean): OpenAIType {
  const OpenAI = require(name).default as typeof OpenAIType;
  return new OpenAI({
    apiKey: 'k',
    baseURL: 'http://127.0.0.1:9/v1',
    fetch: async () =>
      new Response(failingStream(model, named), {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
      }),
  });
}

async function assertFailed(model: string): Promise<void> {
  // openai 6's helper rejects as it meets the event, a turn before the stream's end reaches us.
  for (let i = 0; i < 100 && h.operation(model) === undefined; i++) await wait(5);
  const op = h.operation(model);
  assert.ok(op, 'the operation ended');
  assert.equal(op.status.code, SpanStatusCode.ERROR);
  assert.equal(attrs(op)['error.type'], 'server_error');
  assert.equal(attrs(op)['breakwater.error.category'], 'server_error');
  assert.deepEqual(await h.calls(`openai/${model}`), ['failure:server_error=1']);
}
