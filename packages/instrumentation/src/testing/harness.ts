/**
 * Test harness: a real tracer provider with an in-memory exporter, a meter provider with a
 * collect-on-demand reader, a fault provider, and the instrumentations enabled before the client
 * modules are required (so the require hook, not a manual patch, does the patching).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, beforeEach } from 'node:test';
import { type FaultProvider, startFaultProvider } from '@breakwater/fault-provider';
import { ATTR, type Clock, METRIC, SEMCONV } from '@breakwater/protocol';
import { refusalOf } from '@breakwater/resilience';
import { type Attributes, context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { AnthropicInstrumentation } from '../anthropic/instrumentation.ts';
import { OpenAIInstrumentation } from '../openai/instrumentation.ts';
import type { PolicyRule } from '../policies.ts';
import { configureBreakwater, type Runtime } from '../runtime.ts';
import { countAndSum, type MetricPoint, OnDemandReader } from './metric-points.ts';

/** Samples everything and remembers what a sampler saw at each span's start. */
class RecordingSampler implements Sampler {
  seen: { name: string; attributes: Attributes }[] = [];
  shouldSample(_ctx: unknown, _traceId: string, name: string, _kind: unknown, attributes: Attributes) {
    this.seen.push({ name, attributes: { ...attributes } });
    return { decision: SamplingDecision.RECORD_AND_SAMPLED };
  }
  toString(): string {
    return 'RecordingSampler';
  }
}

export const require = createRequire(import.meta.url);

/** Fast policies for tests: tiny backoff, no real waiting. */
export const FAST: PolicyRule[] = [
  {
    match: '*',
    policy: { retry: { baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 200 }, timeoutMs: 2_000 },
  },
  { match: '*-hang-*', policy: { timeoutMs: 150 } },
  { match: '*-one-slot-*', policy: { bulkhead: { maxConcurrent: 1, maxQueue: 0 } } },
];

export interface Harness {
  readonly fp: FaultProvider;
  readonly exporter: InMemorySpanExporter;
  readonly runtime: Runtime;
  readonly openai: OpenAIInstrumentation;
  readonly anthropic: AnthropicInstrumentation;
  spans(): ReadableSpan[];
  /** The ended operation span of the call whose request named `model`. */
  operation(model: string): ReadableSpan | undefined;
  /** Span names and the attributes a sampler saw when each span started, in start order. */
  sampled(): { name: string; attributes: Attributes }[];
  metrics(): Promise<ResourceMetrics>;
  /** Every point of the metric named `name`, collected now. */
  points(name: string): Promise<MetricPoint[]>;
  /** The `gen_ai.client.operation.duration` histogram of calls naming `model`: sum and count. */
  duration(model: string): Promise<{ sum: number; count: number } | undefined>;
  /** That histogram's points of `model` by `error.type`, as sorted `error.type=count` strings. */
  durationErrorTypes(model: string): Promise<string[]>;
  /** Sum of the `gen_ai.client.token.usage` points of `model` for one token type. */
  tokenSum(model: string, type: 'input' | 'output'): Promise<number | undefined>;
  /** `breakwater.calls` of `dependency` so far, as sorted `outcome:category=count` strings. */
  calls(dependency: string): Promise<string[]>;
  /** `breakwater.bulkhead.in_flight` of `dependency` now, or undefined before it has a bulkhead. */
  inFlight(dependency: string): Promise<number | undefined>;
  reset(): void;
  close(): Promise<void>;
}

let globalsSet = false;

/**
 * Starts a harness. Call once per test file (globals are process-wide). `clock` times policies
 * and metric durations (spans keep the tracer's own clock).
 */
export async function startHarness(policies: PolicyRule[] = FAST, clock?: Clock): Promise<Harness> {
  const exporter = new InMemorySpanExporter();
  const sampler = new RecordingSampler();
  const tracerProvider = new TracerProvider({
    sampler,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  if (!globalsSet) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    globalsSet = true;
  }
  const runtime = configureBreakwater({ policies, meter: meterProvider.getMeter('test'), clock });
  const openai = new OpenAIInstrumentation({ moduleAliases: ['openai-v6'] });
  openai.setTracerProvider(tracerProvider);
  openai.setMeterProvider(meterProvider);
  const anthropic = new AnthropicInstrumentation({ moduleAliases: ['anthropic-v0'] });
  anthropic.setTracerProvider(tracerProvider);
  anthropic.setMeterProvider(meterProvider);
  const fp = await startFaultProvider();
  return {
    fp,
    exporter,
    runtime,
    openai,
    anthropic,
    spans: () => exporter.getFinishedSpans(),
    operation: (model) =>
      byRole(exporter.getFinishedSpans(), 'operation').find(
        (s) => attrs(s)['gen_ai.request.model'] === model,
      ),
    sampled: () => sampler.seen,
    async metrics() {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics;
    },
    points: (name) => reader.points(name),
    async duration(model) {
      const points = await reader.points(METRIC.GEN_AI_OPERATION_DURATION);
      return countAndSum(points.find((p) => p.attributes[SEMCONV.GEN_AI_REQUEST_MODEL] === model));
    },
    async durationErrorTypes(model) {
      const points = await reader.points(METRIC.GEN_AI_OPERATION_DURATION);
      return points
        .filter((p) => p.attributes[SEMCONV.GEN_AI_REQUEST_MODEL] === model)
        .map((p) => `${String(p.attributes[SEMCONV.ERROR_TYPE])}=${countAndSum(p)?.count}`)
        .sort();
    },
    async tokenSum(model, type) {
      const points = await reader.points(METRIC.GEN_AI_TOKEN_USAGE);
      const point = points.find(
        (p) =>
          p.attributes[SEMCONV.GEN_AI_REQUEST_MODEL] === model &&
          p.attributes[SEMCONV.GEN_AI_TOKEN_TYPE] === type,
      );
      return countAndSum(point)?.sum;
    },
    async calls(dependency) {
      const points = await reader.points(METRIC.CALLS);
      return points
        .filter((p) => p.attributes[ATTR.DEPENDENCY] === dependency)
        .map((p) => {
          const category = p.attributes[ATTR.ERROR_CATEGORY] ?? '';
          return `${String(p.attributes[ATTR.OUTCOME])}:${String(category)}=${String(p.value)}`;
        })
        .sort();
    },
    async inFlight(dependency) {
      const points = await reader.points(METRIC.BULKHEAD_IN_FLIGHT);
      return points.find((p) => p.attributes[ATTR.DEPENDENCY] === dependency)?.value as number | undefined;
    },
    reset() {
      exporter.reset();
      sampler.seen = [];
      fp.resetStats();
      fp.clearFaults();
    },
    async close() {
      await fp.close();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/**
 * The harness of one test file: started before its tests, reset before each, closed after them
 * all (see {@link startHarness}). Usable at once, as the file's tests will see it; reading it
 * before the file's `before` hook has run throws.
 */
export function harnessPerFile(policies: PolicyRule[] = FAST, clock?: Clock): Harness {
  let current: Harness | undefined;
  before(async () => {
    current = await startHarness(policies, clock);
  });
  after(() => current?.close());
  beforeEach(() => current?.reset());
  return new Proxy({} as Harness, {
    get(_target, key) {
      if (current === undefined) throw new Error("the harness starts in the test file's before hook");
      return Reflect.get(current, key);
    },
  });
}

/** Attributes of a span, as a plain record. */
export function attrs(span: ReadableSpan): Record<string, unknown> {
  return span.attributes as Record<string, unknown>;
}

/** Spans by role. */
export function byRole(spans: ReadableSpan[], role: 'operation' | 'attempt'): ReadableSpan[] {
  return spans.filter((s) => s.attributes[ATTR.ROLE] === role);
}

/**
 * Calls `ask` (a call of `model` its provider fails every time) until the retry budget refuses
 * one of its retries, at most five times; each failed attempt takes a token of the default budget
 * (10, retries while above half). Spans are reset before each call, so the exporter holds the last
 * one's. Gives the error that call rejected with (undefined when no retry was refused) and how
 * many calls were made.
 */
export async function untilBudgetRefuses(
  h: Harness,
  model: string,
  ask: () => Promise<unknown>,
): Promise<{ refused: unknown; calls: number }> {
  let calls = 0;
  while (calls < 5) {
    h.exporter.reset();
    calls++;
    const error = await ask().then(
      () => assert.fail('the provider fails every call'),
      (e: unknown) => e,
    );
    if (attrs(h.operation(model)!)[ATTR.ERROR_CATEGORY] === 'budget_exhausted')
      return { refused: error, calls };
  }
  return { refused: undefined, calls };
}

/**
 * A check for `assert.rejects`: how an instrumented client call is refused by a policy. The
 * client's own `APIConnectionError` (so an `APIError` of that client: `instanceof APIError` when
 * given), whose `cause` is Breakwater's refusal named `refusal`.
 */
export function refusedWith(
  refusal: 'CircuitOpenError' | 'BulkheadFullError',
  APIError?: abstract new (...args: never[]) => Error,
): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof Error, `not an Error: ${String(error)}`);
    assert.equal(error.constructor.name, 'APIConnectionError', `${error.name}: ${error.message}`);
    if (APIError !== undefined) assert.ok(error instanceof APIError, 'an APIError of the client');
    assert.equal((error.cause as Error | undefined)?.name, refusal);
    assert.equal(error.message, (error.cause as Error).message);
    assert.equal(refusalOf(error), error.cause, 'refusalOf() gives the refusal');
    return true;
  };
}
