/**
 * Span exports small enough for a collector to take. The OTLP/HTTP exporter sends a whole batch
 * (512 spans by default) as one JSON request, and a collector refuses a body over its limit
 * (Breakwater's collector: `limits.maxJsonBodyBytes`, 20 MiB by default) with 413, after which
 * the exporter drops the whole batch. Spans that carry captured message content run to tens of kilobytes
 * each, so a batch of them can pass that limit: such a batch goes out as several requests.
 */
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];

/**
 * Largest estimated JSON body of one export request. The estimate is rough, so this stays far
 * under the collector's default 20 MiB; a receiver set lower than that still takes the parts.
 */
export const MAX_EXPORT_BYTES = 3 * 1024 * 1024;

/** Bytes of a span's JSON besides its attribute values: ids, times, kind, status, keys. */
const SPAN_BYTES = 600;
/** Bytes per attribute, event or link besides the values it carries. */
const ENTRY_BYTES = 64;
/** JSON escaping inside the request: captured content is JSON text, its quotes are escaped. */
const ESCAPE_SLACK = 1.25;

/** A span exporter that splits a batch whose estimated JSON passes `maxBytes` into several exports. */
export class SizedExporter implements SpanExporter {
  private readonly inner: SpanExporter;
  private readonly maxBytes: number;

  constructor(inner: SpanExporter, maxBytes = MAX_EXPORT_BYTES) {
    this.inner = inner;
    this.maxBytes = maxBytes;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const parts = split(spans, this.maxBytes);
    if (parts.length === 1) {
      this.inner.export(spans, done);
      return;
    }
    // One after another: the batch is one export to the processor, which waits for its result.
    let failed: ExportResult | undefined;
    let next = 0;
    const sendNext = (): void => {
      const part = parts[next++];
      if (part === undefined) {
        done(failed ?? ({ code: 0 } as ExportResult));
        return;
      }
      this.inner.export(part, (result) => {
        if (result.code !== 0) failed ??= result;
        // A collector down, overloaded (429/5xx through every retry) or too slow fails the next
        // part too, after as many retries: sending on would only add load to it, and keep the
        // batch in memory long after the processor gave up on it. A part refused for itself (413)
        // does not stop the others.
        if (result.code !== 0 && !refusedForItself(result.error)) next = parts.length;
        sendNext();
      });
    };
    sendNext();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * Whether a failed part was refused for what it holds (an HTTP 4xx the exporter does not retry:
 * 413, 400) rather than for the collector's state: no status (unreachable, timed out) or a
 * retryable one the exporter gave up on.
 */
function refusedForItself(error: Error | undefined): boolean {
  const status = (error as { code?: unknown } | undefined)?.code;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** Consecutive runs of `spans` whose estimated size stays within `maxBytes` (a larger span alone). */
export function split(spans: ReadableSpan[], maxBytes: number): ReadableSpan[][] {
  const parts: ReadableSpan[][] = [];
  let part: ReadableSpan[] = [];
  let bytes = 0;
  for (const span of spans) {
    const size = estimatedBytes(span);
    if (part.length > 0 && bytes + size > maxBytes) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(span);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/** A span's JSON size, estimated from what it carries. */
export function estimatedBytes(span: ReadableSpan): number {
  let bytes = SPAN_BYTES + span.name.length + attributeBytes(span.attributes);
  for (const event of span.events)
    bytes += ENTRY_BYTES + event.name.length + attributeBytes(event.attributes);
  for (const link of span.links) bytes += ENTRY_BYTES + attributeBytes(link.attributes);
  return bytes;
}

function attributeBytes(attributes: ReadableSpan['attributes'] | undefined): number {
  let bytes = 0;
  if (attributes === undefined) return bytes;
  for (const key in attributes) {
    bytes += ENTRY_BYTES + key.length + valueBytes(attributes[key]);
  }
  return bytes;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Math.ceil(Buffer.byteLength(value) * ESCAPE_SLACK);
  if (Array.isArray(value)) {
    let bytes = 0;
    for (const item of value) bytes += 8 + valueBytes(item);
    return bytes;
  }
  return 24;
}
