import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startChildApp, until } from './testing/child-app.ts';
import { recordingReceiver } from './testing/recording-receiver.ts';

it('SIGTERM without an app handler: the span is flushed, then the process ends by SIGTERM', async (t) => {
  const receiver = recordingReceiver();
  const endpoint = await receiver.listen();
  t.after(() => receiver.close());
  // The batch delay and metric interval are far away: the span leaves only by the SIGTERM flush.
  const app = startChildApp(
    t,
    `
      import { trace } from '@opentelemetry/api';
      import { start } from './src/index.ts';
      start({
        serviceName: 'sigterm-app',
        endpoint: ${JSON.stringify(endpoint)},
        control: false,
        metricIntervalMs: 600_000,
        exportTimeoutMs: 2_000,
        logger: (m) => console.error(m),
      });
      setInterval(() => {}, 60_000); // a server would keep the process alive like this
      trace.getTracer('app').startSpan('work-before-sigterm').end();
      console.log('ready');
    `,
    { OTEL_BSP_SCHEDULE_DELAY: '600000' },
  );

  await until(
    () => app.output().split('\n').includes('ready') || app.exit() !== undefined,
    30_000,
    () => `child never got ready:\n${app.output()}`,
  );
  assert.equal(app.exit(), undefined, `child exited before SIGTERM:\n${app.output()}`);
  const spanSent = () =>
    receiver.received.some((r) => r.path === '/v1/traces' && r.body.includes('work-before-sigterm'));
  assert.ok(!spanSent(), 'nothing exported before the signal');

  app.child.kill('SIGTERM');
  // The flush is bounded by the export timeout (2 s) + 1 s; then the re-raised signal ends it.
  await until(
    () => app.exit(),
    10_000,
    () => `child still running 10 s after SIGTERM:\n${app.output()}`,
  );
  assert.deepEqual(app.exit(), { code: null, signal: 'SIGTERM' }, app.output());
  assert.ok(
    spanSent(),
    `span flushed on SIGTERM; received ${JSON.stringify(receiver.received.map((r) => r.path))}`,
  );
});
