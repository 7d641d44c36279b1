import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { describe, it } from 'node:test';
import Anthropic, { RetryableError } from '@anthropic-ai/sdk';
import { Stream as AnthropicStream } from '@anthropic-ai/sdk/core/streaming';
import { ERROR_CATEGORIES, ManualClock } from '@breakwater/protocol';
import OpenAI from 'openai';
import { Stream as OpenAIStream } from 'openai/core/streaming';
import { ContentFilterFinishReasonError, LengthFinishReasonError } from 'openai/error';
import { BudgetExhaustedError, BulkheadFullError, CircuitOpenError, TimeoutError } from '../core/errors.ts';
import { markRefused, refusalOf } from '../core/refusal-of.ts';
import { Classifier, classify } from './classifier.ts';
import { providerTypeCategory } from './provider-type.ts';

const openai = (status: number, error: object, headers: Record<string, string> = {}) =>
  OpenAI.APIError.generate(status, { error }, undefined, new Headers(headers));
const anthropic = (
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
  details?: object,
) =>
  Anthropic.APIError.generate(
    status,
    { type: 'error', error: { type, message, ...(details === undefined ? {} : { details }) } },
    undefined,
    new Headers(headers),
  );

describe('classify: OpenAI client errors', () => {
  const table: [string, Error, string, boolean, string][] = [
    [
      'rate limit',
      openai(429, {
        message: 'Rate limit reached for gpt-4o',
        type: 'requests',
        code: 'rate_limit_exceeded',
      }),
      'rate_limited',
      true,
      'rate_limit_exceeded',
    ],
    [
      'a request larger than the whole per-minute limit (429, but waiting never helps)',
      openai(429, {
        message:
          'Request too large for gpt-4o in organization org-x on tokens per min (TPM): Limit 30000, Requested 45000. The input or output tokens must be reduced in order to run successfully.',
        type: 'tokens',
        code: 'rate_limit_exceeded',
      }),
      'context_length',
      false,
      'rate_limit_exceeded',
    ],
    [
      'insufficient_quota 429',
      openai(429, {
        message: 'You exceeded your current quota',
        type: 'insufficient_quota',
        code: 'insufficient_quota',
      }),
      'quota_exhausted',
      false,
      'insufficient_quota',
    ],
    [
      'context length',
      openai(400, {
        message: "This model's maximum context length is 128000 tokens",
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
      }),
      'context_length',
      false,
      'context_length_exceeded',
    ],
    [
      'content filter',
      openai(400, {
        message: 'The response was filtered due to the prompt triggering content management policy',
        type: 'invalid_request_error',
        code: 'content_filter',
      }),
      'content_filter',
      false,
      'content_filter',
    ],
    [
      'bad request',
      openai(400, { message: 'bad param', type: 'invalid_request_error', code: null }),
      'validation',
      false,
      'invalid_request_error',
    ],
    [
      'auth',
      openai(401, { message: 'Incorrect API key', type: 'invalid_request_error', code: 'invalid_api_key' }),
      'authentication',
      false,
      'invalid_api_key',
    ],
    [
      'permission',
      openai(403, { message: 'Forbidden', type: 'invalid_request_error' }),
      'permission',
      false,
      'invalid_request_error',
    ],
    [
      'not found',
      openai(404, {
        message: 'The model does not exist',
        type: 'invalid_request_error',
        code: 'model_not_found',
      }),
      'not_found',
      false,
      'model_not_found',
    ],
    [
      'server error',
      openai(500, { message: 'The server had an error', type: 'server_error' }),
      'server_error',
      true,
      'server_error',
    ],
    [
      'overloaded 503',
      openai(503, { message: 'The engine is currently overloaded' }),
      'overloaded',
      true,
      '503',
    ],
    ['gateway timeout', openai(504, { message: 'timeout' }), 'timeout', true, '504'],
    ['conflict', openai(409, { message: 'conflict' }), 'server_error', true, '409'],
  ];
  for (const [name, error, category, retryable, errorType] of table) {
    it(name, () => {
      const c = classify(error);
      assert.equal(c.category, category);
      assert.equal(c.retryable, retryable);
      assert.equal(c.errorType, errorType);
      assert.equal(c.provider, 'openai');
      assert.equal(c.status, (error as unknown as { status: number }).status);
    });
  }

  it('reads retry-after-ms, retry-after seconds and HTTP dates', () => {
    assert.equal(
      classify(openai(429, { message: 'slow down' }, { 'retry-after-ms': '1500' })).retryAfterMs,
      1500,
    );
    assert.equal(classify(openai(429, { message: 'slow down' }, { 'retry-after': '3' })).retryAfterMs, 3000);
    const clock = new ManualClock(Date.parse('2025-01-01T00:00:00Z'));
    const c = new Classifier({ clock }).classify(
      openai(503, { message: 'x' }, { 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }),
    );
    assert.equal(c.retryAfterMs, 10_000);
    assert.equal(classify(openai(429, { message: 'x' }, { 'retry-after': 'soon' })).retryAfterMs, undefined);
  });

  it('a quota 429 stays quota_exhausted with a Retry-After header (gateways and Azure send one on every 429)', () => {
    const headers = { 'retry-after': '20' };
    // No code in the body (an OpenAI-compatible gateway): only the message says quota.
    const gateway = openai(
      429,
      { message: 'You exceeded your current quota, please check your plan and billing details.' },
      headers,
    );
    const azure = openai(
      429,
      {
        code: '429',
        message:
          'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-02-01 have exceeded your monthly quota.',
      },
      headers,
    );
    for (const error of [gateway, azure]) {
      const c = classify(error);
      assert.deepEqual([c.category, c.retryable, c.retryAfterMs], ['quota_exhausted', false, 20_000]);
    }
  });

  it('honours x-should-retry', () => {
    assert.equal(classify(openai(500, { message: 'x' }, { 'x-should-retry': 'false' })).retryable, false);
    assert.equal(classify(openai(400, { message: 'x' }, { 'x-should-retry': 'true' })).retryable, true);
    // A quota error never becomes retryable.
    const quota = openai(429, { message: 'quota', code: 'insufficient_quota' }, { 'x-should-retry': 'true' });
    assert.equal(classify(quota).retryable, false);
  });

  it('connection, timeout and abort errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const conn = classify(new OpenAI.APIConnectionError({ cause: refused }));
    assert.equal(conn.category, 'network');
    assert.equal(conn.errorType, 'ECONNREFUSED');
    assert.equal(
      classify(new OpenAI.APIConnectionError({ message: 'Connection error.' })).category,
      'network',
    );
    assert.equal(classify(new OpenAI.APIConnectionTimeoutError()).category, 'timeout');
    const abort = classify(new OpenAI.APIUserAbortError());
    assert.equal(abort.category, 'cancelled');
    assert.equal(abort.source, 'caller');
  });

  it('a client error marked with the policy refusal that ended its call (an instrumented client) is that refusal', () => {
    const open = new CircuitOpenError('openai/gpt-4o', 'open', 'fleet', 5_000);
    const connection = markRefused(
      new OpenAI.APIConnectionError({ message: open.message, cause: open }),
      open,
    );
    const c = classify(connection);
    assert.equal(c.category, 'circuit_open');
    assert.equal(c.source, 'policy');
    assert.equal(c.retryable, false);
    assert.equal(refusalOf(connection), open);
    // The last attempt's own 503, handed to the app after the budget refused the retry.
    const last = openai(503, { message: 'busy' });
    const budget = new BudgetExhaustedError('openai/gpt-4o', last);
    assert.equal(classify(markRefused(last, budget)).category, 'budget_exhausted');
    assert.equal(refusalOf(last), budget);
    assert.equal((last as { status?: number }).status, 503, 'the error is otherwise unchanged');
    assert.deepEqual(Object.keys(last).includes('breakwater.refusal'), false);
    // Unmarked, or marked with a timeout (not a refusal): classified by what it is.
    assert.equal(classify(new OpenAI.APIConnectionError({ cause: open })).category, 'network');
    assert.equal(refusalOf(new Error('tool gave up', { cause: open })), undefined);
    const timeout = new TimeoutError('openai/gpt-4o', 100, 'attempt');
    assert.equal(refusalOf(markRefused(new Error('x'), timeout)), undefined);
    assert.equal(refusalOf(new BulkheadFullError('tool/x', 'full'))?.category, 'bulkhead_full');
    assert.equal(refusalOf('a string'), undefined);
  });

  it('finish-reason errors', () => {
    assert.equal(classify(new ContentFilterFinishReasonError()).category, 'content_filter');
    assert.equal(classify(new LengthFinishReasonError()).category, 'context_length');
  });
});

describe('classify: Anthropic client errors', () => {
  it('529 overloaded_error is overloaded, retryable, a dependency fault', () => {
    const error = anthropic(529, 'overloaded_error', 'Overloaded');
    assert.ok(error instanceof Anthropic.OverloadedError);
    const c = classify(error);
    assert.deepEqual(
      [c.category, c.retryable, c.source, c.errorType, c.provider, c.status],
      ['overloaded', true, 'dependency', 'overloaded_error', 'anthropic', 529],
    );
  });

  const table: [string, Error, string, boolean][] = [
    [
      'rate limit',
      anthropic(429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'),
      'rate_limited',
      true,
    ],
    [
      'spend limit 429',
      anthropic(
        429,
        'rate_limit_error',
        'You have reached your spend limit',
        {},
        { error_code: 'enforced_spend_limit_reached' },
      ),
      'quota_exhausted',
      false,
    ],
    [
      'billing 402',
      anthropic(402, 'billing_error', 'Your credit balance is too low'),
      'quota_exhausted',
      false,
    ],
    [
      // Anthropic sends an empty credit balance as a 400, not a 402.
      'credit balance 400',
      anthropic(
        400,
        'invalid_request_error',
        'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
      ),
      'quota_exhausted',
      false,
    ],
    [
      'prompt too long',
      anthropic(400, 'invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum'),
      'context_length',
      false,
    ],
    [
      'invalid request',
      anthropic(400, 'invalid_request_error', 'messages: field required'),
      'validation',
      false,
    ],
    ['auth', anthropic(401, 'authentication_error', 'invalid x-api-key'), 'authentication', false],
    ['permission', anthropic(403, 'permission_error', 'not allowed'), 'permission', false],
    ['not found', anthropic(404, 'not_found_error', 'model: claude-x'), 'not_found', false],
    ['api error', anthropic(500, 'api_error', 'Internal server error'), 'server_error', true],
    ['gateway timeout', anthropic(504, 'timeout_error', 'Request timed out'), 'timeout', true],
  ];
  for (const [name, error, category, retryable] of table) {
    it(name, () => {
      const c = classify(error);
      assert.equal(c.category, category);
      assert.equal(c.retryable, retryable);
      assert.equal(c.provider, 'anthropic');
    });
  }

  it('retry-after and error type', () => {
    const c = classify(anthropic(429, 'rate_limit_error', 'slow', { 'retry-after': '7' }));
    assert.equal(c.retryAfterMs, 7000);
    assert.equal(c.errorType, 'rate_limit_error');
  });

  it('connection, timeout and abort errors', () => {
    assert.equal(classify(new Anthropic.APIConnectionTimeoutError()).category, 'timeout');
    assert.equal(classify(new Anthropic.APIUserAbortError()).category, 'cancelled');
    assert.equal(
      classify(new Anthropic.APIConnectionError({ message: 'Connection error.' })).category,
      'network',
    );
  });

  it('a RetryableError (the client’s "retry this", from request middleware) is a retryable network error', () => {
    const direct = classify(new RetryableError('token refresh raced'));
    assert.deepEqual(
      [direct.category, direct.retryable, direct.errorType],
      ['network', true, 'retryable_error'],
    );
    const wrapped = classify(new Error('middleware failed', { cause: new RetryableError('x') }));
    assert.equal(wrapped.category, 'network');
  });
});

/**
 * A Bedrock HTTP error as `@anthropic-ai/bedrock-sdk` builds it: the Anthropic client's
 * `makeStatusError` with the parsed body (Bedrock's is `{ message }`) and the response's
 * `Headers`, where `x-amzn-errortype` names the exception.
 */
const bedrock = (
  status: number,
  errorType: string | undefined,
  message: string,
  headers: Record<string, string> = {},
) =>
  Anthropic.APIError.generate(
    status,
    { message },
    undefined,
    new Headers({
      'content-type': 'application/json',
      ...(errorType === undefined
        ? {}
        : { 'x-amzn-errortype': `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/` }),
      ...headers,
    }),
  );

describe('classify: Bedrock HTTP errors (the exception in x-amzn-errortype)', () => {
  const table: [string, InstanceType<typeof Anthropic.APIError>, string, boolean, string, string][] = [
    [
      // Before, a 424 was `validation`: the caller's, never retried, not counted against the
      // breaker or an SLO.
      'a 424 ModelErrorException is the model failing: a server error, retried',
      bedrock(
        424,
        'ModelErrorException',
        'The system encountered an unexpected error during processing. Try your request again.',
      ),
      'server_error',
      true,
      'dependency',
      'modelErrorException',
    ],
    [
      'a 429 ModelNotReadyException is capacity not ready, not the caller’s rate: overloaded',
      bedrock(429, 'ModelNotReadyException', 'Model is not ready to serve inference requests.'),
      'overloaded',
      true,
      'dependency',
      'modelNotReadyException',
    ],
    [
      'a 400 ServiceQuotaExceededException is a quota, not a validation error',
      bedrock(
        400,
        'ServiceQuotaExceededException',
        'Your request exceeds the service quota for your account.',
      ),
      'quota_exhausted',
      false,
      'caller',
      'serviceQuotaExceededException',
    ],
    [
      'a 429 ThrottlingException',
      bedrock(429, 'ThrottlingException', 'Too many requests, please wait before trying again.'),
      'rate_limited',
      true,
      'dependency',
      'throttlingException',
    ],
    [
      // Its message would read as an over-long prompt by the 400 rules; the type says better.
      'a ThrottlingException sent as a 400 is still a rate limit',
      bedrock(400, 'ThrottlingException', 'Too many tokens, please wait before trying again.'),
      'rate_limited',
      true,
      'dependency',
      'throttlingException',
    ],
    [
      'a 503 ServiceUnavailableException',
      bedrock(503, 'ServiceUnavailableException', 'Bedrock is unable to process your request.'),
      'overloaded',
      true,
      'dependency',
      'serviceUnavailableException',
    ],
    [
      'a 500 InternalServerException',
      bedrock(500, 'InternalServerException', 'Internal server error'),
      'server_error',
      true,
      'dependency',
      'internalServerException',
    ],
    [
      'a 408 ModelTimeoutException',
      bedrock(408, 'ModelTimeoutException', 'Model has timed out in processing the request.'),
      'timeout',
      true,
      'dependency',
      'modelTimeoutException',
    ],
    [
      'a 403 AccessDeniedException',
      bedrock(
        403,
        'AccessDeniedException',
        'You don’t have access to the model with the specified model ID.',
      ),
      'permission',
      false,
      'caller',
      'accessDeniedException',
    ],
    [
      'a 404 ResourceNotFoundException',
      bedrock(404, 'ResourceNotFoundException', 'Could not resolve the foundation model.'),
      'not_found',
      false,
      'caller',
      'resourceNotFoundException',
    ],
    [
      'a 400 ValidationException',
      bedrock(400, 'ValidationException', 'messages: field required'),
      'validation',
      false,
      'caller',
      'validationException',
    ],
    [
      // `validationException` leaves the category to the 400's rules, which know more.
      'a 400 ValidationException about an over-long prompt is context_length',
      bedrock(400, 'ValidationException', 'prompt is too long: 210000 tokens > 200000 maximum'),
      'context_length',
      false,
      'caller',
      'validationException',
    ],
    [
      'a 400 ValidationException, Bedrock’s own words for an over-long prompt: context_length',
      bedrock(400, 'ValidationException', 'Input is too long for requested model.'),
      'context_length',
      false,
      'caller',
      'validationException',
    ],
    [
      'an AWS type the classifier does not know: the status decides, error.type is the type',
      bedrock(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.'),
      'permission',
      false,
      'caller',
      'unrecognizedClientException',
    ],
    [
      'a 424 without the header is left to its status (validation), error.type the status',
      bedrock(424, undefined, 'failed'),
      'validation',
      false,
      'caller',
      '424',
    ],
  ];
  for (const [name, error, category, retryable, source, errorType] of table) {
    it(name, () => {
      const c = classify(error);
      assert.deepEqual(
        [c.category, c.retryable, c.source, c.errorType, c.provider, c.status],
        [category, retryable, source, errorType, 'anthropic', error.status],
      );
    });
  }

  it('Retry-After and x-should-retry are read as for any status', () => {
    const throttled = classify(bedrock(429, 'ThrottlingException', 'slow down', { 'retry-after': '2' }));
    assert.deepEqual([throttled.category, throttled.retryAfterMs], ['rate_limited', 2000]);
    const told = classify(bedrock(424, 'ModelErrorException', 'x', { 'x-should-retry': 'false' }));
    assert.deepEqual([told.category, told.retryable], ['server_error', false]);
    // A quota is never retried, whatever the header says.
    const quota = classify(bedrock(400, 'ServiceQuotaExceededException', 'x', { 'x-should-retry': 'true' }));
    assert.deepEqual([quota.category, quota.retryable], ['quota_exhausted', false]);
  });

  it('the header’s forms: a `#` namespace, no `:` suffix, a plain record of headers', () => {
    const namespaced = classify(
      Anthropic.APIError.generate(
        400,
        { message: 'x' },
        undefined,
        new Headers({ 'x-amzn-errortype': 'com.amazon.bedrock#ServiceQuotaExceededException' }),
      ),
    );
    assert.deepEqual(
      [namespaced.category, namespaced.errorType],
      ['quota_exhausted', 'serviceQuotaExceededException'],
    );
    // A Node `IncomingHttpHeaders`-style record on a plain error with a status.
    const plain = classify(
      Object.assign(new Error('x'), { status: 424, headers: { 'x-amzn-errortype': 'ModelErrorException' } }),
    );
    assert.deepEqual([plain.category, plain.errorType], ['server_error', 'modelErrorException']);
  });

  it('only Bedrock’s exceptions are taken from the header, and only plain names', () => {
    // Another provider's type named in the header is not Bedrock's: the 400 is validation.
    const foreign = classify(bedrock(400, 'overloaded_error', 'x'));
    assert.equal(foreign.category, 'validation');
    for (const value of ['', ':http://x/', 'Model Error', 'constructor', '__proto__', 'toString']) {
      const c = classify(
        Anthropic.APIError.generate(
          424,
          { message: 'x' },
          undefined,
          new Headers({ 'x-amzn-errortype': value }),
        ),
      );
      assert.equal(c.category, 'validation', JSON.stringify(value));
    }
  });
});

/** Reads an SSE body through a client's own stream parser and returns what it throws. */
async function streamError(
  fromSSEResponse: (response: Response, controller: AbortController) => AsyncIterable<unknown>,
  sse: string,
): Promise<unknown> {
  const response = new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  try {
    for await (const _ of fromSSEResponse(response, new AbortController()));
  } catch (error) {
    return error;
  }
  throw new Error('the stream did not fail');
}

describe('classify: mid-stream error events (no HTTP status)', () => {
  // What the real clients throw when an error event arrives after a 200 and some chunks.
  const anthropicEvent = (type: string, message: string) =>
    streamError(
      (r, c) => AnthropicStream.fromSSEResponse(r, c),
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"model":"claude","usage":{"input_tokens":1,"output_tokens":0}}}\n\n' +
        `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n`,
    );
  const table: [string, string, string, boolean][] = [
    ['overloaded_error', 'Overloaded', 'overloaded', true],
    ['api_error', 'Internal server error', 'server_error', true],
    ['rate_limit_error', 'Rate limited', 'rate_limited', true],
    ['timeout_error', 'Stream timed out', 'timeout', true],
    ['invalid_request_error', 'Bad request', 'validation', false],
  ];
  for (const [type, message, category, retryable] of table) {
    it(`Anthropic ${type} event → ${category}`, async () => {
      const error = await streamError(
        (r, c) => AnthropicStream.fromSSEResponse(r, c),
        `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n`,
      );
      assert.ok(error instanceof Anthropic.APIError && error.status === undefined, String(error));
      const c = classify(error);
      assert.deepEqual(
        [c.category, c.retryable, c.errorType, c.provider, c.status],
        [category, retryable, type, 'anthropic', undefined],
      );
    });
  }

  it('Bedrock stream exceptions (error events of their type from the Bedrock client) → their category', async () => {
    const table: [string, string, boolean][] = [
      ['throttlingException', 'rate_limited', true],
      ['serviceUnavailableException', 'overloaded', true],
      ['internalServerException', 'server_error', true],
      ['modelStreamErrorException', 'server_error', true],
      ['modelTimeoutException', 'timeout', true],
      ['validationException', 'validation', false],
    ];
    for (const [type, category, retryable] of table) {
      const error = await streamError(
        (r, c) => AnthropicStream.fromSSEResponse(r, c),
        `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message: 'x' } })}\n\n`,
      );
      const c = classify(error);
      assert.deepEqual([c.category, c.retryable, c.errorType], [category, retryable, type], type);
    }
  });

  it('Anthropic overloaded after chunks: overloaded, a dependency fault', async () => {
    const c = classify(await anthropicEvent('overloaded_error', 'Overloaded'));
    assert.deepEqual([c.category, c.source], ['overloaded', 'dependency']);
  });

  it('OpenAI error chunk: classified by its code or type', async () => {
    const error = await streamError(
      (r, c) => OpenAIStream.fromSSEResponse(r, c),
      `data: ${JSON.stringify({ error: { message: 'The server had an error', type: 'server_error', code: null } })}\n\n`,
    );
    assert.ok(error instanceof OpenAI.APIError && error.status === undefined, String(error));
    const c = classify(error);
    assert.deepEqual([c.category, c.retryable, c.errorType], ['server_error', true, 'server_error']);
  });

  it('a Responses response.failed error (as the client error built from it): by its code', () => {
    const table: [string, string, boolean][] = [
      ['server_error', 'server_error', true],
      ['rate_limit_exceeded', 'rate_limited', true],
      ['vector_store_timeout', 'timeout', true],
      ['invalid_prompt', 'validation', false],
      ['image_content_policy_violation', 'content_filter', false],
      ['data_residency_mismatch', 'permission', false],
      ['failed_to_download_image', 'validation', false],
    ];
    for (const [code, category, retryable] of table) {
      const c = classify(new OpenAI.APIError(undefined, { code, message: 'failed' }, undefined, undefined));
      assert.deepEqual(
        [c.category, c.retryable, c.errorType, c.provider],
        [category, retryable, code, 'openai'],
      );
    }
  });

  it('a type or code that names an Object.prototype member is unknown, not that member', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      assert.equal(providerTypeCategory(undefined, name), undefined, name);
      assert.equal(providerTypeCategory(name, undefined), undefined, name);
      // Before, the lookup found Object's own member, and classifying the error threw.
      const c = classify(
        await streamError(
          (r, c) => AnthropicStream.fromSSEResponse(r, c),
          `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: name, message: 'x' } })}\n\n`,
        ),
      );
      assert.deepEqual([c.category, c.retryable], ['unknown', false], name);
    }
  });

  it('an unknown error type stays unknown', async () => {
    const c = classify(
      await streamError(
        (r, c) => AnthropicStream.fromSSEResponse(r, c),
        `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'brand_new_error', message: 'x' } })}\n\n`,
      ),
    );
    assert.equal(c.category, 'unknown');
  });
});

describe('classify: real socket errors', () => {
  async function closedPort(): Promise<number> {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');
    return port;
  }

  async function resettingServer(): Promise<{ port: number; close: () => Promise<void> }> {
    const server = net.createServer((socket) => {
      socket.once('data', () => socket.resetAndDestroy());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      port: (server.address() as AddressInfo).port,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }

  it('connection refused (net.connect)', async () => {
    const port = await closedPort();
    const socket = net.connect(port, '127.0.0.1');
    const [error] = (await once(socket, 'error').catch((e) => [e])) as [Error];
    const c = classify(error);
    assert.deepEqual(
      [c.category, c.errorType, c.retryable, c.source],
      ['network', 'ECONNREFUSED', true, 'dependency'],
    );
  });

  it('connection refused (fetch wraps it in TypeError with a cause)', async () => {
    const port = await closedPort();
    const error = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) }).catch(
      (e) => e,
    );
    assert.ok(error instanceof TypeError);
    const c = classify(error);
    assert.equal(c.category, 'network');
    assert.equal(c.errorType, 'ECONNREFUSED');
  });

  it('connection reset by the server', async () => {
    const server = await resettingServer();
    try {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write('hello'));
      const [error] = (await once(socket, 'error').catch((e) => [e])) as [Error];
      const c = classify(error);
      assert.deepEqual([c.category, c.errorType], ['network', 'ECONNRESET']);
    } finally {
      await server.close();
    }
  });

  it('the real OpenAI client against a resetting server', async () => {
    const server = await resettingServer();
    try {
      const client = new OpenAI({
        apiKey: 'test',
        baseURL: `http://127.0.0.1:${server.port}/v1`,
        maxRetries: 0,
        timeout: 5000,
      });
      const error = await client.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
      assert.ok(error instanceof OpenAI.APIConnectionError);
      const c = classify(error);
      assert.equal(c.category, 'network');
      assert.equal(c.provider, 'openai');
    } finally {
      await server.close();
    }
  });

  it('the real Anthropic client against a closed port', async () => {
    const port = await closedPort();
    const client = new Anthropic({
      apiKey: 'test',
      baseURL: `http://127.0.0.1:${port}`,
      maxRetries: 0,
      timeout: 5000,
    });
    const error = await client.messages
      .create({ model: 'claude-test-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    assert.ok(error instanceof Anthropic.APIConnectionError);
    const c = classify(error);
    assert.equal(c.category, 'network');
    assert.equal(c.provider, 'anthropic');
  });
});

describe('classify: other inputs', () => {
  it('abort and timeout DOMExceptions', () => {
    const aborted = AbortSignal.abort().reason;
    assert.equal(classify(aborted).category, 'cancelled');
    assert.equal(classify(new DOMException('late', 'TimeoutError')).category, 'timeout');
  });

  it('undici codes and plain objects with a status', () => {
    assert.equal(
      classify(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })).category,
      'timeout',
    );
    assert.equal(classify(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' })).category, 'network');
    assert.equal(classify(Object.assign(new Error('x'), { code: 'EAI_AGAIN' })).category, 'network');
    assert.equal(classify({ statusCode: 429, headers: { 'retry-after': '2' } }).retryAfterMs, 2000);
  });

  it("Breakwater's own errors keep their classification", () => {
    const c = classify(new CircuitOpenError('openai/gpt-4o', 'open', 'fleet'));
    assert.deepEqual([c.category, c.source, c.retryable], ['circuit_open', 'policy', false]);
    assert.equal(classify(new TimeoutError('x', 10, 'attempt')).category, 'timeout');
  });

  it('unknown errors: _OTHER, configurable retryability, tool_error for tools', () => {
    const c = classify(new Error('boom'));
    assert.deepEqual([c.category, c.errorType, c.retryable], ['unknown', '_OTHER', false]);
    assert.equal(classify('a string').category, 'unknown');
    assert.equal(new Classifier({ unknownRetryable: true }).classify(new Error('x')).retryable, true);
    class ParseError extends Error {}
    assert.equal(classify(new ParseError('x')).errorType, 'ParseError');
    assert.equal(classify(new Error('x'), { dependency: 'tool/search_web' }).category, 'tool_error');
  });

  it('user rules run before the built-ins: by class, predicate and message', () => {
    class QuotaError extends Error {}
    const classifier = new Classifier({
      rules: [{ instanceOf: QuotaError, classify: { category: 'quota_exhausted' } }],
    })
      .addRule({
        message: /temporarily unavailable/,
        classify: { category: 'overloaded', errorType: 'unavailable' },
      })
      .addRule({
        when: (e) => (e as { status?: number }).status === 429,
        classify: { category: 'overloaded', retryable: false },
      });
    assert.equal(classifier.classify(new QuotaError('x')).category, 'quota_exhausted');
    const byMessage = classifier.classify(new Error('service temporarily unavailable'));
    assert.deepEqual(
      [byMessage.category, byMessage.errorType, byMessage.retryable],
      ['overloaded', 'unavailable', true],
    );
    const byPredicate = classifier.classify(openai(429, { message: 'x' }));
    assert.deepEqual([byPredicate.category, byPredicate.retryable], ['overloaded', false]);
    assert.throws(() => classifier.addRule({ classify: { category: 'rate_limited' } }), /at least one/);
    // A classify function may decide alone: undefined where it does not apply.
    const deciding = new Classifier({
      rules: [
        {
          classify: (e) => ((e as Error).name === 'QuotaError' ? { category: 'quota_exhausted' } : undefined),
        },
      ],
    });
    const quota = Object.assign(new Error('q'), { name: 'QuotaError' });
    assert.equal(deciding.classify(quota).category, 'quota_exhausted');
    assert.notEqual(deciding.classify(new Error('other')).category, 'quota_exhausted');
    assert.throws(
      () => classifier.addRule({ when: () => true, classify: { category: 'nope' as 'unknown' } }),
      /rules\[3\]\.classify\.category: must be one of rate_limited, .*, unknown \(got "nope"\)/,
    );
  });

  it('refuses a misshapen rule when it is given, naming each field, so no call ever meets it', () => {
    const refused = (rules: unknown, ...lines: string[]) =>
      assert.throws(
        () => new Classifier({ rules: rules as never }),
        (e: unknown) =>
          e instanceof TypeError && e.message === `invalid classifier rules:\n  ${lines.join('\n  ')}`,
      );
    refused(
      [{ message: 'bad input', classify: { category: 'validation' } }],
      'rules[0].message: must be a RegExp (got "bad input")',
    );
    refused(
      [{ instanceOf: 'Error', classify: { category: 'validation' } }],
      'rules[0].instanceOf: must be a class (got "Error")',
    );
    // An arrow function has no prototype: `instanceof` would throw on it.
    refused(
      [{ instanceOf: () => true, classify: { category: 'validation' } }],
      'rules[0].instanceOf: must be a class (got a function)',
    );
    refused(
      [{ when: true, classify: { category: 'validation' } }],
      'rules[0].when: must be a function (error) => boolean (got true)',
    );
    refused(
      [
        { when: () => true, classify: { category: 'validation' } },
        { when: () => true, classify: { category: 'validaton', retriable: true, status: 4000 } },
      ],
      `rules[1].classify.category: must be one of ${ERROR_CATEGORIES.join(', ')} (got "validaton")`,
      'rules[1].classify.retriable: unknown key; known: category, severity, source, retryable, errorType, retryAfterMs, status, provider (got true)',
      'rules[1].classify.status: must be an HTTP status from 100 to 599 (got 4000)',
    );
    refused(
      [{ when: () => true, classify: { category: 'validation', constructor: 1 } as never }],
      'rules[0].classify.constructor: unknown key; known: category, severity, source, retryable, errorType, retryAfterMs, status, provider (got 1)',
    );
    refused(
      [
        {
          when: () => true,
          classify: { category: 'validation', retryable: 'yes', severity: 'huge', source: 'me' },
        },
      ],
      'rules[0].classify.retryable: must be true or false (got "yes")',
      'rules[0].classify.severity: must be one of low, medium, high, critical (got "huge")',
      'rules[0].classify.source: must be one of dependency, caller, policy (got "me")',
    );
    refused(
      [{ when: () => true, classify: 'validation' }],
      'rules[0].classify: must be an object { category, … } (got "validation")',
    );
    refused(
      [{ when: () => true, clasify: { category: 'validation' } }],
      'rules[0].clasify: unknown key; known: instanceOf, when, message, classify (got {"category":"validation"})',
      'rules[0].classify: must be an object { category, … } (got undefined)',
    );
    refused(['x'], 'rules[0]: must be a rule { instanceOf?, when?, message?, classify } (got "x")');
    refused({ when: () => true }, 'rules: must be a list of rules (got {})');
  });

  it('refuses misspelt and misshapen options, naming each (a misspelt rules would leave every rule out)', () => {
    assert.throws(
      () =>
        new Classifier({
          rule: [{ when: () => true, classify: { category: 'validation' } }],
          unknownRetryable: 'yes',
          clock: Date,
        } as never),
      (e: unknown) =>
        e instanceof TypeError &&
        /^Classifier: invalid options/.test(e.message) &&
        /unknown option "rule"/.test(e.message) &&
        /→ at unknownRetryable/.test(e.message) &&
        /expected a Clock[^\n]*\n {2}→ at clock/.test(e.message),
    );
    assert.equal(new Classifier({ unknownRetryable: true }).classify(new Error('x')).retryable, true);
  });

  it("checks what a rule's classify function returns: a wrong one is skipped and named once in a warning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const classifier = new Classifier({
        rules: [{ when: () => true, classify: () => ({ category: 'validaton' as 'validation' }) }],
      });
      const error = Object.assign(new Error('x'), { status: 503 });
      assert.equal(classifier.classify(error).category, 'overloaded', 'the built-in rules decide');
      assert.equal(classifier.classify(error).category, 'overloaded');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, [
      `Breakwater Classifier rule failed and was skipped; further errors are ignored: rules[0]: TypeError: Classifier rule returned an invalid classification:\n  classify(error).category: must be one of ${ERROR_CATEGORIES.join(', ')} (got "validaton")`,
    ]);
  });

  it('a rule whose when or classify throws is skipped and named in the warning', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const classifier = new Classifier({
        rules: [
          { message: /quota/, classify: { category: 'quota_exhausted' } },
          {
            when: (e) => (e as { body: { code: string } }).body.code === 'busy',
            classify: { category: 'overloaded' },
          },
        ],
      });
      const error = Object.assign(new Error('x'), { status: 503 });
      assert.equal(classifier.classify(error).category, 'overloaded', 'the built-in rules decide');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /^Breakwater Classifier rule failed and was skipped; further errors are ignored: rules\[1\]: TypeError: Cannot read properties of undefined/,
    );
  });

  it('a message rule with the g or y flag matches every identical error, not every other one', () => {
    const pattern = /search backend down/gi;
    const sticky = /^quota/y;
    const classifier = new Classifier({
      rules: [{ message: pattern, classify: { category: 'server_error' } }],
    }).addRule({ message: sticky, classify: { category: 'quota_exhausted' } });
    const categories = [1, 2, 3, 4].map(() => classifier.classify(new Error('Search backend down')).category);
    assert.deepEqual(categories, ['server_error', 'server_error', 'server_error', 'server_error']);
    const quota = [1, 2, 3].map(() => classifier.classify(new Error('quota used up')).category);
    assert.deepEqual(quota, ['quota_exhausted', 'quota_exhausted', 'quota_exhausted']);
    assert.equal(pattern.lastIndex, 0, "the caller's own pattern is not used, so not moved");
  });
});
