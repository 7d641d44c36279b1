import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { APICallError } from '@ai-sdk/provider';
import { type FaultProvider, startFaultProvider } from './server.ts';
import { readParts } from './testing/stream-parts.ts';

const prompt = [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hello there' }] }];
/** Google's error body, as far as the tests read it. */
interface GoogleError {
  code: number;
  status: string;
  message: string;
  details?: Array<{ '@type': string; violations?: Array<{ quotaId: string }>; reason?: string }>;
}
const QUOTA_FAILURE = 'type.googleapis.com/google.rpc.QuotaFailure';
const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

describe('scripted faults in Gemini’s error shape, seen through @ai-sdk/google', { timeout: 20_000 }, () => {
  let fp: FaultProvider;
  let google: ReturnType<typeof createGoogleGenerativeAI>;
  before(async () => {
    fp = await startFaultProvider();
    google = createGoogleGenerativeAI({ baseURL: fp.geminiBaseUrl, apiKey: 'test-key' });
  });
  beforeEach(() => {
    fp.clearFaults();
    fp.resetStats();
  });
  after(() => fp.close());

  /** The APICallError a generateContent call fails with, and the details of its Google error body. */
  async function failure() {
    const error = await google('gemini-test')
      .doGenerate({ prompt })
      .then(
        () => assert.fail('the call fails'),
        (e: unknown) => e,
      );
    assert.ok(APICallError.isInstance(error), String(error));
    const body = (error.data as { error: GoogleError }).error;
    const detail = (type: string) => body.details?.find((d) => d['@type'] === type);
    return { error, body, detail };
  }

  it('a 429 is RESOURCE_EXHAUSTED with a per-minute QuotaFailure; retryAfter becomes RetryInfo, not a header', async () => {
    fp.script({ route: 'gemini', steps: [{ fault: 'error', status: 429, count: 1 }] });
    const plain = await failure();
    assert.equal(plain.error.statusCode, 429);
    assert.equal(plain.body.status, 'RESOURCE_EXHAUSTED');
    assert.match(plain.body.message, /^You exceeded your current quota/);
    assert.match(String(plain.detail(QUOTA_FAILURE)?.violations?.[0]?.quotaId), /PerMinute/);
    assert.equal(plain.detail(RETRY_INFO), undefined, 'no wait asked for unless scripted');

    fp.script({
      route: 'gemini',
      steps: [{ fault: 'error', code: 'rate_limit_exceeded', retryAfterMs: 1500 }],
    });
    const delayed = await failure();
    assert.deepEqual(delayed.detail(RETRY_INFO), { '@type': RETRY_INFO, retryDelay: '1.5s' });
    assert.equal(delayed.error.responseHeaders?.['retry-after'], undefined);
    assert.equal(fp.count({ route: 'gemini.generate_content', outcome: 'error_429' }), 2);
  });

  it('insufficient_quota is the per-day quota: the same message, a PerDay QuotaFailure', async () => {
    fp.script({ route: 'gemini.generate_content', steps: [{ fault: 'error', code: 'insufficient_quota' }] });
    const { body, detail } = await failure();
    assert.equal(body.code, 429);
    assert.match(body.message, /^You exceeded your current quota/);
    assert.match(String(detail(QUOTA_FAILURE)?.violations?.[0]?.quotaId), /PerDay/);
  });

  it('each status has its Google name and Gemini’s message', async () => {
    const cases: Array<[number, string, RegExp]> = [
      [400, 'INVALID_ARGUMENT', /invalid argument/],
      [403, 'PERMISSION_DENIED', /permission/],
      [500, 'INTERNAL', /internal error/],
      [503, 'UNAVAILABLE', /The model is overloaded/],
      [504, 'DEADLINE_EXCEEDED', /Deadline expired/],
    ];
    for (const [status, name, message] of cases) {
      fp.script({ route: 'gemini', steps: [{ fault: 'error', status }] });
      const { error, body } = await failure();
      assert.equal(error.statusCode, status);
      assert.deepEqual([body.code, body.status], [status, name]);
      assert.match(body.message, message);
    }
  });

  it('invalid_api_key with status 400 is the API_KEY_INVALID error Gemini really sends', async () => {
    fp.script({ route: 'gemini', steps: [{ fault: 'error', code: 'invalid_api_key', status: 400 }] });
    const { body, detail } = await failure();
    assert.equal(body.status, 'INVALID_ARGUMENT');
    assert.equal(detail('type.googleapis.com/google.rpc.ErrorInfo')?.reason, 'API_KEY_INVALID');
  });

  it('a mid-stream error is a data frame holding only the error, which the stream reports as an error part', async () => {
    fp.script({
      route: 'gemini.generate_content',
      steps: [{ fault: 'stream_error', afterChunks: 2, status: 503, count: 1 }],
    });
    const { stream } = await google('gemini-test').doStream({ prompt });
    const parts = await readParts(stream);
    const error = parts.find((p) => p.type === 'error')?.error as { statusCode?: number; type?: string };
    assert.deepEqual([error?.statusCode, error?.type], [503, 'UNAVAILABLE']);
    assert.equal(parts.filter((p) => p.type === 'text-delta').length, 2);
    assert.equal(fp.count({ outcome: 'stream_error' }), 1);
  });

  it('an apiKey script matches the x-goog-api-key header and the key query parameter', async () => {
    fp.script({ apiKey: 'revoked', steps: [{ fault: 'error', status: 403 }] });
    const revoked = createGoogleGenerativeAI({ baseURL: fp.geminiBaseUrl, apiKey: 'revoked' });
    const error = await Promise.resolve(revoked('gemini-test').doGenerate({ prompt })).catch(
      (e: unknown) => e,
    );
    assert.equal((error as APICallError).statusCode, 403);
    const byQuery = await fetch(`${fp.geminiBaseUrl}/models/gemini-test:generateContent?key=revoked`, {
      method: 'POST',
      body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
    });
    assert.equal(byQuery.status, 403);
    assert.ok((await google('gemini-test').doGenerate({ prompt })).content.length > 0, 'other keys are fine');
  });
});
