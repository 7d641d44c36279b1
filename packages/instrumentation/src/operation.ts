/**
 * One logical operation (an LLM call or a tool call): the `operation` span that wraps the
 * resilience pipeline, one `attempt` child span per try, classification of failures, and the
 * GenAI metrics. Provider-specific code supplies the attempt and reads the response; everything
 * about spans, retries and errors lives here so every client behaves the same.
 */

import { ATTR, SEMCONV } from '@breakwater/protocol';
import {
  type CallContext,
  type Classification,
  type ExecuteOptions,
  ResilienceError,
} from '@breakwater/resilience';
import {
  type Attributes,
  type Context,
  context,
  type Histogram,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { AttributeSets } from './attribute-sets.ts';
import { attemptErrorDelivered } from './client/caller-error.ts';
import { failureOf, rememberFailure } from './failed-operations.ts';
import type { CallData, CallPipeline } from './guard.ts';
import type { Runtime } from './runtime.ts';
import { setAttemptAttributes, setFailure, setOperationAttributes } from './span-attributes.ts';

/**
 * Attempt spans start bare: a sampler sees the operation span first, and the attempt's own
 * attributes (role, dependency, resend count) are set once rather than validated twice at start.
 */
const ATTEMPT_SPAN = Object.freeze({ kind: SpanKind.CLIENT });

/** What an operation is about; fixed before the first attempt. */
export interface OperationSpec {
  readonly spanName: string;
  readonly dependency: string;
  /**
   * Shared attribute sets of the metric points; the operation span starts with `sets.metric`
   * (what samplers see) unless {@link startAttributes} says otherwise.
   */
  readonly sets: AttributeSets;
  /** What the operation span starts with, when not `sets.metric` (a tool's metrics differ). */
  readonly startAttributes?: Attributes | undefined;
  /** This call's own request attributes, set on the operation span right after it starts. */
  readonly requestAttributes: Attributes;
  readonly kind: SpanKind;
  /** Whether attempts get their own child spans (LLM calls do; tools are one span per try too). */
  readonly attemptSpans: boolean;
}

/** Token usage read from a response. */
export interface Usage {
  /** Every input token, cached ones included (as the GenAI conventions ask). */
  readonly input?: number | undefined;
  readonly output?: number | undefined;
  /** Of `input`, the tokens served from a provider-managed cache. */
  readonly cacheRead?: number | undefined;
  /** Of `input`, the tokens written to a provider-managed cache. */
  readonly cacheCreation?: number | undefined;
  /** Of `output`, the tokens the model spent reasoning. */
  readonly reasoningOutput?: number | undefined;
}

/**
 * Where an operation's metric points go: its duration, and for LLM calls the token usage and the
 * stream timings (`GenAiMetrics` is one).
 */
export interface OperationMetrics {
  readonly duration: Histogram;
  readonly tokens?: Histogram;
  readonly timeToFirstChunk?: Histogram;
  readonly timePerOutputChunk?: Histogram;
}

/** What the telemetry needs from the outside world. */
export interface OperationTelemetry {
  readonly tracer: Tracer;
  readonly metrics: OperationMetrics | undefined;
}

/**
 * Chunk gaps kept per stream until it ends (when its response model is known); past this, those
 * held are recorded with what is known so far, so a stream of any length holds a bounded array.
 */
const MAX_HELD_CHUNK_GAPS = 4096;

/**
 * A running operation. Created by {@link startOperation}; ended exactly once by {@link succeed},
 * {@link fail} or {@link abandon}, whichever comes first (later calls do nothing).
 */
export class Operation {
  readonly span: Span;
  readonly context: Context;
  readonly spec: OperationSpec;
  attempts = 0;
  /** The attempt span kept open while a streamed body is read. */
  openAttempt: Span | undefined;
  /** The span of the attempt the pipeline is waiting for now. */
  private liveAttempt: Span | undefined;
  /** What the last attempt that failed threw (for the caller's error, see `run`). */
  private lastAttemptError: unknown;
  /** The `error.type` of the last attempt that failed, as its span has it. */
  private lastAttemptType: string | undefined;
  /** `gen_ai.response.time_to_first_chunk` (streams), seconds; its histogram point waits for the end. */
  private firstChunkSeconds: number | undefined;
  /** When the app last got a chunk of a stream, and last asked for one (monotonic, runtime clock). */
  private lastChunkAt: number | undefined;
  private askedAt: number | undefined;
  /** Seconds between the chunks handed to the app, for `time_per_output_chunk` at the end. */
  private chunkGaps: number[] | undefined;
  /** Name of the fallback that produced the result, if one did. */
  fallbackName: string | undefined;
  /** The pipeline's per-call context, once the first attempt started. */
  private call: CallContext<CallData> | undefined;
  /** The caller's signal: once it aborted, any failure is the caller's cancellation. */
  private callerSignal: AbortSignal | undefined;
  /** The pipeline resolved with the dependency's own result: later failures are late failures. */
  private resolved = false;
  /** Monotonic time on the runtime clock: a wall-clock step must not show in the duration. */
  private readonly started: number;
  /**
   * When the answer was complete, for an operation that ends later (see {@link answered}): on
   * the runtime clock (monotonic) for the duration metric, and as `performance.now()` for the
   * span, whose times come from the tracer's own clock.
   */
  private answeredAt: number | undefined = undefined;
  private answeredSpanTime: number | undefined = undefined;
  /**
   * When the app last got something of a streamed answer (the response, then each chunk handed
   * over), on the same two clocks: an abandoned operation ends there, not when it is found
   * abandoned (perhaps by garbage collection, seconds later).
   */
  private deliveredAt: number | undefined = undefined;
  private deliveredSpanTime: number | undefined = undefined;
  private ended = false;
  /** Whether the runtime's open operations hold this one (see {@link waitsOnApp}). */
  private heldOpen = false;
  private readonly runtime: Runtime;
  private readonly telemetry: OperationTelemetry;
  private responseModel: string | undefined;

  constructor(runtime: Runtime, telemetry: OperationTelemetry, spec: OperationSpec, parent: Context) {
    this.runtime = runtime;
    this.telemetry = telemetry;
    this.spec = spec;
    this.started = runtime.clock.monotonic();
    this.span = telemetry.tracer.startSpan(
      spec.spanName,
      { kind: spec.kind, attributes: spec.startAttributes ?? spec.sets.metric },
      parent,
    );
    setOperationAttributes(this.span, spec.dependency, runtime.guard);
    this.span.setAttributes(spec.requestAttributes);
    this.context = trace.setSpan(parent, this.span);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Runs `attempt` through `pipeline`, with this operation's span active (so the resilience
   * listener's retry, refusal and fallback events land on it). Each try gets an `attempt` span
   * (when the spec asks for them) that is active while it runs. `keepAttemptOpen` leaves the last
   * successful attempt span open until the operation ends, so a body or stream that fails past
   * the headers fails the attempt too. Resolves with the operation's
   * result or a fallback's ({@link fallbackName} says which), after calling `onResolved`
   * (which saves the caller a promise of its own); a failure ends the operation and rejects with
   * the pipeline's error, or with what `rejectWith` makes of it (given the last attempt's own
   * error too, when an attempt failed). `rejectWith` is the client's `callerFacingError`
   * (caller-error.ts): where it gives the caller the last attempt's error in place of a policy's
   * refusal, the operation's `error.type` is that attempt's.
   */
  run<T>(
    pipeline: CallPipeline,
    attempt: (ctx: CallContext<CallData>) => Promise<T>,
    execute: ExecuteOptions<CallData> & { readonly data: CallData },
    keepAttemptOpen = false,
    onResolved?: () => void,
    rejectWith?: (error: unknown, lastAttemptError: unknown) => Promise<never>,
  ): Promise<T> {
    this.callerSignal = execute.signal;
    const tracked = (ctx: CallContext<CallData>): Promise<T> => {
      this.call = ctx;
      const index = this.attempts++;
      if (!this.spec.attemptSpans) return context.with(this.context, attempt, undefined, ctx);
      const span = this.telemetry.tracer.startSpan(this.spec.spanName, ATTEMPT_SPAN, this.context);
      setAttemptAttributes(span, this.spec.dependency, index);
      this.liveAttempt = span;
      return context.with(trace.setSpan(this.context, span), attempt, undefined, ctx).then(
        (value) => {
          // Abandoned at its deadline: its span already ended as a timeout.
          if (this.liveAttempt !== span) return value;
          this.liveAttempt = undefined;
          if (keepAttemptOpen) this.openAttempt = span;
          else span.end();
          return value;
        },
        (error: unknown) => {
          if (this.liveAttempt !== span) throw error;
          this.liveAttempt = undefined;
          this.lastAttemptError = error;
          // A client aborted by a deadline reports a generic abort; the deadline is the cause.
          const cause = ctx.aborted && ctx.abortReason !== undefined ? ctx.abortReason : error;
          const c = this.classify(cause);
          this.lastAttemptType = c.errorType;
          setFailure(span, c, cause, false);
          span.end();
          throw error;
        },
      );
    };
    return context
      .with(this.context, () => pipeline.execute(tracked, execute))
      .then(
        (value) => {
          const fallback = this.call?.fallback;
          if (fallback !== undefined) this.usedFallback(fallback, execute.data.fallbackCause);
          else this.resolved = true;
          onResolved?.();
          return value as T;
        },
        (error: unknown) => {
          if (rejectWith === undefined) {
            this.fail(error);
            throw error;
          }
          const delivered = attemptErrorDelivered(error, this.lastAttemptError);
          this.fail(error, delivered ? this.lastAttemptType : undefined);
          return rejectWith(error, this.lastAttemptError);
        },
      );
  }

  /**
   * The pipeline gave up on an attempt. One whose span is still open was abandoned at its
   * deadline (aggressive timeout) while its promise runs on: its span ends now, classified as
   * the pipeline classified it, and the promise's later settling is ignored.
   */
  onAttemptFailure(ctx: CallContext<unknown>, classification: Classification): void {
    const span = this.liveAttempt;
    if (span === undefined) return;
    this.liveAttempt = undefined;
    setFailure(span, classification, ctx.abortReason, false);
    span.end();
  }

  /** Records the response model (used on metrics as `gen_ai.response.model`). */
  setResponseModel(model: string | undefined): void {
    if (model === undefined) return;
    this.responseModel = model;
    this.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_MODEL, model);
  }

  /** Marks the result as produced by a fallback, keeping the cause visible but not failing the span. */
  private usedFallback(name: string, cause: unknown): void {
    this.fallbackName = name;
    const c = this.runtime.guard.classify(cause, this.spec.dependency);
    this.span.setAttributes({
      [ATTR.FALLBACK]: name,
      [ATTR.ERROR_CATEGORY]: c.category,
      [ATTR.ERROR_RETRYABLE]: c.retryable,
      [ATTR.ERROR_SOURCE]: c.source,
    });
  }

  /**
   * The dependency's answer is complete now, but the operation ends later: when the caller gets
   * round to parsing it or reading it raw, or when garbage collection ends it. A success then
   * ends at this moment, so the caller's own delay is in neither the span nor the duration; its
   * usage and response attributes are still read from the body. For plain bodies only: a stream
   * ends with its last chunk. The dependency has nothing more to do for it, so its bulkhead slot
   * is free from here on; `breakwater.calls` still counts it when it ends.
   */
  answered(): void {
    this.answeredAt = this.runtime.clock.monotonic();
    this.answeredSpanTime = performance.now();
    this.call?.releaseSlot();
  }

  /**
   * The app got a part of a streamed answer now (its response, or a chunk handed over): if the
   * app then walks away, the operation ends at the last such moment (see {@link abandon}).
   * Returns that moment (monotonic, on the runtime clock).
   */
  delivered(): number {
    const now = this.runtime.clock.monotonic();
    this.deliveredAt = now;
    this.deliveredSpanTime = performance.now();
    return now;
  }

  /**
   * The first chunk of a streamed answer arrived now: its time goes on the span at once, and into
   * `gen_ai.client.operation.time_to_first_chunk` when the operation ends (its response model is
   * known then). Only the first call counts, and none after the end.
   */
  firstChunkArrived(): void {
    if (this.ended || this.firstChunkSeconds !== undefined) return;
    try {
      this.firstChunkSeconds = this.elapsedSeconds();
      this.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, this.firstChunkSeconds);
    } catch {
      // Called from callbacks nobody awaits: a throw here would be an unhandled rejection in the app.
    }
  }

  /**
   * A chunk of a streamed answer was handed to the app now ({@link delivered}). Each after the
   * first adds to `gen_ai.client.operation.time_per_output_chunk` the time since the one before,
   * less any part of it the app spent before asking for this one: chunks are read only as the app
   * asks, and its own time with a chunk is not the provider's. (A chunk the client already held
   * when asked for counts about 0: the provider was ahead of the app.)
   */
  chunkDelivered(): void {
    const now = this.delivered();
    const last = this.lastChunkAt;
    this.lastChunkAt = now;
    if (last === undefined || this.ended) return;
    const from = this.askedAt === undefined ? last : Math.max(last, this.askedAt);
    this.chunkGaps ??= [];
    const gaps = this.chunkGaps;
    gaps.push((now - from) / 1000);
    if (gaps.length >= MAX_HELD_CHUNK_GAPS)
      this.recordChunkGaps(this.spec.sets.answeredBy(this.responseModel).duration);
  }

  /**
   * The app asked for more of a streamed answer and waits on the dependency: should it leave
   * during this wait (its own abort or timeout on a stalled stream), the wait was the
   * dependency's time, so the operation ends when it leaves, not at the last part delivered.
   */
  awaiting(): void {
    this.deliveredAt = undefined;
    this.deliveredSpanTime = undefined;
    this.askedAt = this.runtime.clock.monotonic();
  }

  /**
   * Its end is up to the app now (a stream to read, a response to parse): until it ends, the
   * runtime holds it, and ends it with `endAtShutdown` should the process shut down first.
   * `endAtShutdown` must not reach what the app holds (the stream, the promise), or holding it
   * would keep that from being collected.
   */
  waitsOnApp(endAtShutdown: () => void): void {
    if (this.ended) return;
    this.heldOpen = true;
    this.runtime.openOperations.add(this, endAtShutdown);
  }

  /** Ends the operation successfully (at the time it was {@link answered}, if it was). */
  succeed(usage?: Usage): void {
    if (this.ended) return;
    this.ended = true;
    this.release();
    // Its result ended well: a pipeline run with `settlesLater` counts the call now.
    if (this.resolved) this.call?.reportSettled();
    this.closeAttempt(undefined, undefined);
    this.span.setAttribute(ATTR.RETRY_ATTEMPTS, this.attempts);
    if (usage?.input !== undefined) this.span.setAttribute(SEMCONV.GEN_AI_USAGE_INPUT_TOKENS, usage.input);
    if (usage?.output !== undefined) this.span.setAttribute(SEMCONV.GEN_AI_USAGE_OUTPUT_TOKENS, usage.output);
    if (usage?.cacheRead !== undefined)
      this.span.setAttribute(SEMCONV.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheRead);
    if (usage?.cacheCreation !== undefined) {
      this.span.setAttribute(SEMCONV.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, usage.cacheCreation);
    }
    if (usage?.reasoningOutput !== undefined) {
      this.span.setAttribute(SEMCONV.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningOutput);
    }
    this.span.end(this.answeredSpanTime);
    this.record(undefined, usage);
  }

  /**
   * Ends the operation as failed with `error` (classified; the exception recorded here, once).
   * After the pipeline had resolved (a stream that failed past the headers, a body that did not
   * parse) the failure
   * is also reported to the pipeline as a late failure, so the breaker and budget count it.
   * `errorType`, when given, is the `error.type` of the error the caller gets in place of `error`
   * (a policy refused a retry, and the caller gets the last attempt's error): while `error`
   * classifies as that refusal (not as the caller's cancellation, say), the span and the duration
   * metric say it, and the category, retryability and source stay the refusal's (why no more
   * attempts were made).
   */
  fail(error: unknown, errorType?: string): Classification | undefined {
    if (this.ended) return undefined;
    this.ended = true;
    this.release();
    // The body that was to complete the answer failed (read late): it ends when that is found.
    this.answeredAt = undefined;
    if (this.resolved) this.call?.reportLateFailure(error);
    const classified = this.classify(error);
    const c = classified.source === 'policy' ? withErrorType(classified, errorType) : classified;
    rememberFailure(error, c);
    this.closeAttempt(c, error);
    this.span.setAttribute(ATTR.RETRY_ATTEMPTS, this.attempts);
    // The breaker facts stay those of admission (or refusal), set at the start and by the
    // pipeline's listener: this very failure may have just tripped the breaker.
    setFailure(this.span, c, error, true);
    this.span.end();
    this.record(c.errorType, undefined);
    return c;
  }

  /**
   * Ends the operation because its consumer walked away (a `break` out of a stream, or the stream
   * being garbage-collected unread). Not a failure: the status stays unset. It ends when the app
   * last got something of it ({@link delivered}), else when it was {@link answered}, else now:
   * how long the app took to walk away is not the dependency's time, but a wait for the next part
   * it was still in ({@link awaiting}) is.
   */
  abandon(usage?: Usage): void {
    if (this.ended) return;
    this.span.setAttribute(ATTR.STREAM_ABANDONED, true);
    if (this.deliveredAt !== undefined) {
      this.answeredAt = this.deliveredAt;
      this.answeredSpanTime = this.deliveredSpanTime;
    }
    this.succeed(usage);
  }

  /** Leaves the runtime's open operations, if there. */
  private release(): void {
    if (this.heldOpen) this.runtime.openOperations.delete(this);
  }

  /**
   * Classifies `error` for this operation. A client's error that carries a policy's refusal (an
   * instrumented call inside this one failed with it: an LLM call in a tool) classifies as the
   * refusal, but keeps the `error.type` the inner operation gave it: the error is still that
   * client's (a `503`), not the refusal.
   */
  private classify(error: unknown): Classification {
    const c = this.runtime.guard.classify(error, this.spec.dependency, this.callerSignal);
    if (c.source !== 'policy' || error instanceof ResilienceError) return c;
    return withErrorType(c, failureOf(error)?.errorType);
  }

  private closeAttempt(c: Classification | undefined, error: unknown): void {
    const span = this.openAttempt;
    if (span === undefined) return;
    this.openAttempt = undefined;
    if (c !== undefined) setFailure(span, c, error, false);
    // A plain body answered earlier (and parsed late) ends its attempt when it was complete.
    span.end(c === undefined ? this.answeredSpanTime : undefined);
  }

  private record(errorType: string | undefined, usage: Usage | undefined): void {
    const m = this.telemetry.metrics;
    if (m === undefined) return;
    const seconds = ((this.answeredAt ?? this.runtime.clock.monotonic()) - this.started) / 1000;
    const sets = this.spec.sets.answeredBy(this.responseModel);
    // The stream timings carry no error.type: a chunk that arrived arrived, however it ended.
    if (this.firstChunkSeconds !== undefined)
      m.timeToFirstChunk?.record(this.firstChunkSeconds, sets.duration);
    this.recordChunkGaps(sets.duration);
    if (errorType === undefined) {
      m.duration.record(seconds, sets.duration);
      if (usage?.input !== undefined) m.tokens?.record(usage.input, sets.input);
      if (usage?.output !== undefined) m.tokens?.record(usage.output, sets.output);
      return;
    }
    m.duration.record(seconds, { ...sets.duration, [SEMCONV.ERROR_TYPE]: errorType });
  }

  /** Records the chunk gaps held so far with `attributes`, and lets them go. */
  private recordChunkGaps(attributes: Attributes): void {
    const gaps = this.chunkGaps;
    if (gaps === undefined) return;
    this.chunkGaps = undefined;
    const histogram = this.telemetry.metrics?.timePerOutputChunk;
    if (histogram === undefined) return;
    for (const gap of gaps) histogram.record(gap, attributes);
  }

  /** Seconds since the operation started, on the runtime clock (monotonic). */
  private elapsedSeconds(): number {
    return (this.runtime.clock.monotonic() - this.started) / 1000;
  }
}

/** `c` with `error.type` `errorType`, when given (classifications are frozen and shared). */
function withErrorType(c: Classification, errorType: string | undefined): Classification {
  return errorType === undefined || errorType === c.errorType ? c : Object.freeze({ ...c, errorType });
}
