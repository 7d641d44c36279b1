/**
 * Per-call cost of a non-streaming chat completion against the fault provider at zero latency:
 * bare `openai` vs Breakwater's instrumentation vs `@opentelemetry/instrumentation-openai`, in
 * one process.
 *
 * The contrib instrumentation supports `openai` < 7 only, so every variant uses openai 6.x
 * (installed here under the npm alias `openai-v6`). Each variant gets its own fresh copy of the
 * module, patched once and never touched again: the bare copy is loaded before anything hooks
 * `require`, the contrib copy is patched with its module definition's own `patch` (its documented
 * `getModuleDefinitions()` entry point: it only hooks the module name `openai`), and ours is
 * patched by our `require` hook through `moduleAliases`. No patch is switched on or off while
 * measuring, so every variant runs warm, optimized code.
 *
 * Rounds are short and interleaved (bare, breakwater, contrib, then the next rotation), so the
 * three variants share the machine's state; a shared, noisy machine drifts over seconds, not
 * over a few milliseconds. Last line: `instrumented_vs_bare=<ratio> vs_contrib=<ratio>`,
 * medians of the ratios taken within each round; the line before gives `contrib_vs_bare`.
 *
 * `npm run bench:floor -w @breakwater/instrumentation` runs bare, contrib and the hand-written
 * floor of floor.ts instead (the least that has an attempt span and the pipeline), with the same
 * three-way rotation: `floor_vs_bare=<ratio> floor_vs_contrib=<ratio>`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';
import { startFaultProvider } from '@breakwater/fault-provider';
import { isWrapped } from '@opentelemetry/instrumentation';
import { OpenAIInstrumentation as ContribOpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import type OpenAIType from 'openai';
import { hasBreakwaterPatch } from '../src/client/method-patch.ts';
import { configureBreakwater } from '../src/index.ts';
import { OpenAIInstrumentation } from '../src/openai/instrumentation.ts';
import { serverAttributes } from '../src/span-attributes.ts';
import { benchTelemetry } from './bench-telemetry.ts';
import { patchFloor } from './floor.ts';
import { interleavedRounds, pairedRatio, printMedians } from './interleaved-rounds.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 600);
const CALLS = Number(process.env.BENCH_CALLS ?? 10);
const WARMUP_CALLS = 2000;

const { tracerProvider, meterProvider } = benchTelemetry();
const runtime = configureBreakwater({ meter: meterProvider.getMeter('bench') });

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('openai-v6')); // its main, index.js, sits at the package root
const packageJson = JSON.parse(readFileSync(`${packageDir}/package.json`, 'utf8')) as { version: string };
const version = packageJson.version;

interface OpenAIModule {
  default: typeof OpenAIType & { Chat: { Completions: { prototype: { create: unknown } } } };
}

/** A fresh, independent copy of openai 6 (its own classes and prototypes). */
function loadOpenAI(): OpenAIModule {
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(packageDir + sep)) delete require.cache[file];
  }
  return require('openai-v6') as OpenAIModule;
}

const ours = new OpenAIInstrumentation({ moduleAliases: ['openai-v6'], enabled: false });
ours.setTracerProvider(tracerProvider);
ours.setMeterProvider(meterProvider);
const contrib = new ContribOpenAIInstrumentation({ enabled: false });
contrib.setTracerProvider(tracerProvider);
contrib.setMeterProvider(meterProvider);
contrib.enable(); // sets its enabled flag; it hooks only the name `openai`, so it patches nothing itself

const bareModule = loadOpenAI();
const floorModule = loadOpenAI();
const contribModule = loadOpenAI();
contrib
  .getModuleDefinitions()
  .find((d) => d.name === 'openai')!
  .patch?.(contribModule, version);
ours.enable(); // from here on, loading `openai-v6` gives a copy patched by our require hook
const oursModule = loadOpenAI();

// Guard the setup: exactly the two instrumented copies are patched.
const create = (m: OpenAIModule) => m.default.Chat.Completions.prototype.create;
const patched = (m: OpenAIModule) => isWrapped(create(m)) || hasBreakwaterPatch(create(m));
if (patched(bareModule) || !hasBreakwaterPatch(create(oursModule)) || !isWrapped(create(contribModule))) {
  throw new Error('benchmark setup: expected only the breakwater and contrib copies of openai to be patched');
}

const fp = await startFaultProvider();
const request = { model: 'gpt-bench', messages: [{ role: 'user' as const, content: 'ping' }] };
patchFloor(
  floorModule.default.Chat.Completions,
  request.model,
  serverAttributes(fp.openaiBaseUrl) as Record<string, string | number>,
  tracerProvider.getTracer('floor'),
  meterProvider.getMeter('floor'),
  runtime,
);
const options = { apiKey: 'k', baseURL: fp.openaiBaseUrl, maxRetries: 0 };
const clients = {
  bare: new bareModule.default(options),
  breakwater: new oursModule.default(options),
  contrib: new contribModule.default(options),
  floor: new floorModule.default(options),
};
type Variant = keyof typeof clients;
// Three variants rotate in either run: how many share the caches changes every figure.
const floorRun = process.env.BENCH_FLOOR === '1';
const order: Variant[] = floorRun ? ['bare', 'floor', 'contrib'] : ['bare', 'breakwater', 'contrib'];
const plan = { warmupCalls: WARMUP_CALLS, rounds: ROUNDS, calls: CALLS };
const results = await interleavedRounds(order, (v) => clients[v].chat.completions.create(request), plan);
await fp.close();
await tracerProvider.shutdown();

printMedians(order, results, plan, 10);
const paired = (a: Variant, b: Variant) => pairedRatio(results, a, b);
// The reference instrumentation's own overhead, for reading the ≤ 10 % target against.
console.log(`contrib_vs_bare=${paired('contrib', 'bare').toFixed(3)}`);
const [measured, vsBare, vsContrib] = floorRun
  ? (['floor', 'floor_vs_bare', 'floor_vs_contrib'] as const)
  : (['breakwater', 'instrumented_vs_bare', 'vs_contrib'] as const);
console.log(
  `${vsBare}=${paired(measured, 'bare').toFixed(3)} ${vsContrib}=${paired(measured, 'contrib').toFixed(3)}`,
);
