import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type OpenAIType from 'openai';
import { attrs, byRole, FAST, harnessPerFile, require } from '../testing/harness.ts';

// Values a float32 holds exactly, as the provider's own embeddings are.
const VECTOR = [0.5, -1.25, 0.125];
/** The base64 the API sends for VECTOR when asked for `encoding_format: 'base64'`. */
const VECTOR_BASE64 = Buffer.from(new Float32Array(VECTOR).buffer).toString('base64');

const h = harnessPerFile([
  ...FAST,
  {
    match: 'openai/emb-fb-*',
    policy: {
      retry: { maxAttempts: 1 },
      fallback: {
        name: 'cached-embedding',
        run: ({ input }) => ({
          object: 'list',
          model: 'cached',
          usage: { prompt_tokens: 0, total_tokens: 0 },
          // A base64 vector as it is (the client decodes it), number lists as the app sees them.
          data:
            (input as { model: string }).model === 'emb-fb-base64'
              ? [{ object: 'embedding', index: 0, embedding: VECTOR_BASE64 }]
              : [{ object: 'embedding', index: 0, embedding: VECTOR }],
        }),
      },
    },
  },
]);

for (const [label, OpenAI] of [
  ['openai 7', () => require('openai').default as typeof OpenAIType],
  ['openai 6', () => require('openai-v6').default as typeof OpenAIType],
] as const) {
  describe(`${label}: an embeddings fallback`, () => {
    const client = () => new (OpenAI())({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });

    it('returning number lists reaches the app as those numbers, whatever encoding the client asked for', async () => {
      for (const encoding_format of [undefined, 'float'] as const) {
        h.reset();
        const m = 'emb-fb-floats';
        h.fp.script({ route: 'openai.embeddings', model: m, steps: [{ fault: 'error', status: 500 }] });
        const res = await client().embeddings.create({
          model: m,
          input: 'x',
          ...(encoding_format === undefined ? {} : { encoding_format }),
        });
        assert.deepEqual(res.data[0]?.embedding, VECTOR, `encoding_format ${encoding_format}`);
        assert.equal(attrs(byRole(h.spans(), 'operation')[0]!)['breakwater.fallback'], 'cached-embedding');
      }
    });

    it('returning base64 (as the wire carries it by default) is decoded by the client as before', async () => {
      const m = 'emb-fb-base64';
      h.fp.script({ route: 'openai.embeddings', model: m, steps: [{ fault: 'error', status: 500 }] });
      const res = await client().embeddings.create({ model: m, input: 'x' });
      assert.deepEqual(res.data[0]?.embedding, VECTOR);
    });

    it('answering a refusal (nothing sent) gives the numbers too', async () => {
      const m = 'emb-fb-refused';
      h.runtime.guard.applyOverride(`openai/${m}`, {
        state: 'open',
        expiresAt: Date.now() + 60_000,
        source: 'sig',
      });
      const res = await client().embeddings.create({ model: m, input: 'x' });
      assert.deepEqual(res.data[0]?.embedding, VECTOR);
      assert.equal(h.fp.count({ route: 'openai.embeddings', model: m }), 0, 'nothing was sent');
    });
  });
}
