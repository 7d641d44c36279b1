import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { it } from 'node:test';
import { startFaultProvider } from '@breakwater/fault-provider';
import type OpenAIType from 'openai';
import { start } from './index.ts';

const require = createRequire(import.meta.url);

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

it('calls succeed while the collector refuses connections; flush and shutdown resolve', async () => {
  const port = await closedPort();
  const fp = await startFaultProvider();
  const bw = start({
    serviceName: 'down-test',
    endpoint: `http://127.0.0.1:${port}`,
    control: false,
    handleSignals: false,
    exportTimeoutMs: 500,
    metricIntervalMs: 200,
    logger: () => {},
  });
  const OpenAI = require('openai').default as typeof OpenAIType;
  const client = new OpenAI({ apiKey: 'k', baseURL: fp.openaiBaseUrl });
  for (let i = 0; i < 30; i++) {
    const r = await client.chat.completions.create({
      model: 'gpt-down',
      messages: [{ role: 'user', content: 'x' }],
    });
    assert.equal(r.object, 'chat.completion');
  }
  await bw.forceFlush(); // exports fail against the closed port; never rejects
  await bw.shutdown();
  await fp.close();
});
