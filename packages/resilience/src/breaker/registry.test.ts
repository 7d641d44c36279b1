import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { CircuitOpenError } from '../core/errors.ts';
import type { ResilienceListener } from '../telemetry/listener.ts';
import { noopListener } from '../telemetry/listener.ts';
import type { RemovalListener } from '../telemetry/otel-listener.ts';
import { SERVER_ERROR } from '../testing/support.ts';
import { BreakerRegistry } from './registry.ts';

describe('BreakerRegistry', () => {
  it('refuses misspelt and misshapen options, naming each (a misspelt parentKey would drop every parent)', () => {
    assert.throws(
      () => new BreakerRegistry({ parentkey: (d: string) => d.split('/')[0], options: {} } as never),
      (e: unknown) =>
        e instanceof TypeError &&
        /^BreakerRegistry: invalid options/.test(e.message) &&
        /unknown option "parentkey"/.test(e.message) &&
        /expected a function of the dependency key\n {2}→ at options/.test(e.message),
    );
  });

  it('a parentKey that loops is refused naming the loop, instead of overflowing the stack', () => {
    const registry = new BreakerRegistry({
      parentKey: (d) => ({ 'a/x': 'a', a: 'b', b: 'a/x' })[d],
      listener: noopListener,
    });
    assert.throws(
      () => registry.get('a/x'),
      (e: unknown) =>
        e instanceof TypeError && e.message === 'BreakerRegistry: parentKey makes a loop: a/x → a → b → a/x',
    );
    assert.equal(registry.size, 0, 'nothing half-built is kept');
  });

  it('one breaker per dependency key, with per-key options and parents', () => {
    const clock = new ManualClock(0);
    const registry = new BreakerRegistry({
      clock,
      listener: noopListener,
      defaults: { trip: { kind: 'consecutive', threshold: 3 } },
      options: (d) => (d === 'openai' ? { trip: { kind: 'consecutive', threshold: 2 } } : undefined),
      parentKey: (d) => (d.includes('/') ? d.split('/')[0] : undefined),
    });
    const gpt = registry.get('openai/gpt-4o');
    assert.equal(registry.get('openai/gpt-4o'), gpt);
    assert.equal(gpt.parent, registry.find('openai'));
    const mini = registry.get('openai/gpt-4o-mini');
    gpt.onFailure(gpt.admit(), SERVER_ERROR);
    mini.onFailure(mini.admit(), SERVER_ERROR);
    assert.equal(registry.get('openai').state, 'open');
    assert.throws(
      () => registry.get('openai/o3').admit(),
      CircuitOpenError,
      'the open parent refuses for a new child too',
    );
    assert.deepEqual(
      registry
        .list()
        .map((b) => b.dependency)
        .sort(),
      ['openai', 'openai/gpt-4o', 'openai/gpt-4o-mini', 'openai/o3'],
    );
  });

  it('applies fleet overrides by key, validates them, and clears them all', () => {
    const clock = new ManualClock(0);
    const registry = new BreakerRegistry({ clock, listener: noopListener });
    const breaker = registry.applyOverride('tool/search_web', {
      state: 'open',
      expiresAt: 1000,
      source: 'sig-1',
    });
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.activeOverride?.source, 'sig-1');
    assert.throws(() => registry.applyOverride('tool/search_web', { state: 'open' } as never), TypeError);
    assert.equal(breaker.state, 'open', 'bad input changed nothing');
    assert.throws(
      () => registry.applyOverride('tool/other', { state: 'shut' as 'open', expiresAt: 1000 }),
      TypeError,
    );
    assert.equal(registry.find('tool/other'), undefined, 'nor created a breaker');
    registry.clearOverrides();
    assert.equal(breaker.state, 'closed');
  });

  it('snapshots and restores every breaker', () => {
    const clock = new ManualClock(0);
    const a = new BreakerRegistry({
      clock,
      listener: noopListener,
      defaults: { trip: { kind: 'consecutive', threshold: 1 } },
    });
    const b1 = a.get('x');
    b1.onFailure(b1.admit(), SERVER_ERROR);
    a.get('y');
    const b = new BreakerRegistry({
      clock,
      listener: noopListener,
      defaults: { trip: { kind: 'consecutive', threshold: 1 } },
    });
    b.restore(JSON.parse(JSON.stringify(a)));
    assert.equal(b.get('x').state, 'open');
    assert.equal(b.get('y').state, 'closed');
  });

  it('deletes a breaker: the next get or override starts a fresh, closed one', () => {
    const clock = new ManualClock(0);
    const removed: string[] = [];
    const listener: ResilienceListener & RemovalListener = {
      onBreakerRemoved: (b) => removed.push(b.dependency),
    };
    const registry = new BreakerRegistry({
      clock,
      listener,
      defaults: { trip: { kind: 'consecutive', threshold: 2 } },
    });
    const old = registry.get('x');
    old.onFailure(old.admit(), SERVER_ERROR);
    assert.equal(registry.delete('x'), true);
    assert.equal(registry.delete('x'), false, 'already gone');
    assert.deepEqual(removed, ['x'], 'the listener stops observing it');
    assert.equal(registry.find('x'), undefined);
    assert.equal(registry.size, 0);
    const fresh = registry.get('x');
    assert.notEqual(fresh, old);
    fresh.onFailure(fresh.admit(), SERVER_ERROR);
    assert.equal(fresh.state, 'closed', 'the old failure was not carried over');
    registry.delete('x');
    const overridden = registry.applyOverride('x', { state: 'open', expiresAt: 1000, source: 'sig-1' });
    assert.equal(overridden.state, 'open', 'an override for a deleted dependency still applies');
    assert.equal(registry.find('x'), overridden);
  });

  it('keeps a parent while it has children, and tells idle breakers from busy ones', () => {
    const clock = new ManualClock(0);
    const registry = new BreakerRegistry({
      clock,
      listener: noopListener,
      defaults: { trip: { kind: 'consecutive', threshold: 1 }, openDurationMs: 1000 },
      parentKey: (d) => (d.includes('/') ? d.split('/')[0] : undefined),
    });
    registry.get('openai/a');
    registry.get('openai/b');
    assert.equal(registry.isIdle('openai'), false, 'a parent with children');
    assert.equal(registry.delete('openai'), false, 'is kept before its children');
    assert.equal(registry.delete('openai/a'), true);
    assert.equal(registry.delete('openai'), false, 'one child left');
    assert.equal(registry.delete('openai/b'), true);
    assert.equal(registry.isIdle('openai'), true);
    assert.equal(registry.delete('openai'), true);
    assert.equal(registry.size, 0);
    assert.equal(registry.isIdle('unknown'), false, 'no breaker');

    const open = registry.get('open');
    open.onFailure(open.admit(), SERVER_ERROR);
    assert.equal(registry.isIdle('open'), false, 'open');
    registry.get('isolated').isolate();
    assert.equal(registry.isIdle('isolated'), false, 'isolated');
    registry.get('forced').forceClose();
    assert.equal(registry.isIdle('forced'), false, 'forced closed');
    registry.applyOverride('fleet', { state: 'closed', expiresAt: 500, source: 'sig-1' });
    assert.equal(registry.isIdle('fleet'), false, 'an override in force, even a closed one');
    registry.get('closed');
    assert.equal(registry.isIdle('closed'), true);
  });

  it('an override that has lapsed leaves the breaker idle', async () => {
    const clock = new ManualClock(0);
    const registry = new BreakerRegistry({ clock, listener: noopListener });
    registry.applyOverride('fleet', { state: 'open', expiresAt: 500, source: 'sig-1' });
    assert.equal(registry.isIdle('fleet'), false);
    await clock.advance(500);
    assert.equal(registry.isIdle('fleet'), true);
  });
});
