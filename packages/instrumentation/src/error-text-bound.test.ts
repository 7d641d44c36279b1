import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import { MAX_ERROR_TEXT } from './span-attributes.ts';
import { byRole, harnessPerFile } from './testing/harness.ts';
import { tool } from './tool.ts';

const h = harnessPerFile();

/** Every string a span holds in its status and events, by where it is. */
function errorTexts(role: 'operation' | 'attempt', name: string): Record<string, number> {
  const span = byRole(h.spans(), role).find((s) => s.name === `execute_tool ${name}`);
  assert.ok(span, `${role} span of ${name}`);
  assert.equal(span.status.code, SpanStatusCode.ERROR);
  const out: Record<string, number> = { status: span.status.message?.length ?? 0 };
  for (const event of span.events)
    for (const [key, value] of Object.entries(event.attributes ?? {}))
      if (typeof value === 'string') out[key] = value.length;
  return out;
}

describe('error text on spans', () => {
  it('bounds an error carrying a whole response body: status, exception message and stack', async () => {
    const body = '<html>'.repeat(200_000);
    const fetchPage = tool('fetch_page_big_error', async () => {
      throw Object.assign(new Error(`upstream said: ${body}`), { code: 'EUPSTREAM' });
    });
    await assert.rejects(fetchPage(), (error: Error) => error.message.length > 1_000_000);
    const bound = MAX_ERROR_TEXT + 40;
    for (const role of ['operation', 'attempt'] as const) {
      for (const [where, length] of Object.entries(errorTexts(role, 'fetch_page_big_error')))
        assert.ok(length <= bound, `${role} ${where}: ${length} characters`);
    }
    const operation = byRole(h.spans(), 'operation').find(
      (s) => s.name === 'execute_tool fetch_page_big_error',
    )!;
    const exception = operation.events.find((e) => e.name === 'exception')!;
    assert.equal(exception.attributes?.['exception.type'], 'EUPSTREAM');
    assert.match(
      String(exception.attributes?.['exception.message']),
      /^upstream said: <html>.*… \(\d+ more characters\)$/s,
    );
    assert.match(String(operation.status.message), /more characters\)$/);
  });

  it('keeps a short error as it is', async () => {
    const lookup = tool('lookup_short_error', async () => {
      throw new TypeError('no such item');
    });
    await assert.rejects(lookup());
    const operation = byRole(h.spans(), 'operation').find(
      (s) => s.name === 'execute_tool lookup_short_error',
    )!;
    assert.equal(operation.status.message, 'no such item');
    const exception = operation.events.find((e) => e.name === 'exception')!;
    assert.equal(exception.attributes?.['exception.type'], 'TypeError');
    assert.equal(exception.attributes?.['exception.message'], 'no such item');
    assert.match(String(exception.attributes?.['exception.stacktrace']), /^TypeError: no such item\n/);
  });
});
