/**
 * An AI SDK app (`ai` with `@ai-sdk/openai` and `@ai-sdk/anthropic`, models given
 * `breakwaterMiddleware()`) on `@breakwater/node`'s `start()`, exporting over OTLP/HTTP as
 * `OTEL_*` says and following the fleet's breaker signals. Driven over HTTP on 127.0.0.1:APP_PORT
 * by the end-to-end test:
 *
 * | route | body | answer |
 * |---|---|---|
 * | `POST /generate` | `{ model, provider?, count, stream? }` | `{ outcomes }`: `ok`, or what the call failed with |
 * | `POST /leave-stream` | `{ model }` | after the first text of a `streamText`, which the app then leaves unread |
 * | `GET /breakers` | | `{ [dependency]: { state, source } }` |
 */
import { createServer } from 'node:http';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { CircuitOpenError, refusalOf } from '@breakwater/instrumentation';
import { breakwaterMiddleware } from '@breakwater/instrumentation/ai-sdk';
import { start } from '@breakwater/node';
import { APICallError, generateText, type LanguageModel, streamText, wrapLanguageModel } from 'ai';

// The fault provider's model names are unknown to the AI SDK, which says so on every call.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const bw = start({
  policies: [
    {
      match: '*',
      policy: {
        // One attempt per call: the requests the fault provider counts are the app's calls.
        retry: { maxAttempts: 1 },
        // A local breaker that never opens in these tests: only the fleet's signal opens one.
        breaker: { minimumCalls: 1_000, consecutiveFailures: 1_000 },
        timeoutMs: 60_000,
      },
    },
  ],
});
const url = process.env.FAULT_URL;
const openai = createOpenAI({ baseURL: `${url}/v1`, apiKey: 'k' });
const anthropic = createAnthropic({ baseURL: `${url}/v1`, apiKey: 'k' });
const middleware = breakwaterMiddleware();
const models = new Map<string, LanguageModel>();
function modelOf(provider: string, id: string): LanguageModel {
  const key = `${provider}/${id}`;
  let model = models.get(key);
  if (model === undefined) {
    model = wrapLanguageModel({
      model: provider === 'anthropic' ? anthropic(id) : openai.chat(id),
      middleware,
    });
    models.set(key, model);
  }
  return model;
}

/** What a call gave: `ok`, a refusal (`circuit_open:fleet`), else the provider's status. */
function outcomeOf(error: unknown): string {
  const refusal = refusalOf(error);
  if (refusal instanceof CircuitOpenError) return `circuit_open:${refusal.breakerSource}`;
  if (refusal !== undefined) return refusal.category;
  if (APICallError.isInstance(error)) return `status:${error.statusCode}`;
  return `error:${String(error)}`;
}

async function call(model: LanguageModel, stream: boolean): Promise<string> {
  try {
    if (!stream) {
      await generateText({ model, prompt: 'hi', maxRetries: 0 });
      return 'ok';
    }
    let failure: unknown;
    const result = streamText({
      model,
      prompt: 'hi',
      maxRetries: 0,
      onError: ({ error }) => {
        failure = error;
      },
    });
    for await (const _ of result.textStream);
    if (failure !== undefined) throw failure;
    return 'ok';
  } catch (error) {
    return outcomeOf(error);
  }
}

/** Streams left unread, kept so nothing collects them before shutdown. */
const left: unknown[] = [];

interface Body {
  readonly model: string;
  readonly provider?: string;
  readonly count?: number;
  readonly stream?: boolean;
}

async function answer(method: string | undefined, route: string | undefined, body: Body): Promise<unknown> {
  const model = () => modelOf(body.provider ?? 'openai', body.model);
  if (method === 'POST' && route === '/generate') {
    const outcomes: string[] = [];
    for (let i = 0; i < (body.count ?? 1); i++) outcomes.push(await call(model(), body.stream === true));
    return { outcomes };
  }
  if (method === 'POST' && route === '/leave-stream') {
    const reader = streamText({
      model: model(),
      prompt: 'hello there',
      maxRetries: 0,
    }).textStream.getReader();
    left.push(reader);
    const first = await reader.read();
    return { first: first.value };
  }
  if (method === 'GET' && route === '/breakers') {
    const out: Record<string, { state: string; source: string }> = {};
    for (const b of bw.runtime?.guard.breakers.list() ?? [])
      out[b.dependency] = { state: b.state, source: b.source };
    return out;
  }
  return undefined;
}

const server = createServer((req, res) => {
  let text = '';
  req.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  req.on('end', () => {
    answer(req.method, req.url, (text === '' ? {} : JSON.parse(text)) as Body).then(
      (body) => {
        if (body === undefined) res.writeHead(404).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      },
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
});
// Runs until SIGTERM, whose handler (Breakwater's) shuts down, flushing, and ends the process.
server.listen(Number(process.env.APP_PORT), '127.0.0.1', () => console.log('ai-sdk app listening'));
