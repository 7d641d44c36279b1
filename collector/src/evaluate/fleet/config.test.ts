import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SIGNAL_STREAM_IDLE_TIMEOUT_MS } from '@breakwater/protocol';
import { ConfigError } from '../../config/config-error.ts';
import { parseConfig } from '../../config/load.ts';
import { parseFleetConfig, policyFor } from './config.ts';

function problems(text: string): string[] {
  try {
    parseConfig({ name: 'collector.yaml', text }, {});
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message.split('\n');
  }
  return [];
}

describe('fleet config: durations', () => {
  it('refuses zero and sub-millisecond durations with a config error, not a crash', () => {
    const expected =
      'expected a duration such as "30s" (at least 1ms) or a positive whole number of milliseconds';
    assert.deepEqual(
      problems(
        [
          'fleet:',
          '  openDuration: 0s',
          '  stepDuration: 0.4ms',
          '  windows: [{ duration: 0m }]',
          '  perDependency:',
          '    "a/b": { ttl: 0 }',
        ].join('\n'),
      ),
      [
        `collector.yaml:2:17: fleet.openDuration: ${expected}`,
        `collector.yaml:3:17: fleet.stepDuration: ${expected}`,
        `collector.yaml:4:25: fleet.windows[0].duration: ${expected}`,
        'collector.yaml:6:19: fleet.perDependency.a/b.ttl: Too small: expected number to be >0',
      ],
    );
  });
});

describe('fleet config: ceilings against what they cap', () => {
  it('refuses a maxOpenDuration below openDuration and a stepMaxDuration below stepDuration, per dependency too', () => {
    assert.deepEqual(
      problems(
        [
          'fleet:',
          '  openDuration: 10m',
          '  maxOpenDuration: 20m',
          '  perDependency:',
          '    "a/*": { maxOpenDuration: 1m }',
          '    "b/*": { stepDuration: 1m }',
          '    "c/*": { openDuration: 15m }',
        ].join('\n'),
      ),
      [
        'collector.yaml:5:31: fleet.perDependency.a/*.maxOpenDuration: maxOpenDuration 1m must be at least openDuration (10m)',
        'collector.yaml:6:12: fleet.perDependency.b/*.stepMaxDuration: stepMaxDuration 30s must be at least stepDuration (1m)',
      ],
    );
    assert.deepEqual(problems('fleet: { openDuration: 6m }'), [
      'collector.yaml:1:8: fleet.maxOpenDuration: maxOpenDuration 5m must be at least openDuration (6m)',
    ]);
  });
});

describe('fleet config: ttl against evaluateInterval', () => {
  it('rejects a ttl not longer than twice the evaluation interval, globally and per dependency', () => {
    assert.deepEqual(
      problems(
        [
          'fleet:',
          '  evaluateInterval: 10s',
          '  ttl: 3s',
          '  perDependency:',
          '    "tool/*": { ttl: 20s }',
          '    openai/gpt-4o: { ttl: 1h }',
        ].join('\n'),
      ),
      [
        'collector.yaml:3:8: fleet.ttl: ttl 3s must be more than twice evaluateInterval (10s): signals are re-issued on evaluation ticks before half their ttl, so a shorter one lapses between re-issues',
        'collector.yaml:5:22: fleet.perDependency.tool/*.ttl: ttl 20s must be more than twice evaluateInterval (10s): signals are re-issued on evaluation ticks before half their ttl, so a shorter one lapses between re-issues',
      ],
    );
  });

  it('accepts evaluateInterval just below half the ttl, and the defaults', () => {
    assert.deepEqual(problems('fleet: { evaluateInterval: 1s, ttl: 2001 }'), []);
    assert.deepEqual(problems('fleet: { evaluateInterval: 1s, ttl: 2s }').length, 1);
    const defaults = parseFleetConfig(undefined);
    assert.ok(defaults.evaluateInterval < defaults.ttl / 2);
  });
});

describe('fleet config: stream heartbeat against the SDK idle timeout', () => {
  it('rejects a heartbeat above a third of the SDK idle timeout, which would make SDKs reconnect in a loop', () => {
    const message = (value: string) =>
      `fleet.stream.heartbeat: heartbeat ${value} must be at most 15s, a third of the SDK's signal-stream idle timeout (45s): SDKs reconnect when the stream stays silent that long`;
    assert.deepEqual(problems('fleet: { stream: { heartbeat: 45s } }'), [
      `collector.yaml:1:31: ${message('45s')}`,
    ]);
    assert.deepEqual(problems('fleet: { stream: { heartbeat: 1m } }'), [
      `collector.yaml:1:31: ${message('1m')}`,
    ]);
    assert.deepEqual(problems('fleet: { stream: { heartbeat: 15001 } }'), [
      `collector.yaml:1:31: ${message('15001ms')}`,
    ]);
  });

  it('accepts a heartbeat of up to a third of the SDK idle timeout, the default included', () => {
    assert.equal(SIGNAL_STREAM_IDLE_TIMEOUT_MS, 45_000);
    assert.deepEqual(problems('fleet: { stream: { heartbeat: 15s } }'), []);
    assert.ok(parseFleetConfig(undefined).stream.heartbeat * 3 <= SIGNAL_STREAM_IDLE_TIMEOUT_MS);
  });
});

describe('fleet config: per-dependency policies', () => {
  it('a dependency named like an Object method gets the glob policy, not the prototype', () => {
    const config = parseFleetConfig({ quorum: 3, perDependency: { '*': { quorum: 1 } } });
    for (const dependency of ['api.example.com', 'constructor', 'toString', '__proto__', 'hasOwnProperty'])
      assert.equal(policyFor(config, dependency).quorum, 1, dependency);
  });
});
