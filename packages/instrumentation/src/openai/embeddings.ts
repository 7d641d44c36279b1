/**
 * `embeddings.create`: operation `embeddings`, input tokens only.
 */
import { SEMCONV } from '@breakwater/protocol';
import type { CallDescription } from '../client/api-promise.ts';
import { baseAttributes, int, num, obj, str } from '../client/describe.ts';
import type { Endpoint } from '../client/endpoint.ts';
import type { ChunkReader } from '../client/stream.ts';

const noChunks: ChunkReader = { onChunk() {}, finish: () => undefined };

/** A list of numbers as the API's base64 encoding carries it: float32 bytes, in base64. */
function base64Floats(vector: unknown): string | undefined {
  if (!Array.isArray(vector) || !vector.every((v) => typeof v === 'number')) return undefined;
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

/**
 * A fallback's embeddings as the wire carries them when the caller named no `encoding_format`:
 * the client then asks for base64 and decodes every embedding it gets (openai 6 even a list of
 * numbers, which comes out empty). A fallback written as the app sees the result, with lists of
 * numbers, is encoded so that it decodes to those numbers; base64 it returns is left as it is.
 * The fallback's own object is not changed (it may be a cached one).
 */
function wireEmbeddings(value: unknown): unknown {
  const body = obj(value);
  if (!Array.isArray(body.data)) return value;
  const data = body.data.map((item: unknown) => {
    const encoded = base64Floats(obj(item).embedding);
    return encoded === undefined ? item : { ...obj(item), embedding: encoded };
  });
  return { ...body, data };
}

/** Describes an `embeddings.create` call. */
export function describeEmbeddings(body: unknown, endpoint: Endpoint): CallDescription {
  const b = obj(body);
  const base = baseAttributes('embeddings', endpoint, str(b.model), true);
  const dims = int(b.dimensions);
  if (dims !== undefined) base.requestAttributes[SEMCONV.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dims;
  // Only as requested: the client asks for base64 on its own when the caller names no format.
  const format = str(b.encoding_format);
  if (format !== undefined) base.requestAttributes[SEMCONV.GEN_AI_REQUEST_ENCODING_FORMATS] = [format];
  return {
    ...base,
    stream: false,
    onResponse(op, data) {
      const d = obj(data);
      op.setResponseModel(str(d.model));
      const input = num(obj(d.usage).prompt_tokens);
      return input === undefined ? undefined : { input };
    },
    chunkReader: () => noChunks,
    fallbackBody: format === undefined ? wireEmbeddings : undefined,
  };
}
