import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { makeGenAiSpans } from '../../bench/genai-spans.ts';
import { heapUsed } from '../testing/heap.ts';
import { estimateJsonTreeBytes } from './json-tree-estimate.ts';

/** Heap the parsed tree of `text` holds, measured. */
function treeBytes(text: string): number {
  const before = heapUsed();
  const tree: unknown = JSON.parse(text);
  const held = heapUsed() - before;
  assert.ok(tree !== undefined);
  return held;
}

describe('estimateJsonTreeBytes', () => {
  it('is never under the parsed tree, for the worst shapes and for real OTLP/JSON', async () => {
    const spans = await makeGenAiSpans({ spans: 2_000, services: 3 });
    const otlp = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!);
    const shapes: Record<string, string> = {
      'empty objects': `[${'{},'.repeat(500_000)}{}]`,
      'empty arrays': `[${'[],'.repeat(500_000)}[]]`,
      'nested arrays': `[${'[[[[[]]]]],'.repeat(100_000)}[]]`,
      'small objects': `[${Array.from({ length: 200_000 }, (_, i) => `{"a":${i},"b":"x","c":{"d":1.5}}`).join(',')}]`,
      'unique keys': `{${Array.from({ length: 200_000 }, (_, i) => `"k${i}":1`).join(',')}}`,
      'unique strings': `[${Array.from({ length: 300_000 }, (_, i) => `"s${i}\\"x"`).join(',')}]`,
      'two-byte strings': `[${Array.from({ length: 100_000 }, (_, i) => `"é${i}ü"`).join(',')}]`,
      'OTLP/JSON': otlp,
    };
    for (const [shape, text] of Object.entries(shapes)) {
      const estimate = estimateJsonTreeBytes(new TextEncoder().encode(text));
      const actual = treeBytes(text);
      assert.ok(estimate >= actual, `${shape}: estimate ${estimate} under the tree's ${actual} bytes`);
    }
    // Real OTLP/JSON is charged a few times its size, not the worst shape's 30-odd.
    const bytes = new TextEncoder().encode(otlp);
    assert.ok(estimateJsonTreeBytes(bytes) < 10 * bytes.length);
  });
});
