/**
 * `embeddings.create`: operation `embeddings`, input tokens only.
 */
import { SEMCONV } from '@breakwater/protocol';
import type { CallDescription } from '../client/api-promise.ts';
import { type AttributeMap, baseAttributes, int, num, obj, str } from '../client/describe.ts';
import type { ChunkReader } from '../client/stream.ts';

const noChunks: ChunkReader = { onChunk() {}, finish: () => undefined };

/** Describes an `embeddings.create` call. */
export function describeEmbeddings(body: unknown, server: AttributeMap): CallDescription {
  const b = obj(body);
  const base = baseAttributes('embeddings', 'openai', str(b.model), server);
  const dims = int(b.dimensions);
  if (dims !== undefined) base.requestAttributes[SEMCONV.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dims;
  // Only as requested: the client asks for base64 on its own when the caller names no format.
  const format = str(b.encoding_format);
  if (format !== undefined) base.requestAttributes[SEMCONV.GEN_AI_REQUEST_ENCODING_FORMATS] = [format];
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
