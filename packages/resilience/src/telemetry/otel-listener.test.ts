import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATTR, ManualClock, METRIC, SPAN_EVENT } from '@breakwater/protocol';
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import OpenAI from 'openai';
import { ConstantBackoff } from '../backoff/exponential.ts';
import { CircuitBreaker } from '../breaker/circuit-breaker.ts';
import { Bulkhead } from '../bulkhead/bulkhead.ts';
import type { CallContext } from '../core/context.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { RetryBudget } from '../retry/budget.ts';
import { OtelListener } from './otel-listener.ts';

class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/**
 * Delta temporality: @opentelemetry/sdk-metrics 3.1 keeps exporting, at cumulative temporality,
 * the last value of a series its callback no longer reports (against the specification).
 */
class DeltaReader extends TestReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
}

function points(
  rm: ResourceMetrics,
  name: string,
): { value: unknown; attributes: Record<string, unknown> }[] {
  const out: { value: unknown; attributes: Record<string, unknown> }[] = [];
  for (const scope of rm.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const p of metric.dataPoints)
        out.push({ value: p.value, attributes: p.attributes as Record<string, unknown> });
    }
  }
  return out;
}

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(
  new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }),
);
const tracer = trace.getTracer('test');

const overloaded = () =>
  OpenAI.APIError.generate(
    529,
    { error: { message: 'overloaded', type: 'overloaded_error' } },
    undefined,
    new Headers(),
  );

describe('OtelListener', () => {
  it('adds retry events and error attributes to the active span, and records breakwater.* metrics', async () => {
    const reader = new TestReader();
    const listener = new OtelListener({ meterProvider: new MeterProvider({ readers: [reader] }) });
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker({
      dependency: 'anthropic/claude',
      clock,
      listener,
      trip: { kind: 'consecutive', threshold: 3 },
    });
    const budget = new RetryBudget({ dependency: 'anthropic/claude', listener });
    const bulkhead = new Bulkhead({ maxConcurrent: 3, dependency: 'anthropic/claude', listener });
    const pipeline = new Pipeline({
      dependency: 'anthropic/claude',
      clock,
      listener,
      retry: { maxAttempts: 3, backoff: new ConstantBackoff(0), budget },
      breaker,
      bulkhead,
    });

    await tracer.startActiveSpan('chat claude', async (span) => {
      const result = pipeline.execute(async () => {
        throw overloaded();
      });
      const settled = assert.rejects(result);
      await clock.advance(10);
      await settled;
      span.end();
    });
    await tracer.startActiveSpan('chat claude', async (span) => {
      await assert.rejects(pipeline.execute(async () => 'never'));
      span.end();
    });

    const [first, second] = spans.getFinishedSpans();
    assert.ok(first && second);
    const retries = first.events.filter((e) => e.name === SPAN_EVENT.RETRY);
    assert.equal(retries.length, 2);
    assert.deepEqual(
      retries.map((e) => e.attributes?.['http.request.resend_count']),
      [1, 2],
    );
    assert.equal(first.attributes[ATTR.RETRY_ATTEMPTS], 3);
    assert.equal(first.attributes['error.type'], 'overloaded_error');
    assert.equal(first.attributes[ATTR.ERROR_CATEGORY], 'overloaded');
    const rejected = second.events.find((e) => e.name === SPAN_EVENT.REJECTED);
    assert.equal(rejected?.attributes?.[ATTR.ERROR_CATEGORY], 'circuit_open');
    assert.equal(rejected?.attributes?.[ATTR.BREAKER_SOURCE], 'local');
    assert.equal(second.attributes[ATTR.ERROR_SOURCE], 'policy');

    const { resourceMetrics } = await reader.collect();
    const calls = points(resourceMetrics, METRIC.CALLS).map((p) => [
      p.attributes[ATTR.OUTCOME],
      p.attributes[ATTR.ERROR_CATEGORY],
      p.value,
    ]);
    assert.deepEqual(calls.sort(), [
      ['failure', 'overloaded', 1],
      ['rejected', 'circuit_open', 1],
    ]);
    // Attempts made: three by the failing call; the refused one reached nothing.
    assert.equal(points(resourceMetrics, METRIC.RETRY_ATTEMPTS)[0]?.value, 3);
    const state = points(resourceMetrics, METRIC.BREAKER_STATE).filter((p) => p.value === 1);
    assert.deepEqual(
      state.map((p) => p.attributes[ATTR.STATE]),
      ['open'],
    );
    const transitions = points(resourceMetrics, METRIC.BREAKER_TRANSITIONS);
    assert.deepEqual(
      transitions.map((p) => [p.attributes[ATTR.FROM_STATE], p.attributes[ATTR.TO_STATE], p.value]),
      [['closed', 'open', 1]],
    );
    assert.equal(points(resourceMetrics, METRIC.RETRY_BUDGET_TOKENS)[0]?.value, 7);
    assert.equal(points(resourceMetrics, METRIC.BULKHEAD_IN_FLIGHT)[0]?.value, 0);
  });

  it('counts a call whose result goes on once, when it ends: a stream that breaks is a failure', async () => {
    const reader = new TestReader();
    const listener = new OtelListener({ meterProvider: new MeterProvider({ readers: [reader] }) });
    const pipeline = new Pipeline({ dependency: 'openai/gpt-4o', clock: new ManualClock(0), listener });
    const resolve = async (settlesLater: boolean): Promise<CallContext> => {
      let seen: CallContext | undefined;
      await pipeline.execute(
        async (ctx) => {
          seen = ctx;
          return 'headers';
        },
        { settlesLater },
      );
      return seen!;
    };
    const calls = async () =>
      points((await reader.collect()).resourceMetrics, METRIC.CALLS)
        .map((p) => [p.attributes[ATTR.OUTCOME], p.attributes[ATTR.ERROR_CATEGORY], p.value])
        .sort();

    const read = await resolve(true);
    const broken = await resolve(true);
    await resolve(true); // a stream never read to its end: in neither count
    assert.deepEqual(await calls(), [], 'not counted at the headers');
    read.reportSettled();
    broken.reportLateFailure(overloaded());
    assert.deepEqual(await calls(), [
      ['failure', 'overloaded', 1],
      ['success', undefined, 1],
    ]);
    // Without settlesLater a call is counted when it resolves; a late failure cannot uncount it.
    (await resolve(false)).reportLateFailure(overloaded());
    assert.deepEqual(await calls(), [
      ['failure', 'overloaded', 1],
      ['success', undefined, 2],
    ]);
  });

  it('picks up a global meter provider registered after it was created', async () => {
    const listener = new OtelListener();
    const pipeline = new Pipeline({ dependency: 'tool/search', listener });
    await pipeline.execute(async () => 1);
    const reader = new TestReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    for (let i = 0; i < 2100; i++) await pipeline.execute(async () => i);
    const { resourceMetrics } = await reader.collect();
    const success = points(resourceMetrics, METRIC.CALLS)[0];
    assert.ok(success !== undefined && (success.value as number) > 1000);
    assert.equal(success.attributes[ATTR.DEPENDENCY], 'tool/search');
  });

  it('stops reporting the gauges of removed objects, and drops their dependency', async () => {
    const reader = new DeltaReader();
    const listener = new OtelListener({ meterProvider: new MeterProvider({ readers: [reader] }) });
    const clock = new ManualClock(0);
    const make = (dependency: string) => ({
      breaker: new CircuitBreaker({ dependency, clock, listener }),
      budget: new RetryBudget({ dependency, listener }),
      bulkhead: new Bulkhead({ dependency, maxConcurrent: 1, listener }),
    });
    const kept = make('tool/kept');
    const gone = make('tool/gone');
    await new Pipeline({ dependency: 'tool/gone', clock, listener, breaker: gone.breaker }).execute(
      async () => 1,
    );
    const reported = async () => {
      const { resourceMetrics } = await reader.collect();
      return [METRIC.BREAKER_STATE, METRIC.RETRY_BUDGET_TOKENS, METRIC.BULKHEAD_IN_FLIGHT].map((name) => [
        ...new Set(points(resourceMetrics, name).map((p) => p.attributes[ATTR.DEPENDENCY])),
      ]);
    };
    assert.deepEqual(await reported(), [
      ['tool/kept', 'tool/gone'],
      ['tool/kept', 'tool/gone'],
      ['tool/kept', 'tool/gone'],
    ]);
    const deps = (listener as unknown as { deps: Map<string, unknown> }).deps;
    assert.equal(deps.has('tool/gone'), true);
    listener.onBreakerRemoved(gone.breaker);
    listener.onBudgetRemoved(gone.budget);
    listener.onBulkheadRemoved(gone.bulkhead);
    listener.onDependencyRemoved('tool/gone');
    listener.onBreakerRemoved(gone.breaker); // twice, or never observed: nothing happens
    assert.equal(deps.has('tool/gone'), false);
    assert.deepEqual(await reported(), [['tool/kept'], ['tool/kept'], ['tool/kept']]);
    // Read here so the kept objects are strongly held through the collections above.
    assert.equal(kept.bulkhead.inFlight + kept.budget.tokens, 10);
  });

  it('bounds its cache of attribute sets for callers that never remove dependencies', async () => {
    const listener = new OtelListener({ meterProvider: new MeterProvider() });
    for (let i = 0; i < 5000; i++)
      await new Pipeline({ dependency: `tool/t${i}`, listener }).execute(async () => i);
    const deps = (listener as unknown as { deps: Map<string, unknown> }).deps;
    assert.equal(deps.size, 4096);
    assert.equal(deps.has('tool/t4999'), true, 'the newest are kept');
  });
});
