import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI from 'openai';
import { FaultScriptError } from './faults/types.ts';
import { FaultProviderClient, FaultProviderRequestError } from './remote.ts';
import { type FaultProvider, startFaultProvider } from './server.ts';

describe('FaultProviderClient', { timeout: 20_000 }, () => {
  let fp: FaultProvider;
  let remote: FaultProviderClient;
  let openai: OpenAI;
  before(async () => {
    fp = await startFaultProvider();
    remote = new FaultProviderClient(`${fp.url}/`);
    openai = new OpenAI({ apiKey: 'k', baseURL: remote.openaiBaseUrl, maxRetries: 0, timeout: 5_000 });
  });
  beforeEach(() => remote.reset());
  after(() => fp.close());

  const chat = (model: string) =>
    openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }).then(
      () => 200,
      (error: { status?: number }) => error.status ?? 0,
    );

  it('installs a script the provider then plays, and reads its progress and counts', async () => {
    assert.equal(remote.url, fp.url); // the trailing slash is dropped
    const installed = await remote.script({
      route: 'openai.chat',
      model: 'gpt-a',
      steps: [{ fault: 'error', status: 503, count: 2 }],
    });
    assert.equal(installed.length, 1);
    assert.deepEqual([await chat('gpt-a'), await chat('gpt-a'), await chat('gpt-a')], [503, 503, 200]);
    const [script] = await remote.faults();
    assert.equal(script?.requests, 2);
    assert.equal(script?.exhausted, true);
    assert.equal(await remote.count(), 3);
    assert.equal(await remote.count({ route: 'openai.chat', model: 'gpt-a', outcome: 'error_503' }), 2);
    const stats = await remote.stats();
    assert.deepEqual(stats.routes['openai.chat']?.models['gpt-a']?.outcomes, { error_503: 2, ok: 1 });
    await remote.resetStats();
    assert.equal(await remote.count(), 0);
    assert.equal((await remote.faults()).length, 1); // resetting counts keeps the scripts
  });

  it('refuses a bad script with FaultScriptError and the provider keeps its scripts', async () => {
    await remote.script({ model: 'gpt-a', steps: [{ fault: 'error', status: 500 }] });
    await assert.rejects(
      remote.script([{ model: 'gpt-b', steps: [{ fault: 'error', stauts: 503 } as never] }]),
      (error: Error) => {
        assert.ok(error instanceof FaultScriptError);
        assert.match(error.message, /^\[0\]\.steps\[0\]\.stauts: unknown field/);
        return true;
      },
    );
    assert.deepEqual(
      (await remote.faults()).map((s) => s.model),
      ['gpt-a'],
    );
  });

  it('replaces all scripts, or clears them all with an empty list', async () => {
    await remote.script([
      { model: 'gpt-a', steps: [{ fault: 'error', status: 500 }] },
      { model: 'gpt-b', steps: [{ fault: 'error', status: 500 }] },
    ]);
    const replaced = await remote.replaceFaults([{ model: 'gpt-c', steps: [{ fault: 'reset' }] }]);
    assert.deepEqual(
      replaced.map((s) => s.model),
      ['gpt-c'],
    );
    assert.deepEqual(await remote.replaceFaults([]), []);
    assert.deepEqual(await remote.faults(), []);
  });

  it('clears the script of one target, and says how many it removed', async () => {
    await remote.script([
      { route: 'openai.chat', model: 'gpt-a', steps: [{ fault: 'error', status: 500 }] },
      { route: 'openai.chat', model: 'gpt-b', steps: [{ fault: 'error', status: 500 }] },
    ]);
    assert.equal(await remote.clearFaults({ route: 'openai.chat', model: 'gpt-a' }), 1);
    assert.deepEqual(
      (await remote.faults()).map((s) => s.model),
      ['gpt-b'],
    );
    assert.equal(await remote.clearFaults(), 1);
  });

  it('reports other refusals with their status, and changes nothing', async () => {
    await remote.script({ model: 'gpt-a', steps: [{ fault: 'error', status: 500 }] });
    await assert.rejects(remote.clearFaults({ route: 'openai.images' as never }), (error: Error) => {
      assert.ok(error instanceof FaultProviderRequestError);
      assert.equal(error.status, 400);
      assert.match(error.message, /DELETE .*\/_control\/faults\?route=openai\.images: route must be one of/);
      return true;
    });
    assert.equal((await remote.faults()).length, 1);
  });

  it('names the URL when the provider cannot be reached', async () => {
    const port = await closedPort();
    const gone = new FaultProviderClient(`http://127.0.0.1:${port}`);
    await assert.rejects(
      gone.faults(),
      /cannot reach the fault provider at http:\/\/127\.0\.0\.1:\d+\/_control\/faults/,
    );
  });

  it('refuses a base URL that is not http(s)', () => {
    assert.throws(() => new FaultProviderClient('localhost:8081'), /must be http\(s\)/);
    assert.throws(() => new FaultProviderClient('not a url'), /not a URL/);
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
