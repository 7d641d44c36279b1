/**
 * Fan-out benchmark: a collector fleet component on a loopback HTTP server, 200 real SSE subscribers in a
 * worker thread. Each round feeds failing spans for a fresh dependency, so the fleet breaker
 * decides to open and publishes a signal; the time from just before that decision to the event
 * arriving at each subscriber is one sample. p50/p99 over every subscriber of every round.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { systemClock } from '@breakwater/protocol';
import type { CollectorConfig } from '../../collector/src/config/schema.ts';
import { type SpanRecord, STATUS_ERROR } from '../../collector/src/decode/span-record.ts';
import { parseFleetConfig } from '../../collector/src/evaluate/fleet/config.ts';
import { createFleetComponent } from '../../collector/src/fleet-component.ts';
import { span } from '../../collector/src/sli/testing/spans.ts';
import { silentLogger as silent } from '../../collector/src/testing/helpers.ts';

const WARMUP_ROUNDS = 5;

function failingAttempts(dependency: string): SpanRecord[] {
  return ['replica-1', 'replica-2'].flatMap((instanceId) =>
    Array.from(
      { length: 10 },
      (): SpanRecord =>
        span({
          name: 'chat',
          endTimeMs: Date.now(),
          durationMs: 3,
          statusCode: STATUS_ERROR,
          service: 'bench',
          serviceVersion: undefined,
          instanceId,
          provider: 'bench',
          requestModel: dependency,
          errorType: '503',
          dependency,
          role: 'attempt',
          errorCategory: 'server_error',
          errorSource: 'dependency',
          errorRetryable: true,
          retryAttempts: undefined,
        }),
    ),
  );
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Result of {@link measureFanout}, in milliseconds. */
export interface FanoutResult {
  p50: number;
  p99: number;
  samples: number;
}

/** Runs `rounds` decisions against `subscribers` SSE connections and returns the latencies. */
export async function measureFanout(subscribers = 200, rounds = 100): Promise<FanoutResult> {
  const SUBSCRIBERS = subscribers;
  const ROUNDS = rounds;
  const component = createFleetComponent(
    { config: {} as CollectorConfig, clock: systemClock, logger: silent, dataDir: '.' },
    { config: parseFleetConfig({ stream: { maxSubscribers: SUBSCRIBERS + 10 } }) },
  );
  await component.start?.();
  const routes = component.routes ?? [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = routes.find((r) => r.method === req.method && r.path === url.pathname);
    if (route) void route.handle(req, res, url, []);
    else res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const worker = new Worker(new URL('./fleet-fanout.worker.ts', import.meta.url), {
    workerData: { port, subscribers: SUBSCRIBERS },
  });
  const waiters = new Map<string, (arrivals: number[]) => void>();
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  worker.on('message', (m: { type: string; dependency?: string; arrivals?: number[] }) => {
    if (m.type === 'ready') onReady();
    else if (m.type === 'round') waiters.get(m.dependency ?? '')?.(m.arrivals ?? []);
  });
  await ready;

  const latencies: number[] = [];
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    const dependency = `bench/model-${round}`;
    const arrived = new Promise<number[]>((resolve) => waiters.set(dependency, resolve));
    const spans = failingAttempts(dependency);
    const decidedAt = performance.timeOrigin + performance.now();
    await component.spanSink?.(spans, systemClock.now());
    const arrivals = await arrived;
    if (round >= WARMUP_ROUNDS) for (const at of arrivals) latencies.push(at - decidedAt);
    await new Promise((r) => setTimeout(r, 10));
  }

  worker.postMessage({ type: 'stop' });
  await once(worker, 'exit');
  await component.stop?.();
  server.closeAllConnections();
  server.close();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length };
}
