import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startChildApp, until } from '../testing/child-app.ts';
import { SignalCollector } from '../testing/signal-collector.ts';

/**
 * A control client in a child process that is frozen (SIGSTOP, as a serverless platform freezes
 * a process between invocations) for longer than its idle timeout, then thawed.
 */
async function frozenClient(t: import('node:test').TestContext, heartbeatWhileFrozen: boolean) {
  const collector = new SignalCollector();
  await collector.listen();
  t.after(() => collector.kill());
  let beating = true;
  const heartbeat = setInterval(() => beating && collector.send(':\n\n'), 100);
  t.after(() => clearInterval(heartbeat));
  const app = startChildApp(
    t,
    `
      import { startControlClient } from './src/control/index.ts';
      startControlClient({
        url: 'http://127.0.0.1:${collector.port}',
        service: 'frozen-app',
        idleTimeoutMs: 500,
        initialDelayMs: 100,
        target: { applyOverride() {}, clearOverride() {} },
        logger: (line) => console.log(line),
      });
      setInterval(() => {}, 60_000);
    `,
  );
  await until(
    () => app.output().includes('control stream connected'),
    30_000,
    () => `never connected:\n${app.output()}`,
  );
  beating = heartbeatWhileFrozen;
  app.child.kill('SIGSTOP');
  await new Promise((r) => setTimeout(r, 1_500));
  app.child.kill('SIGCONT');
  return { collector, app };
}

it('a stream the collector kept alive while the process was frozen is read on, not dropped as idle', async (t) => {
  const { collector, app } = await frozenClient(t, true);
  // Past the grace a stream gets after a pause, and past the idle timeout at the heartbeats' pace.
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(collector.requests.length, 1, `reconnected after the thaw:\n${app.output()}`);
  assert.doesNotMatch(app.output(), /idle for/);
});

it('a stream that is dead after the freeze is still replaced: the grace does not keep it', async (t) => {
  const { collector, app } = await frozenClient(t, false);
  await until(
    () => collector.requests.length === 2,
    5_000,
    () => `not reconnected:\n${app.output()}`,
  );
});
