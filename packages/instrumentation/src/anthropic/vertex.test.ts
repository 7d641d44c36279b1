/**
 * Claude through `@anthropic-ai/vertex-sdk`, which loads `@anthropic-ai/sdk/client` and
 * `@anthropic-ai/sdk/resources/index` but never the SDK's main entry: its calls are instrumented
 * all the same (the `client` file is patched as it loads). This file must not load the main entry.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { AnthropicVertex as AnthropicVertexType } from '@anthropic-ai/vertex-sdk';
import { attrs, byRole, harnessPerFile, require } from '../testing/harness.ts';

const h = harnessPerFile();

/** A Vertex AI endpoint that is overloaded: every request gets Anthropic's 529. */
let server: Server;
let requests: string[] = [];
/** The `anthropic-beta` header of each request that had one. */
const betaHeaders: string[] = [];
before(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const beta = req.headers['anthropic-beta'];
    if (typeof beta === 'string') betaHeaders.push(beta);
    req.resume();
    res.writeHead(529, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A Vertex AI client of the endpoint above, with retries of its own that Breakwater turns off. */
function vertexClient(AnthropicVertex: typeof AnthropicVertexType): AnthropicVertexType {
  return new AnthropicVertex({
    region: 'us-east5',
    projectId: 'p',
    baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    // Credentials without Google's metadata server or a key file.
    authClient: { getRequestHeaders: async () => new Headers({ authorization: 'Bearer t' }) } as never,
    maxRetries: 5,
  });
}

describe('@anthropic-ai/vertex-sdk', () => {
  it('runs Claude on Vertex through the pipeline: our attempts only, spans as for Anthropic', async () => {
    const { AnthropicVertex } = require('@anthropic-ai/vertex-sdk') as {
      AnthropicVertex: typeof AnthropicVertexType;
    };
    assert.equal(
      require.cache[require.resolve('@anthropic-ai/sdk')],
      undefined,
      'the main entry stays unloaded',
    );
    requests = [];
    const client = vertexClient(AnthropicVertex);
    await assert.rejects(
      client.messages.create({
        model: 'claude-vertex',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: Error & { status?: number }) => error.status === 529,
    );
    // The policy's 3 attempts, not 3 × (the client's 5 retries + 1).
    assert.equal(requests.length, 3, requests.join('\n'));
    assert.match(
      requests[0]!,
      /^POST \/v1\/projects\/p\/locations\/us-east5\/publishers\/anthropic\/models\/claude-vertex:rawPredict$/,
    );
    const spans = h.spans();
    const [op] = byRole(spans, 'operation');
    assert.equal(op?.name, 'chat claude-vertex');
    // A local base URL, and still Vertex AI: the client names its platform, whatever the host.
    assert.equal(attrs(op!)['gen_ai.provider.name'], 'gcp.vertex_ai');
    assert.equal(attrs(op!)['breakwater.dependency'], 'gcp.vertex_ai/claude-vertex');
    assert.equal(attrs(op!)['breakwater.error.category'], 'overloaded');
    assert.equal(attrs(op!)['breakwater.retry.attempts'], 3);
    assert.equal(byRole(spans, 'attempt').length, 3);
  });

  it('beta.messages.create too: our attempts only, the betas header sent', async () => {
    const { AnthropicVertex } = require('@anthropic-ai/vertex-sdk') as {
      AnthropicVertex: typeof AnthropicVertexType;
    };
    requests = [];
    const client = vertexClient(AnthropicVertex);
    await assert.rejects(
      client.beta.messages.create({
        model: 'claude-vertex-beta',
        max_tokens: 8,
        betas: ['some-feature-2025-01-01'],
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: Error & { status?: number }) => error.status === 529,
    );
    assert.equal(requests.length, 3, requests.join('\n'));
    assert.deepEqual(betaHeaders, Array(3).fill('some-feature-2025-01-01'));
    const [op] = byRole(h.spans(), 'operation');
    assert.equal(attrs(op!)['breakwater.dependency'], 'gcp.vertex_ai/claude-vertex-beta');
    assert.equal(attrs(op!)['breakwater.retry.attempts'], 3);
    assert.equal(
      require.cache[require.resolve('@anthropic-ai/sdk')],
      undefined,
      'the main entry stays unloaded',
    );
  });
});
