import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, it } from 'node:test';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { OpenAIInstrumentation } from '../openai/instrumentation.ts';
import { uninstrumentedWarningsOf as warningsOf } from '../testing/uninstrumented-warnings.ts';

// A CommonJS app that require()s openai before start(): the client is in require's cache, loaded
// before the hooks existed, and nothing requires it again for them to see.
const { OpenAI } = createRequire(import.meta.url)('openai') as typeof import('openai');
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

it('a client required before the hooks were registered is told so, not sent to bundling or aliases', async () => {
  const [warning, ...more] = await warningsOf(() =>
    new OpenAI({ apiKey: 'k', baseURL: fp.openaiBaseUrl }).chat.completions.create({
      model: 'gpt-early',
      messages: [{ role: 'user', content: 'hi' }],
    }),
  );
  assert.equal(more.length, 0);
  assert.match(
    warning!.message,
    /^openai sent a request to http:\/\/127\.0\.0\.1:\d+ that Breakwater does not instrument: openai was loaded \(require\('openai'\)\) before Breakwater's module hooks were registered/,
  );
  assert.match(warning!.message, /start\(\) before the first require\('openai'\)/);
  assert.doesNotMatch(warning!.message, /bundled|npm alias/);
});
