/**
 * Wraps one call of a Stainless-generated client (`openai`, `@anthropic-ai/sdk`) in an
 * {@link Operation} while still returning the client's own `APIPromise`, so `.withResponse()`,
 * `.asResponse()`, `_thenUnwrap()` and the stream helpers built on them keep working.
 *
 * How: an `APIPromise` is a lazy pair of a `responsePromise` (the HTTP response and its request
 * metadata) and a `parseResponse` function. We build a new `APIPromise` of the client's own class
 * whose `responsePromise` is the resilience pipeline: each attempt calls the original method with
 * the client's retries switched off (`maxRetries: 0`), so the pipeline is the only retry loop.
 * Parsing is delegated to the original attempt's parser; a plain body is read inside its attempt
 * (see plain-body.ts).
 */
import { context, SpanKind, type Tracer } from '@opentelemetry/api';
import type { AttributeSets } from '../attribute-sets.ts';
import type { CallData } from '../guard.ts';
import type { GenAiMetrics } from '../metrics.ts';
import { Operation, type Usage } from '../operation.ts';
import type { Runtime } from '../runtime.ts';
import { watchFirstEvent } from './first-event.ts';
import { bufferInAttempt, type ParsedBody, parseInAttempt } from './plain-body.ts';
import { observeRawBody, unwatchRawBody } from './raw-body.ts';
import { deadlineFrom, type TimeoutErrorFactory, type WaitLimit } from './response-deadline.ts';
import { type ChunkReader, observeStream } from './stream.ts';
import { unwatchUnparsed, watchUnparsed } from './unparsed.ts';

/** The parts of a client's `APIPromise` we rely on. */
export interface APIPromiseLike {
  responsePromise: Promise<ResponseProps>;
  parseResponse: ParseFn;
}

/** The client's request metadata that travels with a response (`APIResponseProps`). */
export interface ResponseProps {
  response: Response;
  options: { stream?: boolean } & Record<string, unknown>;
  controller: AbortController;
  requestLogID?: string;
  retryOfRequestLogID?: string | undefined;
  startTime?: number;
  [key: string]: unknown;
}

export type ParseFn = (client: unknown, props: ResponseProps) => unknown;

export type APIPromiseClass = new (
  client: unknown,
  responsePromise: Promise<ResponseProps>,
  parse?: ParseFn,
) => APIPromiseLike;

/** What a provider adapter says about one call. */
export interface CallDescription {
  readonly spanName: string;
  readonly dependency: string;
  readonly stream: boolean;
  /** Shared attribute sets for span starts and metric points. */
  readonly sets: AttributeSets;
  /** This call's own request attributes (max tokens, temperature, captured input, …). */
  readonly requestAttributes: Record<string, string | number | boolean | string[]>;
  /** Reads a parsed non-streaming body onto the operation; returns its usage. */
  readonly onResponse: (op: Operation, body: unknown) => Usage | undefined;
  /** For streams: a fresh reader of chunks. */
  readonly chunkReader: () => ChunkReader;
  /**
   * For streams: a stream whose first event is an `error` event fails its attempt (with the
   * client's own error for it, classified and retried like the same failure sent as a status),
   * since nothing has reached the app yet. (Anthropic reports `overloaded_error` this way.)
   */
  readonly retriesFirstEventError?: boolean;
  /**
   * Extra request options for each attempt (besides `maxRetries: 0` and the signal), computed
   * inside the attempt, where the attempt span is active.
   */
  readonly attemptOptions?: () => Record<string, unknown>;
  /**
   * The client's own check of a request that has no timeout (skipped once we give it one), run
   * before anything else; it throws as the client would, and nothing is sent or traced.
   */
  readonly checkUntimed?: ((client: unknown) => void) | undefined;
  /**
   * A fallback's value as the provider would have sent it for this request, when that differs
   * from what the app gets (the client decodes it with the method's own parser).
   */
  readonly fallbackBody?: ((value: unknown) => unknown) | undefined;
}

/** The environment a wrapped call runs in. */
export interface CallEnv {
  readonly runtime: Runtime;
  readonly tracer: Tracer;
  readonly metrics: GenAiMetrics | undefined;
  readonly APIPromise: APIPromiseClass;
  /** The client's own error for a timeout Breakwater enforces past the headers. */
  readonly timeoutError?: TimeoutErrorFactory | undefined;
  /**
   * Rejects with what the app gets for a call failed with `error` (the last failed attempt threw
   * `lastAttemptError`): the client's own errors (caller-error.ts).
   */
  readonly rejectFailed: (error: unknown, lastAttemptError: unknown) => Promise<never>;
}

type Original = (this: unknown, body: unknown, options?: unknown) => APIPromiseLike;

/**
 * Calls the method with an already-aborted signal. The client checks the signal before it sends
 * anything, so nothing is sent: the `APIPromise` it returns rejects with the client's own
 * `APIUserAbortError`, and still carries the method's own parser.
 */
function unsentCall(
  self: unknown,
  original: Original,
  body: unknown,
  options: unknown,
  aborted: AbortSignal,
  extra: Record<string, unknown> | undefined,
): APIPromiseLike {
  return original.call(self, body, attemptOptions(options, aborted, false, extra));
}

/**
 * The method's own parser, for a call that no attempt reached (a fallback answered a refusal):
 * with its transforms (`responses.create` adds `output_text`), which the client's default parser
 * lacks. The unsent call's rejection is dropped.
 */
function parserWithoutRequest(
  self: unknown,
  original: Original,
  body: unknown,
  options: unknown,
  extra: Record<string, unknown> | undefined,
): ParseFn {
  const probe = unsentCall(self, original, body, options, AbortSignal.abort(), extra);
  probe.responsePromise.catch(() => {});
  return probe.parseResponse;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * The caller's request options with our per-attempt settings. The caller's own signal is kept out:
 * the pipeline's attempt signal already follows it (and adds timeouts).
 */
function attemptOptions(
  options: unknown,
  signal: AbortSignal | undefined,
  timeout: number | false,
  extra: Record<string, unknown> | undefined,
  resend = 0,
  client: unknown = undefined,
): unknown {
  const apply = (o: unknown): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      ...(o as Record<string, unknown> | undefined),
      maxRetries: 0,
      ...extra,
    };
    // A resend carries the retry count the client would have sent had it retried itself (unless
    // the app set that header itself, on the request or on the client: its own wins, as bare).
    if (resend > 0 && !clientSetsRetryCount(client)) out.headers = withRetryCount(out.headers, resend);
    // The policy's per-attempt timeout rides on the client's own request timer; a timeout the
    // caller set on the request (or, see guardedCall, on the client) wins.
    if (timeout !== false && out.timeout === undefined) out.timeout = timeout;
    if (signal !== undefined) out.signal = signal;
    return out;
  };
  // openai 7 accepts request options as a promise; keep that shape.
  return isThenable(options) ? Promise.resolve(options).then(apply) : apply(options);
}

/**
 * The caller's request headers (any shape the client takes: a record, a `Headers`, a list of
 * pairs) with the client's retry-count header set to `count`, unless the caller set it: the
 * caller's own header wins, as it does on a bare client's retries.
 */
function withRetryCount(headers: unknown, count: number): unknown {
  const value = String(count);
  if (headers === undefined || headers === null) return { [RETRY_COUNT_HEADER]: value };
  if (setsRetryCount(headers)) return headers;
  if (headers instanceof Headers) {
    const copy = new Headers(headers);
    copy.set(RETRY_COUNT_HEADER, value);
    return copy;
  }
  if (Array.isArray(headers)) return [...headers, [RETRY_COUNT_HEADER, value]];
  const proto = typeof headers === 'object' ? Object.getPrototypeOf(headers) : undefined;
  // A shape we don't know is left as given.
  if (proto !== Object.prototype && proto !== null) return headers;
  return { ...headers, [RETRY_COUNT_HEADER]: value };
}

/** Whether `headers` (a record, a `Headers`, a list of pairs) set the retry-count header. */
function setsRetryCount(headers: unknown): boolean {
  if (headers === undefined || headers === null || typeof headers !== 'object') return false;
  if (headers instanceof Headers) return headers.has(RETRY_COUNT_HEADER);
  const isOurs = (name: unknown): boolean =>
    typeof name === 'string' && name.toLowerCase() === RETRY_COUNT_LOWER;
  if (Array.isArray(headers)) return headers.some((pair) => isOurs((pair as unknown[] | undefined)?.[0]));
  return Object.keys(headers).some(isOurs);
}

/** Whether the app set the retry-count header on the client (`new OpenAI({ defaultHeaders })`). */
function clientSetsRetryCount(client: unknown): boolean {
  return setsRetryCount(
    (client as { _options?: { defaultHeaders?: unknown } } | null | undefined)?._options?.defaultHeaders,
  );
}

/** The header a Stainless client sends with its own retry count (always 0 with its retries off). */
const RETRY_COUNT_HEADER = 'X-Stainless-Retry-Count';
const RETRY_COUNT_LOWER = RETRY_COUNT_HEADER.toLowerCase();

/**
 * The attempts a caller asked for with the request's own `maxRetries` (`create(body, {
 * maxRetries: 0 })`: no retries for this call), or undefined. Caps the policy's, never raises it.
 */
function requestedAttempts(options: unknown): number | undefined {
  const retries = requestOption(options, 'maxRetries');
  return typeof retries === 'number' && Number.isInteger(retries) && retries >= 0 ? retries + 1 : undefined;
}

/**
 * The longest the app waits on the provider for one thing past the headers (a plain body, a
 * stream's first event or next chunk): the timeout the client's request timer ran with, which
 * stops at the headers. That is the request's own `timeout` in the options the client used (the
 * caller's, or the policy's that the attempt added), else the client's; undefined without any.
 */
function waitLimit(
  env: CallEnv,
  describe: CallDescription,
  props: ResponseProps,
  client: unknown,
): WaitLimit | undefined {
  const requested = props.options?.timeout;
  const timeoutMs = typeof requested === 'number' ? requested : clientTimeout(client);
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) return undefined;
  return {
    clock: env.runtime.clock,
    timeoutMs,
    dependency: describe.dependency,
    clientError: env.timeoutError,
  };
}

/** The `timeout` the app gave the client's constructor (`new OpenAI({ timeout })`), if any. */
function clientTimeout(client: unknown): number | undefined {
  const timeout = (client as { _options?: { timeout?: unknown } } | null | undefined)?._options?.timeout;
  return typeof timeout === 'number' ? timeout : undefined;
}

function callerSignal(options: unknown): AbortSignal | undefined {
  const signal = requestOption(options, 'signal');
  return signal instanceof AbortSignal ? signal : undefined;
}

/**
 * One field of the caller's request options, when they are a plain object. (openai 7 also takes
 * a promise of options: its fields are not known until the attempt, and are read as undefined.)
 */
function requestOption(options: unknown, name: string): unknown {
  if (options === null || typeof options !== 'object' || isThenable(options)) return undefined;
  return (options as Record<string, unknown>)[name];
}

/** Per-call data of a call without a fallback (shared: the pipeline never writes to it). */
const NO_FALLBACK: CallData = Object.freeze({ input: undefined, adaptFallback: undefined });

/** A response the fallback produced, shaped so the client parses it like a provider's. */
function fallbackProps(body: unknown, path: string): ResponseProps {
  return {
    response: new Response(JSON.stringify(body), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    }),
    options: { method: 'post', path, stream: false },
    controller: new AbortController(),
    requestLogID: 'breakwater-fallback',
    retryOfRequestLogID: undefined,
    startTime: Date.now(),
  };
}

/**
 * Per-call data of a call with a fallback. Built out here so its closure does not share
 * `guardedCall`'s scope: the operation holds this data, and the garbage-collection backstops
 * need the operation not to reach the caller's `APIPromise` or `Response` through that scope.
 */
function fallbackData(
  body: unknown,
  path: string,
  wireBody: ((value: unknown) => unknown) | undefined,
): CallData {
  return {
    input: body,
    adaptFallback: (value) => fallbackProps(wireBody === undefined ? value : wireBody(value), path),
  };
}

/**
 * Runs `original` (the client's unpatched method) as a guarded operation and returns the
 * client's `APIPromise` for it.
 */
export function guardedCall(
  env: CallEnv,
  self: unknown,
  client: unknown,
  original: Original,
  body: unknown,
  options: unknown,
  describe: CallDescription,
  path: string,
): APIPromiseLike {
  const { runtime } = env;
  const policy = runtime.policies.resolve(describe.dependency);
  // A timeout the app set on the client is its choice (a reasoning model may need more than the
  // policy allows): only a client without one gets the policy's.
  const timeout = clientTimeout(client) === undefined ? policy.timeoutMs : false;
  // Where neither the request nor the client has a timeout, the client may first check the request
  // against its own default, which our timeout would skip: it runs here, and throws as it would.
  if (timeout !== false && requestOption(options, 'timeout') === undefined) describe.checkUntimed?.(client);
  // The per-attempt timeout rides on the client's own request timer (see attemptOptions). Built
  // before the operation: the first call of a dependency creates its breaker, whose state the
  // operation span records.
  const pipeline = runtime.guard.pipeline(describe.dependency, policy, 'client');
  const op = new Operation(
    runtime,
    { tracer: env.tracer, metrics: env.metrics },
    {
      spanName: describe.spanName,
      dependency: describe.dependency,
      sets: describe.sets,
      requestAttributes: describe.requestAttributes,
      kind: SpanKind.CLIENT,
      attemptSpans: true,
    },
    context.active(),
  );
  let parse: ParseFn | undefined;
  // How the caller has asked for the result so far; decides when and how the operation ends.
  let parseRequested = false;
  let rawResponse: Promise<Response> | undefined;
  // Whether a garbage-collection backstop watches this call (so the common path never unregisters).
  let watching = false;
  // The APIPromise to watch should its response arrive unasked for. Dropped at the response: this
  // scope is reachable from the operation (the attempt closures), so keeping it would keep the
  // promise alive from the backstop's own held value.
  let unasked: object | undefined;
  // A stream's request, to abort should its call be collected unparsed: the first-event read
  // locked the body, and fetch releases the connection of an unlocked body only.
  let streamController: AbortController | undefined;
  // A plain body the attempt parsed, for the caller's parse of the same response.
  let parsedInAttempt: ParsedBody | undefined;
  const caller = callerSignal(options);
  const { clock } = runtime;
  const responsePromise = op.run<ResponseProps>(
    pipeline,
    (ctx) => {
      // Only hand the client a signal when the caller gave one: reading `ctx.signal` creates
      // an AbortController, which the success path should not pay for.
      const signal = ctx.callerSignal === undefined ? undefined : ctx.signal;
      // The attempt's plain body or first event is due a whole timeout after the attempt began.
      const startedAt = clock.monotonic();
      const inner = original.call(
        self,
        body,
        attemptOptions(options, signal, timeout, describe.attemptOptions?.(), ctx.attempt, client),
      );
      const parseBody = inner.parseResponse;
      parse = parseBody;
      if (!describe.stream) {
        // The attempt reads the body, by what the caller has asked for so far (see plain-body.ts).
        return inner.responsePromise.then((props) => {
          const deadline = deadlineFrom(waitLimit(env, describe, props, client), startedAt);
          if (parseRequested) {
            return parseInAttempt(props, parseBody, client, deadline).then((parsed) => {
              parsedInAttempt = parsed;
              return props;
            });
          }
          return rawResponse === undefined ? bufferInAttempt(props, deadline, caller) : props;
        });
      }
      return inner.responsePromise.then((props) => {
        streamController = props.controller;
        const failOnError = describe.retriesFirstEventError
          ? {
              parse: parseBody,
              client,
              deadline: deadlineFrom(waitLimit(env, describe, props, client), startedAt),
            }
          : undefined;
        return watchFirstEvent({ op, failOnError }, props);
      });
    },
    {
      // Fallbacks apply to non-streaming calls: their result is handed to the client as a
      // response. Without a fallback the per-call data carries nothing: one shared object.
      data:
        policy.fallback === false || describe.stream
          ? NO_FALLBACK
          : fallbackData(body, path, describe.fallbackBody),
      signal: caller,
      maxAttempts: requestedAttempts(options),
      // The call goes on past the headers (a body to parse, a stream to read) and may fail
      // there: `breakwater.calls` counts it when the operation ends.
      settlesLater: true,
    },
    // The last attempt stays open until its stream is read: a stream cut past the headers fails
    // that attempt as well as the operation (the fleet counts attempt spans).
    true,
    () => {
      const promise = unasked;
      unasked = undefined;
      // A stream's response is the first thing its app gets: abandoned unread, it ends here.
      if (describe.stream) op.delivered();
      // A fallback's result: nothing will read a provider body, so the operation ends here.
      if (op.fallbackName !== undefined) op.succeed();
      else if (!parseRequested && rawResponse === undefined && promise !== undefined) {
        // Nobody asked yet (the promise is awaited later, or never): wait for the parse, which
        // brings usage and response attributes, with garbage collection as the backstop. A plain
        // body is complete with its response: the operation's time ends here, not at the parse.
        watching = true;
        if (!describe.stream) op.answered();
        watchUnparsed(promise, op, describe.stream, streamController);
      }
    },
    // Once the caller has aborted, the call rejects as a bare client's would, also when the abort
    // came before it or during the back-off, where no request of the client's was under way. A
    // policy's refusal rejects with the client's own error for it (see caller-error.ts).
    caller === undefined
      ? env.rejectFailed
      : (error, lastAttemptError) =>
          caller.aborted
            ? (unsentCall(self, original, body, options, caller, describe.attemptOptions?.())
                .responsePromise as Promise<never>)
            : env.rejectFailed(error, lastAttemptError),
  );

  const unwatch = (): void => {
    if (!watching) return;
    watching = false;
    unwatchUnparsed(op);
    unwatchRawBody(op);
  };
  const wrappedParse: ParseFn = (c, props) => {
    // (With the client's own span stand-in, so a client that traces itself adds no span.)
    const read = parsedInAttempt;
    let parsed: unknown;
    if (read !== undefined && read.props === props) parsed = read.data;
    else {
      parse ??= parserWithoutRequest(self, original, body, options, describe.attemptOptions?.());
      parsed = parse(c, props);
    }
    if (op.isEnded) return parsed;
    unwatch();
    return Promise.resolve(parsed).then(
      (data) => {
        if (describe.stream) {
          const limit = waitLimit(env, describe, props, c);
          return observeStream(op, data, describe.chunkReader(), limit);
        }
        op.succeed(safeRead(describe, op, data));
        return data;
      },
      (error: unknown) => {
        // The parse failed after the attempt ended (a body taken in whole that does not parse):
        // the operation fails, classified, and the pipeline counts it as a late failure.
        op.fail(error);
        throw error;
      },
    );
  };
  /** The raw response, taken without the parsed body (`.asResponse()` alone). */
  const tookRaw = (response: Response): Response => {
    // Taken along with the parsed body (`.withResponse()`), or already ended: those stand.
    if (parseRequested || op.isEnded) return response;
    unwatch();
    // A plain body is the caller's to read and holds nothing we report without parsing it.
    if (!describe.stream) {
      op.succeed();
      return response;
    }
    // A stream (e.g. SSE proxied to a browser) ends with its body.
    watching = true;
    return observeRawBody(op, response, caller);
  };
  const promise = new env.APIPromise(client, responsePromise, wrappedParse) as ObservedPromise;
  unasked = promise;
  // `then`/`catch`/`finally`/`withResponse` all go through `parse()`; noting the request lets the
  // operation end after the body is parsed (with usage), and lets the attempt parse a plain body
  // itself. `.asResponse()` alone ends it at the response (a plain body) or with the body the
  // caller reads (a stream), and so does a stream's `_responseProps()`. The same goes for the
  // promises `_thenUnwrap` derives (the `.parse()` helpers), which share the call's response.
  const noteRequests = (p: ObservedPromise): ObservedPromise => {
    const parseBody = p.parse;
    if (typeof parseBody === 'function') {
      p.parse = function parseRequestedBody(this: unknown) {
        parseRequested = true;
        return parseBody.call(this);
      };
    } else parseRequested = true;
    const asResponse = p.asResponse;
    if (typeof asResponse === 'function') {
      p.asResponse = function rawRequestedResponse(this: unknown) {
        // One raw response per call, as the client gives: its body can be read once.
        rawResponse ??= asResponse.call(this).then(tookRaw);
        return rawResponse;
      };
    }
    const responseProps = p._responseProps;
    if (describe.stream && typeof responseProps === 'function') {
      // A caller that takes a stream's props parses them with a parser of its own and may drop
      // this promise (`@anthropic-ai/sdk` 1.x message threads): read as a raw body, so that its
      // collection does not abort the stream under way (see unparsed.ts).
      p._responseProps = function rawRequestedProps(this: unknown) {
        const props = responseProps.call(this);
        rawResponse ??= props.then((taken) => tookRaw(taken.response));
        return Promise.all([props, rawResponse]).then(([taken, response]) => ({ ...taken, response }));
      };
    }
    const thenUnwrap = p._thenUnwrap;
    if (typeof thenUnwrap === 'function') {
      p._thenUnwrap = function derivedPromise(this: unknown, ...args: unknown[]) {
        return noteRequests(thenUnwrap.apply(this, args));
      };
    }
    return p;
  };
  noteRequests(promise);
  return promise;
}

/** An `APIPromise` whose requests for the body are noted. */
type ObservedPromise = APIPromiseLike & {
  parse?: () => Promise<unknown>;
  asResponse?: () => Promise<Response>;
  _responseProps?: () => Promise<ResponseProps>;
  _thenUnwrap?: (...args: unknown[]) => ObservedPromise;
};

function safeRead(describe: CallDescription, op: Operation, data: unknown): Usage | undefined {
  try {
    return describe.onResponse(op, data);
  } catch {
    return undefined;
  }
}
