/**
 * A long-running agent process in a few minutes: millions of calls over 10 000 distinct model and
 * tool names, with failures that open breakers, fleet overrides for dependencies the process never
 * calls, and days of idle time, on a manual clock. Prints, at each checkpoint, the heap after a
 * forced GC and the size of every per-dependency map, so a map that grows without bound shows as
 * a column that does not level off at its cap.
 *
 * 1. Realistic part: the real `openai` client, patched by the instrumentation, against the fault
 *    provider: fine-tuned model ids per customer, dated snapshots, two base URLs, streams read to
 *    the end and streams dropped after one chunk, every call given one long-lived AbortSignal
 *    (as a server passes its shutdown signal). Checks that signal's listener count, the
 *    process's listeners, MaxListenersExceededWarning and the open operations.
 * 2. Volume part: `tool()`s made per call with runtime-built names (`search_${tenant}`) and
 *    direct guard pipeline calls for `openai/ft:…` keys, `SOAK_CALLS` in all (default 1 000 000),
 *    checkpoints at 10k, 100k and 1M; one tenant in 50 always fails.
 * 3. Idle: an outage opens the breakers of 450 tools never called again, a day passes, then 20
 *    new model names fail: each should get a breaker of its own that opens and refuses.
 *
 * Metrics are collected every `SOAK_COLLECT_EVERY` volume calls (default 10 000), at cumulative
 * temporality, as a periodic reader would export them.
 *
 * Run: `npm run soak:long-run -w @breakwater/instrumentation` (passes `--expose-gc`).
 * `SOAK_CALLS`, `SOAK_NAMES` (default 10 000) and `SOAK_HTTP_CALLS` (default 4 000) size it.
 */
import { getEventListeners } from 'node:events';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFaultProvider } from '@breakwater/fault-provider';
import { ManualClock } from '@breakwater/protocol';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type OpenAIType from 'openai';
import { configureBreakwater, tool } from '../src/index.ts';
import { OpenAIInstrumentation } from '../src/openai/instrumentation.ts';
import { benchTelemetry } from './bench-telemetry.ts';

const CALLS = Number(process.env.SOAK_CALLS ?? 1_000_000);
const NAMES = Number(process.env.SOAK_NAMES ?? 10_000);
const HTTP_CALLS = Number(process.env.SOAK_HTTP_CALLS ?? 4_000);
/** Volume calls between two metric collections (a periodic reader's export). */
const COLLECT_EVERY = Number(process.env.SOAK_COLLECT_EVERY ?? 10_000);

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

async function heapMb(): Promise<number> {
  // Twice, with a turn between: finalizers and weak references settle after the first pass.
  for (let i = 0; i < 3; i++) {
    gc!();
    await sleep(20);
  }
  return process.memoryUsage().heapUsed / 1_048_576;
}

/** A reader the soak collects by hand, at cumulative temporality (the SDK's default). */
class HandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const reader = new HandReader();
const { tracerProvider, meterProvider } = benchTelemetry({
  meterProvider: new MeterProvider({ readers: [reader] }),
  globalMeterProvider: true,
});
const clock = new ManualClock();
const runtime = configureBreakwater({ clock, meter: meterProvider.getMeter('soak') });
const instrumentation = new OpenAIInstrumentation();
instrumentation.setTracerProvider(tracerProvider);
instrumentation.setMeterProvider(meterProvider);
instrumentation.enable();
// Through `require`, which the instrumentation's hook patches (an ESM import would need its loader).
const OpenAI = (createRequire(import.meta.url)('openai') as { default: typeof OpenAIType }).default;

const warnings: string[] = [];
process.on('warning', (w) => warnings.push(`${w.name}: ${w.message.slice(0, 120)}`));
const processListeners = () =>
  ['exit', 'SIGTERM', 'SIGINT', 'beforeExit', 'uncaughtException'].reduce(
    (n, e) => n + process.listenerCount(e),
    0,
  );
const listenersAtStart = processListeners();

/** Sizes of the per-dependency maps, read through their private fields where they have no getter. */
function sizes(): Record<string, number> {
  const listener = (runtime.guard as unknown as { breakers: { config: { listener?: unknown } } }).breakers
    .config.listener as { deps: Map<string, unknown>; breakers: Set<unknown> } | undefined;
  const policies = runtime.policies as unknown as {
    cache: Map<string, unknown>;
    merged: Map<string, unknown>;
  };
  return {
    guard: runtime.guard.size,
    breakers: runtime.guard.breakers.size,
    policyCache: policies.cache.size,
    policyMerged: policies.merged.size,
    listenerDeps: listener?.deps.size ?? -1,
    gaugedBreakers: listener?.breakers.size ?? -1,
    openOps: runtime.openOperations.size,
    timers: clock.pendingTimers,
  };
}

/** Series per metric, and points in overflow series, after one collection. */
async function series(): Promise<string> {
  const { resourceMetrics } = await reader.collect();
  const out: string[] = [];
  for (const scope of resourceMetrics.scopeMetrics)
    for (const m of scope.metrics) {
      const overflow = m.dataPoints.filter((p) => p.attributes['otel.metric.overflow'] === true).length;
      out.push(`${m.descriptor.name}=${m.dataPoints.length}${overflow > 0 ? '(overflow)' : ''}`);
    }
  return out.join(' ');
}

async function checkpoint(label: string): Promise<void> {
  const heap = await heapMb();
  console.log(`${label.padEnd(28)} heap ${heap.toFixed(1).padStart(6)} MB  ${JSON.stringify(sizes())}`);
  console.log(`${''.padEnd(28)} series ${await series()}`);
}

// ---- 1. realistic part ----------------------------------------------------------------------

const fp = await startFaultProvider();
const shutdown = new AbortController();
const clients = [
  new OpenAI({ apiKey: 'k', baseURL: fp.openaiBaseUrl, maxRetries: 0 }),
  new OpenAI({ apiKey: 'k', baseURL: fp.openaiBaseUrl.replace('127.0.0.1', 'localhost'), maxRetries: 0 }),
];
const modelOf = (i: number) =>
  i % 3 === 0 ? `ft:gpt-4o:org:custom-${i % NAMES}` : `gpt-4o-2024-${String(i % NAMES).padStart(5, '0')}`;

async function httpCall(i: number): Promise<void> {
  const client = clients[i % clients.length]!;
  const body = { model: modelOf(i), messages: [{ role: 'user' as const, content: 'hi' }] };
  if (i % 4 === 0) {
    const stream = await client.chat.completions.create(
      { ...body, stream: true },
      { signal: shutdown.signal },
    );
    for await (const _chunk of stream) if (i % 8 === 0) break; // every other stream dropped after one chunk
    return;
  }
  await client.chat.completions.create(body, { signal: shutdown.signal });
}

async function run(n: number, each: (i: number) => Promise<unknown>, concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await each(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

console.log(
  `node ${process.version}, ${NAMES} distinct names, ${HTTP_CALLS} HTTP calls, ${CALLS} volume calls`,
);
await checkpoint('start');
await run(HTTP_CALLS, httpCall);
await checkpoint(`${HTTP_CALLS} openai calls`);
console.log(
  `  app signal abort listeners ${getEventListeners(shutdown.signal, 'abort').length}, ` +
    `process listeners +${processListeners() - listenersAtStart}`,
);

// ---- 2. volume part -------------------------------------------------------------------------

const fails = (k: number) => k % 50 === 0;
const NO_DATA = { input: undefined, adaptFallback: undefined };
async function volumeCall(i: number): Promise<void> {
  const k = (i * 7919) % NAMES;
  try {
    if (i % 2 === 0) {
      await tool(`search_${k}`, async () => {
        if (fails(k)) throw new Error('tenant index down');
        return 'ok';
      })();
    } else {
      const dependency = `openai/ft:gpt-4o:org:custom-${k}`;
      await runtime.guard.pipeline(dependency, runtime.policies.resolve(dependency), 'client').execute(
        async () => {
          if (fails(k)) throw Object.assign(new Error('down'), { status: 503 });
          return 'ok';
        },
        { data: NO_DATA },
      );
    }
  } catch {
    // Failures and refusals are part of the load.
  }
  // A second of process time every 1000 calls: breakers open, half-open and close as they would.
  if (i % 1000 === 999) await clock.advance(1_000);
  // A metrics export every COLLECT_EVERY calls, as a periodic reader would make.
  if (i % COLLECT_EVERY === COLLECT_EVERY - 1) await reader.collect();
}

let done = 0;
for (const target of [10_000, 100_000, 1_000_000].filter((t) => t <= CALLS)) {
  const started = performance.now();
  await run(target - done, (i) => volumeCall(done + i), 1);
  const ms = performance.now() - started;
  console.log(`  ${target - done} calls in ${(ms / 1000).toFixed(1)} s`);
  done = target;
  await checkpoint(`${done} volume calls`);
}

// Fleet overrides for dependencies this process never calls (the control client holds at most
// maxDependencies of them; here straight to the guard, as it does).
for (let i = 0; i < runtime.guard.maxDependencies; i++)
  runtime.guard.applyOverride(`anthropic/elsewhere-${i}`, {
    state: 'open',
    expiresAt: clock.now() + 60_000,
    source: `sig-${i}`,
  });
await checkpoint('+ fleet overrides');
await clock.advance(120_000);
await run(2_000, (i) => volumeCall(done + i), 1);
await checkpoint('overrides over, 2k calls');

// ---- 3. a day idle, then new names that fail ------------------------------------------------

/** Awaits `promise`, moving the manual clock on meanwhile (retries sleep on it). */
async function driven<T>(promise: Promise<T>): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => {}); // handled by the caller once settled
  while (!settled) await clock.advance(100);
  return watched;
}

// An outage: the search tools of 450 tenants fail until their breakers open, and those tenants
// never call again (they moved off, or their index was retired).
for (let k = 0; k < 450; k++) {
  const failing = tool(`search_gone_${k}`, async () => Promise.reject(new Error('index gone')));
  for (let n = 0; n < 10; n++) await failing().catch(() => {});
}
const notClosed = runtime.guard.breakers.list().filter((b) => b.state !== 'closed').length;
console.log(`  outage: ${notClosed} of ${runtime.guard.breakers.size} kept breakers open`);
await clock.advance(86_400_000);
let refused = 0;
for (let round = 0; round < 12; round++)
  for (let t = 0; t < 20; t++) {
    const dependency = `openai/ft:gpt-4o:org:new-${t}`;
    const call = runtime.guard
      .pipeline(dependency, runtime.policies.resolve(dependency), 'client')
      .execute(async () => Promise.reject(Object.assign(new Error('down'), { status: 503 })), {
        data: NO_DATA,
      });
    await driven(call).catch((e: { classification?: { category?: string } }) => {
      if (e.classification?.category === 'circuit_open') refused++;
    });
  }
console.log(`  after a day idle: 20 new failing models, 12 calls each: ${refused} refused by their breakers`);
await checkpoint('a day later');

console.log(`warnings: ${warnings.length === 0 ? 'none' : warnings.join(' | ')}`);
await fp.close();
await tracerProvider.shutdown();
await meterProvider.shutdown();
instrumentation.disable();
