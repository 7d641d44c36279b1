import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { usageOf } from './describe.ts';

// The AI SDK has already read each provider's usage into its own shape; the middleware maps that
// shape onto the GenAI usage attributes, reasoning tokens (of the output tokens) included.
describe('AI SDK usage', () => {
  it('reads LanguageModelV3/V4 usage, reasoning tokens included', () => {
    const usage = usageOf({
      inputTokens: { total: 5, noCache: 3, cacheRead: 2, cacheWrite: undefined },
      outputTokens: { total: 52, text: 12, reasoning: 40 },
    });
    assert.deepEqual(usage, {
      input: 5,
      output: 52,
      cacheRead: 2,
      cacheCreation: undefined,
      reasoningOutput: 40,
    });
  });

  it('reads the flat usage of LanguageModelV2 (AI SDK 5), reasoning tokens included', () => {
    const usage = usageOf({ inputTokens: 5, outputTokens: 52, reasoningTokens: 40, cachedInputTokens: 2 });
    assert.equal(usage?.reasoningOutput, 40);
    assert.equal(usage?.cacheRead, 2);
  });
});
