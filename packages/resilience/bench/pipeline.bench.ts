/**
 * ns per call, in ONE process run, for: a bare async call; a plain OTel span; Breakwater's full
 * pipeline (timeout + retry + budget + breaker + bulkhead) inside that span; cockatiel
 * wrap(timeout, retry, breaker) inside the same span; opossum fire() inside the same span; and a
 * Breakwater timeout alone. Warm-up, then interleaved rounds: every round measures every case
 * back to back. The table shows each case's median round; the ratios on the last line are the
 * medians of the per-round ratios, so load from other processes that shifts a whole round
 * cancels out instead of skewing one side.
 *
 * Run: npm run bench -w @breakwater/resilience
 */

import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  ExponentialBackoff as CockatielBackoff,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import Opossum from 'opossum';
import { ExponentialBackoff, Pipeline, RetryBudget, TimeoutPolicy } from '../src/index.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 40_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30_000);

class NoopExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const provider = new TracerProvider({
  spanProcessors: [new BatchSpanProcessor({ exporter: new NoopExporter() })],
});
trace.setGlobalTracerProvider(provider);
const tracer = trace.getTracer('bench');

const operation = async (): Promise<number> => 1;

function inSpan<T>(fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan('chat gpt-4o', async (span) => {
    try {
      return await fn();
    } finally {
      span.end();
    }
  });
}

const breakwater = new Pipeline({
  dependency: 'openai/gpt-4o',
  timeout: 10_000,
  retry: {
    maxAttempts: 3,
    budget: new RetryBudget({ dependency: 'openai/gpt-4o' }),
    backoff: new ExponentialBackoff(),
  },
  breaker: { trip: { kind: 'consecutive', threshold: 5 } },
  bulkhead: { maxConcurrent: 100 },
});
const breakwaterTimeout = new TimeoutPolicy({ ms: 10_000, dependency: 'openai/gpt-4o' });

const cockatiel = wrap(
  timeout(10_000, TimeoutStrategy.Cooperative),
  retry(handleAll, { maxAttempts: 2, backoff: new CockatielBackoff() }),
  circuitBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) }),
);
const opossum = new Opossum(operation, {
  timeout: 10_000,
  errorThresholdPercentage: 50,
  resetTimeout: 30_000,
});

const cases: Record<string, () => Promise<unknown>> = {
  bare: () => operation(),
  span: () => inSpan(operation),
  breakwater: () => inSpan(() => breakwater.execute(operation)),
  cockatiel: () => inSpan(() => cockatiel.execute(operation)),
  opossum: () => inSpan(() => opossum.fire()),
  timeout: () => breakwaterTimeout.execute(operation),
};

async function measure(fn: () => Promise<unknown>, n: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - start) / n;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

for (const fn of Object.values(cases)) await measure(fn, WARMUP);
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of Object.entries(cases)) samples[name]!.push(await measure(fn, ITERATIONS));
}
const ns = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<
  string,
  number
>;
const ratio = (a: string, b: string): number => median(samples[a]!.map((x, i) => x / samples[b]![i]!));

console.log(
  `node ${process.version}, ${ITERATIONS} iterations x ${ROUNDS} interleaved rounds (median round)`,
);
console.log('case                         ns/call');
const labels: Record<string, string> = {
  bare: 'bare async call',
  span: 'OTel span',
  breakwater: 'breakwater pipeline in span',
  cockatiel: 'cockatiel wrap in span',
  opossum: 'opossum fire in span',
  timeout: 'breakwater timeout alone',
};
for (const [name, value] of Object.entries(ns))
  console.log(`${labels[name]!.padEnd(28)} ${value.toFixed(0).padStart(8)}`);
await provider.shutdown();
const r = (x: number): string => x.toFixed(2);
console.log(
  `overhead_vs_span=${r(ratio('breakwater', 'span'))} vs_cockatiel=${r(ratio('breakwater', 'cockatiel'))} vs_opossum=${r(ratio('breakwater', 'opossum'))} timeout_ns=${Math.round(ns.timeout!)}`,
);
