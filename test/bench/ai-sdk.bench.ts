/**
 * Per-call cost of the AI SDK middleware: `generateText` through a model given
 * `breakwaterMiddleware()` vs the same call on the bare model, against the fault provider at zero
 * latency, in one process. A third variant wraps the model in a middleware that does nothing, to
 * tell the AI SDK's own cost of a wrapped model from Breakwater's.
 *
 * Lives here, not beside the instrumentation's benchmark: `ai` and its providers are dependencies
 * of the test workspace only. Rounds are short and interleaved (each round rotates which variant
 * goes first), so the variants share the machine's state; the figures are medians of the ratios
 * taken within each round. Spans go through a real batch processor to an exporter that drops
 * them, metrics to a real meter provider: the cost is making them, not exporting them. Last line:
 * `ai_sdk_vs_bare=<ratio>`; the line before gives `passthrough_vs_bare`.
 *
 * `npm run bench:ai-sdk -w @breakwater/e2e`.
 */
import { createOpenAI } from '@ai-sdk/openai';
import { startFaultProvider } from '@breakwater/fault-provider';
import { configureBreakwater } from '@breakwater/instrumentation';
import { breakwaterMiddleware } from '@breakwater/instrumentation/ai-sdk';
import { generateText, type LanguageModel, wrapLanguageModel } from 'ai';
import { benchTelemetry } from '../../packages/instrumentation/bench/bench-telemetry.ts';
import {
  interleavedRounds,
  pairedRatio,
  printMedians,
} from '../../packages/instrumentation/bench/interleaved-rounds.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 400);
const CALLS = Number(process.env.BENCH_CALLS ?? 10);
const WARMUP_CALLS = 2000;

// The middleware's GenAI histograms go to the global meter provider, as under @breakwater/node.
const { tracerProvider, meterProvider } = benchTelemetry({ globalMeterProvider: true });
configureBreakwater({ meter: meterProvider.getMeter('bench') });
// The fault provider's model names are unknown to the AI SDK, which would say so on every call.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const fp = await startFaultProvider();
const openai = createOpenAI({ baseURL: fp.openaiBaseUrl, apiKey: 'k' });
const MODEL = 'gpt-bench';
const models = {
  bare: openai.chat(MODEL) as LanguageModel,
  passthrough: wrapLanguageModel({ model: openai.chat(MODEL), middleware: { specificationVersion: 'v4' } }),
  breakwater: wrapLanguageModel({ model: openai.chat(MODEL), middleware: breakwaterMiddleware() }),
};
type Variant = keyof typeof models;
const order: Variant[] = ['bare', 'passthrough', 'breakwater'];

const plan = { warmupCalls: WARMUP_CALLS, rounds: ROUNDS, calls: CALLS };
const results = await interleavedRounds(
  order,
  (v) => generateText({ model: models[v], prompt: 'ping', maxRetries: 0 }),
  plan,
);
await fp.close();
await tracerProvider.shutdown();
await meterProvider.shutdown();

printMedians(order, results, plan, 12);
const paired = (a: Variant, b: Variant) => pairedRatio(results, a, b);
console.log(`passthrough_vs_bare=${paired('passthrough', 'bare').toFixed(3)}`);
console.log(`ai_sdk_vs_bare=${paired('breakwater', 'bare').toFixed(3)}`);
