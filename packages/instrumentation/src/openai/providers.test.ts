import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SEMCONV } from '@breakwater/protocol';
import type OpenAIType from 'openai';
import type { AzureOpenAI as AzureOpenAIType } from 'openai';
import { attrs, byRole, FAST, harnessPerFile, refusedWith, require } from '../testing/harness.ts';

// The `AzureOpenAI` client of both majors against the fault provider's Azure paths: calls to Azure
// OpenAI are their own provider, `azure.ai.openai`, with breakers apart from OpenAI's.
const h = harnessPerFile([
  ...FAST,
  {
    // Two failures open the breaker; no retries, so each call is one request.
    match: '*/gpt-trip-*',
    policy: {
      retry: { maxAttempts: 1 },
      breaker: { minimumCalls: 1, consecutiveFailures: 2, openMs: 60_000 },
    },
  },
]);

let seq = 0;
const model = (tag: string) => `gpt-${tag}-${seq++}`;
const AZURE_KEY = 'azure-key';

for (const [label, name] of [
  ['openai 7', 'openai'],
  ['openai 6', 'openai-v6'],
] as const) {
  const module = () => require(name) as { default: typeof OpenAIType; AzureOpenAI: typeof AzureOpenAIType };
  const azure = () =>
    new (module().AzureOpenAI)({ endpoint: h.fp.url, apiKey: AZURE_KEY, apiVersion: '2024-10-21' });
  const openai = () => new (module().default)({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
  const ask = (client: OpenAIType, m: string) =>
    client.chat.completions.create({ model: m, messages: [{ role: 'user', content: 'hi' }] });

  describe(`${label} AzureOpenAI`, () => {
    it('is provider azure.ai.openai at span start, on the span, in the dependency key and breakwater.calls; no openai.* attributes', async () => {
      const m = model('azure');
      const answer = await ask(azure(), m);
      assert.equal(answer.choices[0]?.message.content, 'You said: hi');
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 1);
      const [start] = h.sampled();
      assert.equal(start?.attributes[SEMCONV.GEN_AI_PROVIDER_NAME], 'azure.ai.openai');
      const a = attrs(h.operation(m)!);
      assert.equal(a['gen_ai.provider.name'], 'azure.ai.openai');
      assert.equal(a['breakwater.dependency'], `azure.ai.openai/${m}`);
      assert.equal(a['gen_ai.usage.output_tokens'], answer.usage?.completion_tokens);
      assert.equal(a['openai.api.type'], undefined);
      assert.equal(a['openai.response.service_tier'], undefined);
      assert.deepEqual(await h.calls(`azure.ai.openai/${m}`), ['success:=1']);
      assert.deepEqual(await h.calls(`openai/${m}`), []);
    });

    it('an Azure outage opens Azure’s breaker only: the same model at OpenAI is still called', async () => {
      const m = model('trip');
      // Only requests with Azure's key fail.
      h.fp.script({ route: 'openai.chat', apiKey: AZURE_KEY, steps: [{ fault: 'error', status: 503 }] });
      await assert.rejects(ask(azure(), m));
      await assert.rejects(ask(azure(), m));
      await assert.rejects(ask(azure(), m), refusedWith('CircuitOpenError'));
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 2, 'the refused call was not sent');
      // The app fails over to OpenAI: another dependency, another breaker.
      const answer = await ask(openai(), m);
      assert.equal(answer.choices[0]?.message.content, 'You said: hi');
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 3);
      const ops = byRole(h.spans(), 'operation').map((s) => attrs(s)['breakwater.dependency']);
      assert.deepEqual(ops, [...Array(3).fill(`azure.ai.openai/${m}`), `openai/${m}`]);
      assert.deepEqual(await h.calls(`openai/${m}`), ['success:=1']);
    });

    it('a client pinned to a deployment is keyed by it: one deployment’s outage leaves the other’s breaker shut', async () => {
      const m = model('trip');
      const pinned = (deployment: string, apiKey: string) =>
        new (module().AzureOpenAI)({ endpoint: h.fp.url, apiKey, apiVersion: '2024-10-21', deployment });
      // Deployment names the breaker rule above matches (gpt-trip-*).
      const [eastName, westName] = [model('trip-east'), model('trip-west')];
      const east = pinned(eastName, 'east-key');
      const west = pinned(westName, 'west-key');
      h.fp.script({ route: 'openai.chat', apiKey: 'east-key', steps: [{ fault: 'error', status: 503 }] });
      await assert.rejects(ask(east, m));
      await assert.rejects(ask(east, m));
      await assert.rejects(ask(east, m), refusedWith('CircuitOpenError'));
      // The same model in the body, another deployment: still called.
      const answer = await ask(west, m);
      assert.equal(answer.choices[0]?.message.content, 'You said: hi');
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 3);
      const ops = byRole(h.spans(), 'operation').map((s) => attrs(s)['breakwater.dependency']);
      assert.deepEqual(ops, [...Array(3).fill(`azure.ai.openai/${eastName}`), `azure.ai.openai/${westName}`]);
      // The span still names the model the app asked for.
      const westOp = byRole(h.spans(), 'operation').at(-1)!;
      assert.equal(attrs(westOp)['gen_ai.request.model'], m);
      const embedding = await west.embeddings.create({ model: 'text-embedding-3-small', input: 'hi' });
      assert.equal(embedding.data.length, 1);
      const last = byRole(h.spans(), 'operation').at(-1)!;
      assert.equal(attrs(last)['breakwater.dependency'], `azure.ai.openai/${westName}`);
    });

    it('a deployment in the base URL keys its calls, as the client routes them', async () => {
      const m = model('azure-path');
      const sent: string[] = [];
      const client = new (module().AzureOpenAI)({
        baseURL: `${h.fp.url}/openai/deployments/path-deployment`,
        apiKey: AZURE_KEY,
        apiVersion: '2024-10-21',
        deployment: 'option-deployment',
        fetch: (url: string | URL | Request, init?: RequestInit) => {
          sent.push(String(url));
          return fetch(url, init);
        },
      });
      await ask(client, m);
      assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 1);
      assert.match(
        sent[0] ?? '',
        /\/openai\/deployments\/path-deployment\/chat\/completions\?/,
        'where it went',
      );
      assert.equal(attrs(h.operation(m)!)['breakwater.dependency'], 'azure.ai.openai/path-deployment');
    });
  });
}
