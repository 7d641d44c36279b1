import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ATTR, SEMCONV } from '@breakwater/protocol';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { SpanTreeLog } from './span-log.ts';

it('prints a trace as a tree when its root ends: children in start order, failures and fallbacks on their line', async () => {
  const lines: string[] = [];
  const log = new SpanTreeLog((line) => lines.push(line));
  const tracer = new TracerProvider({ spanProcessors: [log] }).getTracer('t');
  const root = tracer.startSpan('invoke_agent support-agent');
  const inRoot = trace.setSpan(context.active(), root);
  const op = tracer.startSpan('chat m', { attributes: { [ATTR.ROLE]: 'operation' } }, inRoot);
  const inOp = trace.setSpan(context.active(), op);
  const first = tracer.startSpan('chat m', { attributes: { [ATTR.ROLE]: 'attempt' } }, inOp);
  first.setAttributes({
    [SEMCONV.ERROR_TYPE]: '503',
    [ATTR.ERROR_CATEGORY]: 'overloaded',
    [ATTR.ERROR_RETRYABLE]: true,
  });
  first.setStatus({ code: SpanStatusCode.ERROR });
  first.end();
  const second = tracer.startSpan(
    'chat m',
    { attributes: { [ATTR.ROLE]: 'attempt', [SEMCONV.HTTP_REQUEST_RESEND_COUNT]: 1 } },
    inOp,
  );
  second.end();
  op.setAttributes({
    [ATTR.RETRY_ATTEMPTS]: 2,
    [ATTR.FALLBACK]: 'canned',
    [ATTR.ERROR_CATEGORY]: 'overloaded',
  });
  op.end();
  tracer.startSpan('execute_tool get_weather', {}, inRoot).end();
  assert.equal(lines.length, 0, 'nothing is printed before the root ends');
  root.end();

  const shape = lines.map((l) => l.replace(/\d+ms/g, 'Nms'));
  assert.match(shape[0]!, /^trace [0-9a-f]{8}$/);
  assert.deepEqual(shape.slice(1), [
    '  invoke_agent support-agent  Nms',
    '    chat m  Nms  2 attempts  fallback canned after overloaded',
    '      attempt 0  Nms  ERROR 503 (overloaded, retryable)',
    '      attempt 1  Nms',
    '    execute_tool get_weather  Nms',
  ]);
});

it('a trace whose root never ends here is printed at shutdown, its orphans as roots', async () => {
  const lines: string[] = [];
  const log = new SpanTreeLog((line) => lines.push(line));
  const tracer = new TracerProvider({ spanProcessors: [log] }).getTracer('t');
  const root = tracer.startSpan('never ends');
  tracer.startSpan('child', {}, trace.setSpan(context.active(), root)).end();
  assert.equal(lines.length, 0);
  await log.shutdown();
  assert.deepEqual(
    lines.slice(1).map((l) => l.replace(/\d+ms/g, 'Nms')),
    ['  child  Nms'],
  );
});
