import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ActiveSignalsSchema, COLLECTOR_PATHS, ManualClock, parseBreakerSignal } from '@breakwater/protocol';
import type { ComponentContext } from './component.ts';
import type { CollectorConfig } from './config/schema.ts';
import { type SpanRecord, STATUS_ERROR } from './decode/span-record.ts';
import { createFleetComponent } from './fleet-component.ts';
import { span } from './sli/testing/spans.ts';
import { silentLogger as silent } from './testing/helpers.ts';

function failingAttempt(instanceId: string): SpanRecord {
  return span({
    service: 'agent',
    serviceVersion: undefined,
    instanceId,
    durationMs: 5,
    statusCode: STATUS_ERROR,
    errorType: '503',
    role: 'attempt',
    errorCategory: 'server_error',
    errorSource: 'dependency',
    errorRetryable: true,
    retryAttempts: undefined,
  });
}

describe('createFleetComponent', () => {
  it('turns failing spans into a signal on the stream, /v1/signals/active and /metrics', async () => {
    const clock = new ManualClock();
    const ctx: ComponentContext = {
      config: { fleet: { quorum: 2 } } as unknown as CollectorConfig,
      clock,
      logger: silent,
      dataDir: '/nonexistent',
    };
    const component = createFleetComponent(ctx);
    assert.equal(component.name, 'fleet');
    assert.deepEqual(
      component.routes?.map((r) => [r.method, r.path, r.scope]),
      [
        ['GET', COLLECTOR_PATHS.SIGNALS, 'subscribe'],
        ['GET', COLLECTOR_PATHS.SIGNALS_ACTIVE, 'subscribe'],
      ],
    );
    await component.start?.();
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const route = component.routes?.find((r) => r.path === url.pathname);
      if (route) void route.handle(req, res, url, []);
      else res.writeHead(404).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      let text = '';
      const streamReq = request({
        host: '127.0.0.1',
        port,
        path: `${COLLECTOR_PATHS.SIGNALS}?service=agent`,
      });
      streamReq.end();
      const [res] = (await once(streamReq, 'response')) as [import('node:http').IncomingMessage];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      while (!text.includes('event: snapshot')) await new Promise((r) => setTimeout(r, 2));

      const spans = ['i-1', 'i-2'].flatMap((i) => Array.from({ length: 10 }, () => failingAttempt(i)));
      await component.spanSink?.(spans, clock.now());
      while (!text.includes('event: signal')) await new Promise((r) => setTimeout(r, 2));
      const data = text.split('event: signal\ndata: ')[1]?.split('\n')[0] ?? '';
      const parsed = parseBreakerSignal(JSON.parse(data));
      assert.ok(parsed.ok);
      assert.equal(parsed.signal.state, 'open');

      const active = ActiveSignalsSchema.parse(
        await (await fetch(`http://127.0.0.1:${port}${COLLECTOR_PATHS.SIGNALS_ACTIVE}`)).json(),
      );
      assert.equal(active.signals[0]?.reason.instances, 2);
      assert.equal(active.signals[0]?.reason.topErrorTypes[0]?.type, '503');

      const out: string[] = [];
      component.writeMetrics?.(out);
      const metrics = out.join('\n');
      assert.match(
        metrics,
        /^breakwater_fleet_decisions_total\{dependency="openai\/gpt-4o",state="open"\} 1$/m,
      );
      assert.match(
        metrics,
        /^breakwater_fleet_breaker_state\{dependency="openai\/gpt-4o",state="open"\} 1$/m,
      );
      assert.match(metrics, /^breakwater_fleet_subscribers 1$/m);
      assert.match(metrics, /^breakwater_fleet_error_ratio\{dependency="openai\/gpt-4o",window="10s"\} 1$/m);
      res.destroy();
    } finally {
      await component.stop?.();
      server.closeAllConnections();
      server.close();
    }
  });
});
