import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, it } from 'node:test';
import { DEFAULT_POLICIES } from '@breakwater/instrumentation';
import { type Breakwater, start } from './index.ts';

// Stands in for the collector's signal stream: records who subscribes, then holds the stream open.
const subscriptions: IncomingMessage[] = [];
const collector = createServer((req, res) => {
  subscriptions.push(req);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(': connected\n\n');
});
let bw: Breakwater | undefined;

after(async () => {
  await bw?.shutdown();
  collector.closeAllConnections();
  collector.close();
});

it('policies that fail their checks are logged; start() runs on with the defaults and the control client', async () => {
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  const { port } = collector.address() as AddressInfo;
  const logged: string[] = [];
  bw = start({
    serviceName: 'bad-policies',
    endpoint: 'http://127.0.0.1:9', // never reached: nothing is exported in this test
    control: { url: `http://127.0.0.1:${port}` },
    handleSignals: false,
    logger: (m) => logged.push(m),
    policies: [{ match: 'openai/*', policy: { retry: { maxAttempts: 0 } } }],
  });

  assert.deepEqual(logged, [
    'policies refused, running with the default policies: invalid Breakwater policy:\n' +
      '  policies[0].policy.retry.maxAttempts: must be an integer from 1 to 100 (got 0)',
  ]);
  assert.deepEqual(bw.runtime?.policies.resolve('openai/gpt-4o'), DEFAULT_POLICIES.openai);
  // The fleet's breaker signals still reach this service.
  while (subscriptions.length === 0) await once(collector, 'request');
  assert.match(subscriptions[0]!.url ?? '', /\?service=bad-policies$/);
});
