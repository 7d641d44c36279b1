/**
 * An app that keeps its own OpenTelemetry NodeSDK (with `breakwaterInstrumentations()` and
 * `configureBreakwater()`, as @breakwater/node's README shows) and runs `startFleetControl()`:
 * a breaker signal the real collector publishes opens the breaker in the app's runtime, so the
 * app's next call is refused without reaching the provider; `close()` ends the stream. The
 * collector runs in this process (its fleet component exposes the hub signals are published on),
 * over loopback HTTP.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import {
  CollectorService,
  createFleetComponent,
  createLogger,
  type FleetComponent,
  parseConfig,
} from '@breakwater/collector';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { breakwaterInstrumentations, configureBreakwater } from '@breakwater/instrumentation';
import { CircuitOpenError, refusalOf, startFleetControl } from '@breakwater/node';
import type { BreakerSignal } from '@breakwater/protocol';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type OpenAIType from 'openai';
import { waitFor } from '../harness/wait.ts';

const require = createRequire(import.meta.url);
const SERVICE = 'own-sdk-agent';

// The app's SDK exports nothing here: what matters is its instrumentations and the runtime.
for (const name of ['OTEL_TRACES_EXPORTER', 'OTEL_METRICS_EXPORTER', 'OTEL_LOGS_EXPORTER'])
  process.env[name] = 'none';

let dataDir: string;
let collector: CollectorService;
let fleet: FleetComponent | undefined;
let provider: FaultProvider;
let sdk: NodeSDK;
let client: OpenAIType;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bw-own-sdk-'));
  const config = parseConfig(
    { name: 'collector.yaml', text: `listen: 127.0.0.1:0\ndataDir: ${JSON.stringify(dataDir)}\n` },
    {},
  );
  collector = await CollectorService.start({
    config,
    logger: createLogger('silent'),
    components: [
      (ctx) => {
        fleet = createFleetComponent(ctx);
        return fleet;
      },
    ],
  });
  provider = await startFaultProvider();
  configureBreakwater({ policies: [{ match: '*', policy: { retry: { maxAttempts: 1 } } }] });
  sdk = new NodeSDK({ serviceName: SERVICE, instrumentations: [breakwaterInstrumentations()] });
  sdk.start();
  const OpenAI = require('openai').default as typeof OpenAIType;
  client = new OpenAI({ apiKey: 'k', baseURL: provider.openaiBaseUrl, maxRetries: 0 });
});

after(async () => {
  await sdk?.shutdown();
  await provider?.close();
  await collector?.shutdown();
  await rm(dataDir, { recursive: true, force: true });
});

function publish(dependency: string, state: BreakerSignal['state']): void {
  fleet!.hub.publish({
    id: `sig-${dependency}-${state}`,
    kind: 'breaker',
    dependency,
    service: SERVICE,
    state,
    ttlMs: 60_000,
    issuedAt: Date.now(),
    reason: {
      errorRatio: 1,
      window: '60s',
      volume: 40,
      instances: 3,
      topErrorTypes: [{ type: '503', count: 40 }],
    },
  });
}

const chat = (model: string) =>
  client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

/** Whether `call` failed with the fleet's breaker refusal, which the app reads with `refusalOf`. */
async function refusedByFleet(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return false;
  } catch (error) {
    const refusal = refusalOf(error);
    return refusal instanceof CircuitOpenError && refusal.breakerSource === 'fleet';
  }
}

it("a signal published on the collector opens the breaker of the app's own runtime; close() ends the stream", async () => {
  const logs: string[] = [];
  const control = startFleetControl({
    serviceName: SERVICE,
    control: { url: collector.url },
    logger: (line) => logs.push(line),
  });
  try {
    await waitFor('the app to subscribe', () => control.connected && fleet!.hub.subscribers === 1);
    await chat('gpt-4o');
    assert.equal(
      provider.count({ route: 'openai.chat', model: 'gpt-4o' }),
      1,
      'a call before the signal goes out',
    );

    publish('openai/gpt-4o', 'open');
    await waitFor('the override', () => control.activeOverrides.get('openai/gpt-4o')?.state === 'open');
    assert.ok(await refusedByFleet(chat('gpt-4o')), 'refused by the fleet breaker');
    assert.equal(
      provider.count({ route: 'openai.chat', model: 'gpt-4o' }),
      1,
      'the refused call never left the app',
    );
    assert.ok(
      logs.some((line) => line.startsWith('fleet override applied: openai/gpt-4o open')),
      logs.join('\n'),
    );
  } finally {
    await control.close();
  }
  assert.equal(control.running, false);
  await waitFor('the collector to see the stream end', () => fleet!.hub.subscribers === 0);
  // The breaker is the app's own again.
  await chat('gpt-4o');
  assert.equal(provider.count({ route: 'openai.chat', model: 'gpt-4o' }), 2);
});

it('a client started before the app replaces its runtime (configureBreakwater) steers the new one', async () => {
  const control = startFleetControl({
    serviceName: SERVICE,
    control: { url: collector.url },
    logger: () => {},
  });
  try {
    await waitFor('the app to subscribe', () => control.connected && fleet!.hub.subscribers === 1);
    configureBreakwater({ policies: [{ match: '*', policy: { retry: { maxAttempts: 1 } } }] });
    publish('openai/gpt-4o-mini', 'open');
    await waitFor('the override', () => control.activeOverrides.has('openai/gpt-4o-mini'));
    assert.ok(await refusedByFleet(chat('gpt-4o-mini')), 'refused by the fleet breaker');
    assert.equal(provider.count({ route: 'openai.chat', model: 'gpt-4o-mini' }), 0);
  } finally {
    await control.close();
  }
});
