/**
 * `responses.create`: the Responses API. The GenAI conventions file it under operation `chat`
 * with `openai.api.type=responses`. Streams are typed events; the final `response.completed`
 * (or `response.failed` / `response.incomplete`) event carries the whole response with its usage.
 */
import { SEMCONV } from '@breakwater/protocol';
import type { ContentCapture } from '../bounded-json.ts';
import type { CallDescription } from '../client/api-promise.ts';
import { setJson, setOutputMessages } from '../client/content.ts';
import { baseAttributes, int, num, obj, outputType, setIf, str } from '../client/describe.ts';
import { type Endpoint, OPENAI } from '../client/endpoint.ts';
import type { ChunkReader } from '../client/stream.ts';
import type { Operation, Usage } from '../operation.ts';
import {
  responsesFinishReason,
  responsesInputMessages,
  responsesOutputMessages,
  responsesSystemInstructions,
  responsesToolDefinitions,
} from './content.ts';

/** `openai` says whether the `openai.*` attributes apply (the provider is OpenAI itself). */
function read(
  op: Operation,
  response: Record<string, unknown>,
  capture: ContentCapture | undefined,
  openai: boolean,
): Usage | undefined {
  op.setResponseModel(str(response.model));
  const id = str(response.id);
  if (id !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_ID, id);
  const reason = responsesFinishReason(response);
  if (reason !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_FINISH_REASONS, [reason]);
  const tier = openai ? str(response.service_tier) : undefined;
  if (tier !== undefined) op.span.setAttribute(SEMCONV.OPENAI_RESPONSE_SERVICE_TIER, tier);
  if (capture) setOutputMessages(op.span, () => responsesOutputMessages(response), capture);
  const usage = obj(response.usage);
  const input = num(usage.input_tokens);
  const output = num(usage.output_tokens);
  if (input === undefined && output === undefined) return undefined;
  // input_tokens already include cached ones, and output_tokens reasoning ones; the details say
  // how many were.
  return {
    input,
    output,
    cacheRead: num(obj(usage.input_tokens_details).cached_tokens),
    reasoningOutput: num(obj(usage.output_tokens_details).reasoning_tokens),
  };
}

/**
 * Turns the `error` of a failed response (`{ code, message }`) into the client's own `APIError`,
 * as the client itself does with an error chunk: classified by its code like any provider error.
 */
export type ResponseErrorFactory = (error: Record<string, unknown>) => unknown;

class ResponsesChunkReader implements ChunkReader {
  private last: Record<string, unknown> | undefined;
  private failed: Record<string, unknown> | undefined;
  private readonly capture: ContentCapture | undefined;
  private readonly toError: ResponseErrorFactory;
  private readonly openai: boolean;

  constructor(capture: ContentCapture | undefined, toError: ResponseErrorFactory, openai: boolean) {
    this.capture = capture;
    this.toError = toError;
    this.openai = openai;
  }

  onChunk(chunk: unknown): void {
    const event = obj(chunk);
    const type = str(event.type);
    // An `error` event the client yielded rather than threw (openai 6 throws only for a nested
    // `error` object; the published schema is flat): the generation failed all the same.
    if (type === 'error') {
      this.failed ??= errorOfEvent(event);
      return;
    }
    // Every lifecycle event carries the response so far; the last one seen is the most complete.
    if (type?.startsWith('response.') && event.response !== undefined) {
      this.last = obj(event.response);
      // A generation that failed after the stream began ends with `response.failed`, which the
      // client yields like any event.
      if (type === 'response.failed') this.failed = obj(this.last.error);
    }
  }

  finish(op: Operation): Usage | undefined {
    return this.last === undefined ? undefined : read(op, this.last, this.capture, this.openai);
  }

  failure(): unknown {
    return this.failed === undefined ? undefined : this.toError(this.failed);
  }
}

/** The error an `error` event reports: its nested `error` object, else its own flat fields. */
function errorOfEvent(event: Record<string, unknown>): Record<string, unknown> {
  const nested = obj(event.error);
  if (Object.keys(nested).length > 0) return nested;
  const { code, message, param } = event;
  return { code, message, param };
}

/** The conversation a request belongs to: `conversation` is an id or `{ id }`. */
function conversationId(value: unknown): string | undefined {
  return str(value) ?? str(obj(value).id);
}

/** Describes a `responses.create` call; `toError` builds the error a `response.failed` stream ends with. */
export function describeResponses(
  body: unknown,
  endpoint: Endpoint,
  capture: ContentCapture | undefined,
  toError: ResponseErrorFactory,
): CallDescription {
  const b = obj(body);
  const model = str(b.model);
  const stream = b.stream === true;
  const openai = endpoint.provider === OPENAI;
  const base = baseAttributes('chat', endpoint, model);
  const attributes = base.requestAttributes;
  if (openai) attributes[SEMCONV.OPENAI_API_TYPE] = 'responses';
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_MAX_TOKENS, int(b.max_output_tokens));
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_TEMPERATURE, num(b.temperature));
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_TOP_P, num(b.top_p));
  setIf(attributes, SEMCONV.GEN_AI_OUTPUT_TYPE, outputType(obj(b.text).format));
  setIf(attributes, SEMCONV.GEN_AI_CONVERSATION_ID, conversationId(b.conversation));
  const tier = str(b.service_tier);
  if (openai && tier !== undefined && tier !== 'auto') attributes[SEMCONV.OPENAI_REQUEST_SERVICE_TIER] = tier;
  if (stream) attributes[SEMCONV.GEN_AI_REQUEST_STREAM] = true;
  if (capture) {
    setJson(attributes, SEMCONV.GEN_AI_INPUT_MESSAGES, () => responsesInputMessages(b.input), capture);
    setJson(
      attributes,
      SEMCONV.GEN_AI_SYSTEM_INSTRUCTIONS,
      () => responsesSystemInstructions(b.instructions),
      capture,
      'value',
    );
    setJson(
      attributes,
      SEMCONV.GEN_AI_TOOL_DEFINITIONS,
      () => responsesToolDefinitions(b.tools),
      capture,
      'value',
    );
  }
  return {
    ...base,
    stream,
    onResponse: (op, data) => read(op, obj(data), capture, openai),
    chunkReader: () => new ResponsesChunkReader(capture, toError, openai),
  };
}
