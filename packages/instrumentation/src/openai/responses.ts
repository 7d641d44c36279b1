/**
 * `responses.create`: the Responses API. Streams are typed events; the final `response.completed`
 * (or `response.failed` / `response.incomplete`) event carries the whole response with its usage.
 */
import { SEMCONV } from '@breakwater/protocol';
import type { CallDescription } from '../client/api-promise.ts';
import { type AttributeMap, baseAttributes, json, num, obj, str } from '../client/describe.ts';
import type { ChunkReader } from '../client/stream.ts';
import type { Operation, Usage } from '../operation.ts';

function read(op: Operation, response: Record<string, unknown>): Usage | undefined {
  op.setResponseModel(str(response.model));
  const id = str(response.id);
  if (id !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_ID, id);
  const status = str(response.status);
  if (status !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_FINISH_REASONS, [status]);
  const usage = obj(response.usage);
  const input = num(usage.input_tokens);
  const output = num(usage.output_tokens);
  if (input === undefined && output === undefined) return undefined;
  // input_tokens already include cached ones; the details say how many were.
  return { input, output, cacheRead: num(obj(usage.input_tokens_details).cached_tokens) };
}

class ResponsesChunkReader implements ChunkReader {
  private last: Record<string, unknown> | undefined;

  onChunk(chunk: unknown): void {
    const event = obj(chunk);
    const type = str(event.type);
    // Every lifecycle event carries the response so far; the last one seen is the most complete.
    if (type?.startsWith('response.') && event.response !== undefined) {
      this.last = obj(event.response);
    }
  }

  finish(op: Operation): Usage | undefined {
    return this.last === undefined ? undefined : read(op, this.last);
  }
}

/** Describes a `responses.create` call. */
export function describeResponses(body: unknown, server: AttributeMap, capture: boolean): CallDescription {
  const b = obj(body);
  const model = str(b.model);
  const stream = b.stream === true;
  const base = baseAttributes('chat', 'openai', model, server);
  const maxTokens = num(b.max_output_tokens);
  if (maxTokens !== undefined) base.requestAttributes[SEMCONV.GEN_AI_REQUEST_MAX_TOKENS] = maxTokens;
  if (stream) base.requestAttributes[SEMCONV.GEN_AI_REQUEST_STREAM] = true;
  if (capture) {
    const input = json(b.input);
    if (input !== undefined) base.requestAttributes[SEMCONV.GEN_AI_INPUT_MESSAGES] = input;
  }
  return {
    ...base,
    provider: 'openai',
    stream,
    onResponse(op, data) {
      const d = obj(data);
      if (capture) {
        const out = json(d.output);
        if (out !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_OUTPUT_MESSAGES, out);
      }
      return read(op, d);
    },
    chunkReader: () => new ResponsesChunkReader(),
  };
}
