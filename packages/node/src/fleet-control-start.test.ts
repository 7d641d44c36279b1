/** `startFleetControl()` in a process where `start()` runs the fleet control client already. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { start, startFleetControl } from './index.ts';
import { freePort } from './testing/free-port.ts';
import { SignalCollector } from './testing/signal-collector.ts';
import { until } from './testing/until.ts';

it("with start()'s client running, startFleetControl() starts none and says so", async (t) => {
  const c = new SignalCollector();
  await c.listen();
  t.after(() => c.kill());
  const bw = start({
    serviceName: 'support-agent',
    // Spans to a closed port: the stand-in collector answers signal streams only.
    endpoint: `http://127.0.0.1:${await freePort()}`,
    control: { url: `http://127.0.0.1:${c.port}` },
    handleSignals: false,
    metricIntervalMs: 600_000,
    exportTimeoutMs: 300,
    logger: () => {},
  });
  t.after(() => bw.shutdown());
  await until(() => c.streams.size === 1, "start()'s stream to open");
  const logs: string[] = [];
  const fleet = startFleetControl({ serviceName: 'support-agent', logger: (line) => logs.push(line) });
  assert.equal(fleet.running, false);
  assert.deepEqual(logs, [
    'startFleetControl(): start() runs the fleet control client already (its shutdown() closes it); this call starts none',
  ]);
  await fleet.close();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(c.requests.length, 1, "start()'s stream only");
  assert.equal(c.streams.size, 1, 'closing the returned handle leaves it open');
});
