/**
 * `embeddings.create`: operation `embeddings`, input tokens only.
 */
import { SEMCONV } from '@breakwater/protocol';
import type { CallDescription } from '../client/api-promise.ts';
import { type AttributeMap, baseAttributes, num, obj, str } from '../client/describe.ts';
import type { ChunkReader } from '../client/stream.ts';

const noChunks: ChunkReader = { onChunk() {}, finish: () => undefined };

/** Describes an `embeddings.create` call. */
export function describeEmbeddings(body: unknown, server: AttributeMap): CallDescription {
  const b = obj(body);
  const base = baseAttributes('embeddings', 'openai', str(b.model), server);
  const dims = num(b.dimensions);
  if (dims !== undefined) base.requestAttributes[SEMCONV.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dims;
  return {
    ...base,
    provider: 'openai',
    stream: false,
    onResponse(op, data) {
      const d = obj(data);
      op.setResponseModel(str(d.model));
      const input = num(obj(d.usage).prompt_tokens);
      return input === undefined ? undefined : { input };
    },
    chunkReader: () => noChunks,
  };
}
