import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick, setTimeout as wait } from 'node:timers/promises';
import type AnthropicType from '@anthropic-ai/sdk';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type OpenAIType from 'openai';
import { collectUntil } from '../testing/gc.ts';
import { attrs, byRole, harnessPerFile, require } from '../testing/harness.ts';
import { countAndSum } from '../testing/metric-points.ts';

// `gen_ai.response.time_to_first_chunk` is when the provider's first chunk arrived, whenever the
// app gets round to reading it. Real clients against the fault provider, in real time (each case
// sleeps at most 300 ms in all); a fetch that passes the body through notes when its first bytes
// came in, and the time must fall between that and the app's first read.

const h = harnessPerFile();

type Fetch = (url: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The client's `Stream`, as far as these tests use it. */
interface ClientStream extends AsyncIterable<unknown> {
  controller: AbortController;
  tee(): [ClientStream, ClientStream];
  toReadableStream(): ReadableStream<Uint8Array>;
}

interface Call extends PromiseLike<ClientStream> {
  asResponse(): Promise<Response>;
}

interface Client {
  readonly label: string;
  create(model: string, fetch?: Fetch): Call;
  /** Runs the client's stream helper to its end; returns the text its events gave. */
  helper(model: string): Promise<string>;
}

let seq = 0;
const clients: Client[] = [
  ...(
    [
      ['openai 7', 'openai'],
      ['openai 6', 'openai-v6'],
    ] as const
  ).map(([label, name]) => ({
    label,
    create(model: string, fetch?: Fetch): Call {
      const OpenAI = require(name).default as typeof OpenAIType;
      const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl, ...(fetch ? { fetch } : {}) });
      return client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'hello there' }],
        stream: true,
      }) as unknown as Call;
    },
    async helper(model: string): Promise<string> {
      const OpenAI = require(name).default as typeof OpenAIType;
      const client = new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
      let text = '';
      const runner = client.chat.completions.stream({ model, messages: [{ role: 'user', content: 'hi' }] });
      runner.on('content', (delta) => {
        text += delta;
      });
      await runner.finalChatCompletion();
      return text;
    },
  })),
  {
    label: 'anthropic',
    create(model: string, fetch?: Fetch): Call {
      const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
      const client = new Anthropic({
        apiKey: 'k',
        baseURL: h.fp.anthropicBaseUrl,
        ...(fetch ? { fetch } : {}),
      });
      return client.messages.create({
        model,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hello there' }],
        stream: true,
      }) as unknown as Call;
    },
    async helper(model: string): Promise<string> {
      const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicType;
      const client = new Anthropic({ apiKey: 'k', baseURL: h.fp.anthropicBaseUrl });
      let text = '';
      const stream = client.messages.stream({
        model,
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hi' }],
      });
      stream.on('text', (delta) => {
        text += delta;
      });
      await stream.finalMessage();
      return text;
    },
  },
];

/** The operation span's start, in milliseconds since `performance.timeOrigin`. */
function startOf(span: ReadableSpan): number {
  const [seconds, nanos] = span.startTime;
  return seconds * 1e3 + nanos / 1e6 - performance.timeOrigin;
}

/**
 * The time to first chunk of `model`, in milliseconds, checked to be the same on the span and on
 * the histogram (a single point, with the response model the span has); with the operation's start, on
 * `performance.now()`'s clock.
 */
async function timeToFirstChunk(model: string): Promise<{ ttfc: number; start: number }> {
  const op = h.operation(model);
  assert.ok(op, 'operation ended');
  const seconds = attrs(op)['gen_ai.response.time_to_first_chunk'];
  assert.equal(typeof seconds, 'number');
  const points = (await h.points('gen_ai.client.operation.time_to_first_chunk')).filter(
    (p) => p.attributes['gen_ai.request.model'] === model,
  );
  assert.equal(points.length, 1);
  assert.deepEqual(countAndSum(points[0]), { count: 1, sum: seconds });
  assert.equal(points[0]!.attributes['gen_ai.response.model'], attrs(op)['gen_ai.response.model']);
  return { ttfc: (seconds as number) * 1000, start: startOf(op) };
}

/**
 * A fetch that passes the body through, noting when its first bytes came in from the network
 * (`arrived()`, as `performance.now()`); with `delayMs`, it holds them back that long after the
 * headers, as a provider slow to send its first chunk would.
 */
function timedFetch(delayMs = 0): { fetch: Fetch; arrived: () => number } {
  let arrivedAt = Number.NaN;
  return {
    arrived: () => arrivedAt,
    async fetch(url, init) {
      const response = await fetch(url, init);
      const source = response.body?.getReader();
      if (source === undefined) return response;
      const body = new ReadableStream<Uint8Array>(
        {
          async start() {
            if (delayMs > 0) await wait(delayMs);
          },
          async pull(controller) {
            const { done, value } = await source.read();
            if (Number.isNaN(arrivedAt)) arrivedAt = performance.now();
            if (done) controller.close();
            else controller.enqueue(value);
          },
          cancel: (reason) => source.cancel(reason),
        },
        // Reads a chunk as soon as there is one, so `arrived()` is the network's time.
        { highWaterMark: 1 },
      );
      return new Response(body, response);
    },
  };
}

/**
 * Checks the time to first chunk of `model`: no sooner than the chunk came in (`arrived`), and
 * sooner than `before`: when the app started reading (its delay left out), or, for an app that
 * read at once, a little after the chunk came in. All as `performance.now()`; the 2 ms are for
 * the clock's whole milliseconds.
 */
async function assertTimed(model: string, arrived: number, before: number, what: string): Promise<number> {
  const { ttfc, start } = await timeToFirstChunk(model);
  assert.ok(
    ttfc > arrived - start - 2 && ttfc < before - start - 2,
    `${what}: ${ttfc} ms; first chunk came in at ${arrived - start} ms, due before ${before - start} ms`,
  );
  return ttfc;
}

/**
 * Waits until the first chunk has come in, then `ms` more: the app's delay before it reads a
 * chunk that is waiting. (Waiting only `ms` from the headers would, on a loaded machine, let the
 * app start reading before the chunk came in, and then its wait is rightly part of the time.)
 */
async function delayAfterArrival(timed: { arrived: () => number }, ms: number): Promise<void> {
  for (let i = 0; i < 5_000 && Number.isNaN(timed.arrived()); i++) await wait(1);
  await wait(ms);
}

/** Reads one chunk and leaves (enough for the time to first chunk). */
async function readFirst(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) break;
}

for (const c of clients) {
  const model = (tag: string) => `ttfc-${tag}-${seq++}`;

  describe(`${c.label}: time to first chunk`, () => {
    it('leaves out the app’s delay before reading a chunk that was waiting', async () => {
      // Repeated: a measurement that guesses from how long the first read took is right only
      // some of the time.
      for (let i = 0; i < 10; i++) {
        const m = model('late-read');
        const timed = timedFetch();
        const stream = await c.create(m, timed.fetch);
        await delayAfterArrival(timed, 28);
        const reading = performance.now();
        for await (const _ of stream);
        await assertTimed(m, timed.arrived(), reading, `trial ${i}`);
      }
    });

    it('counts a provider’s latency, not the app’s delay', async () => {
      const m = model('latency');
      h.fp.script({ model: m, steps: [{ fault: 'ok', latency: 100 }] });
      const timed = timedFetch();
      const stream = await c.create(m, timed.fetch);
      await delayAfterArrival(timed, 20);
      const reading = performance.now();
      await readFirst(stream);
      const ttfc = await assertTimed(m, timed.arrived(), reading, 'latency');
      assert.ok(ttfc >= 99, `${ttfc} ms`);
    });

    it('counts a first chunk sent after the headers, not the app’s delay', async () => {
      const m = model('slow-chunk');
      const timed = timedFetch(100);
      const stream = await c.create(m, timed.fetch);
      await delayAfterArrival(timed, 50);
      const reading = performance.now();
      await readFirst(stream);
      const ttfc = await assertTimed(m, timed.arrived(), reading, 'slow first chunk');
      assert.ok(ttfc >= 99, `${ttfc} ms`);
    });

    it('counts the provider’s delay for an app that reads at once', async () => {
      const m = model('slow-chunk-eager');
      const timed = timedFetch(100);
      await readFirst(await c.create(m, timed.fetch));
      // No later than the app got the chunk (the 4 ms make up assertTimed's margin and the clock's
      // whole milliseconds); how soon after its arrival depends on the machine's load.
      await assertTimed(m, timed.arrived(), performance.now() + 4, 'slow first chunk');
    });

    it('a raw body (.asResponse()) read late leaves out the app’s delay', async () => {
      for (let i = 0; i < 10; i++) {
        const m = model('raw-late');
        const timed = timedFetch();
        const response = await c.create(m, timed.fetch).asResponse();
        await delayAfterArrival(timed, 28);
        const reading = performance.now();
        await response.text();
        await assertTimed(m, timed.arrived(), reading, `trial ${i}`);
      }
    });

    it('a raw body (.asResponse()) counts a first chunk sent after the headers', async () => {
      const m = model('raw-slow');
      const timed = timedFetch(100);
      const response = await c.create(m, timed.fetch).asResponse();
      await delayAfterArrival(timed, 50);
      const reading = performance.now();
      await response.text();
      const ttfc = await assertTimed(m, timed.arrived(), reading, 'slow first chunk');
      assert.ok(ttfc >= 99, `${ttfc} ms`);
    });
  });
}

for (const c of clients) {
  const model = (tag: string) => `ttfc-${tag}-${seq++}`;

  describe(`${c.label}: a stream whose first chunk is read ahead`, () => {
    it('tee() branches and toReadableStream() get every chunk; the operation ends timed', async () => {
      const m = model('tee');
      const [left, right] = (await c.create(m)).tee();
      const counts = [0, 0];
      for await (const _ of left) counts[0]!++;
      for await (const _ of right) counts[1]!++;
      assert.ok(counts[0]! > 2);
      assert.equal(counts[1], counts[0]);
      const r = `ttfc-readable-${seq++}`;
      const lines = (await new Response((await c.create(r)).toReadableStream()).text()).trim().split('\n');
      assert.equal(lines.length, counts[0]);
      for (const ended of [m, r]) {
        const op = h.operation(ended);
        assert.ok(op);
        assert.equal(attrs(op)['breakwater.stream.abandoned'], undefined);
        await timeToFirstChunk(ended);
      }
    });

    it('aborted before its first read, it yields no chunk and ends abandoned', async () => {
      const m = model('abort');
      const stream = await c.create(m);
      await tick(); // the first chunk, read ahead, has arrived
      stream.controller.abort();
      let chunks = 0;
      for await (const _ of stream) chunks++;
      assert.equal(chunks, 0);
      assert.equal(attrs(h.operation(m)!)['breakwater.stream.abandoned'], true);
    });

    it('never iterated: abandoned when collected, and its request aborted', async () => {
      const m = model('unread');
      // Only the controller is kept: the stream itself is dropped unread.
      const controller = await (async () => (await c.create(m)).controller)();
      const op = await collectUntil(() => h.operation(m));
      assert.ok(op, 'operation span ended after garbage collection');
      assert.equal(attrs(op)['breakwater.stream.abandoned'], true);
      assert.equal(controller.signal.aborted, true);
    });

    it('the stream helper still gets every event, timed', async () => {
      const m = model('helper');
      assert.equal(await c.helper(m), 'You said: hi');
      assert.equal(byRole(h.spans(), 'operation').length, 1);
      await timeToFirstChunk(m);
    });
  });
}
