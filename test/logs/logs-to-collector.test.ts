/**
 * An app on @breakwater/node whose OTLP endpoint is Breakwater's collector emits an OpenTelemetry
 * log record. The collector takes traces and metrics only, so the record cannot be delivered:
 * the app must say so, once, with where logs should go, instead of only OpenTelemetry's diag
 * (silent by default) knowing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { freePort } from '../harness/ports.ts';
import { startNode, stopAll } from '../harness/process.ts';

let dir: string;
let url: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'breakwater-logs-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  await startNode(
    ['collector/src/cli/main.ts', 'serve', '--listen', `127.0.0.1:${port}`, '--data-dir', dir],
    { readyUrl: `${url}/readyz`, name: 'collector' },
  );
});

after(async () => {
  await stopAll();
  await rm(dir, { recursive: true, force: true });
});

const APP = `
import { logs } from '@opentelemetry/api';
import { start } from '@breakwater/node';
const bw = start({ serviceName: 'logs-app', control: false, handleSignals: false });
logs.getLogger('app').emit({ body: 'order 42 shipped' });
logs.getLogger('app').emit({ body: 'order 43 shipped' });
await bw.forceFlush();
logs.getLogger('app').emit({ body: 'order 44 shipped' });
await bw.shutdown();
console.log('app done');
`;

it("says once that the collector does not take the app's log records, and where to send them", async () => {
  const app = await startNode(['--input-type=module', '--eval', APP], {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: url },
    readyLine: /app done/,
    timeoutMs: 60_000,
    name: 'app',
  });
  assert.equal(await app.exited, 0, app.output());
  const lines = app
    .output()
    .split('\n')
    .filter((l) => l.includes('log export'));
  assert.equal(lines.length, 1, app.output());
  assert.match(lines[0]!, /^\[breakwater\] log export failed, logs are dropped until it recovers/);
  assert.match(lines[0]!, /HTTP 404/);
  assert.match(lines[0]!, /Breakwater's collector takes traces and metrics only/);
  assert.match(lines[0]!, /OTEL_EXPORTER_OTLP_LOGS_ENDPOINT/);
  assert.match(lines[0]!, /OTEL_LOGS_EXPORTER=none/);
});
