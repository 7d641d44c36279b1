import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import { type HeardRequest, unwatchFetch, watchFetch } from './fetch-watch.ts';

// Node's fetch announces its requests on undici's channel and is never watched; these tests
// stand a recording fetch in for a runtime's own (Bun's), as the clients call it.
const runtimeFetch = globalThis.fetch;
afterEach(() => {
  unwatchFetch();
  globalThis.fetch = runtimeFetch;
});

/** A fetch that records its arguments and answers 204, with a property of its own (Bun's `preconnect`). */
function recordingFetch(): typeof fetch & { calls: unknown[][]; preconnect: () => string } {
  const calls: unknown[][] = [];
  const fake = async (...args: unknown[]) => {
    calls.push(args);
    return new Response(null, { status: 204 });
  };
  return Object.assign(fake, { calls, preconnect: () => 'preconnected' }) as never;
}

it('hears each request with its origin, path and headers, and passes it on untouched', async () => {
  const fake = recordingFetch();
  globalThis.fetch = fake;
  const heard: HeardRequest[] = [];
  watchFetch((message) => heard.push(message));
  const init = { method: 'POST', headers: new Headers({ 'User-Agent': 'OpenAI/JS 7.57.0' }) };
  const response = await globalThis.fetch('http://127.0.0.1:9/v1/chat/completions?x=1', init);
  await globalThis.fetch(
    new Request('http://127.0.0.1:9/v1/messages', { headers: { 'user-agent': 'Anthropic/JS 1.12.0' } }),
  );
  assert.equal(response.status, 204);
  assert.equal(fake.calls[0]?.[1], init);
  assert.deepEqual(heard, [
    {
      request: {
        headers: ['user-agent', 'OpenAI/JS 7.57.0'],
        origin: 'http://127.0.0.1:9',
        path: '/v1/chat/completions?x=1',
      },
    },
    {
      request: {
        headers: ['user-agent', 'Anthropic/JS 1.12.0'],
        origin: 'http://127.0.0.1:9',
        path: '/v1/messages',
      },
    },
  ]);
  assert.equal((globalThis.fetch as typeof fake).preconnect(), 'preconnected');
});

it('hands the global back when no one listens; a client that kept the wrapper passes straight through', async () => {
  const fake = recordingFetch();
  globalThis.fetch = fake;
  const heard: HeardRequest[] = [];
  watchFetch((message) => heard.push(message));
  const kept = globalThis.fetch; // as a client takes it when constructed
  unwatchFetch();
  assert.equal(globalThis.fetch, fake);
  await kept('http://127.0.0.1:9/v1/embeddings');
  assert.deepEqual(heard, []);
  assert.equal(fake.calls.length, 1);
});

it('leaves a wrapper installed over its own in place, and a listener that throws never fails the request', async () => {
  const fake = recordingFetch();
  globalThis.fetch = fake;
  watchFetch(() => {
    throw new Error('listener bug');
  });
  const ours = globalThis.fetch;
  const theirs = (...args: Parameters<typeof fetch>) => ours(...args);
  globalThis.fetch = theirs as typeof fetch;
  assert.equal((await globalThis.fetch('http://127.0.0.1:9/v1/responses')).status, 204);
  unwatchFetch();
  assert.equal(globalThis.fetch, theirs);
  assert.equal(fake.calls.length, 1);
});
