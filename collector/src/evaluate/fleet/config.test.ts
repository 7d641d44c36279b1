import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../config/config-error.ts';
import { parseConfig } from '../../config/load.ts';
import { parseFleetConfig } from './config.ts';

function problems(text: string): string[] {
  try {
    parseConfig({ name: 'collector.yaml', text }, {});
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message.split('\n');
  }
  return [];
}

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
