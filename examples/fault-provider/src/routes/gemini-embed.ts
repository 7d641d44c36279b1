/**
 * `POST /v1beta/models/{model}:embedContent` and `:batchEmbedContents`: Gemini's embeddings, one
 * text or a batch of them, as deterministic unit vectors (the same as `openai.embeddings` gives
 * the same text). Both are the route `gemini.embed_content`.
 */
import { isRecord } from '../canned.ts';
import { geminiErrorFrame } from './gemini-generate.ts';
import { embed } from './openai-embeddings.ts';
import { contentText, optionalPositiveInt, type ParsedRequest, type Route } from './route.ts';

/** One text to embed, with the size asked for. */
interface EmbedRequest {
  readonly text: string;
  readonly dimensions: number | undefined;
}

/** `:embedContent`: `{ content, outputDimensionality? }` → `{ embedding: { values } }`. */
export const geminiEmbedRoute: Route = {
  id: 'gemini.embed_content',
  provider: 'gemini',
  path: '/v1beta/models/{model}:embedContent',
  parse(body, pathModel): ParsedRequest | string {
    const model = pathModel ?? '';
    const request = embedRequest(body, 'EmbedContentRequest');
    if (typeof request === 'string') return request;
    return {
      model,
      stream: false,
      render: () => ({ kind: 'json', body: JSON.stringify({ embedding: embedding(model, request) }) }),
    };
  },
  errorFrame: geminiErrorFrame,
};

/** `:batchEmbedContents`: `{ requests: [EmbedContentRequest…] }` → `{ embeddings: [{ values }…] }`. */
export const geminiBatchEmbedRoute: Route = {
  id: 'gemini.embed_content',
  provider: 'gemini',
  path: '/v1beta/models/{model}:batchEmbedContents',
  parse(body, pathModel): ParsedRequest | string {
    const model = pathModel ?? '';
    if (!Array.isArray(body.requests) || body.requests.length === 0)
      return '* BatchEmbedContentsRequest.requests: requests is not specified';
    const requests: EmbedRequest[] = [];
    for (const r of body.requests) {
      const request = isRecord(r)
        ? embedRequest(r, 'BatchEmbedContentsRequest.requests')
        : 'a request must be an object';
      if (typeof request === 'string') return request;
      requests.push(request);
    }
    return {
      model,
      stream: false,
      render: () => ({
        kind: 'json',
        body: JSON.stringify({ embeddings: requests.map((r) => embedding(model, r)) }),
      }),
    };
  },
  errorFrame: geminiErrorFrame,
};

function embedRequest(body: Record<string, unknown>, where: string): EmbedRequest | string {
  const content = body.content;
  const text = isRecord(content) ? contentText(content.parts) : '';
  if (text === '') return `* ${where}.content: content is not specified`;
  const dimensions = optionalPositiveInt(body.outputDimensionality, `${where}.output_dimensionality`);
  if (typeof dimensions === 'string') return dimensions;
  return { text, dimensions };
}

/** `gemini-embedding-*` models answer 3072 values by default, older ones (`text-embedding-004`) 768. */
function embedding(model: string, request: EmbedRequest) {
  const size = request.dimensions ?? (model.startsWith('gemini-embedding') ? 3072 : 768);
  return { values: Array.from(embed(request.text, size)) };
}
