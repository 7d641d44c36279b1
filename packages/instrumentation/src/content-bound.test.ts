import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import type OpenAIType from 'openai';
import { DEFAULT_CAPTURE_MAX_BYTES } from './bounded-json.ts';
import { createRuntime } from './runtime.ts';
import { attrs, byRole, harnessPerFile, require } from './testing/harness.ts';
import { tool } from './tool.ts';

// Captured content is bounded per attribute (here 4 KiB, through the environment variable), so a
// long conversation cannot make spans too large to export.
process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
process.env.BREAKWATER_CAPTURE_MAX_BYTES = '4096';

const h = harnessPerFile();

const openai = () => {
  const OpenAI = require('openai').default as typeof OpenAIType;
  return new OpenAI({ apiKey: 'k', baseURL: h.fp.openaiBaseUrl });
};
const operation = (name: string) => {
  const op = byRole(h.spans(), 'operation').find((s) => s.name === name);
  assert.ok(op, `an operation span named ${name}`);
  return attrs(op);
};

describe('captured content within BREAKWATER_CAPTURE_MAX_BYTES', () => {
  it('a long conversation keeps its newest messages, whole, within the bound; the span says it was cut', async () => {
    const history = Array.from({ length: 30 }, (_, i) => ({
      role: i % 2 ? ('assistant' as const) : ('user' as const),
      content: `turn ${i}: ${'lorem ipsum '.repeat(40)}`,
    }));
    const question = 'and what about tomorrow?';
    const answer = await openai().chat.completions.create({
      model: 'bound-chat',
      messages: [...history, { role: 'user', content: question }],
    });
    const a = operation('chat bound-chat');
    const input = a['gen_ai.input.messages'] as string;
    assert.ok(Buffer.byteLength(input) <= 4096, `${Buffer.byteLength(input)} bytes`);
    const messages = JSON.parse(input) as { role: string; parts: { type: string; content: string }[] }[];
    assert.ok(messages.length > 1 && messages.length < 31, `kept ${messages.length} of 31`);
    assert.deepEqual(messages.at(-1), { role: 'user', parts: [{ type: 'text', content: question }] });
    assert.equal(messages.at(-2)?.parts[0]?.content, history.at(-1)?.content, 'kept messages are whole');
    assert.equal(a['breakwater.content.truncated'], true);
    // The answer is small: recorded in full.
    const output = JSON.parse(a['gen_ai.output.messages'] as string) as { parts: { content: string }[] }[];
    assert.equal(output[0]?.parts[0]?.content, answer.choices[0]?.message.content);
  });

  it('content within the bound is recorded as it is, with no truncation attribute', async () => {
    await openai().chat.completions.create({
      model: 'bound-small',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const a = operation('chat bound-small');
    assert.deepEqual(JSON.parse(a['gen_ai.input.messages'] as string), [
      { role: 'user', parts: [{ type: 'text', content: 'hi' }] },
    ]);
    assert.equal(a['breakwater.content.truncated'], undefined);
  });

  it('tool(): a large result is cut to the bound, its keys and short values kept', async () => {
    const search = tool('search_docs', async (query: string) => ({
      query,
      hits: 3,
      text: 'found '.repeat(5_000),
    }));
    await search('breakers');
    const a = operation('execute_tool search_docs');
    assert.equal(a['gen_ai.tool.call.arguments'], '"breakers"');
    const result = a['gen_ai.tool.call.result'] as string;
    assert.ok(Buffer.byteLength(result) <= 4096);
    const parsed = JSON.parse(result) as { query: string; hits: number; text: string };
    assert.equal(parsed.query, 'breakers');
    assert.equal(parsed.hits, 3);
    assert.match(parsed.text, /^(found )+f?o?u?n?d?…$/);
    assert.equal(a['breakwater.content.truncated'], true);
  });
});

describe('content that cannot be bounded', () => {
  it('a tool result nested too deep to walk is left out; the tool’s own value still reaches the app', async () => {
    const deep = `${'['.repeat(5_000)}"${'x'.repeat(40_000)}"${']'.repeat(5_000)}`;
    const fetchDoc = tool('fetch_doc', async () => deep);
    assert.equal(await fetchDoc(), deep);
    const a = operation('execute_tool fetch_doc');
    assert.equal(a['gen_ai.tool.call.result'], undefined);
    assert.equal(a['breakwater.content.truncated'], true);
  });

  // Regression: JSON's throw was swallowed, and the span did not say anything was left out.
  it('tool arguments or a result JSON cannot encode (a bigint, a circular object) are left out, and the span says so', async () => {
    const total = tool('sum_big', async (x: { id: bigint }) => ({ total: x.id + 5n }));
    assert.deepEqual(await total({ id: 7n }), { total: 12n });
    const a = operation('execute_tool sum_big');
    assert.equal(a['gen_ai.tool.call.arguments'], undefined);
    assert.equal(a['gen_ai.tool.call.result'], undefined);
    assert.equal(a['breakwater.content.truncated'], true);

    const node: { name: string; self?: unknown } = { name: 'loop' };
    node.self = node;
    await tool('walk', async (_n: typeof node) => 'done')(node);
    const w = operation('execute_tool walk');
    assert.equal(w['gen_ai.tool.call.arguments'], undefined);
    assert.equal(w['gen_ai.tool.call.result'], '"done"');
    assert.equal(w['breakwater.content.truncated'], true);

    // Nothing to record is not content left out.
    await tool('fire_and_forget', async (_event: string) => undefined)('x');
    assert.equal(operation('execute_tool fire_and_forget')['breakwater.content.truncated'], undefined);
  });
});

describe('the bound’s configuration', () => {
  it('captureMaxBytes wins over the environment; a bad one is refused with a clear error', () => {
    assert.equal(createRuntime({ captureMaxBytes: 1000 }).contentCapture.maxBytes, 1000);
    assert.throws(
      () => createRuntime({ captureMaxBytes: 0 }),
      /captureMaxBytes: must be an integer of at least 1 \(got 0\)/,
    );
    assert.throws(() => createRuntime({ captureMaxBytes: 1.5 }), TypeError);
  });

  it('a bad BREAKWATER_CAPTURE_MAX_BYTES warns and leaves the default', () => {
    const warnings: string[] = [];
    const logger: DiagLogger = {
      error: () => {},
      warn: (message) => warnings.push(message),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    };
    diag.setLogger(logger, DiagLogLevel.WARN);
    process.env.BREAKWATER_CAPTURE_MAX_BYTES = '32k';
    try {
      assert.equal(createRuntime().contentCapture.maxBytes, DEFAULT_CAPTURE_MAX_BYTES);
    } finally {
      process.env.BREAKWATER_CAPTURE_MAX_BYTES = '4096';
      diag.disable();
    }
    assert.deepEqual(warnings, [
      `BREAKWATER_CAPTURE_MAX_BYTES=32k: must be an integer of at least 1; using ${DEFAULT_CAPTURE_MAX_BYTES}`,
    ]);
  });
});
