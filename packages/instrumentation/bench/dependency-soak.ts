/**
 * Memory held by per-dependency state under a flood of distinct dependency keys: an LLM gateway
 * passing user-supplied model names through, or an app making tool names per request. Sends
 * `SOAK_NAMES` (default 30 000) calls through the real path, each with a model name never seen
 * before, within `idleMs`: `openai` patched by our instrumentation against the fault provider,
 * and as many `tool()`s of distinct names. Prints the heap after a forced GC before and after,
 * and how many dependencies the guard keeps.
 *
 * Run: `npm run soak:dependencies -w @breakwater/instrumentation` (needs `--expose-gc`, which
 * the script passes). `SOAK_MAX_DEPENDENCIES` sets `limits.maxDependencies` (default 400).
 */
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFaultProvider } from '@breakwater/fault-provider';
import type OpenAIType from 'openai';
import { configureBreakwater, tool } from '../src/index.ts';
import { OpenAIInstrumentation } from '../src/openai/instrumentation.ts';
import { benchTelemetry } from './bench-telemetry.ts';

const NAMES = Number(process.env.SOAK_NAMES ?? 30_000);
const MAX_DEPENDENCIES = Number(process.env.SOAK_MAX_DEPENDENCIES ?? 400);
const CONCURRENCY = 8;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

async function heapMb(): Promise<number> {
  // Twice, with a turn between: finalizers and weak references settle after the first pass.
  for (let i = 0; i < 2; i++) {
    gc!();
    await sleep(10);
  }
  return process.memoryUsage().heapUsed / 1_048_576;
}

const { tracerProvider, meterProvider } = benchTelemetry();
const runtime = configureBreakwater({
  meter: meterProvider.getMeter('soak'),
  limits: { maxDependencies: MAX_DEPENDENCIES },
});
const instrumentation = new OpenAIInstrumentation();
instrumentation.setTracerProvider(tracerProvider);
instrumentation.setMeterProvider(meterProvider);
instrumentation.enable();
// Through `require`, which the instrumentation's hook patches (an ESM import would need its loader).
const OpenAI = (createRequire(import.meta.url)('openai') as { default: typeof OpenAIType }).default;

const fp = await startFaultProvider();
const client = new OpenAI({ apiKey: 'k', baseURL: fp.openaiBaseUrl });
const ask = (model: string) =>
  client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

/** Runs `each(i)` for i in [0, n) with {@link CONCURRENCY} at a time. */
async function run(n: number, each: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await each(next++);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

// Warm up on one model and one tool, so the baseline holds the code and caches of the path.
await run(500, () => ask('gpt-warm'));
const warmTool = tool('warm', async () => 'ok');
await run(500, () => warmTool());
const before = await heapMb();

const started = performance.now();
await run(NAMES, (i) => ask(`gpt-user-${i}`));
const llmMs = performance.now() - started;
const afterLlm = await heapMb();
const llmKept = runtime.guard.size;

await run(NAMES, (i) => tool(`generated_${i}`, async () => 'ok')());
const afterTools = await heapMb();

console.log(
  `node ${process.version}, maxDependencies=${MAX_DEPENDENCIES}, ${NAMES} distinct model names then ${NAMES} distinct tool names`,
);
console.log(`heap after warm-up            ${before.toFixed(1)} MB`);
console.log(
  `after ${NAMES} models         ${afterLlm.toFixed(1)} MB (+${(afterLlm - before).toFixed(1)} MB, ` +
    `${(((afterLlm - before) * 1_048_576) / NAMES).toFixed(0)} B/name), kept ${llmKept}, ${(llmMs / 1000).toFixed(1)} s`,
);
console.log(
  `after ${NAMES} tools          ${afterTools.toFixed(1)} MB (+${(afterTools - before).toFixed(1)} MB in all), ` +
    `kept ${runtime.guard.size}, breakers ${runtime.guard.breakers.size}`,
);
console.log(
  `soak_heap_growth_mb=${(afterTools - before).toFixed(1)} kept=${runtime.guard.size} max=${MAX_DEPENDENCIES}`,
);
await fp.close();
await tracerProvider.shutdown();
instrumentation.disable();
