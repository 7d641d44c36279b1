import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { FaultScriptError } from './faults/types.ts';
import { type FaultProvider, startFaultProvider } from './server.ts';

describe('control API over HTTP', { timeout: 20_000 }, () => {
  let fp: FaultProvider;
  before(async () => {
    fp = await startFaultProvider();
  });
  beforeEach(async () => {
    await call('POST', '/_control/reset');
  });
  after(() => fp.close());

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(fp.url + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }
  const chat = (model = 'gpt-4o') =>
    fetch(`${fp.openaiBaseUrl}/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }),
    }).then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    });

  it('installs, lists and applies scripts', async () => {
    const installed = await call('POST', '/_control/faults', {
      route: 'openai.chat',
      model: 'gpt-4o',
      steps: [{ fault: 'error', status: 503, count: 2 }],
    });
    assert.equal(installed.status, 200);
    assert.equal(installed.json.installed, 1);
    assert.deepEqual([await chat(), await chat(), await chat()], [503, 503, 200]);
    const listed = await call('GET', '/_control/faults');
    const [script] = listed.json.scripts as Array<Record<string, unknown>>;
    assert.equal(script?.requests, 2); // the third request found the script exhausted
    assert.equal(script?.exhausted, true);
  });

  const badScripts: Array<[string, unknown, RegExp]> = [
    ['not JSON', '{oops', /not valid JSON/],
    ['no steps', { route: 'openai.chat' }, /steps: must be a non-empty array/],
    ['unknown field', { steps: [{ fault: 'error', stauts: 503 }] }, /steps\[0\]\.stauts: unknown field/],
    [
      'status out of range',
      { steps: [{ fault: 'error', status: 200 }] },
      /steps\[0\]\.status: must be an integer ≥ 400 and ≤ 599/,
    ],
    ['unknown fault', { steps: [{ fault: 'explode' }] }, /steps\[0\]\.fault: must be one of/],
    ['rate above 1', { steps: [{ fault: 'reset', rate: 2 }] }, /rate: must be a number ≥ 0 and ≤ 1/],
    ['zero count', { steps: [{ fault: 'hang', count: 0 }] }, /count: must be an integer ≥ 1/],
    ['unknown route', { route: 'openai.images', steps: [{ fault: 'ok' }] }, /route: must be one of/],
    ['unreachable step', { steps: [{ fault: 'hang' }, { fault: 'ok' }] }, /never ends/],
    ['error without status or code', { steps: [{ fault: 'error' }] }, /needs a status or a code/],
    ['unknown code', { steps: [{ fault: 'error', code: 'nope' }] }, /code: must be one of/],
    [
      'lognormal without sigma',
      { steps: [{ fault: 'ok', latency: { medianMs: 5 } }] },
      /needs medianMs and sigma/,
    ],
    ['negative latency', { steps: [{ fault: 'ok', latency: -1 }] }, /latency: must be a non-negative/],
    ['bad header', { steps: [{ fault: 'error', status: 500, headers: { 'x-a': 'b\nc' } }] }, /headers\.x-a/],
    [
      'latency past the timer range',
      { steps: [{ fault: 'ok', latency: 3e9 }] },
      /latency: must be .*2147483647/,
    ],
    [
      'chunk delay past the timer range',
      { steps: [{ fault: 'ok', chunkDelayMs: 3e9 }] },
      /chunkDelayMs: must be .*2147483647/,
    ],
    [
      'framing header',
      { steps: [{ fault: 'error', status: 500, headers: { 'Content-Length': '3' } }] },
      /headers\.Content-Length: .*set by the provider/,
    ],
    [
      'header value HTTP cannot carry',
      { steps: [{ fault: 'error', status: 429, headers: { 'x-note': 'limit ✓' } }] },
      /headers\.x-note/,
    ],
    ['bad stream end', { steps: [{ fault: 'stream_error', end: 'explode' }] }, /end: must be one of/],
    [
      'mix rates above 1',
      {
        steps: [
          {
            fault: 'mix',
            outcomes: [
              { rate: 0.7, fault: 'error', status: 503 },
              { rate: 0.4, fault: 'reset' },
            ],
          },
        ],
      },
      /steps\[0\]\.outcomes: rates add up to 1\.1/,
    ],
    [
      'mix outcome without a rate',
      { steps: [{ fault: 'mix', outcomes: [{ fault: 'reset' }] }] },
      /outcomes\[0\]\.rate: is required/,
    ],
    [
      'mix outcome with its own count',
      { steps: [{ fault: 'mix', outcomes: [{ rate: 0.1, fault: 'reset', count: 2 }] }] },
      /outcomes\[0\]\.count: unknown field/,
    ],
    [
      'nested mix',
      { steps: [{ fault: 'mix', outcomes: [{ rate: 0.1, fault: 'mix', outcomes: [] }] }] },
      /outcomes\[0\]\.fault: must be one of ok, error, hang, reset, stream_error$/,
    ],
    [
      'mix with a rate of its own',
      { steps: [{ fault: 'mix', rate: 0.5, outcomes: [] }] },
      /steps\[0\]\.rate: unknown field/,
    ],
    ['mix without outcomes', { steps: [{ fault: 'mix' }] }, /outcomes: must be a non-empty array/],
    [
      'bad error in a mix',
      { steps: [{ fault: 'mix', outcomes: [{ rate: 0.1, fault: 'error' }] }] },
      /outcomes\[0\]: an error step needs a status or a code/,
    ],
    ['empty list', { scripts: [] }, /at least one script/],
    [
      'duplicate targets',
      [
        { route: 'openai', steps: [{ fault: 'ok' }] },
        { route: 'openai', steps: [{ fault: 'reset' }] },
      ],
      /\[1\]: duplicates the target/,
    ],
  ];
  for (const [name, body, message] of badScripts) {
    it(`answers 400 and changes nothing for a bad script: ${name}`, async () => {
      await call('POST', '/_control/faults', {
        route: 'openai.chat',
        steps: [{ fault: 'error', status: 500 }],
      });
      const before = await call('GET', '/_control/faults');
      for (const method of ['POST', 'PUT']) {
        const res = await call(method, '/_control/faults', body);
        assert.equal(res.status, 400);
        assert.match((res.json.error as { message: string }).message, message);
      }
      assert.deepEqual(await call('GET', '/_control/faults'), before);
      if (typeof body !== 'string') assert.throws(() => fp.script(body as never), FaultScriptError);
      assert.deepEqual(await call('GET', '/_control/faults'), before);
      assert.equal(await chat(), 500);
    });
  }

  it('one bad script in a batch rejects the whole batch', async () => {
    const res = await call('POST', '/_control/faults', [
      { route: 'openai.chat', steps: [{ fault: 'error', status: 500 }] },
      { route: 'anthropic', steps: [{ fault: 'error', status: 99 }] },
    ]);
    assert.equal(res.status, 400);
    assert.match(
      (res.json.error as { message: string }).message,
      /^invalid fault script: \[1\]\.steps\[0\]\.status/,
    );
    assert.equal(await chat(), 200);
  });

  it('PUT replaces every script; DELETE removes one target or all', async () => {
    await call('POST', '/_control/faults', {
      scripts: [
        { model: 'a', steps: [{ fault: 'reset' }] },
        { model: 'b', steps: [{ fault: 'reset' }] },
      ],
    });
    await call('PUT', '/_control/faults', { model: 'c', steps: [{ fault: 'error', status: 502 }] });
    assert.deepEqual(
      ((await call('GET', '/_control/faults')).json.scripts as Array<{ model: string }>).map((s) => s.model),
      ['c'],
    );
    await call('POST', '/_control/faults', { model: 'd', steps: [{ fault: 'error', status: 502 }] });
    assert.deepEqual((await call('DELETE', '/_control/faults?model=c')).json, { removed: 1 });
    assert.equal(await chat('c'), 200);
    assert.equal(await chat('d'), 502);
    assert.deepEqual((await call('DELETE', '/_control/faults')).json, { removed: 1 });
    assert.equal(await chat('d'), 200);
  });

  it('serves exact stats, filtered counts, and resets them', async () => {
    await call('POST', '/_control/faults', {
      route: 'openai.chat',
      model: 'gpt-4o',
      steps: [{ fault: 'error', status: 429, count: 1 }],
    });
    await chat();
    await chat();
    await chat('other');
    const all = await call('GET', '/_stats');
    assert.deepEqual(all.json, {
      total: 3,
      outcomes: { error_429: 1, ok: 2 },
      routes: {
        'openai.chat': {
          total: 3,
          outcomes: { error_429: 1, ok: 2 },
          models: {
            'gpt-4o': { total: 2, outcomes: { error_429: 1, ok: 1 } },
            other: { total: 1, outcomes: { ok: 1 } },
          },
        },
      },
    });
    assert.equal((await call('GET', '/_stats?route=openai.chat&model=gpt-4o')).json.count, 2);
    assert.equal((await call('GET', '/_stats?outcome=ok')).json.count, 2);
    assert.equal((await call('GET', '/_stats?route=nope')).status, 400);
    await call('POST', '/_stats/reset');
    assert.equal((await call('GET', '/_stats')).json.total, 0);
    await chat();
    await call('DELETE', '/_stats');
    assert.equal(fp.count(), 0);
  });

  it('lists a model whatever its name, `__proto__` and `constructor` included', async () => {
    await chat('__proto__');
    await chat('constructor');
    const all = await call('GET', '/_stats');
    // Parsed from JSON, a `__proto__` key is an own key again, as it was sent.
    const models = (all.json.routes as Record<string, { models: Record<string, unknown> }>)['openai.chat']!
      .models;
    assert.deepEqual(Object.keys(models).sort(), ['__proto__', 'constructor']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(models, '__proto__')?.value, {
      total: 1,
      outcomes: { ok: 1 },
    });
    assert.equal(Object.keys(fp.stats().routes['openai.chat']!.models).length, 2);
  });

  it('refuses unknown or bad query parameters with 400 instead of widening the request', async () => {
    await call('POST', '/_control/faults', { model: 'gpt-4o', steps: [{ fault: 'error', status: 503 }] });
    const before = await call('GET', '/_control/faults');
    // A typo must not turn "remove this target" into "remove everything".
    for (const [query, message] of [
      ['modle=gpt-4o', /modle: unknown query parameter/],
      ['route=openai.images', /route must be one of/],
      ['model=', /model must be a non-empty string/],
    ] as const) {
      const res = await call('DELETE', `/_control/faults?${query}`);
      assert.equal(res.status, 400, query);
      assert.match((res.json.error as { message: string }).message, message);
    }
    assert.deepEqual(await call('GET', '/_control/faults'), before);
    assert.equal(await chat(), 503);

    // Nor may a typo turn a filtered count into the total.
    const stats = await call('GET', '/_stats?modle=other');
    assert.equal(stats.status, 400);
    assert.match((stats.json.error as { message: string }).message, /modle: unknown query parameter/);

    // An endpoint that takes no filter refuses one rather than acting on everything.
    await chat();
    for (const [method, path] of [
      ['POST', '/_control/reset'],
      ['POST', '/_stats/reset'],
      ['DELETE', '/_stats'],
      ['GET', '/_control/faults'],
    ] as const) {
      const res = await call(method, `${path}?route=anthropic`);
      assert.equal(res.status, 400, `${method} ${path}`);
      assert.match((res.json.error as { message: string }).message, /route: this endpoint takes no query/);
    }
    assert.equal(fp.count(), 2, 'the stats were kept');
    assert.equal(await chat(), 503, 'the script was kept');
  });

  it('answers unknown paths with 404, wrong methods with 405, and /_health', async () => {
    assert.equal((await call('GET', '/nope')).status, 404);
    assert.equal((await call('GET', '/v1/chat/completions')).status, 405);
    assert.deepEqual((await call('GET', '/_health')).json, { ok: true });
    assert.equal(fp.count(), 0, 'non-API requests are not counted');
  });
});
