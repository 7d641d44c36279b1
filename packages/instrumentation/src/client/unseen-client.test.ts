import assert from 'node:assert/strict';
import { channel } from 'node:diagnostics_channel';
import { after, before, it } from 'node:test';
import * as anthropicModule from '@anthropic-ai/sdk';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import * as openaiModule from 'openai';
import { AnthropicInstrumentation } from '../anthropic/instrumentation.ts';
import { OpenAIInstrumentation } from '../openai/instrumentation.ts';
import { uninstrumentedWarningsOf as warningsOf } from '../testing/uninstrumented-warnings.ts';

// The clients are imported before the instrumentations exist and with no loader hook, as a
// bundled client is: no hook ever sees them load.
const requests = channel('undici:request:create');
let fp: FaultProvider;
let openaiInstrumentation: OpenAIInstrumentation;
let anthropicInstrumentation: AnthropicInstrumentation;

before(async () => {
  fp = await startFaultProvider();
  openaiInstrumentation = new OpenAIInstrumentation();
  anthropicInstrumentation = new AnthropicInstrumentation();
});
after(async () => {
  openaiInstrumentation.disable();
  anthropicInstrumentation.disable();
  await fp.close();
});

const chat = () =>
  new openaiModule.OpenAI({ apiKey: 'k', baseURL: fp.openaiBaseUrl }).chat.completions.create({
    model: 'gpt-unseen',
    messages: [{ role: 'user', content: 'hi' }],
  });
const message = () =>
  new anthropicModule.Anthropic({ apiKey: 'k', baseURL: fp.anthropicBaseUrl }).messages.create({
    model: 'claude-unseen',
    max_tokens: 8,
    messages: [{ role: 'user', content: 'hi' }],
  });

it('a client no hook saw load is told on its first request, once', async () => {
  assert.ok(requests.hasSubscribers, 'listening while no client was seen');
  const [warning, ...more] = await warningsOf(chat);
  assert.equal(more.length, 0);
  assert.match(
    warning!.message,
    /^openai sent a request to http:\/\/127\.0\.0\.1:\d+ that Breakwater does not instrument/,
  );
  assert.match(warning!.message, /--external:openai/);
  assert.match(warning!.message, /instrument\(\{ openai \}\)/);
  // The option a Breakwater user sets for an alias: start() takes openaiAliases, not moduleAliases.
  assert.match(
    warning!.message,
    /an npm alias not given as openaiAliases \(start\(\) or breakwaterInstrumentations\(\)\)\.$/,
  );
  assert.deepEqual(await warningsOf(chat), [], 'a second request: no second warning');
});

it('a client given to patch() is not told, and once one is, nothing listens to requests', async () => {
  assert.equal(anthropicInstrumentation.patch(anthropicModule), true);
  assert.deepEqual(await warningsOf(message), []);
  assert.equal(requests.hasSubscribers, false, 'requests pay nothing once a client was seen');
});
