import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { SizedExporter } from './sized-export.ts';

type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];

/** Spans of about 2 KB each: with a 5 KB bound, six of them go out as three parts. */
function spans(count: number): ReadableSpan[] {
  return Array.from(
    { length: count },
    (_, i) => ({ name: `s${i}`, attributes: { content: 'x'.repeat(1_000) }, events: [], links: [] }) as never,
  );
}

/** An inner exporter answering each part with the next of `results`, recording the parts sent. */
function innerAnswering(results: ExportResult[]): SpanExporter & { parts: number } {
  const inner = {
    parts: 0,
    export(_spans: ReadableSpan[], done: (result: ExportResult) => void) {
      const result = results[inner.parts++] ?? { code: 0 };
      queueMicrotask(() => done(result));
    },
    shutdown: async () => {},
  };
  return inner;
}

function exportThrough(inner: SpanExporter): Promise<ExportResult> {
  return new Promise((resolve) => new SizedExporter(inner, 5_000).export(spans(6), resolve));
}

describe('a batch sent in parts', () => {
  it('stops at a part that failed for the collector (down, overloaded, too slow): the rest would only add load', async () => {
    for (const error of [
      new Error('Export failed with retryable status'),
      new Error('Request timed out'),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), { code: 'ECONNREFUSED' }),
    ]) {
      const inner = innerAnswering([{ code: 1, error }]);
      const result = await exportThrough(inner);
      assert.equal(inner.parts, 1, error.message);
      assert.equal(result.code, 1);
      assert.equal(result.error, error);
    }
  });

  it('goes on past a part the collector refused for itself (413, 400), reporting the failure', async () => {
    const error = Object.assign(new Error('Payload Too Large'), { code: 413 });
    const inner = innerAnswering([{ code: 1, error }]);
    const result = await exportThrough(inner);
    assert.equal(inner.parts, 3);
    assert.equal(result.error, error);
  });
});
