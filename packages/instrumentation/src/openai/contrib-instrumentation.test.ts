import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { metrics, trace } from '@opentelemetry/api';
import { OpenAIInstrumentation as ContribOpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import type OpenAIType from 'openai';
import { DOUBLE_INSTRUMENTED_WARNING } from '../client/method-patch.ts';
import { byRole, harnessPerFile, require } from '../testing/harness.ts';

// @opentelemetry/instrumentation-openai (enabled by @opentelemetry/auto-instrumentations-node)
// patches the same methods of openai 6.x. OpenTelemetry's `_wrap` removes any wrapper it
// recognises before wrapping, so the instrumentation that patched last used to win: either way
// Breakwater's patch was gone, and the app's calls ran without its retries, timeouts and breakers.
const h = harnessPerFile();
const contrib = new ContribOpenAIInstrumentation({ enabled: false });
const CONTRIB_SCOPE = '@opentelemetry/instrumentation-openai';
const packageDir = dirname(require.resolve('openai-v6')); // its main, index.js, sits at the package root
const { version } = JSON.parse(readFileSync(`${packageDir}/package.json`, 'utf8')) as { version: string };

interface OpenAIModule {
  default: typeof OpenAIType;
}

/** A fresh copy of openai 6 (its own classes), patched by Breakwater's require hook. */
function loadOpenAI(): OpenAIModule {
  for (const file of Object.keys(require.cache)) {
    if (file.startsWith(packageDir + sep)) delete require.cache[file];
  }
  return require('openai-v6') as OpenAIModule;
}

function patchContrib(module: OpenAIModule): void {
  contrib
    .getModuleDefinitions()
    .find((d) => d.name === 'openai')!
    .patch?.(module, version);
}

const warnings: Error[] = [];
const onWarning = (w: Error) => {
  if ((w as { code?: string }).code === DOUBLE_INSTRUMENTED_WARNING) warnings.push(w);
};
before(() => {
  contrib.setTracerProvider(trace.getTracerProvider());
  contrib.setMeterProvider(metrics.getMeterProvider());
  contrib.enable(); // its enabled flag; it hooks only the name `openai`, so it patches nothing itself
  process.on('warning', onWarning);
});
after(() => {
  process.off('warning', onWarning);
  contrib.disable();
});

/** The process warnings raised so far (they are emitted on the next tick), then forgotten. */
async function takeWarnings(): Promise<string[]> {
  await new Promise((resolve) => setImmediate(resolve));
  return warnings.splice(0).map((w) => w.message);
}

describe('openai 6 with @opentelemetry/instrumentation-openai too', () => {
  it('patched by it first, Breakwater replaces its patch, retries the call, and says so', async () => {
    const module = loadOpenAI();
    h.openai.unpatch(module);
    patchContrib(module);
    h.openai.patch(module);
    assert.match(
      (await takeWarnings()).join('\n'),
      /openai \/chat\/completions calls were patched by another OpenTelemetry instrumentation before Breakwater.*OTEL_NODE_DISABLED_INSTRUMENTATIONS=openai/,
    );

    const m = 'gpt-contrib-first';
    h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 503, count: 1 }] });
    const client = new module.default({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: m, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.object, 'chat.completion');
    assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 2, 'one retry, by Breakwater');
    assert.equal(byRole(h.spans(), 'operation').length, 1);
    assert.equal(byRole(h.spans(), 'attempt').length, 2);
    assert.deepEqual(
      h.spans().filter((s) => s.instrumentationScope.name === CONTRIB_SCOPE),
      [],
      'its patch is gone',
    );
  });

  it('patched by it after Breakwater, each call goes through both, which Breakwater says at the first call', async () => {
    const module = loadOpenAI();
    patchContrib(module);
    assert.deepEqual(await takeWarnings(), []);

    const m = 'text-embedding-contrib-after';
    h.fp.script({ route: 'openai.embeddings', model: m, steps: [{ fault: 'error', status: 503, count: 1 }] });
    const client = new module.default({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl, maxRetries: 0 });
    const r = await client.embeddings.create({ model: m, input: 'hi' });
    assert.equal(r.data.length, 1);
    assert.equal(h.fp.count({ route: 'openai.embeddings', model: m }), 2, 'one retry, by Breakwater');
    const [op] = byRole(h.spans(), 'operation');
    const theirs = h.spans().filter((s) => s.instrumentationScope.name === CONTRIB_SCOPE);
    assert.equal(theirs.length, 1);
    assert.equal(op?.parentSpanContext?.spanId, theirs[0]?.spanContext().spanId, 'theirs wraps ours');
    assert.match(
      (await takeWarnings()).join('\n'),
      /openai \/embeddings calls are also patched by another OpenTelemetry instrumentation, over Breakwater's/,
    );

    const s = 'gpt-contrib-after-stream';
    const stream = await client.chat.completions.create({
      model: s,
      messages: [{ role: 'user', content: 'hi there' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'You said: hi there');
    assert.equal(h.operation(s)?.attributes['gen_ai.request.stream'], true);
  });

  it('patched twice by Breakwater (a second load of a client file), it runs one pipeline', async () => {
    const module = loadOpenAI();
    h.openai.patch(module);
    const m = 'gpt-patched-twice';
    h.fp.script({ route: 'openai.chat', model: m, steps: [{ fault: 'error', status: 503, count: 1 }] });
    const client = new module.default({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl, maxRetries: 0 });
    await client.chat.completions.create({ model: m, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(h.fp.count({ route: 'openai.chat', model: m }), 2);
    assert.equal(byRole(h.spans(), 'operation').length, 1);
  });
});
