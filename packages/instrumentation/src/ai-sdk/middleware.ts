/**
 * `breakwaterMiddleware()`: a Vercel AI SDK language-model middleware (`wrapLanguageModel({
 * model, middleware })`) that gives the AI SDK's model calls what the `openai` and
 * `@anthropic-ai/sdk` instrumentations give theirs. The AI SDK's providers call `fetch`
 * themselves, so those instrumentations never see them: here each `doGenerate` / `doStream` is
 * one {@link Operation}, run through the dependency's pipeline (retries, breaker, bulkhead, fleet
 * overrides), with an attempt span per try.
 */
import { type Context, context, createContextKey, SpanKind, type Tracer } from '@opentelemetry/api';
import { failedCallRejecter } from '../client/caller-error.ts';
import type { WaitLimit } from '../client/response-deadline.ts';
import type { CallData, CallPipeline } from '../guard.ts';
import type { GenAiMetrics } from '../metrics.ts';
import { Operation } from '../operation.ts';
import { getRuntime, type Runtime } from '../runtime.ts';
import { describeModelCall, type ModelCallDescription, setResponse, usageOf } from './describe.ts';
import type { LanguageModelLike, ModelCallOptions, StreamResultLike, WrapOptions } from './model-types.ts';
import { observeParts } from './stream.ts';
import { aiSdkTelemetry } from './telemetry.ts';

/** Options of {@link breakwaterMiddleware}. */
export interface AiSdkMiddlewareOptions {
  /** Runtime (policies, breakers, clock). Defaults to the process-wide one at call time. */
  readonly runtime?: Runtime;
}

/**
 * The middleware, typed structurally: it fits `ai`'s `LanguageModelMiddleware` (and
 * `LanguageModelV4Middleware` of `@ai-sdk/provider`) for any call options and results.
 */
export interface BreakwaterMiddleware {
  readonly specificationVersion: 'v4';
  /** Runs one `doGenerate` as an operation through its dependency's pipeline. */
  wrapGenerate<P extends ModelCallOptions, G, S>(options: WrapOptions<P, G, S>): Promise<G>;
  /**
   * Runs one `doStream` as an operation: its attempts end with the response, the operation with
   * the stream of parts, which is never retried once handed over.
   */
  wrapStream<P extends ModelCallOptions, G, S extends StreamResultLike<unknown>>(
    options: WrapOptions<P, G, S>,
  ): Promise<S>;
}

/**
 * The dependency whose model call runs its attempts now: a model wrapped twice (two middlewares
 * of ours, or a wrapped model wrapped again) runs one pipeline, not one inside the other's
 * attempts. Another dependency's call inside them (a routing or fallback model calling a wrapped
 * model) is its own operation, with its own breaker.
 */
const IN_MODEL_CALL = createContextKey('breakwater.ai-sdk.call');

/** What the app gets when a policy refuses: the refusal, or the last attempt's own error. */
const rejectFailed = failedCallRejecter(undefined);

/**
 * A language-model middleware for the Vercel AI SDK that runs each model call through Breakwater:
 * an operation span (`chat {model}`, GenAI attributes, usage, classified errors) with an attempt
 * span per try, and the policies of its dependency (`openai/gpt-4o`, `anthropic/claude-…`): one
 * retry loop, breaker, bulkhead and the fleet's breaker signals. Give the AI SDK's calls
 * `maxRetries: 0`, or its own retries run around Breakwater's (see the README, "With the Vercel AI
 * SDK").
 *
 * @example
 * const model = wrapLanguageModel({ model: openai('gpt-4o'), middleware: breakwaterMiddleware() });
 * await generateText({ model, prompt, maxRetries: 0 });
 */
export function breakwaterMiddleware(options: AiSdkMiddlewareOptions = {}): BreakwaterMiddleware {
  return {
    specificationVersion: 'v4',
    wrapGenerate({ params, model }) {
      return guarded(options, model, params, false, (signal) => model.doGenerate(withSignal(params, signal)));
    },
    wrapStream({ params, model }) {
      return guarded(options, model, params, true, (signal) => model.doStream(withSignal(params, signal)));
    },
  };
}

/** The call's options with the attempt's signal in place of the caller's (which it follows). */
function withSignal<P extends ModelCallOptions>(params: P, signal: AbortSignal | undefined): P {
  return signal === undefined || signal === params.abortSignal ? params : { ...params, abortSignal: signal };
}

/** Runs one model call as an operation; `send` makes one attempt with the attempt's signal. */
function guarded<R>(
  options: AiSdkMiddlewareOptions,
  model: LanguageModelLike<unknown, unknown, unknown>,
  params: ModelCallOptions,
  stream: boolean,
  send: (signal: AbortSignal | undefined) => PromiseLike<R>,
): Promise<R> {
  const parent = context.active();
  const caller = params.abortSignal;
  let runtime: Runtime;
  let call: ModelCallDescription;
  let telemetry: { tracer: Tracer; metrics: GenAiMetrics };
  try {
    runtime = options.runtime ?? getRuntime();
    call = describeModelCall(model, params, stream);
    telemetry = aiSdkTelemetry();
  } catch {
    // Telemetry must never fail a call: without a description, the call runs untouched.
    return Promise.resolve(send(caller));
  }
  // Inside an attempt of this same dependency's operation: that one's pipeline is the retry loop.
  if (parent.getValue(IN_MODEL_CALL) === call.dependency) return Promise.resolve(send(caller));
  const policy = runtime.policies.resolve(call.dependency);
  // The per-attempt timeout is the pipeline's: the AI SDK's providers have no request timer of
  // their own, so the attempt's signal, handed to `fetch`, stops the request at the deadline.
  // Built before the operation: the first call of a dependency creates its breaker.
  const pipeline: CallPipeline = runtime.guard.pipeline(call.dependency, policy, 'pipeline');
  const op = new Operation(
    runtime,
    telemetry,
    {
      spanName: call.spanName,
      dependency: call.dependency,
      sets: call.sets,
      requestAttributes: call.requestAttributes,
      kind: SpanKind.CLIENT,
      attemptSpans: true,
    },
    parent,
  );
  const inCall: Context = op.context.setValue(IN_MODEL_CALL, call.dependency);
  const data: CallData = {
    input: undefined,
    // No fallback: a policy's fallback answers in a client's own response shape, not the AI SDK's.
    adaptFallback: undefined,
    // An attempt abandoned at its deadline ends its span then (see abandoned-attempts.ts).
    attempts: op,
  };
  const result = op.run<R>(
    pipeline,
    (ctx) => context.with(inCall, () => Promise.resolve(send(ctx.signal))),
    { data, signal: caller, settlesLater: stream },
    // A stream's last attempt stays open until the stream ends: one cut mid-way fails it too.
    stream,
    stream ? () => op.delivered() : undefined,
    // An aborted call rejects as the model would have, with the signal's reason (fetch's own).
    (error, lastAttemptError) =>
      caller?.aborted === true ? Promise.reject(caller.reason) : rejectFailed(error, lastAttemptError),
  );
  if (stream) {
    const limit = waitLimit(runtime, policy.timeoutMs, call.dependency);
    return result.then((r) => {
      const s = r as StreamResultLike<unknown>;
      return { ...s, stream: observeParts(op, s.stream, limit, caller) } as R;
    });
  }
  return result.then((r) => {
    const g = r as { response?: unknown; finishReason?: unknown; usage?: unknown };
    try {
      setResponse(op, g.response, g.finishReason);
      op.succeed(usageOf(g.usage));
    } catch {
      op.succeed();
    }
    return r;
  });
}

/** How long the consumer waits for a stream's next part: the policy's per-attempt timeout. */
function waitLimit(runtime: Runtime, timeoutMs: number | false, dependency: string): WaitLimit | undefined {
  return timeoutMs === false ? undefined : { clock: runtime.clock, timeoutMs, dependency };
}
