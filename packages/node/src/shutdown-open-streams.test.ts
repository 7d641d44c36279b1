import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, it } from 'node:test';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import type OpenAIType from 'openai';
import { type Breakwater, start } from './index.ts';
import { recordingReceiver } from './testing/recording-receiver.ts';

// A stream the app opened and left unread is still open when the process shuts down (garbage
// collection has not found it yet). Shutdown ends it, abandoned, before the last flush, so its
// span is exported rather than lost.

const require = createRequire(import.meta.url);
const receiver = recordingReceiver();

let fp: FaultProvider;
let bw: Breakwater;

before(async () => {
  const endpoint = await receiver.listen();
  fp = await startFaultProvider();
  bw = start({
    serviceName: 'shutdown-open-streams',
    endpoint,
    control: false,
    handleSignals: false,
    metricIntervalMs: 600_000,
  });
});

after(async () => {
  await fp.close();
  receiver.close();
});

it('shutdown exports the span of a stream left unread, as abandoned', async () => {
  const OpenAI = require('openai').default as typeof OpenAIType;
  const client = new OpenAI({ apiKey: 'k', baseURL: fp.openaiBaseUrl });
  const stream = await client.chat.completions.create({
    model: 'gpt-left-unread',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  await bw.forceFlush();
  const exported = () =>
    receiver.received
      .filter((r) => r.path === '/v1/traces')
      .map((r) => r.body)
      .join('\n');
  assert.doesNotMatch(exported(), /chat gpt-left-unread/, 'still open before shutdown');

  await bw.shutdown();
  assert.match(exported(), /chat gpt-left-unread/);
  assert.match(exported(), /breakwater\.stream\.abandoned/);
  assert.equal(bw.runtime?.openOperations.size, 0);
  // Still held by the app all along: shutdown ended it, not garbage collection.
  assert.equal(stream.controller.signal.aborted, false);
});
