import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Classification } from '../classify/classification.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { noopListener } from '../telemetry/listener.ts';
import { overloaded, warningsDuring } from '../testing/support.ts';
import { FallbackPolicy } from './fallback-policy.ts';
import { staticFallback } from './strategies.ts';

// A `handle` that reads a table by category, missing one: a TypeError for that category.
const covered: Record<string, { fallback: boolean }> = { rate_limited: { fallback: true } };
const handle = (c: Classification): boolean => covered[c.category]!.fallback;

describe('a fallback handle() that throws', () => {
  const runners: [string, () => (fn: () => Promise<string>) => Promise<string>][] = [
    [
      'FallbackPolicy',
      () => {
        const policy = new FallbackPolicy({
          strategy: staticFallback('cached answer'),
          handle,
          listener: noopListener,
        });
        return (fn) => policy.execute(fn);
      },
    ],
    [
      'Pipeline',
      () => {
        const pipeline = new Pipeline({
          dependency: 'llm',
          fallback: new FallbackPolicy({
            strategy: staticFallback('cached answer'),
            handle,
            listener: noopListener,
          }),
          listener: noopListener,
        });
        return (fn) => pipeline.execute(fn);
      },
    ],
  ];
  for (const [name, make] of runners) {
    it(`(${name}) gives way to the built-in rule (every failure but a cancellation), reported once`, async () => {
      const execute = make();
      const warnings = await warningsDuring(async () => {
        assert.equal(await execute(() => Promise.reject(overloaded())), 'cached answer');
        assert.equal(await execute(() => Promise.reject(overloaded())), 'cached answer');
      });
      assert.equal(warnings.filter((w) => w.includes('handle threw')).length, 1);
    });
  }
});
