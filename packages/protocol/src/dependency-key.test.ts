import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dependencyKey, dependencyKeyFromAttributes } from './dependency-key.ts';

describe('dependencyKey', () => {
  it('names LLM calls provider/model', () => {
    assert.equal(dependencyKey({ provider: 'openai', model: 'gpt-4o' }), 'openai/gpt-4o');
    assert.equal(dependencyKey({ provider: 'anthropic' }), 'anthropic/_unknown');
  });
  it('names tool calls tool/<name>, ahead of provider', () => {
    assert.equal(dependencyKey({ toolName: 'search_web', provider: 'openai' }), 'tool/search_web');
  });
  it('falls back to server.address, then undefined', () => {
    assert.equal(dependencyKey({ serverAddress: 'api.example.com' }), 'api.example.com');
    assert.equal(dependencyKey({ serverAddress: '  ' }), undefined);
    assert.equal(dependencyKey({}), undefined);
  });
  it('gives the same key from span attributes as from fields', () => {
    const attrs = {
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'server.address': 'x',
    };
    assert.equal(dependencyKeyFromAttributes(attrs), 'openai/gpt-4o');
    assert.equal(
      dependencyKeyFromAttributes((k) => (attrs as Record<string, unknown>)[k]),
      'openai/gpt-4o',
    );
    assert.equal(dependencyKeyFromAttributes({ 'gen_ai.request.model': 7 }), undefined);
  });
});
