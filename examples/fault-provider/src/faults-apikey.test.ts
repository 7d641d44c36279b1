import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FaultScriptError } from './faults/types.ts';
import { parseScripts } from './faults/validate.ts';
import { type FaultProvider, startFaultProvider } from './server.ts';

describe('scripts scoped to an API key', { timeout: 20_000 }, () => {
  let fp: FaultProvider;
  before(async () => {
    fp = await startFaultProvider();
  });
  beforeEach(async () => {
    await fetch(`${fp.url}/_control/reset`, { method: 'POST' });
  });
  after(() => fp.close());

  const openai = (apiKey: string) => new OpenAI({ apiKey, baseURL: fp.openaiBaseUrl, maxRetries: 0 });
  const chat = (apiKey: string, model = 'gpt-4o') =>
    openai(apiKey)
      .chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => 200,
        (e: { status?: number }) => e.status ?? -1,
      );

  it('fails only the requests sent with that key (real openai client, Bearer header)', async () => {
    fp.script({
      route: 'openai.chat',
      apiKey: 'revoked',
      steps: [{ fault: 'error', code: 'invalid_api_key' }],
    });
    assert.equal(await chat('revoked'), 401);
    assert.equal(await chat('revoked', 'gpt-4o-mini'), 401);
    assert.equal(await chat('good'), 200);
    assert.deepEqual(fp.stats().outcomes, { error_401: 2, ok: 1 });
    const [status] = fp.faults();
    assert.equal(status?.apiKey, 'revoked');
  });

  it('reads x-api-key for Anthropic', async () => {
    fp.script({ route: 'anthropic', apiKey: 'bad-ant', steps: [{ fault: 'error', status: 401 }] });
    const call = (apiKey: string) =>
      new Anthropic({ apiKey, baseURL: fp.anthropicBaseUrl, maxRetries: 0 }).messages
        .create({ model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] })
        .then(
          () => 200,
          (e: { status?: number }) => e.status ?? -1,
        );
    assert.equal(await call('bad-ant'), 401);
    assert.equal(await call('fine'), 200);
  });

  it('tries the key’s scripts first, then the scripts for every key', async () => {
    fp.script([
      { route: 'openai.chat', model: 'gpt-4o', steps: [{ fault: 'error', status: 503 }] },
      { model: 'other', apiKey: 'k1', steps: [{ fault: 'error', status: 401 }] },
    ]);
    // k1 has no script for gpt-4o: the general one applies.
    assert.equal(await chat('k1', 'gpt-4o'), 503);
    assert.equal(await chat('k1', 'other'), 401);
    assert.equal(await chat('k2', 'other'), 200);
    // A general script and a keyed one for the same target coexist; removing one keeps the other.
    fp.script({
      route: 'openai.chat',
      model: 'gpt-4o',
      apiKey: 'k1',
      steps: [{ fault: 'error', status: 429 }],
    });
    assert.equal(await chat('k1', 'gpt-4o'), 429);
    assert.equal(await chat('k2', 'gpt-4o'), 503);
    const res = await fetch(`${fp.url}/_control/faults?route=openai.chat&model=gpt-4o&apiKey=k1`, {
      method: 'DELETE',
    });
    assert.deepEqual(await res.json(), { removed: 1 });
    assert.equal(await chat('k1', 'gpt-4o'), 503);
  });

  it('validates the field and keeps keyed duplicates apart', () => {
    assert.throws(
      () => parseScripts({ apiKey: '', steps: [{ fault: 'ok' }] }),
      (e: unknown) => e instanceof FaultScriptError && /apiKey: must be a non-empty string/.test(e.message),
    );
    assert.throws(() => parseScripts({ apiKey: 7, steps: [{ fault: 'ok' }] }), FaultScriptError);
    assert.equal(
      parseScripts([
        { model: 'm', steps: [{ fault: 'ok' }] },
        { model: 'm', apiKey: 'a', steps: [{ fault: 'ok' }] },
      ]).length,
      2,
    );
    assert.throws(
      () =>
        parseScripts([
          { model: 'm', apiKey: 'a', steps: [{ fault: 'ok' }] },
          { model: 'm', apiKey: 'a', steps: [{ fault: 'ok' }] },
        ]),
      /duplicates the target/,
    );
  });
});
