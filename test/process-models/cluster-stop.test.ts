/**
 * Stopping a node:cluster app whose workers still hold spans (exported a second after a call).
 * Kubernetes and Docker signal only PID 1, the primary; before, the primary flushed its own SDK
 * and ended, each worker saw its IPC channel close and called process.exit() at once, and every
 * worker's last spans were lost: the collector never counted the calls. Now the primary passes the
 * signal on and waits for its workers, which flush. Where the signal reaches every process at once
 * (systemd stopping a service, Ctrl-C), a worker gets it twice, and the second must not end it in
 * mid-flush.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../harness/wait.ts';
import { type AppRun, operationsCounted, runApp, useStack } from './apps.ts';

describe('stopping a cluster app', { timeout: 120_000 }, () => {
  const stack = useStack();

  /** Runs the cluster app until both workers have made their calls (unflushed); returns it. */
  async function clusterWithCalls(service: string) {
    const app = await runApp('cluster-app', {
      service,
      pod: 'pod-1',
      collectorUrl: stack.collector.url,
      providerUrl: stack.provider.url,
      // Long enough that nothing is exported before the stop: only the stop's flush sends them.
      env: { OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_METRIC_EXPORT_INTERVAL: '60000' },
    });
    const workers = await app.said('worker', 2);
    assert.equal(
      await operationsCounted(stack.collector.url, service),
      0,
      'nothing exported before the stop',
    );
    return { app, workers };
  }

  /** Waits until the collector has counted the 6 calls of both workers. */
  async function countedAll(service: string, app: AppRun): Promise<void> {
    let n = 0;
    try {
      await waitFor('the collector to count the 6 calls of both workers', async () => {
        n = await operationsCounted(stack.collector.url, service);
        return n === 6 || undefined;
      });
    } catch (error) {
      throw new Error(
        `${(error as Error).message}: it counted ${n}\n--- app output ---\n${app.proc.output()}`,
      );
    }
  }

  it("SIGTERM to the primary only (Kubernetes, Docker) flushes every worker's spans", async () => {
    const { app } = await clusterWithCalls('cluster-stop-primary');
    app.proc.child.kill('SIGTERM');
    assert.equal(
      await app.proc.exited,
      null,
      'the primary ends by the signal, as it would without Breakwater',
    );
    await countedAll('cluster-stop-primary', app);
  });

  it("SIGTERM to every process at once (systemd, Ctrl-C) flushes every worker's spans", async () => {
    const { app, workers } = await clusterWithCalls('cluster-stop-group');
    app.proc.child.kill('SIGTERM');
    for (const w of workers) process.kill(w.pid, 'SIGTERM');
    assert.equal(await app.proc.exited, null);
    await countedAll('cluster-stop-group', app);
  });
});
