/**
 * Gemini's error bodies: Google's `google.rpc.Status` as JSON, `{ error: { code, message, status,
 * details? } }`. `code` is the HTTP status, `status` its canonical name (`RESOURCE_EXHAUSTED`,
 * `UNAVAILABLE`, …), and `details` typed messages: a 429 names the quota it hit in a
 * `QuotaFailure` (per minute: a rate limit; per day: the quota is gone until tomorrow) and the
 * wait it asks for in a `RetryInfo` (`"retryDelay": "30s"`); Gemini sends no `Retry-After` header.
 */
import type { ErrorCode } from './types.ts';

const DETAIL = 'type.googleapis.com/google.rpc.';

/** Google's canonical status name for an HTTP status (the mapping of google.rpc.Code). */
export function geminiStatusName(status: number): string {
  switch (status) {
    case 400:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ABORTED';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 501:
      return 'UNIMPLEMENTED';
    case 502:
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}

const MESSAGES: Readonly<Record<string, string>> = {
  INVALID_ARGUMENT: 'Request contains an invalid argument.',
  UNAUTHENTICATED:
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
  PERMISSION_DENIED: 'The caller does not have permission',
  NOT_FOUND: 'Requested entity was not found.',
  ABORTED: 'The operation was aborted.',
  CANCELLED: 'The operation was cancelled.',
  UNIMPLEMENTED: 'Method not implemented.',
  UNAVAILABLE: 'The model is overloaded. Please try again later.',
  DEADLINE_EXCEEDED: 'Deadline expired before operation could complete.',
  INTERNAL:
    'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
  FAILED_PRECONDITION: 'Precondition check failed.',
};

const QUOTA_MESSAGE =
  'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.';

/**
 * The inner error object of a Gemini error response. A 429 (or `rate_limit_exceeded`) is the
 * per-minute limit, `insufficient_quota` the per-day quota; both carry Gemini's own message ("You
 * exceeded your current quota…", the same for both), and `retryDelayMs` adds the `RetryInfo`.
 */
export function geminiError(
  status: number,
  code: ErrorCode | undefined,
  model: string,
  retryDelayMs: number | undefined,
): Record<string, unknown> {
  const e = (message: string, details?: unknown[]) => ({
    code: status,
    message,
    status: geminiStatusName(status),
    ...(details === undefined ? {} : { details }),
  });
  switch (code) {
    case 'insufficient_quota':
      return e(QUOTA_MESSAGE, quotaDetails('PerDay', model, retryDelayMs));
    case 'rate_limit_exceeded':
      return e(QUOTA_MESSAGE, quotaDetails('PerMinute', model, retryDelayMs));
    case 'context_length_exceeded':
      return e('The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).');
    case 'content_filter':
      // Gemini blocks a prompt in a 200 (`promptFeedback.blockReason`); this error stands in for it.
      return e('Request blocked by content filter (injected by the fault provider).');
    case 'invalid_api_key':
      // Gemini sends this as a 400 INVALID_ARGUMENT; a script says `status: 400` for that.
      return e('API key not valid. Please pass a valid API key.', [
        {
          '@type': `${DETAIL}ErrorInfo`,
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
      ]);
    case 'model_not_found':
      return e(
        `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
      );
    case undefined:
      break;
  }
  if (status === 429) return e(QUOTA_MESSAGE, quotaDetails('PerMinute', model, retryDelayMs));
  const message = MESSAGES[geminiStatusName(status)] ?? `Request failed (HTTP ${status}).`;
  return retryDelayMs === undefined ? e(message) : e(message, [retryInfo(retryDelayMs)]);
}

/** A 429's details: the quota hit (per minute or per day), a link, and the wait asked for. */
function quotaDetails(window: 'PerMinute' | 'PerDay', model: string, retryDelayMs: number | undefined) {
  const details: unknown[] = [
    {
      '@type': `${DETAIL}QuotaFailure`,
      violations: [
        {
          quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
          quotaId: `GenerateRequests${window}PerProjectPerModel-FreeTier`,
          quotaDimensions: { location: 'global', model },
          quotaValue: window === 'PerMinute' ? '10' : '250',
        },
      ],
    },
    {
      '@type': `${DETAIL}Help`,
      links: [
        {
          description: 'Learn more about Gemini API quotas',
          url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
        },
      ],
    },
  ];
  if (retryDelayMs !== undefined) details.push(retryInfo(retryDelayMs));
  return details;
}

/** `RetryInfo`: the delay as a protobuf Duration in JSON, seconds with a fraction (`"1.5s"`). */
function retryInfo(delayMs: number) {
  return { '@type': `${DETAIL}RetryInfo`, retryDelay: `${delayMs / 1000}s` };
}
