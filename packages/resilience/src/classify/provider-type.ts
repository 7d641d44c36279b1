import type { ErrorCategory } from '@breakwater/protocol';

/**
 * Bedrock Runtime's exceptions (InvokeModel and InvokeModelWithResponseStream, as AWS documents
 * them), named as a response stream names them (`:exception-type`: `throttlingException`); the
 * classifier reads an HTTP error's `x-amzn-errortype` into the same form. A stream's exception
 * frames are the first six: throttled, unavailable, a server fault or a broken model stream
 * (both "retry your request"), a model timeout, an invalid request. The others come as HTTP
 * errors only:
 * - `modelErrorException` (424, "the request failed due to an error while processing the
 *   model"): the model failed, not the request, so a dependency fault. AWS's API model gives it
 *   no retry trait, but the message Bedrock sends with it says "Try your request again", and an
 *   Anthropic SDK maintainer says Bedrock should be sending it as a 5xx
 *   (anthropic-sdk-python#432): a server error, retried.
 * - `modelNotReadyException` (429, "not ready to serve inference requests"; AWS's SDKs retry
 *   it): capacity not there yet, not the caller's rate, so overloaded.
 * - `serviceQuotaExceededException` (400, "your request exceeds the service quota for your
 *   account"): a quota of the account; AWS says to resubmit "later", which a call's retries
 *   are not.
 * - `accessDeniedException` (403), `resourceNotFoundException` (404).
 */
const AWS_EXCEPTIONS: Readonly<Record<string, ErrorCategory>> = {
  throttlingException: 'rate_limited',
  serviceUnavailableException: 'overloaded',
  internalServerException: 'server_error',
  modelStreamErrorException: 'server_error',
  modelTimeoutException: 'timeout',
  validationException: 'validation',
  modelErrorException: 'server_error',
  modelNotReadyException: 'overloaded',
  serviceQuotaExceededException: 'quota_exhausted',
  accessDeniedException: 'permission',
  resourceNotFoundException: 'not_found',
};

/**
 * Categories of provider error types that arrive without an HTTP status: an error event in the
 * middle of a stream (Anthropic's `event: error` with `{ type: 'error', error: { type } }`,
 * OpenAI's `{ error: { type, code } }` chunk). The response said 200 when it started, so the
 * type is all there is to go on. Keys are Anthropic's error types and OpenAI's types and codes,
 * including those of a Responses stream that ends in `response.failed`, and the exceptions of a
 * Bedrock stream, which `@anthropic-ai/bedrock-sdk` turns into `error` events of that type.
 */
const TYPE_CATEGORIES: Readonly<Record<string, ErrorCategory>> = {
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
  ...AWS_EXCEPTIONS,
  // The codes of a Responses API `response.failed` (its `response.error.code`), besides
  // `server_error` and `rate_limit_exceeded` above.
  vector_store_timeout: 'timeout',
  invalid_prompt: 'validation',
  data_residency_mismatch: 'permission',
  bio_policy: 'content_filter',
  misalignment_policy_violation: 'content_filter',
  image_content_policy_violation: 'content_filter',
  invalid_image: 'validation',
  invalid_image_format: 'validation',
  invalid_base64_image: 'validation',
  invalid_image_url: 'validation',
  image_too_large: 'validation',
  image_too_small: 'validation',
  image_parse_error: 'validation',
  invalid_image_mode: 'validation',
  image_file_too_large: 'validation',
  unsupported_image_media_type: 'validation',
  empty_image_file: 'validation',
  failed_to_download_image: 'validation',
  image_file_not_found: 'validation',
};

/**
 * The table as a `Map`: a type that names an `Object.prototype` member (`constructor`,
 * `toString`, `__proto__`) is unknown, not that member.
 */
const TYPE_CATEGORY: ReadonlyMap<string, ErrorCategory> = new Map(Object.entries(TYPE_CATEGORIES));
const AWS_EXCEPTION_CATEGORY: ReadonlyMap<string, ErrorCategory> = new Map(Object.entries(AWS_EXCEPTIONS));

/** Category for a status-less provider error from its `code` or `type`, if either is known. */
export function providerTypeCategory(
  code: string | undefined,
  type: string | undefined,
): ErrorCategory | undefined {
  return (
    (code !== undefined ? TYPE_CATEGORY.get(code) : undefined) ??
    (type !== undefined ? TYPE_CATEGORY.get(type) : undefined)
  );
}

/**
 * Category of a Bedrock exception named by an HTTP response ({@link awsErrorType}), if it is one
 * of Bedrock Runtime's: only those, so a header naming another provider's type is not taken.
 */
export function awsExceptionCategory(type: string): ErrorCategory | undefined {
  return AWS_EXCEPTION_CATEGORY.get(type);
}
