/**
 * `@anthropic-ai/sdk` (1.x) starts an OpenTelemetry span of its own for each API call when a
 * tracer provider is registered, and reuses a call span handed to it in the request options
 * (`__span`) instead of starting one. We hand it a non-recording stand-in that carries the span
 * context of our current span: the SDK records on and ends the stand-in (no-ops), but still makes
 * it the active span during the request and injects its `traceparent`, so downstream HTTP spans
 * and the provider see our attempt span as their parent. Result: one operation span and one
 * attempt span per try, no duplicate SDK span, trace propagation intact.
 */
import { context, trace } from '@opentelemetry/api';

/** A call-span stand-in for the SDK's `__span` option, carrying the active span's context. */
export function sdkSpanStandIn(name: string): Record<string, unknown> {
  const active = trace.getSpanContext(context.active());
  return {
    span: trace.wrapSpanContext(active ?? { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 0 }),
    name,
    startTime: Date.now(),
  };
}
