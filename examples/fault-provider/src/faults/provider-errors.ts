/**
 * Provider-correct error responses: the status, body and headers each API really sends, so
 * the real client libraries raise the same error classes they would in production.
 */
import { geminiError } from './gemini-errors.ts';
import { ERROR_CODE_STATUS, type ErrorCode, type ErrorSpec, type Provider } from './types.ts';

/** An error ready to send: status, extra headers, and the provider's inner error object. */
export interface RenderedError {
  readonly status: number;
  readonly headers: Record<string, string>;
  /**
   * OpenAI: `{ message, type, param, code }`. Anthropic: `{ type, message, details? }`. Gemini:
   * `{ code, message, status, details? }`.
   */
  readonly error: Record<string, unknown>;
}

/** Builds the error for a provider from a script's error spec. */
export function renderError(provider: Provider, spec: ErrorSpec, model: string): RenderedError {
  const status = errorStatus(spec);
  const headers: Record<string, string> = {};
  let error: Record<string, unknown>;
  if (provider === 'gemini') {
    // Gemini asks for a wait in its body (`RetryInfo`), never in a header.
    const delayMs = spec.retryAfterMs ?? (spec.retryAfter === undefined ? undefined : spec.retryAfter * 1000);
    error = geminiError(status, spec.code, model, delayMs);
  } else {
    if (spec.retryAfter !== undefined) headers['retry-after'] = String(spec.retryAfter);
    if (spec.retryAfterMs !== undefined) headers['retry-after-ms'] = String(spec.retryAfterMs);
    error =
      provider === 'openai'
        ? openaiError(status, spec.code, model)
        : anthropicError(status, spec.code, model);
    if (status === 429) Object.assign(headers, rateLimitHeaders(provider));
  }
  if (spec.message !== undefined) error.message = spec.message;
  // Header names are case-insensitive: lower-case a script's so they replace the built-in ones
  // above instead of being sent twice (`retry-after: 1, 30` parses as neither).
  if (spec.headers !== undefined) {
    for (const [name, value] of Object.entries(spec.headers)) headers[name.toLowerCase()] = value;
  }
  return { status, headers, error };
}

/** The HTTP status an error spec resolves to: its own, else its code's, else 500. */
export function errorStatus(spec: Pick<ErrorSpec, 'status' | 'code'>): number {
  return spec.status ?? (spec.code === undefined ? 500 : ERROR_CODE_STATUS[spec.code]);
}

/** The full JSON body of an error response. */
export function errorBody(provider: Provider, error: Record<string, unknown>, requestId: string): unknown {
  // Anthropic wraps the error and echoes the request id; OpenAI and Gemini send only the error object.
  return provider === 'anthropic' ? { type: 'error', error, request_id: requestId } : { error };
}

function openaiError(status: number, code: ErrorCode | undefined, model: string): Record<string, unknown> {
  const e = (message: string, type: string, errorCode: string | null, param: string | null = null) => ({
    message,
    type,
    param,
    code: errorCode,
  });
  switch (code) {
    case 'rate_limit_exceeded':
      return rateLimited(model);
    case 'insufficient_quota':
      return e(
        'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
        'insufficient_quota',
        'insufficient_quota',
      );
    case 'context_length_exceeded':
      return e(
        `This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.`,
        'invalid_request_error',
        'context_length_exceeded',
        'messages',
      );
    case 'content_filter':
      return e(
        'The response was filtered due to the prompt triggering content management policy. Please modify your prompt and retry.',
        'invalid_request_error',
        'content_filter',
        'prompt',
      );
    case 'invalid_api_key':
      return invalidKey();
    case 'model_not_found':
      return notFound(model);
    case undefined:
      break;
  }
  switch (status) {
    case 400:
      return e('Invalid request (injected by the fault provider).', 'invalid_request_error', null);
    case 401:
      return invalidKey();
    case 403:
      return e(
        'Country, region, or territory not supported',
        'request_forbidden',
        'unsupported_country_region_territory',
      );
    case 404:
      return notFound(model);
    case 429:
      return rateLimited(model);
    case 500:
      return e(
        'The server had an error while processing your request. Sorry about that!',
        'server_error',
        null,
      );
    case 502:
      return e('Bad gateway.', 'server_error', 'bad_gateway');
    case 503:
      return e('The server is overloaded or not ready yet.', 'server_error', null);
    case 504:
      return e('Gateway timeout.', 'server_error', 'gateway_timeout');
    default:
      return status >= 500
        ? e(`The server had an error (HTTP ${status}).`, 'server_error', null)
        : e(`Request failed (HTTP ${status}).`, 'invalid_request_error', null);
  }

  function rateLimited(m: string) {
    return e(
      `Rate limit reached for ${m} in organization org-fault-provider on requests per min (RPM): Limit 60, Used 60, Requested 1. Please try again in 1s.`,
      'requests',
      'rate_limit_exceeded',
    );
  }
  function invalidKey() {
    return e(
      'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
      'invalid_request_error',
      'invalid_api_key',
    );
  }
  function notFound(m: string) {
    return e(
      `The model \`${m}\` does not exist or you do not have access to it.`,
      'invalid_request_error',
      'model_not_found',
      'model',
    );
  }
}

function anthropicError(status: number, code: ErrorCode | undefined, model: string): Record<string, unknown> {
  const type = anthropicType(status);
  switch (code) {
    case 'insufficient_quota':
      // Anthropic has no single "quota" error: 400 is the credit-balance message, 402 a billing
      // error, and 429 the spend-limit variant of rate_limit_error (marked in `details`).
      if (status === 400) {
        return {
          type,
          message:
            'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
        };
      }
      if (status === 429) {
        return {
          type,
          message:
            'You have reached your specified API usage limits. You will regain access on the first of next month.',
          details: { error_code: 'enforced_spend_limit_reached' },
        };
      }
      return { type, message: 'Your organization has a billing issue. Please check Plans & Billing.' };
    case 'context_length_exceeded':
      return { type, message: 'prompt is too long: 210000 tokens > 200000 maximum' };
    case 'content_filter':
      return { type, message: 'Output blocked by content filtering policy' };
    case 'invalid_api_key':
      return { type, message: 'invalid x-api-key' };
    case 'model_not_found':
      return { type, message: `model: ${model}` };
    case 'rate_limit_exceeded':
    case undefined:
      break;
  }
  return { type, message: ANTHROPIC_MESSAGES[type] ?? `Request failed (HTTP ${status}).` };
}

/** Anthropic's documented error type for a status; other 4xx are `invalid_request_error`, other 5xx `api_error`. */
function anthropicType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

const ANTHROPIC_MESSAGES: Record<string, string> = {
  invalid_request_error: 'Invalid request (injected by the fault provider).',
  authentication_error: 'invalid x-api-key',
  billing_error: 'Your organization has a billing issue. Please check Plans & Billing.',
  permission_error: 'Your API key does not have permission to use the specified resource.',
  not_found_error: 'The requested resource could not be found.',
  request_too_large: 'Request exceeds the maximum allowed number of bytes.',
  rate_limit_error: 'Number of requests has exceeded your per-minute rate limit.',
  api_error: 'Internal server error',
  timeout_error: 'Request timed out',
  overloaded_error: 'Overloaded',
};

function rateLimitHeaders(provider: 'openai' | 'anthropic'): Record<string, string> {
  return provider === 'openai'
    ? {
        'x-ratelimit-limit-requests': '60',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': '1s',
      }
    : { 'anthropic-ratelimit-requests-limit': '60', 'anthropic-ratelimit-requests-remaining': '0' };
}
