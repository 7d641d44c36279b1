import type { ErrorCategory } from '@breakwater/protocol';

/** What an HTTP-level error said about itself (duck-typed from provider client errors). */
export interface HttpErrorFacts {
  readonly status: number;
  /** Provider error `code` (OpenAI `code`, Anthropic `details.error_code`). */
  readonly code: string | undefined;
  /** Provider error `type` (OpenAI `type`, Anthropic `error.type`). */
  readonly type: string | undefined;
  readonly message: string;
  /**
   * The window of the quota a 429 names in a structured body (Google's `QuotaFailure`): `long`
   * (per day, per month) or `short` (per second, minute, hour).
   */
  readonly quotaWindow?: 'long' | 'short' | undefined;
  /**
   * The wait the error body itself asks for (Google's `RetryInfo`), in milliseconds. Not a
   * `Retry-After` header: gateways and Azure OpenAI send one on every 429, quota ones included.
   */
  readonly bodyRetryDelayMs?: number | undefined;
}

const QUOTA_RE = /insufficient_quota|spend_limit|billing|quota|credit balance/i;
// A quota per second, minute or hour is a rate limit by another name (Vertex AI: "Quota exceeded
// for aiplatform.googleapis.com/generate_content_requests_per_minute_per_project_per_base_model").
const SHORT_QUOTA_RE = /per[_ ]?(second|minute|hour)/i;
// An API key the provider does not take, named by a 400's code (Gemini's `API_KEY_INVALID`).
const API_KEY_RE = /invalid_api_key|api_key_invalid|api_key_expired/i;
// "Input is too long for requested model." is Bedrock's ValidationException (a 400) for a prompt
// over the model's context.
// Gemini's: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."
const CONTEXT_RE =
  /context_length_exceeded|context length|context window|maximum context|prompt is too long|input is too long|too many tokens|string_above_max_length|exceeds the maximum number of tokens/i;
const TOO_LARGE_RE = /request too large/i;
const CONTENT_RE =
  /content_filter|content_policy|content management policy|content filter|safety system|flagged/i;

/**
 * Category for an HTTP failure, provider detail first (Anthropic 529 `overloaded_error`,
 * OpenAI `insufficient_quota`, context length, content policy), then the status class.
 */
export function httpCategory(facts: HttpErrorFacts): ErrorCategory {
  const { status, code, type } = facts;
  const detail = `${code ?? ''} ${type ?? ''}`;
  if (status === 529 || type === 'overloaded_error') return 'overloaded';
  if (status === 402 || type === 'billing_error' || QUOTA_RE.test(detail)) return 'quota_exhausted';
  if (status === 429) {
    // A quota's window, where the body names it, says outright whether waiting clears it.
    if (facts.quotaWindow === 'long') return 'quota_exhausted';
    if (facts.quotaWindow === 'short') return 'rate_limited';
    // A 429 that talks about quota or spend limits will not clear by waiting, unless it names a
    // short window or its body asks for a wait (Gemini says "You exceeded your current quota" of
    // its per-minute limits too, with a `RetryInfo`).
    if (
      QUOTA_RE.test(facts.message) &&
      !/rate limit/i.test(facts.message) &&
      !SHORT_QUOTA_RE.test(facts.message) &&
      facts.bodyRetryDelayMs === undefined
    )
      return 'quota_exhausted';
    // OpenAI's "Request too large for … on tokens per min": this one request is over the whole
    // per-minute limit, so no wait lets it through; like an over-long prompt, it must shrink.
    if (TOO_LARGE_RE.test(facts.message)) return 'context_length';
    return 'rate_limited';
  }
  if (
    status === 400 ||
    status === 413 ||
    status === 422 ||
    status === 403 ||
    code !== undefined ||
    type !== undefined
  ) {
    if (CONTEXT_RE.test(detail) || ((status === 400 || status === 413) && CONTEXT_RE.test(facts.message))) {
      return 'context_length';
    }
    if (CONTENT_RE.test(detail) || ((status === 400 || status === 403) && CONTENT_RE.test(facts.message))) {
      return 'content_filter';
    }
    // Anthropic reports an empty credit balance as a 400 `invalid_request_error`: only the
    // message says it is about billing.
    if ((status === 400 || status === 403) && QUOTA_RE.test(facts.message)) return 'quota_exhausted';
    if (API_KEY_RE.test(detail)) return 'authentication';
  }
  switch (status) {
    case 401:
      return 'authentication';
    case 403:
      return 'permission';
    case 404:
      return 'not_found';
    case 408:
      return 'timeout';
    case 409:
      // Conflicts from LLM APIs are transient lock contention; the clients retry them too.
      return 'server_error';
    case 499:
      return 'cancelled';
    case 503:
      return 'overloaded';
    case 504:
      return 'timeout';
  }
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'validation';
  return 'unknown';
}
