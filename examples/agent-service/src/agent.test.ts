import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, it } from 'node:test';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { OpenAIInstrumentation } from '@breakwater/instrumentation';
import type OpenAIType from 'openai';
import { runAgent } from './agent.ts';

const require = createRequire(import.meta.url);
let fp: FaultProvider;
const instrumentation = new OpenAIInstrumentation();
before(async () => {
  fp = await startFaultProvider();
});
after(async () => {
  instrumentation.disable();
  await fp.close();
});

it('answers questions with tool calls through the instrumented client, surviving transient 503s', async () => {
  const OpenAI = require('openai').default as typeof OpenAIType;
  const client = new OpenAI({ apiKey: 'k', baseURL: fp.openaiBaseUrl });
  fp.script({ route: 'openai.chat', steps: [{ fault: 'error', status: 503, count: 1 }] });
  const lines: string[] = [];
  const result = await runAgent({ client, requests: 2, log: (l) => lines.push(l) });
  assert.equal(result.ok, 2, lines.join('\n'));
  assert.ok(result.toolCalls >= 2);
  assert.ok(fp.count({ route: 'openai.chat' }) >= 5, 'one retried request plus two per question');
});
