/**
 * The Vercel AI SDK middleware end to end: two AI SDK app processes (ai-sdk-app.ts, on
 * `@breakwater/node`'s `start()`) export over real OTLP/HTTP to a real collector (`breakwater
 * serve`), which forwards the spans to a receiver here and pushes its fleet breaker signals back.
 * What the collector counts, what the fleet decides and what each app's metrics say must be the
 * same for AI SDK calls as for the clients' calls.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import type { SloStatus } from '@breakwater/protocol';
import { Collector, sample } from '../fleet/cluster.ts';
import { freePort } from '../harness/ports.ts';
import { type RunningProcess, startNode, stopAll } from '../harness/process.ts';
import { type SpanReceiver, spanAttr, startSpanReceiver } from '../harness/span-receiver.ts';
import { getJson, waitFor } from '../harness/wait.ts';

const SERVICE = 'ai-sdk-e2e';
const APP = fileURLToPath(new URL('ai-sdk-app.ts', import.meta.url));

/** An app process and its HTTP control and Prometheus endpoints. */
interface App {
  readonly proc: RunningProcess;
  readonly url: string;
  readonly metricsUrl: string;
}

/** Starts an app; `register` runs it under `--import @breakwater/node/register` (its `start()` then returns that instance). */
async function startApp(
  name: string,
  collector: Collector,
  fp: FaultProvider,
  register = false,
): Promise<App> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const proc = await startNode(register ? ['--import', '@breakwater/node/register', APP] : [APP], {
    env: {
      APP_PORT: String(port),
      FAULT_URL: fp.url,
      OTEL_SERVICE_NAME: SERVICE,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_METRIC_EXPORT_INTERVAL: '500',
      BREAKWATER_PROMETHEUS_PORT: String(metricsPort),
    },
    readyLine: /ai-sdk app listening/,
    timeoutMs: 60_000,
    name,
  });
  return { proc, url: `http://127.0.0.1:${port}`, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}

async function post<T>(app: App, route: string, body: unknown): Promise<T> {
  const res = await fetch(app.url + route, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${app.proc.name} ${route} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const generate = (app: App, body: { model: string; provider?: string; count: number; stream?: boolean }) =>
  post<{ outcomes: string[] }>(app, '/generate', body).then((r) => r.outcomes);

const COLLECTOR_YAML = (forward: string) => `
logLevel: warn
store: { kind: memory }
forward: [{ url: ${forward} }]
evaluation: { interval: 1s }
defaultSlos: false
technicalSlos: false
slos:
  - name: ai-sdk-chat
    objective: 99
    window: 1h
    selector: { operation: chat }
    groupBy: [model]
fleet:
  evaluateInterval: 200ms
  quorum: 1
  windows: [{ duration: 30s, minVolume: 6 }]
  ttl: 10s
  closedTtl: 2s
  openDuration: 60s
  stream: { heartbeat: 1s, retry: 300ms }
`;

describe('AI SDK apps through the collector', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bw-ai-sdk-e2e-'));
  let fp: FaultProvider;
  let receiver: SpanReceiver;
  let collector: Collector;
  let a: App;
  let b: App;

  before(async () => {
    (globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
    [fp, receiver] = await Promise.all([startFaultProvider(), startSpanReceiver()]);
    collector = await Collector.start(path.join(dir, 'collector'), COLLECTOR_YAML(receiver.endpoint));
    [a, b] = await Promise.all([startApp('app a', collector, fp), startApp('app b', collector, fp, true)]);
  });
  after(async () => {
    await stopAll();
    await fp?.close();
    receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The SLO's group of `model` (summed over versions), once it counts `total` events. */
  async function sloGroup(model: string, total: number) {
    return waitFor(
      `the collector to count ${total} events of ${model}`,
      async () => {
        const slo = await getJson<SloStatus>(`${collector.url}/v1/slos/ai-sdk-chat`);
        const group = slo.groups.find((g) => g.version === undefined && g.labels?.model === model);
        const window = group?.windows.find((w) => w.window === '1h');
        return window?.total === total ? { group: group!, window } : undefined;
      },
      { timeoutMs: 20_000 },
    );
  }

  it('the collector counts every AI SDK call as an SLO event, failures classified', async () => {
    fp.script({ route: 'openai.chat', model: 'gpt-e2e-bad', steps: [{ fault: 'error', status: 400 }] });
    fp.script({ route: 'openai.chat', model: 'gpt-e2e-down', steps: [{ fault: 'error', status: 503 }] });
    assert.deepEqual(await generate(a, { model: 'gpt-e2e-ok', count: 4 }), Array(4).fill('ok'));
    assert.deepEqual(await generate(a, { model: 'gpt-e2e-ok', count: 2, stream: true }), ['ok', 'ok']);
    assert.deepEqual(
      await generate(a, { model: 'claude-e2e-ok', provider: 'anthropic', count: 3, stream: true }),
      ['ok', 'ok', 'ok'],
    );
    assert.deepEqual(await generate(a, { model: 'gpt-e2e-bad', count: 2 }), ['status:400', 'status:400']);
    assert.deepEqual(await generate(a, { model: 'gpt-e2e-down', count: 3 }), Array(3).fill('status:503'));
    assert.equal(fp.count({ route: 'openai.chat', model: 'gpt-e2e-down' }), 3);

    assert.deepEqual((await sloGroup('gpt-e2e-ok', 6)).window.good, 6);
    assert.deepEqual((await sloGroup('claude-e2e-ok', 3)).window.good, 3);
    // A caller's 400 is no failure of the dependency: good events.
    assert.deepEqual((await sloGroup('gpt-e2e-bad', 2)).window.good, 2);
    const down = await sloGroup('gpt-e2e-down', 3);
    assert.equal(down.window.good, 0);
    assert.deepEqual(down.group.topErrorCategories, [{ category: 'overloaded', count: 3 }]);
  });

  it("the GenAI and breakwater.* metrics of AI SDK calls reach the app's Prometheus endpoint and the collector", async () => {
    const text = await waitFor('the app to serve its metrics', async () =>
      (await fetch(a.metricsUrl)).text(),
    );
    const scope = {
      otel_scope_name: '@breakwater/instrumentation/ai-sdk',
      gen_ai_request_model: 'gpt-e2e-ok',
    };
    assert.equal(sample(text, 'gen_ai_client_operation_duration_count', scope), 6, text);
    assert.ok(
      (sample(text, 'gen_ai_client_token_usage_count', { ...scope, gen_ai_token_type: 'input' }) ?? 0) > 0,
    );
    assert.equal(
      sample(text, 'gen_ai_client_operation_duration_count', {
        ...scope,
        gen_ai_request_model: 'claude-e2e-ok',
      }),
      3,
    );
    assert.equal(
      sample(text, 'breakwater_calls_total', {
        breakwater_dependency: 'openai/gpt-e2e-ok',
        breakwater_outcome: 'success',
      }),
      6,
      text,
    );
    // The breaker states the app reports reach the collector's /metrics.
    await waitFor('the collector to show the app’s breaker of anthropic/claude-e2e-ok', async () =>
      sample(await collector.metrics(), 'breakwater_sdk_breaker_state', {
        dependency: 'anthropic/claude-e2e-ok',
        state: 'closed',
      }),
    );
  });

  it("the fleet breaker opens on one app's AI SDK failures and refuses the other app's calls without a request", async () => {
    fp.script({ route: 'openai.chat', model: 'gpt-e2e-outage', steps: [{ fault: 'error', status: 503 }] });
    assert.deepEqual(await generate(a, { model: 'gpt-e2e-outage', count: 8 }), Array(8).fill('status:503'));
    await waitFor(
      'app b to hold the fleet’s open breaker of openai/gpt-e2e-outage',
      async () => {
        const breakers = await getJson<Record<string, { state: string; source: string }>>(
          `${b.url}/breakers`,
        );
        const breaker = breakers['openai/gpt-e2e-outage'];
        return breaker?.state === 'open' && breaker.source === 'fleet';
      },
      { timeoutMs: 20_000 },
    );
    const sent = fp.count({ route: 'openai.chat', model: 'gpt-e2e-outage' });
    assert.deepEqual(
      await generate(b, { model: 'gpt-e2e-outage', count: 2 }),
      Array(2).fill('circuit_open:fleet'),
    );
    assert.deepEqual(
      await generate(b, { model: 'gpt-e2e-outage', count: 2, stream: true }),
      Array(2).fill('circuit_open:fleet'),
    );
    assert.equal(
      fp.count({ route: 'openai.chat', model: 'gpt-e2e-outage' }),
      sent,
      'no refused call was sent',
    );
  });

  it('shutdown ends and exports a stream the app left mid-way', async () => {
    fp.script({
      route: 'anthropic.messages',
      model: 'claude-e2e-left',
      steps: [{ fault: 'stream_error', afterChunks: 6, end: 'hang' }],
    });
    const { first } = await post<{ first: string }>(b, '/leave-stream', {
      model: 'claude-e2e-left',
      provider: 'anthropic',
    });
    assert.equal(typeof first, 'string');
    // SIGTERM: Breakwater's handler shuts down, which ends the stream's operation and flushes it.
    await b.proc.stop(20_000);
    const span = await waitFor('the left stream’s operation span at the receiver', () =>
      receiver.spans.find(
        (s) =>
          spanAttr(s, 'breakwater.role') === 'operation' &&
          spanAttr(s, 'gen_ai.request.model') === 'claude-e2e-left',
      ),
    );
    assert.deepEqual(span.attributes.find((x) => x.key === 'breakwater.stream.abandoned')?.value as unknown, {
      boolValue: true,
    });
  });
});
