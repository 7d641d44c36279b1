import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AZURE_OPENAI, endpointOf, providerForHost } from './endpoint.ts';

describe('providerForHost', () => {
  it('names the well-known providers reached with the openai client by their hosts', () => {
    const cases: [string, string][] = [
      ['my-resource.openai.azure.com', AZURE_OPENAI],
      ['My-Resource.OpenAI.Azure.com', AZURE_OPENAI],
      ['eastus.api.cognitiveservices.azure.com', AZURE_OPENAI],
      ['api.groq.com', 'groq'],
      ['api.deepseek.com', 'deepseek'],
      ['api.x.ai', 'x_ai'],
      ['api.mistral.ai', 'mistral_ai'],
      ['api.perplexity.ai', 'perplexity'],
      ['api.cohere.ai', 'cohere'],
      ['generativelanguage.googleapis.com', 'gcp.gemini'],
      ['us-central1-aiplatform.googleapis.com', 'gcp.vertex_ai'],
      ['aiplatform.googleapis.com', 'gcp.vertex_ai'],
      ['bedrock-runtime.us-east-1.amazonaws.com', 'aws.bedrock'],
      ['bedrock-mantle.us-east-1.api.aws', 'aws.bedrock'],
      ['vpce-0a1b2c3d4e5f-abcdefgh.bedrock-runtime.us-east-1.vpce.amazonaws.com', 'aws.bedrock'],
    ];
    for (const [host, provider] of cases) assert.equal(providerForHost('openai', host), provider, host);
  });

  it('keeps the client’s own name for OpenAI, gateways, local servers and look-alike hosts', () => {
    for (const host of [
      'api.openai.com',
      '127.0.0.1',
      'localhost',
      'llm-gateway.internal',
      'openai.azure.com.example.com',
      'api.groq.com.example.com',
      'runtime.sagemaker.us-east-1.amazonaws.com',
      'vpce-0a1b2c3d4e5f-abcdefgh.sagemaker.us-east-1.vpce.amazonaws.com',
      'evil-aiplatform.googleapis.com.example.com',
    ]) {
      assert.equal(providerForHost('openai', host), 'openai', host);
    }
    assert.equal(providerForHost('openai', undefined), 'openai');
  });

  it('names Claude’s cloud platforms for the anthropic client, and nothing of the openai family', () => {
    assert.equal(providerForHost('anthropic', 'bedrock-runtime.eu-west-1.amazonaws.com'), 'aws.bedrock');
    assert.equal(providerForHost('anthropic', 'europe-west1-aiplatform.googleapis.com'), 'gcp.vertex_ai');
    assert.equal(providerForHost('anthropic', 'api.anthropic.com'), 'anthropic');
    assert.equal(providerForHost('anthropic', 'my-resource.openai.azure.com'), 'anthropic');
  });
});

describe('endpointOf', () => {
  it('takes the provider a client class names over its host, and caches per base URL', () => {
    const url = 'https://my-resource.openai.azure.com/openai';
    const byHost = endpointOf('openai', url);
    assert.equal(byHost.provider, AZURE_OPENAI);
    assert.deepEqual(byHost.server, { 'server.address': 'my-resource.openai.azure.com', 'server.port': 443 });
    assert.equal(endpointOf('openai', url), byHost, 'cached');
    const named = endpointOf('openai', 'http://127.0.0.1:8080/openai', AZURE_OPENAI);
    assert.equal(named.provider, AZURE_OPENAI);
    assert.equal(endpointOf('openai', 'http://127.0.0.1:8080/openai').provider, 'openai');
  });

  // Regression: `server.address` was `[::1]`, the URL's spelling, not the address.
  it('gives an IPv6 host as the address, without the brackets of its URL', () => {
    assert.deepEqual(endpointOf('openai', 'http://[::1]:1/v1').server, {
      'server.address': '::1',
      'server.port': 1,
    });
    assert.deepEqual(endpointOf('anthropic', 'https://[2001:db8::7]/').server, {
      'server.address': '2001:db8::7',
      'server.port': 443,
    });
  });

  it('falls back to the client’s name, without server attributes, for a base URL that does not parse', () => {
    const endpoint = endpointOf('anthropic', 'not a url');
    assert.equal(endpoint.provider, 'anthropic');
    assert.deepEqual(endpoint.server, {});
    assert.equal(endpointOf('openai', undefined).provider, 'openai');
  });

  it('an Azure endpoint’s deployment: from a /deployments/{name} base URL over the client’s option', () => {
    const resource = 'https://my-resource.openai.azure.com/openai';
    assert.equal(endpointOf('openai', resource).deployment, undefined);
    const pinned = endpointOf('openai', resource, AZURE_OPENAI, 'gpt4o-east');
    assert.equal(pinned.deployment, 'gpt4o-east');
    assert.equal(endpointOf('openai', resource, AZURE_OPENAI, 'gpt4o-east'), pinned, 'cached per deployment');
    assert.equal(endpointOf('openai', resource, AZURE_OPENAI, 'gpt4o-west').deployment, 'gpt4o-west');
    const inPath = `${resource}/deployments/gpt%2D4o-prod/`;
    assert.equal(endpointOf('openai', inPath).deployment, 'gpt-4o-prod');
    assert.equal(endpointOf('openai', inPath, AZURE_OPENAI, 'ignored').deployment, 'gpt-4o-prod');
    // Not Azure: no deployment, whatever the path says.
    assert.equal(endpointOf('openai', 'http://127.0.0.1:8080/openai/deployments/x').deployment, undefined);
    // A deployments segment without a name: the client inserts no deployment, nor is one keyed.
    assert.equal(
      endpointOf('openai', `${resource}/deployments/`, AZURE_OPENAI, 'option').deployment,
      undefined,
    );
  });
});
