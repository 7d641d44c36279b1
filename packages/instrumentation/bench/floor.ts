/**
 * The floor under the benchmark's `vs_contrib` target: the least any instrumentation can do that
 * still has what the issue requires on the success path, written out by hand with nothing else.
 * An operation span with the GenAI start attributes, one attempt child span (active while the
 * client sends), the call run through the dependency's Breakwater pipeline with the client's own
 * retries off, and on the parsed body the response attributes, usage and the GenAI duration and
 * token histograms.
 *
 * Left out, which the real instrumentation pays for: error classification, streams,
 * `.asResponse()` (this parses every body eagerly, as the contrib instrumentation does, so a
 * caller can no longer read it raw), calls awaited late, fallback answers, per-request
 * `maxRetries` and timeouts, content capture. Not for use outside the benchmark.
 */
import { ATTR, dependencyKey, METRIC, SEMCONV } from '@breakwater/protocol';
import { context, type Meter, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import type { Runtime } from '../src/runtime.ts';

interface FloorAPIPromise extends Promise<unknown> {
  responsePromise: Promise<unknown>;
}

interface ChatCompletion {
  id: string;
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number };
}

type Create = (this: unknown, body: unknown, options?: object) => FloorAPIPromise;

/**
 * Replaces `Completions.prototype.create` of one copy of `openai` with the floor wrapper, for
 * calls to `model` (its attributes are built once, as the real instrumentation caches them).
 */
export function patchFloor(
  completions: { prototype: { create: unknown } },
  model: string,
  serverAttributes: Record<string, string | number>,
  tracer: Tracer,
  meter: Meter,
  runtime: Runtime,
): void {
  const original = completions.prototype.create as Create;
  const duration = meter.createHistogram(METRIC.GEN_AI_OPERATION_DURATION, { unit: 's' });
  const tokens = meter.createHistogram(METRIC.GEN_AI_TOKEN_USAGE, { unit: '{token}' });
  const dependency = dependencyKey({ provider: 'openai', model })!;
  const start = Object.freeze({
    [SEMCONV.GEN_AI_OPERATION_NAME]: 'chat',
    [SEMCONV.GEN_AI_PROVIDER_NAME]: 'openai',
    [SEMCONV.GEN_AI_REQUEST_MODEL]: model,
    ...serverAttributes,
  });
  const answered = Object.freeze({ ...start, [SEMCONV.GEN_AI_RESPONSE_MODEL]: model });
  const input = Object.freeze({ ...answered, [SEMCONV.GEN_AI_TOKEN_TYPE]: 'input' });
  const output = Object.freeze({ ...answered, [SEMCONV.GEN_AI_TOKEN_TYPE]: 'output' });
  const data = Object.freeze({ input: undefined, adaptFallback: undefined });
  const policy = runtime.policies.resolve(dependency);

  completions.prototype.create = function floorCreate(this: unknown, body: unknown, options?: object) {
    const started = performance.now();
    const parent = context.active();
    const span = tracer.startSpan(`chat ${model}`, { kind: SpanKind.CLIENT, attributes: start }, parent);
    span.setAttribute(ATTR.ROLE, 'operation');
    span.setAttribute(ATTR.DEPENDENCY, dependency);
    const operation = trace.setSpan(parent, span);
    const pipeline = runtime.guard.pipeline(dependency, policy, 'client');
    let promise: FloorAPIPromise | undefined;
    const responsePromise = pipeline.execute(
      () => {
        const attempt = tracer.startSpan(`chat ${model}`, { kind: SpanKind.CLIENT }, operation);
        attempt.setAttribute(ATTR.ROLE, 'attempt');
        attempt.setAttribute(ATTR.DEPENDENCY, dependency);
        const inner = context.with(trace.setSpan(operation, attempt), () =>
          original.call(this, body, { ...options, maxRetries: 0 }),
        );
        promise ??= inner;
        return inner.responsePromise.finally(() => attempt.end());
      },
      { data },
    );
    // The first attempt's own promise, answering with the pipeline's response.
    promise!.responsePromise = responsePromise;
    promise!.then(
      (value) => {
        const r = value as ChatCompletion;
        span.setAttribute(SEMCONV.GEN_AI_RESPONSE_MODEL, r.model);
        span.setAttribute(SEMCONV.GEN_AI_RESPONSE_ID, r.id);
        span.setAttribute(SEMCONV.GEN_AI_USAGE_INPUT_TOKENS, r.usage.prompt_tokens);
        span.setAttribute(SEMCONV.GEN_AI_USAGE_OUTPUT_TOKENS, r.usage.completion_tokens);
        span.end();
        duration.record((performance.now() - started) / 1000, answered);
        tokens.record(r.usage.prompt_tokens, input);
        tokens.record(r.usage.completion_tokens, output);
      },
      () => span.end(),
    );
    return promise!;
  };
}
