/**
 * One `service.instance.id` for the pod in `OTEL_RESOURCE_ATTRIBUTES` (as the OpenTelemetry
 * operator sets it), inherited by every process and thread the app starts. OpenTelemetry requires
 * the id unique per instance and recommends each process of an app server its own; the collector
 * keeps each SDK's breaker states by it. Before, every cluster worker, worker thread and forked
 * job exported under the pod's id, so the collector held one breaker state for all of them,
 * overwritten by whichever exported last. Now each exports as `<pod>/<pid>` (and `/<threadId>`),
 * the process that took the id keeping it as it is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../harness/wait.ts';
import { breakerStateInstances, runApp, useStack } from './apps.ts';

describe('service.instance.id across processes and threads', { timeout: 120_000 }, () => {
  const stack = useStack();

  /** Waits until the collector holds breaker states of `service` under exactly `ids`. */
  async function collectorSees(service: string, ids: string[]): Promise<void> {
    const want = [...ids].sort();
    await waitFor(`the collector to hold breaker states of ${service} for ${want.join(', ')}`, async () => {
      const got = await breakerStateInstances(stack.collector.url, service);
      return JSON.stringify(got) === JSON.stringify(want) || undefined;
    });
  }

  it('node:cluster: each worker reports as <pod>/<pid>, the primary keeps the pod id', async () => {
    const app = await runApp('cluster-app', {
      service: 'cluster-ids',
      pod: 'pod-1',
      collectorUrl: stack.collector.url,
      providerUrl: stack.provider.url,
      env: { FLUSH: '1' },
    });
    const [primary] = await app.said('primary', 1);
    const workers = await app.said('worker', 2);
    assert.equal(primary!.instance, 'pod-1');
    for (const w of workers) assert.equal(w.instance, `pod-1/${w.pid}`);
    await collectorSees(
      'cluster-ids',
      workers.map((w) => w.instance),
    );
    await app.proc.stop();
  });

  it('worker_threads: each thread reports as <pod>/<pid>/<threadId>', async () => {
    const app = await runApp('threads-app', {
      service: 'thread-ids',
      pod: 'pod-2',
      collectorUrl: stack.collector.url,
      providerUrl: stack.provider.url,
    });
    const [main] = await app.said('main', 1);
    const threads = await app.said('thread', 2);
    assert.equal(main!.instance, 'pod-2');
    for (const t of threads) {
      assert.equal(t.pid, main!.pid);
      assert.equal(t.instance, `pod-2/${t.pid}/${t.threadId}`);
    }
    await collectorSees(
      'thread-ids',
      threads.map((t) => t.instance),
    );
    assert.equal(await app.proc.exited, 0, app.proc.output());
  });

  it('child_process.fork: a job forked by a process that took the id reports as <pod>/<pid>', async () => {
    const app = await runApp('fork-app', {
      service: 'fork-ids',
      pod: 'pod-3',
      collectorUrl: stack.collector.url,
      providerUrl: stack.provider.url,
    });
    const [runner] = await app.said('runner', 1);
    const [job] = await app.said('job', 1);
    assert.equal(runner!.instance, 'pod-3');
    assert.notEqual(job!.pid, runner!.pid);
    assert.equal(job!.instance, `pod-3/${job!.pid}`);
    await collectorSees('fork-ids', [job!.instance]);
    assert.equal(await app.proc.exited, 0, app.proc.output());
  });
});
