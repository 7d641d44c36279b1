/**
 * Claude through `@anthropic-ai/bedrock-sdk`, which, like the Vertex client, loads
 * `@anthropic-ai/sdk/client` and `@anthropic-ai/sdk/resources/index` but never the SDK's main
 * entry: its calls are instrumented all the same. This file must not load the main entry.
 *
 * The endpoint is local. The client signs with SigV4 from the fake keys given here (never the
 * AWS credential chain); a VPC endpoint's host is reached through the client's `fetch` option.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AnthropicBedrock as AnthropicBedrockType } from '@anthropic-ai/bedrock-sdk';
import { bedrockChunk, bedrockException } from '../testing/aws-event-stream.ts';
import { attrs, byRole, harnessPerFile, require } from '../testing/harness.ts';

const h = harnessPerFile();

interface Received {
  readonly line: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

/**
 * A reply, which names Claude's model rather than the Bedrock model id the request named (as
 * Bedrock's do), so the span's response model is the reply's.
 */
const REPLY_MODEL = 'claude-test-20250101';
const REPLY = {
  id: 'msg_bdrk_01',
  type: 'message',
  role: 'assistant',
  model: REPLY_MODEL,
  content: [{ type: 'text', text: 'Hello from Bedrock' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 5 },
};

/**
 * Bedrock's HTTP errors by status, as Bedrock sends them: the exception named in
 * `x-amzn-errortype`, a body of only `{ message }`.
 */
const BEDROCK_ERRORS: Readonly<Record<number, { readonly exception: string; readonly message: string }>> = {
  503: { exception: 'ServiceUnavailableException', message: 'Bedrock is unable to process your request.' },
  424: {
    exception: 'ModelErrorException',
    message: 'The system encountered an unexpected error during processing. Try your request again.',
  },
  400: {
    exception: 'ServiceQuotaExceededException',
    message: 'Your request exceeds the service quota for your account.',
  },
};

/** A streamed reply, as Bedrock frames it: Anthropic's events, each in a `chunk` frame. */
const STREAM_EVENTS = [
  {
    type: 'message_start',
    message: {
      ...REPLY,
      content: [],
      stop_reason: null,
      usage: { input_tokens: 12, output_tokens: 1 },
    },
  },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } },
  { type: 'content_block_stop', index: 0 },
  {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: 7 },
  },
  // Bedrock adds its own metrics to the last event.
  { type: 'message_stop', 'amazon-bedrock-invocationMetrics': { inputTokenCount: 12, outputTokenCount: 7 } },
];

/**
 * A Bedrock runtime endpoint: `/model/{model}/invoke` answers by the model's name (`…-529`:
 * Anthropic's overloaded error; `…-503`, `…-424`, `…-400`: Bedrock's exception of that status
 * ({@link BEDROCK_ERRORS}); else a message), and `/model/{model}/invoke-with-response-stream` streams {@link STREAM_EVENTS}
 * (`…-unavailable-once`: the first request's stream is only Bedrock's `serviceUnavailableException`).
 */
let server: Server;
let received: Received[] = [];
before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
      const line = `${req.method} ${req.url}`;
      received.push({ line, headers: req.headers, body });
      const [, model = '', action] = /^\/model\/([^/]+)\/([^/?]+)$/.exec(req.url ?? '') ?? [];
      const name = decodeURIComponent(model);
      if (action === 'invoke-with-response-stream') {
        res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
        const first = received.filter((r) => r.line === line).length === 1;
        if (name.endsWith('-unavailable-once') && first) {
          res.end(
            bedrockException('serviceUnavailableException', 'Bedrock is unable to process your request.'),
          );
          return;
        }
        for (const event of STREAM_EVENTS) res.write(bedrockChunk(event));
        res.end();
      } else if (name.endsWith('-529')) {
        res.writeHead(529, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
        );
      } else if (/-\d{3}$/.test(name) && BEDROCK_ERRORS[Number(name.slice(-3))] !== undefined) {
        const status = Number(name.slice(-3));
        const { exception, message } = BEDROCK_ERRORS[status]!;
        res.writeHead(status, {
          'content-type': 'application/json',
          'x-amzn-errortype': `${exception}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
        });
        res.end(JSON.stringify({ message }));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(REPLY));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const local = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** A Bedrock client with fake keys (signed locally; `apiKey: null` keeps a bearer token out). */
function bedrock(
  options: {
    baseURL?: string;
    fetch?: (url: string | URL | Request, init?: RequestInit) => Promise<Response>;
  } = {},
): AnthropicBedrockType {
  const { AnthropicBedrock } = require('@anthropic-ai/bedrock-sdk') as {
    AnthropicBedrock: typeof AnthropicBedrockType;
  };
  return new AnthropicBedrock({
    awsRegion: 'us-east-1',
    awsAccessKey: 'AKIDFAKEFORTESTS',
    awsSecretKey: 'fake-secret',
    apiKey: null,
    baseURL: local(),
    maxRetries: 5,
    ...options,
  });
}

const ask = (model: string) => ({
  model,
  max_tokens: 16,
  messages: [{ role: 'user' as const, content: 'hi' }],
});

/** Each request reached the server SigV4-signed with the client's key (resends too). */
function assertSigned(requests: Received[]): void {
  for (const r of requests) {
    assert.match(
      String(r.headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=AKIDFAKEFORTESTS\/\d{8}\/us-east-1\/bedrock\/aws4_request, /,
    );
  }
}

describe('@anthropic-ai/bedrock-sdk', () => {
  // `error.type`: Anthropic's error type where the body has one, else Bedrock's exception from
  // `x-amzn-errortype`, named as a Bedrock stream names it. Retried ones get the policy's 3
  // attempts, not 3 × (the client's 5 retries + 1); the others one request.
  for (const [status, what, category, source, errorType, requests] of [
    [529, 'Anthropic’s overloaded_error', 'overloaded', 'dependency', 'overloaded_error', 3],
    [503, 'ServiceUnavailableException', 'overloaded', 'dependency', 'serviceUnavailableException', 3],
    // The model failed: retried, and the dependency's fault (counted by its breaker and SLO).
    [424, 'ModelErrorException', 'server_error', 'dependency', 'modelErrorException', 3],
    // Not `validation`, as the 400 alone would say: a quota, never retried.
    [400, 'ServiceQuotaExceededException', 'quota_exhausted', 'caller', 'serviceQuotaExceededException', 1],
  ] as const) {
    it(`an endpoint answering ${status} ${what}: ${category}, ${requests} request(s)`, async () => {
      received = [];
      const model = `anthropic.claude-bedrock-${status}`;
      await assert.rejects(
        bedrock().messages.create(ask(model)),
        (error: Error & { status?: number }) => error.status === status,
      );
      assert.deepEqual(
        received.map((r) => r.line),
        Array(requests).fill(`POST /model/${model}/invoke`),
      );
      assertSigned(received);
      const spans = h.spans();
      const [op] = byRole(spans, 'operation');
      assert.equal(op?.name, `chat ${model}`);
      assert.equal(attrs(op!)['breakwater.error.category'], category);
      assert.equal(attrs(op!)['breakwater.error.source'], source);
      assert.equal(attrs(op!)['breakwater.retry.attempts'], requests);
      assert.equal(attrs(op!)['error.type'], errorType);
      const attempts = byRole(spans, 'attempt');
      assert.equal(attempts.length, requests);
      for (const a of attempts) assert.equal(attrs(a)['breakwater.error.category'], category);
    });
  }

  it('a success: the reply reaches the app unchanged; one operation span, aws.bedrock', async () => {
    received = [];
    const model = 'anthropic.claude-test-v1:0';
    const reply = await bedrock().messages.create(ask(model));
    assert.deepEqual({ ...reply }, REPLY);
    // Bedrock's wire shape: the model in the path, the API version in the body.
    assert.equal(received.length, 1);
    assert.equal(received[0]!.line, `POST /model/${model}/invoke`);
    assert.equal(received[0]!.body.model, undefined);
    assert.equal(typeof received[0]!.body.anthropic_version, 'string');
    assertSigned(received);

    const spans = h.spans();
    // No span of the SDK's own besides ours: the operation and its one attempt.
    assert.deepEqual(spans.map((s) => s.attributes['breakwater.role']).sort(), ['attempt', 'operation']);
    const a = attrs(byRole(spans, 'operation')[0]!);
    // A local base URL, and still Bedrock: the client's class says so, whatever the host.
    assert.equal(a['gen_ai.provider.name'], 'aws.bedrock');
    assert.equal(a['breakwater.dependency'], `aws.bedrock/${model}`);
    assert.equal(a['server.address'], '127.0.0.1');
    assert.equal(a['gen_ai.request.model'], model);
    assert.equal(a['gen_ai.response.model'], REPLY_MODEL);
    assert.equal(a['gen_ai.response.id'], 'msg_bdrk_01');
    assert.equal(a['gen_ai.usage.input_tokens'], 12);
    assert.equal(a['gen_ai.usage.output_tokens'], 5);
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['end_turn']);
  });

  // The provider is `aws.bedrock` by the client's class before any host is looked at (as for
  // the local endpoint above), so this case cannot test the rule for a VPC endpoint's host
  // (`client/endpoint.test.ts` does). What it tests is `server.address` at such a host, reached
  // through the client's `fetch`.
  it('a Bedrock client at a VPC endpoint: server.address is the endpoint’s host', async () => {
    received = [];
    const vpce = 'https://vpce-0a1b2c3d4e5f-abcdefgh.bedrock-runtime.us-east-1.vpce.amazonaws.com';
    const client = bedrock({
      baseURL: vpce,
      // The VPC endpoint, served locally.
      fetch: (url: string | URL | Request, init?: RequestInit) =>
        fetch(String(url).replace(vpce, local()), init),
    });
    await client.messages.create(ask('anthropic.claude-vpce'));
    assert.equal(received.length, 1);
    const a = attrs(byRole(h.spans(), 'operation')[0]!);
    assert.equal(a['gen_ai.provider.name'], 'aws.bedrock');
    assert.equal(a['server.address'], new URL(vpce).hostname);
  });

  it('streams (AWS event-stream frames): the app gets every event; the span ends with usage', async () => {
    received = [];
    const model = 'anthropic.claude-streamed';
    const stream = await bedrock().messages.create({ ...ask(model), stream: true });
    assert.equal(received[0]?.line, `POST /model/${model}/invoke-with-response-stream`);
    assert.equal(received[0]?.body.stream, undefined, 'the path says it streams');
    assert.equal(h.operation(model), undefined, 'the operation lasts as long as the stream');
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    assert.deepEqual(
      types,
      STREAM_EVENTS.map((e) => e.type),
    );
    assert.equal(text, 'Hello');
    const op = h.operation(model);
    assert.ok(op, 'the operation span ended with the stream');
    const a = attrs(op);
    assert.equal(a['gen_ai.provider.name'], 'aws.bedrock');
    assert.equal(a['gen_ai.request.stream'], true);
    assert.equal(a['gen_ai.response.model'], REPLY_MODEL);
    assert.equal(a['gen_ai.usage.input_tokens'], 12);
    assert.equal(a['gen_ai.usage.output_tokens'], 7);
    assert.deepEqual(a['gen_ai.response.finish_reasons'], ['end_turn']);
    assert.equal(typeof a['gen_ai.response.time_to_first_chunk'], 'number');
    assert.equal(byRole(h.spans(), 'attempt').length, 1);
  });

  it('a stream that Bedrock fails before its first chunk is retried, as Anthropic’s overloaded_error', async () => {
    received = [];
    const model = 'anthropic.claude-unavailable-once';
    const stream = await bedrock().messages.create({ ...ask(model), stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    // The app sees only the second attempt's stream, whole.
    assert.deepEqual(
      types,
      STREAM_EVENTS.map((e) => e.type),
    );
    assert.equal(received.length, 2);
    const attempts = byRole(h.spans(), 'attempt');
    assert.equal(attempts.length, 2);
    assert.equal(attrs(attempts[0]!)['breakwater.error.category'], 'overloaded');
    assert.equal(attrs(attempts[0]!)['error.type'], 'serviceUnavailableException');
    const a = attrs(h.operation(model)!);
    assert.equal(a['breakwater.retry.attempts'], 2);
    assert.equal(a['error.type'], undefined);
    assert.equal(a['gen_ai.usage.output_tokens'], 7);
  });

  it('never loaded the SDK’s main entry, through all of the above', () => {
    assert.ok(require.cache[require.resolve('@anthropic-ai/bedrock-sdk')], 'the Bedrock client is loaded');
    assert.equal(
      require.cache[require.resolve('@anthropic-ai/sdk')],
      undefined,
      'the main entry stays unloaded',
    );
  });
});
