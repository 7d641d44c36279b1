import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from './classifier.ts';

// Google's error bodies (google.rpc.Status: Gemini, Vertex AI) as the AI SDK hands them over: an
// APICallError keeps the parsed body in `data`, a stream's error part the status itself. The
// end-to-end tests run the real @ai-sdk/google against the fault provider (test/frameworks).
const QUOTA_MESSAGE =
  'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.';
const detail = (type: string, fields: Record<string, unknown>) => ({
  '@type': `type.googleapis.com/google.rpc.${type}`,
  ...fields,
});
const quotaFailure = (quotaId: string) =>
  detail('QuotaFailure', {
    violations: [
      { quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId },
    ],
  });
const retryInfo = (retryDelay: string) => detail('RetryInfo', { retryDelay });

/** An APICallError of @ai-sdk/google: status, message, headers, the body in `data`. */
function apiCallError(code: number, status: string, message: string, details?: unknown[], headers = {}) {
  return {
    name: 'AI_APICallError',
    statusCode: code,
    message,
    responseHeaders: headers,
    data: { error: { code, message, status, ...(details === undefined ? {} : { details }) } },
  };
}

describe('classify: Google error bodies (Gemini, Vertex AI)', () => {
  it('error.type is the Google status, not the HTTP status', () => {
    const c = classify(apiCallError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'));
    assert.deepEqual([c.category, c.errorType, c.retryable], ['overloaded', 'UNAVAILABLE', true]);
    assert.equal(
      classify(apiCallError(500, 'INTERNAL', 'An internal error has occurred.')).errorType,
      'INTERNAL',
    );
  });

  it('a 429 "You exceeded your current quota" of a per-minute quota is rate_limited, with its RetryInfo delay', () => {
    const c = classify(
      apiCallError(429, 'RESOURCE_EXHAUSTED', QUOTA_MESSAGE, [
        quotaFailure('GenerateRequestsPerMinutePerProjectPerModel-FreeTier'),
        retryInfo('26s'),
      ]),
    );
    assert.deepEqual(
      [c.category, c.source, c.retryable, c.retryAfterMs, c.errorType],
      ['rate_limited', 'dependency', true, 26_000, 'RESOURCE_EXHAUSTED'],
    );
  });

  it('the same message of a per-day quota is quota_exhausted, even with a RetryInfo', () => {
    const c = classify(
      apiCallError(429, 'RESOURCE_EXHAUSTED', QUOTA_MESSAGE, [
        quotaFailure('GenerateRequestsPerDayPerProjectPerModel-FreeTier'),
        retryInfo('3600s'),
      ]),
    );
    assert.deepEqual([c.category, c.source, c.retryable], ['quota_exhausted', 'caller', false]);
  });

  it('without a QuotaFailure: a RetryInfo says it clears by waiting; with neither, the message decides', () => {
    const waits = classify(apiCallError(429, 'RESOURCE_EXHAUSTED', QUOTA_MESSAGE, [retryInfo('1.5s')]));
    assert.deepEqual([waits.category, waits.retryAfterMs], ['rate_limited', 1500]);
    assert.equal(
      classify(apiCallError(429, 'RESOURCE_EXHAUSTED', QUOTA_MESSAGE)).category,
      'quota_exhausted',
    );
    // Vertex AI's shared quota says neither: "Resource exhausted" is no quota talk.
    const vertex = classify(
      apiCallError(429, 'RESOURCE_EXHAUSTED', 'Resource exhausted. Please try again later.'),
    );
    assert.equal(vertex.category, 'rate_limited');
    // Vertex AI's older per-minute quota message names its window.
    const perMinute = classify(
      apiCallError(
        429,
        'RESOURCE_EXHAUSTED',
        'Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute_per_project_per_base_model with base model: gemini-pro. Please submit a quota increase request.',
      ),
    );
    assert.equal(perMinute.category, 'rate_limited');
  });

  it('a Retry-After header wins over a RetryInfo; an unreadable retryDelay is ignored', () => {
    const both = apiCallError(429, 'RESOURCE_EXHAUSTED', 'slow down', [retryInfo('30s')], {
      'retry-after': '2',
    });
    assert.equal(classify(both).retryAfterMs, 2000);
    assert.equal(
      classify(apiCallError(429, 'RESOURCE_EXHAUSTED', 'slow down', [retryInfo('soon')])).retryAfterMs,
      undefined,
    );
  });

  it('a 400 over the context window is context_length; an API_KEY_INVALID reason is authentication', () => {
    const long = classify(
      apiCallError(
        400,
        'INVALID_ARGUMENT',
        'The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).',
      ),
    );
    assert.deepEqual([long.category, long.errorType], ['context_length', 'INVALID_ARGUMENT']);
    const key = classify(
      apiCallError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        detail('ErrorInfo', { reason: 'API_KEY_INVALID', domain: 'googleapis.com' }),
      ]),
    );
    assert.deepEqual(
      [key.category, key.source, key.errorType],
      ['authentication', 'caller', 'API_KEY_INVALID'],
    );
  });

  it("a stream's error part (the status itself in `data`, the status name as `type`) reads the same", () => {
    const status = {
      code: 429,
      message: QUOTA_MESSAGE,
      status: 'RESOURCE_EXHAUSTED',
      details: [quotaFailure('GenerateRequestsPerMinutePerProjectPerModel-FreeTier'), retryInfo('30s')],
    };
    const c = classify({
      message: QUOTA_MESSAGE,
      type: 'RESOURCE_EXHAUSTED',
      code: 429,
      statusCode: 429,
      data: status,
    });
    assert.deepEqual(
      [c.category, c.retryAfterMs, c.errorType],
      ['rate_limited', 30_000, 'RESOURCE_EXHAUSTED'],
    );
  });
});
