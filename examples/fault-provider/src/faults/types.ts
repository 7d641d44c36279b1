/**
 * The fault script language, as accepted by `FaultProvider.script()` and `POST /_control/faults`.
 * Plain JSON so the same script works over HTTP, from a `--script` file and from tests.
 */
import { MAX_TIMER_MS } from '@breakwater/protocol';

/** Every API route the provider serves. */
export const ROUTE_IDS = [
  'openai.chat',
  'openai.responses',
  'openai.embeddings',
  'anthropic.messages',
  'anthropic.count_tokens',
  'gemini.generate_content',
  'gemini.embed_content',
] as const;
/**
 * An API route: `openai.chat` is `POST /v1/chat/completions`, `anthropic.messages` is
 * `POST /v1/messages`, `anthropic.count_tokens` is `POST /v1/messages/count_tokens`,
 * `gemini.generate_content` is `POST /v1beta/models/{model}:generateContent` (and
 * `:streamGenerateContent`), …
 */
export type RouteId = (typeof ROUTE_IDS)[number];

/** Whose wire format a route speaks; decides the shape of error bodies and headers. */
export type Provider = 'openai' | 'anthropic' | 'gemini';

/** What a script applies to: one route, every route of a provider, or `*` (everything). */
export type RouteSelector = RouteId | Provider | '*';

/**
 * The longest delay a step may ask for: the most a Node timer can wait (about 24.8 days). Longer
 * timers fire after 1 ms, which would turn "wait a very long time" into "answer now".
 */
export const MAX_DELAY_MS = MAX_TIMER_MS;

/**
 * Added delay before the step's behaviour: a fixed number of milliseconds, or a lognormal
 * distribution given by its median and sigma (the standard deviation of the underlying normal),
 * optionally capped.
 */
export type Latency = number | { readonly medianMs: number; readonly sigma: number; readonly maxMs?: number };

/**
 * Named error variants with provider-specific bodies. Each implies a default status
 * (`rate_limit_exceeded` 429, `insufficient_quota` 429, `context_length_exceeded` 400,
 * `content_filter` 400, `invalid_api_key` 401, `model_not_found` 404).
 */
export const ERROR_CODES = [
  'rate_limit_exceeded',
  'insufficient_quota',
  'context_length_exceeded',
  'content_filter',
  'invalid_api_key',
  'model_not_found',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Default HTTP status for each named error variant. */
export const ERROR_CODE_STATUS: Readonly<Record<ErrorCode, number>> = {
  rate_limit_exceeded: 429,
  insufficient_quota: 429,
  context_length_exceeded: 400,
  content_filter: 400,
  invalid_api_key: 401,
  model_not_found: 404,
};

/** Which provider error to send: by status, by named variant, or both (the status wins). */
export interface ErrorSpec {
  /** HTTP status, 400–599. Defaults to the code's status. */
  readonly status?: number;
  readonly code?: ErrorCode;
  /** Replaces the provider-style default message. */
  readonly message?: string;
  /** Sends `retry-after: <seconds>` (Gemini: a `RetryInfo` in the body instead). */
  readonly retryAfter?: number;
  /** Sends `retry-after-ms: <milliseconds>` (Gemini: a `RetryInfo` in the body instead). */
  readonly retryAfterMs?: number;
  /** Extra response headers. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** How a request's answer is paced: a delay before it, and between stream frames. */
export interface Pacing {
  readonly latency?: Latency;
  /** Delay between stream frames (streaming responses only). */
  readonly chunkDelayMs?: number;
}

/** How long a step lasts and which requests it hits. A step with neither `count` nor `durationMs` lasts forever. */
export interface StepTiming extends Pacing {
  /** The step ends after this many matching requests. */
  readonly count?: number;
  /** The step ends this many milliseconds (on the injected clock) after it began. */
  readonly durationMs?: number;
  /** Fraction (0–1) of the step's requests that get its behaviour; the rest are answered normally. Default 1. */
  readonly rate?: number;
}

/**
 * How a `stream_error` ends the response after its first chunks: a provider error event, an
 * abrupt close, silence, or (Responses API) a `response.failed` event whose response carries the
 * error, as the API reports a generation that failed; on other routes that last one is an error
 * event.
 */
export const STREAM_ERROR_ENDS = ['error_event', 'close', 'hang', 'response_failed'] as const;
export type StreamErrorEnd = (typeof STREAM_ERROR_ENDS)[number];

/** What happens to one request. */
export type FaultBehaviour =
  | { readonly fault: 'ok' }
  | ({ readonly fault: 'error' } & ErrorSpec)
  /** Accept the request and never answer until the client goes away. */
  | { readonly fault: 'hang' }
  /** Destroy the connection without a response. */
  | { readonly fault: 'reset' }
  /**
   * Start a successful response, send `afterChunks` frames (default 2), then end with a
   * provider error event (`error_event`, default), an abrupt close, a hang, or a Responses
   * `response.failed` event (`response_failed`).
   * A non-streaming request gets half its body, then silence (`hang`) or a close (any other end).
   */
  | ({
      readonly fault: 'stream_error';
      readonly afterChunks?: number;
      readonly end?: StreamErrorEnd;
    } & Pick<ErrorSpec, 'status' | 'code' | 'message'>);

/** A behaviour with its pacing: what the provider does with one request. */
export type FaultAction = Pacing & FaultBehaviour;

/**
 * One outcome of a `mix` step: a behaviour and the fraction of the step's requests that get it.
 * Its own `latency` / `chunkDelayMs` replace the step's.
 */
export type MixOutcome = FaultAction & { readonly rate: number };

/**
 * Several faults at once, as a provider that "fails 2 % with 503 and 1 % with 429" does: each
 * request draws one outcome by its `rate`; the requests no outcome takes are answered normally
 * (after the step's `latency`, if it has one). The rates add up to at most 1.
 */
export interface MixStep {
  readonly fault: 'mix';
  readonly outcomes: readonly MixOutcome[];
}

/** One step of a script: what happens to the requests it hits. */
export type FaultStep = (StepTiming & FaultBehaviour) | (Omit<StepTiming, 'rate'> & MixStep);

/** The kind of a step. */
export type FaultKind = FaultStep['fault'];

/**
 * A script for one route/model target. Steps run in order ("3 × 503, then OK" is
 * `[{ fault: 'error', status: 503, count: 3 }]`); once the last step ends requests succeed,
 * unless `repeat` starts the sequence again. Installing a script for a target replaces the
 * previous script for the same target. A request is matched by the most specific target:
 * route + model, route, provider + model, provider, model, then `*`.
 */
export interface FaultScript {
  /** Default `*`. */
  readonly route?: RouteSelector;
  /** Exact model name from the request body, or `*` (default). */
  readonly model?: string;
  /**
   * Only requests sent with this API key (`Authorization: Bearer <key>` or `x-api-key`). A
   * request with a matching key tries the key's scripts first (most specific target first), then
   * the scripts without a key. Default: every key.
   */
  readonly apiKey?: string;
  readonly steps: readonly FaultStep[];
  readonly repeat?: boolean;
}

/** A validated script with its defaults applied. */
export interface NormalizedScript {
  readonly route: RouteSelector;
  readonly model: string;
  /** Absent: the script applies to every API key. */
  readonly apiKey?: string;
  readonly steps: readonly FaultStep[];
  readonly repeat: boolean;
}

/** Thrown (and answered as HTTP 400 by the control API) when a script is invalid. */
export class FaultScriptError extends Error {
  override readonly name = 'FaultScriptError';
}
