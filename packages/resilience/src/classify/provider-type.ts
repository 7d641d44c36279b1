import type { ErrorCategory } from '@breakwater/protocol';

/**
 * Categories of provider error types that arrive without an HTTP status: an error event in the
 * middle of a stream (Anthropic's `event: error` with `{ type: 'error', error: { type } }`,
 * OpenAI's `{ error: { type, code } }` chunk). The response said 200 when it started, so the
 * type is all there is to go on. Keys are Anthropic's error types and OpenAI's types and codes.
 */
const TYPE_CATEGORY: Readonly<Record<string, ErrorCategory>> = {
  overloaded_error: 'overloaded',
  api_error: 'server_error',
  server_error: 'server_error',
  internal_error: 'server_error',
  rate_limit_error: 'rate_limited',
  rate_limit_exceeded: 'rate_limited',
  timeout_error: 'timeout',
  billing_error: 'quota_exhausted',
  insufficient_quota: 'quota_exhausted',
  authentication_error: 'authentication',
  invalid_api_key: 'authentication',
  permission_error: 'permission',
  not_found_error: 'not_found',
  invalid_request_error: 'validation',
  request_too_large: 'validation',
  context_length_exceeded: 'context_length',
  content_filter: 'content_filter',
};

/** Category for a status-less provider error from its `code` or `type`, if either is known. */
export function providerTypeCategory(
  code: string | undefined,
  type: string | undefined,
): ErrorCategory | undefined {
  return (
    (code !== undefined ? TYPE_CATEGORY[code] : undefined) ??
    (type !== undefined ? TYPE_CATEGORY[type] : undefined)
  );
}
