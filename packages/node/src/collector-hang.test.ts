import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { it } from 'node:test';
import { startFaultProvider } from '@breakwater/fault-provider';
import type OpenAIType from 'openai';
import { start } from './index.ts';
import { startHangingCollector } from './testing/hanging-collector.ts';

const require = createRequire(import.meta.url);

// One start() per file: the SDK's global providers are registered once per process.
it('calls go on while the collector holds an export unanswered', async () => {
  const collector = await startHangingCollector();
  const fp = await startFaultProvider();
  const bw = start({
    serviceName: 'hang-test',
    endpoint: collector.url,
    control: false,
    handleSignals: false,
    // Longer than this test: the export stays in flight until the collector drops it.
    exportTimeoutMs: 120_000,
    metricIntervalMs: 60_000,
    logger: () => {},
  });
  const OpenAI = require('openai').default as typeof OpenAIType;
  const client = new OpenAI({ apiKey: 'k', baseURL: fp.openaiBaseUrl });
  const chat = () =>
    client.chat.completions.create({ model: 'gpt-hang', messages: [{ role: 'user', content: 'x' }] });
  await chat();
  let flushed = false;
  const flush = bw.forceFlush().then(() => {
    flushed = true;
  });
  await collector.holding('/v1/traces');

  // Every call is answered while the span export is still held: none waits for it.
  for (let i = 0; i < 30; i++) assert.equal((await chat()).object, 'chat.completion');
  assert.equal(collector.pending('/v1/traces'), 1, 'the first export is still unanswered');
  assert.equal(flushed, false, 'the flush waits for the held export');

  // The collector recovers: the held export succeeds, then the flush resolves.
  collector.release();
  await flush;
  await bw.shutdown();
  assert.ok(collector.taken('/v1/traces') >= 2, 'the later calls’ spans were exported at shutdown');
  await collector.close();
  await fp.close();
});
