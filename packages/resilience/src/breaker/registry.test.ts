import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '@breakwater/protocol';
import { CircuitOpenError } from '../core/errors.ts';
import { noopListener } from '../telemetry/listener.ts';
import { SERVER_ERROR } from '../testing/support.ts';
import { BreakerRegistry } from './registry.ts';

describe('BreakerRegistry', () => {
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
});
