/**
 * The demo's span log: each trace printed as an indented tree when its root span ends, so the
 * console shows what Jaeger would (agent → LLM operation → attempts → tools) with the failures,
 * retries, refusals and fallbacks on each line.
 */
import { ATTR, SEMCONV } from '@breakwater/protocol';
import { type HrTime, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * Traces waiting for their root (e.g. an operation started outside any agent span whose root is
 * remote, or a root that never ends). Beyond this the oldest is printed as it stands; spans of it
 * that end later print as a second block. Traces themselves are small: one agent turn each.
 */
const MAX_OPEN_TRACES = 256;

const ms = ([s, ns]: HrTime): number => s * 1e3 + ns / 1e6;

/** One span's line: name, duration, and what Breakwater recorded about it. */
function spanLine(span: ReadableSpan): string {
  const a = span.attributes;
  const parts = [
    a[ATTR.ROLE] === 'attempt' ? `attempt ${a[SEMCONV.HTTP_REQUEST_RESEND_COUNT] ?? 0}` : span.name,
    `${ms(span.duration).toFixed(0)}ms`,
  ];
  const attempts = a[ATTR.RETRY_ATTEMPTS];
  if (typeof attempts === 'number' && attempts > 1) parts.push(`${attempts} attempts`);
  if (span.status.code === SpanStatusCode.ERROR) {
    const retryable = a[ATTR.ERROR_RETRYABLE] === true ? ', retryable' : '';
    parts.push(
      `ERROR ${a[SEMCONV.ERROR_TYPE] ?? '_OTHER'} (${a[ATTR.ERROR_CATEGORY] ?? 'unknown'}${retryable})`,
    );
  }
  if (a[ATTR.FALLBACK] !== undefined)
    parts.push(`fallback ${a[ATTR.FALLBACK]} after ${a[ATTR.ERROR_CATEGORY]}`);
  return parts.join('  ');
}

/** The lines of one trace: roots first, each span followed by its children in start order. */
export function renderTrace(spans: readonly ReadableSpan[]): string[] {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    // A parent outside this process (or not ended yet) makes the span a root here.
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    const list = children.get(key) ?? [];
    list.push(span);
    children.set(key, list);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number): void => {
    const list = (children.get(parent) ?? []).sort((x, y) => ms(x.startTime) - ms(y.startTime));
    for (const span of list) {
      lines.push(`${'  '.repeat(depth)}${spanLine(span)}`);
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}

/** A span processor that prints each trace as a tree (via `print`) once its local root ends. */
export class SpanTreeLog implements SpanProcessor {
  private readonly open = new Map<string, ReadableSpan[]>();
  private readonly print: (line: string) => void;

  constructor(print: (line: string) => void = (line) => console.log(line)) {
    this.print = print;
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    const traceId = span.spanContext().traceId;
    const spans = this.open.get(traceId) ?? [];
    spans.push(span);
    this.open.set(traceId, spans);
    if (span.parentSpanContext === undefined || span.parentSpanContext.isRemote === true)
      this.flushTrace(traceId);
    else if (this.open.size > MAX_OPEN_TRACES) this.flushTrace(this.open.keys().next().value!);
  }

  async forceFlush(): Promise<void> {
    for (const traceId of [...this.open.keys()]) this.flushTrace(traceId);
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
  }

  private flushTrace(traceId: string): void {
    const spans = this.open.get(traceId);
    this.open.delete(traceId);
    if (spans === undefined) return;
    this.print(`trace ${traceId.slice(0, 8)}`);
    for (const line of renderTrace(spans)) this.print(`  ${line}`);
  }
}
