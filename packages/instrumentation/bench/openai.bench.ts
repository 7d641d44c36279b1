/**
 * Per-call cost of a non-streaming chat completion against the fault provider at zero latency:
 * bare `openai` vs Breakwater's instrumentation vs `@opentelemetry/instrumentation-openai`, in
 * one process, rounds interleaved (bare, breakwater, contrib, bare, …) so drift hits all three.
 * The contrib instrumentation supports `openai` < 7 only, so all three variants use openai 6.x
 * (installed here under the npm alias `openai-v6`): ours hooks it through `moduleAliases`, the
 * contrib one is applied with its module definition's own patch/unpatch (its documented
 * `getModuleDefinitions()` entry point), since it only hooks the module name `openai`. Each round
 * switches exactly one patch on, so every variant calls the very same client object.
 *
 * Last line: `instrumented_vs_bare=<ratio> vs_contrib=<ratio>`: medians of the ratios taken within
 * each round (the variants of one round run back to back, so they share the machine's state;
 * a paired ratio is far steadier than a ratio of medians on a shared, noisy machine).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startFaultProvider } from '@breakwater/fault-provider';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OpenAIInstrumentation as ContribOpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import type OpenAIType from 'openai';
import { configureBreakwater } from '../src/index.ts';
import { OpenAIInstrumentation } from '../src/openai/instrumentation.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);
const CALLS = Number(process.env.BENCH_CALLS ?? 200);

// Spans go through a real batch processor to an exporter that drops them: the cost measured is
// creating and ending spans, not network export.
const dropping: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => {},
};
const tracerProvider = new TracerProvider({
  spanProcessors: [new BatchSpanProcessor({ exporter: dropping })],
});
const meterProvider = new MeterProvider();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(tracerProvider);
configureBreakwater({ meter: meterProvider.getMeter('bench') });

const ours = new OpenAIInstrumentation({ moduleAliases: ['openai-v6'] });
ours.setTracerProvider(tracerProvider);
ours.setMeterProvider(meterProvider);
const contrib = new ContribOpenAIInstrumentation({ enabled: false });
contrib.setTracerProvider(tracerProvider);
contrib.setMeterProvider(meterProvider);

const require = createRequire(import.meta.url);
const openaiV6 = require('openai-v6');
const OpenAI = openaiV6.default as typeof OpenAIType;
const contribDef = contrib.getModuleDefinitions().find((d) => d.name === 'openai')!;
const v6Version = (
  JSON.parse(readFileSync(require.resolve('openai-v6').replace(/index\.js$/, 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
contrib.enable(); // sets its enabled flag and hooks; openai-v6 is not named `openai`, so only our calls below patch
let contribPatched = false;
const fp = await startFaultProvider();
const client = new OpenAI({ apiKey: 'k', baseURL: fp.openaiBaseUrl, maxRetries: 0 });
const request = { model: 'gpt-bench', messages: [{ role: 'user' as const, content: 'ping' }] };

type Variant = 'bare' | 'breakwater' | 'contrib';
function select(v: Variant): void {
  ours.disable();
  if (contribPatched) contribDef.unpatch?.(openaiV6, v6Version);
  contribPatched = false;
  if (v === 'breakwater') ours.enable();
  if (v === 'contrib') {
    contribDef.patch?.(openaiV6, v6Version);
    contribPatched = true;
  }
}

async function round(v: Variant): Promise<number> {
  select(v);
  const start = performance.now();
  for (let i = 0; i < CALLS; i++) await client.chat.completions.create(request);
  return ((performance.now() - start) * 1000) / CALLS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<Variant, number[]> = { bare: [], breakwater: [], contrib: [] };
const order: Variant[] = ['bare', 'breakwater', 'contrib'];
for (const v of order) await round(v); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  // Rotate the order each round so no variant always runs right after another.
  for (let k = 0; k < order.length; k++) {
    const v = order[(k + r) % order.length]!;
    results[v].push(await round(v));
  }
}
select('bare');
await fp.close();
await tracerProvider.shutdown();

const m = {
  bare: median(results.bare),
  breakwater: median(results.breakwater),
  contrib: median(results.contrib),
};
for (const v of order)
  console.log(`${v.padEnd(10)} ${m[v].toFixed(1)} µs/call (median of ${ROUNDS} rounds × ${CALLS} calls)`);
const paired = (a: Variant, b: Variant) => median(results[a].map((x, r) => x / results[b][r]!));
console.log(
  `instrumented_vs_bare=${paired('breakwater', 'bare').toFixed(3)} vs_contrib=${paired('breakwater', 'contrib').toFixed(3)}`,
);
