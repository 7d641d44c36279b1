import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import type { CallContext } from '../core/context.ts';
import { CircuitOpenError } from '../core/errors.ts';
import { pipeline } from '../pipeline/pipeline.ts';
import { noopListener } from '../telemetry/listener.ts';
import { recordingListener } from '../testing/support.ts';
import { DegradationManager } from './degradation-manager.ts';
import { FallbackPolicy } from './fallback-policy.ts';
import { cachedFallback, chainFallback, degradedFallback, staticFallback } from './strategies.ts';

const fail = async (): Promise<string> => {
  throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
};

describe('fallbacks', () => {
  it('static value, reported with its name on the context and to the listener', async () => {
    const listener = recordingListener();
    const policy = new FallbackPolicy({ strategy: staticFallback('sorry'), listener });
    assert.equal(await policy.execute(fail), 'sorry');
    assert.deepEqual(
      listener.calls.filter(([n]) => n === 'onFallback').map(([, a]) => a[1]),
      ['static'],
    );
  });

  it('cached last good result per key, within its TTL', async () => {
    const clock = new ManualClock(0);
    const policy = new FallbackPolicy({
      strategy: cachedFallback<string>({ key: (ctx) => ctx.dependency, ttlMs: 1000, clock }),
      listener: noopListener,
    });
    await assert.rejects(policy.execute(fail, { dependency: 'a' }), /reset/, 'nothing cached yet');
    assert.equal(await policy.execute(async () => 'fresh', { dependency: 'a' }), 'fresh');
    assert.equal(await policy.execute(fail, { dependency: 'a' }), 'fresh');
    await assert.rejects(policy.execute(fail, { dependency: 'b' }), /reset/, 'other key');
    clock.set(2000);
    await assert.rejects(policy.execute(fail, { dependency: 'a' }), /reset/, 'expired');
  });

  it('cachedFallback needs a key: per dependency alone, one caller would get another’s answer', () => {
    assert.throws(
      () => cachedFallback({} as never),
      (e: unknown) => e instanceof TypeError && /options\.key must be a function/.test(e.message),
    );
    assert.throws(() => (cachedFallback as (o?: unknown) => unknown)(), TypeError);
    // A misspelt TTL would keep every result forever.
    assert.throws(
      () => cachedFallback({ key: () => 'k', ttl: 60_000, maxEntries: Number.NaN } as never),
      (e: unknown) =>
        e instanceof TypeError &&
        /^cachedFallback: invalid options/.test(e.message) &&
        /unknown option "ttl"/.test(e.message) &&
        /→ at maxEntries/.test(e.message),
    );
    assert.throws(() => cachedFallback({ key: () => 'k', ttlMs: -1 }), /→ at ttlMs/);
  });

  it('a cache key() that throws on a success is reported once and the call still succeeds', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const strategy = cachedFallback<string>({
        key: (ctx) => (ctx.data as { user: string }).user,
      });
      const alone = new FallbackPolicy({ strategy, listener: noopListener });
      const piped = pipeline({ dependency: 'llm', fallback: strategy, listener: noopListener });
      // No `data`: the key cannot be read, but the dependency answered.
      assert.equal(await alone.execute(async () => 'answer'), 'answer');
      assert.equal(await piped.execute(async () => 'answer'), 'answer');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(warnings.filter((w) => w.includes('fallback strategy onSuccess threw')).length, 1);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a chain whose first cache key() throws on a success still lets the next cache remember it', async () => {
    const remembered = cachedFallback<string>({ key: () => 'all', name: 'remembered' });
    const chain = chainFallback<string>(
      cachedFallback({ key: (ctx) => (ctx.data as { user: string }).user, name: 'per-user' }),
      remembered,
    );
    const policy = new FallbackPolicy({ strategy: chain, listener: noopListener });
    // No `data`: the per-user cache cannot key this success; the shared one must still keep it.
    assert.equal(await policy.execute(async () => 'answer'), 'answer');
    const failed = await policy.execute(() => Promise.reject(new Error('down')), { data: { user: 'u' } });
    assert.equal(failed, 'answer');
  });

  it('degraded function and a chain that names the strategy that answered', async () => {
    let seen = '';
    const chain = chainFallback<string>(
      cachedFallback({ key: (ctx) => ctx.dependency }),
      degradedFallback((ctx, _error, c) => {
        seen = `${ctx.dependency}:${c.category}`;
        return 'small model answer';
      }, 'smaller-model'),
      staticFallback('canned'),
    );
    const policy = new FallbackPolicy({
      strategy: chain,
      listener: noopListener,
      dependency: 'openai/gpt-4o',
    });
    const result = await policy.execute(async () => {
      await fail().catch(() => {});
      throw new CircuitOpenError('openai/gpt-4o', 'open', 'fleet');
    });
    assert.equal(result, 'small model answer');
    assert.equal(seen, 'openai/gpt-4o:circuit_open');
  });

  it('a chain goes on past a strategy that throws (the smaller model is down too)', async () => {
    const onFallback: string[] = [];
    const policy = new FallbackPolicy({
      strategy: chainFallback<string>(
        degradedFallback(async () => {
          throw Object.assign(new Error('mini down'), { status: 503 });
        }, 'smaller-model'),
        staticFallback('busy'),
      ),
      listener: { onFallback: (ctx) => onFallback.push(ctx.fallback ?? '') },
      dependency: 'openai/gpt-4o',
    });
    const overloaded = async () => {
      throw Object.assign(new Error('gpt-4o overloaded'), { status: 529 });
    };
    assert.equal(await policy.execute(overloaded), 'busy');
    assert.deepEqual(onFallback, ['static']);
    // When every strategy fails, the last strategy error is what the chain throws.
    const allDown = new FallbackPolicy({
      strategy: chainFallback<string>(
        degradedFallback(async () => {
          throw new Error('mini down');
        }),
        cachedFallback({ key: (ctx) => ctx.dependency }),
      ),
      listener: noopListener,
    });
    let failedCall: CallContext | undefined;
    await assert.rejects(
      allDown.execute((ctx) => {
        failedCall = ctx;
        return overloaded();
      }),
      /mini down/,
    );
    assert.equal(failedCall?.fallback, undefined, 'no fallback answered, so the call names none');
  });

  it('does not cover cancellations by default; handle narrows it further', async () => {
    const policy = new FallbackPolicy({ strategy: staticFallback('x'), listener: noopListener });
    await assert.rejects(
      policy.execute(async () => {
        throw new DOMException('aborted', 'AbortError');
      }),
      /aborted/,
    );
    const narrow = new FallbackPolicy({
      strategy: staticFallback('x'),
      handle: (c) => c.category === 'circuit_open',
      listener: noopListener,
    });
    await assert.rejects(narrow.execute(fail), /reset/);
  });

  it('refuses misspelt and misshapen options, naming each (a misspelt handle would cover every failure)', () => {
    assert.throws(
      () =>
        new FallbackPolicy({
          strategy: staticFallback('x'),
          hande: (c: { category: string }) => c.category === 'circuit_open',
          classifier: {},
        } as never),
      (e: unknown) =>
        e instanceof TypeError &&
        /^FallbackPolicy: invalid options/.test(e.message) &&
        /unknown option "hande"/.test(e.message) &&
        /expected an object with classify\(\)\n {2}→ at classifier/.test(e.message),
    );
    assert.throws(
      () => new FallbackPolicy({ strategy: staticFallback('x'), handle: ['circuit_open'] } as never),
      /FallbackPolicy: invalid options[\s\S]*→ at handle/,
    );
    assert.throws(
      () => new FallbackPolicy({ strategy: 'x' } as never),
      /FallbackPolicy: invalid options[\s\S]*resolve\(\)[\s\S]*→ at strategy/,
    );
  });

  it('a cached result keeps its TTL across a wall-clock step', async () => {
    for (const step of [-3_600_000, 3_600_000]) {
      const clock = new ManualClock();
      const policy = new FallbackPolicy({
        strategy: cachedFallback<string>({ key: (ctx) => ctx.dependency, ttlMs: 60_000, clock }),
        listener: noopListener,
      });
      await policy.execute(async () => 'fresh', { dependency: 'a' });
      clock.stepWall(step);
      await clock.advance(30_000);
      assert.equal(await policy.execute(fail, { dependency: 'a' }), 'fresh', `step ${step}: 30 s old`);
      await clock.advance(31_000);
      await assert.rejects(policy.execute(fail, { dependency: 'a' }), /reset/, `step ${step}: 61 s old`);
    }
  });
});

describe('DegradationManager', () => {
  it('switches features to their fallbacks by hand or by condition', async () => {
    let breakerOpen = false;
    const manager = new DegradationManager()
      .register('recommendations', { fallback: () => [] as string[] })
      .register('summaries', {
        fallback: () => 'summary unavailable',
        when: () => breakerOpen,
        fallbackOnError: true,
      });
    assert.deepEqual(await manager.run('recommendations', async () => ['a']), ['a']);
    manager.degrade('recommendations', 'load shedding');
    assert.deepEqual(await manager.run('recommendations', async () => ['a']), []);
    assert.deepEqual(manager.status('recommendations').reason, 'load shedding');
    manager.restore('recommendations');
    assert.equal(manager.isDegraded('recommendations'), false);
    breakerOpen = true;
    assert.equal(await manager.run('summaries', async () => 'real'), 'summary unavailable');
    assert.equal(manager.snapshot().summaries?.cause, 'automatic');
    breakerOpen = false;
    assert.equal(await manager.run('summaries', fail), 'summary unavailable', 'fallbackOnError');
    // A cancelled call is not answered with the fallback: the caller walked away.
    const aborted = AbortSignal.abort();
    await assert.rejects(
      manager.run('summaries', async () => aborted.throwIfAborted()),
      (e: unknown) => (e as Error).name === 'AbortError',
    );
    assert.throws(() => manager.degrade('nope'), /unknown feature/);
    assert.throws(() => manager.register('summaries', { fallback: () => 1 }), /already registered/);
  });
});
