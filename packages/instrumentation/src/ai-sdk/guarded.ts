/**
 * Runs one AI SDK model call (a language model's `doGenerate` / `doStream`, an embedding model's
 * `doEmbed`) as one {@link Operation} through its dependency's pipeline (retries, breaker,
 * bulkhead, fleet overrides), with an attempt span per try. What differs between kinds of call
 * (how one is described, sent and ended) is a {@link CallKind}.
 */
import { type Context, context, createContextKey, SpanKind, type Tracer } from '@opentelemetry/api';
import { failedCallRejecter } from '../client/caller-error.ts';
import type { WaitLimit } from '../client/response-deadline.ts';
import type { CallData, CallPipeline } from '../guard.ts';
import type { GenAiMetrics } from '../metrics.ts';
import { Operation } from '../operation.ts';
import { getRuntime, type Runtime } from '../runtime.ts';
import type { ModelCallDescription } from './describe.ts';
import { aiSdkTelemetry } from './telemetry.ts';

/** Options of the AI SDK middlewares. */
export interface AiSdkMiddlewareOptions {
  /** Runtime (policies, breakers, clock). Defaults to the process-wide one at call time. */
  readonly runtime?: Runtime;
}

/** The options every model call has that the runner reads: the caller's signal. */
export interface SignalOptions {
  readonly abortSignal?: AbortSignal | undefined;
}

/**
 * One kind of model call of models `M`, taking options `P` and giving `R`; `O` is what an attempt
 * gives once {@link CallKind.open} has looked into the result (`R` itself for calls without it).
 */
export interface CallKind<M, P extends SignalOptions, R, O = R> {
  /** Whether `R` holds a stream, whose end (not the result's) ends the operation. */
  readonly stream: boolean;
  /** What the call is, as its operation span and pipeline need it. May throw: the call then runs untouched. */
  describe(model: M, params: P): ModelCallDescription;
  /** Makes one attempt with `params`, whose signal is the attempt's. */
  send(model: M, params: P): PromiseLike<R>;
  /**
   * Looks into a sent call's result inside its attempt, where a failure is still the attempt's
   * (classified and retried): a stream's first part. Without it, the result is the attempt's.
   */
  readonly open?: (op: Operation, result: R) => Promise<O>;
  /**
   * Ends `op` by a successful result, or (a stream) hands back the result whose stream ends it,
   * each wait for its next part bounded by `chunkWait`.
   */
  end(op: Operation, result: O, chunkWait: WaitLimit | undefined, caller: AbortSignal | undefined): R;
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

/** The call's options with the attempt's signal in place of the caller's (which it follows). */
function withSignal<P extends SignalOptions>(params: P, signal: AbortSignal | undefined): P {
  return signal === undefined || signal === params.abortSignal ? params : { ...params, abortSignal: signal };
}

/** Runs one call of `kind` to `model` with `params` as an operation. */
export function guarded<M, P extends SignalOptions, R, O = R>(
  options: AiSdkMiddlewareOptions,
  kind: CallKind<M, P, R, O>,
  model: M,
  params: P,
): Promise<R> {
  const parent = context.active();
  const caller = params.abortSignal;
  let runtime: Runtime;
  let call: ModelCallDescription;
  let telemetry: { tracer: Tracer; metrics: GenAiMetrics };
  try {
    runtime = options.runtime ?? getRuntime();
    call = kind.describe(model, params);
    telemetry = aiSdkTelemetry();
  } catch {
    // Telemetry must never fail a call: without a description, the call runs untouched.
    return Promise.resolve(kind.send(model, params));
  }
  // Inside an attempt of this same dependency's operation: that one's pipeline is the retry loop.
  if (parent.getValue(IN_MODEL_CALL) === call.dependency) return Promise.resolve(kind.send(model, params));
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
  const stream = kind.stream;
  const open = kind.open;
  const result = op.run<O>(
    pipeline,
    (ctx) =>
      context.with(inCall, () => {
        const sent = Promise.resolve(kind.send(model, withSignal(params, ctx.signal)));
        // Without `open`, `O` is `R` (see CallKind).
        return open === undefined ? (sent as Promise<unknown> as Promise<O>) : sent.then((r) => open(op, r));
      }),
    { data, signal: caller, settlesLater: stream },
    // A stream's last attempt stays open until the stream ends: one cut mid-way fails it too.
    stream,
    stream ? () => op.delivered() : undefined,
    // An aborted call rejects as the model would have, with the signal's reason (fetch's own).
    (error, lastAttemptError) =>
      caller?.aborted === true ? Promise.reject(caller.reason) : rejectFailed(error, lastAttemptError),
  );
  const chunkWait = stream ? waitLimit(runtime, policy.timeoutMs, call.dependency) : undefined;
  return result.then((r) => kind.end(op, r, chunkWait, caller));
}

/** How long the consumer waits for a stream's next part: the policy's per-attempt timeout. */
function waitLimit(runtime: Runtime, timeoutMs: number | false, dependency: string): WaitLimit | undefined {
  return timeoutMs === false ? undefined : { clock: runtime.clock, timeoutMs, dependency };
}
