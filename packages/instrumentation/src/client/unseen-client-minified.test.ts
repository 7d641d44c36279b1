import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import * as openaiModule from 'openai';
import { OpenAIInstrumentation } from '../openai/instrumentation.ts';
import { uninstrumentedWarningsOf as warningsOf } from '../testing/uninstrumented-warnings.ts';

// openai's User-Agent is its class name, which a minifying bundler renames: `next build` minifies
// the server bundles, so a bundled client sends `hY/JS 7.57.0`. A subclass named as a minifier
// names it sends the same.
class hY extends openaiModule.OpenAI {}

let fp: FaultProvider;
let instrumentation: OpenAIInstrumentation;

before(async () => {
  fp = await startFaultProvider();
  instrumentation = new OpenAIInstrumentation();
});
after(async () => {
  instrumentation.disable();
  await fp.close();
});

it('a minified openai client is told on its first call to an API route Breakwater patches', async () => {
  const minified = new hY({ apiKey: 'k', baseURL: fp.openaiBaseUrl, maxRetries: 0 });
  // A route Breakwater does not patch: another client with a short name is not taken for openai.
  assert.deepEqual(await warningsOf(() => minified.models.list().catch(() => undefined)), []);
  // Another Stainless client, minified, on an OpenAI-compatible route (Groq's SDK is at 0.x).
  const groqLike = new hY({
    apiKey: 'k',
    baseURL: fp.openaiBaseUrl,
    maxRetries: 0,
    defaultHeaders: { 'User-Agent': 'gQ/JS 0.37.0' },
  });
  const groqChat = () =>
    groqLike.chat.completions.create({
      model: 'llama-minified',
      messages: [{ role: 'user', content: 'hi' }],
    });
  assert.deepEqual(await warningsOf(groqChat), []);
  const [warning, ...more] = await warningsOf(() =>
    minified.chat.completions.create({ model: 'gpt-minified', messages: [{ role: 'user', content: 'hi' }] }),
  );
  assert.equal(more.length, 0);
  assert.match(
    warning!.message,
    /^openai sent a request to http:\/\/127\.0\.0\.1:\d+ that Breakwater does not instrument/,
  );
  assert.match(warning!.message, /"Next\.js" section/);
});
