/**
 * `messages.create` (and `messages.stream`, which calls it): request, response and stream events.
 * `beta.messages.create` is described the same way: its body adds `betas`, which the SDK sends as
 * the `anthropic-beta` header and which is not read here, and its responses and events have the
 * same shape.
 */
import { SEMCONV } from '@breakwater/protocol';
import type { ContentCapture } from '../bounded-json.ts';
import type { CallDescription } from '../client/api-promise.ts';
import { setJson, setOutputMessages } from '../client/content.ts';
import { baseAttributes, int, num, obj, outputType, setIf, str, stringList } from '../client/describe.ts';
import type { Endpoint } from '../client/endpoint.ts';
import type { ChunkReader } from '../client/stream.ts';
import type { Operation, Usage } from '../operation.ts';
import {
  inputMessages,
  outputMessages,
  StreamedContent,
  systemInstructions,
  toolDefinitions,
} from './content.ts';
import { sdkSpanStandIn } from './suppress.ts';

/**
 * Anthropic counts prompt tokens read from or written to its cache apart from `input_tokens`;
 * the GenAI conventions count them in `gen_ai.usage.input_tokens` (and in the token metric), with
 * the cached parts also on their own attributes.
 */
function usage(
  input: number | undefined,
  output: number | undefined,
  cacheRead: number | undefined,
  cacheCreation: number | undefined,
): Usage | undefined {
  if (input === undefined && output === undefined && cacheRead === undefined && cacheCreation === undefined) {
    return undefined;
  }
  const total =
    input === undefined && cacheRead === undefined && cacheCreation === undefined
      ? undefined
      : (input ?? 0) + (cacheRead ?? 0) + (cacheCreation ?? 0);
  return { input: total, output, cacheRead, cacheCreation };
}

function usageOf(u: Record<string, unknown>): Usage | undefined {
  return usage(
    num(u.input_tokens),
    num(u.output_tokens),
    num(u.cache_read_input_tokens),
    num(u.cache_creation_input_tokens),
  );
}

function setResponse(
  op: Operation,
  id: string | undefined,
  model: string | undefined,
  stop: string | undefined,
): void {
  op.setResponseModel(model);
  if (id !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_ID, id);
  if (stop !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_FINISH_REASONS, [stop]);
}

class MessageEventReader implements ChunkReader {
  private id: string | undefined;
  private model: string | undefined;
  private stop: string | undefined;
  private input: number | undefined;
  private output: number | undefined;
  private cacheRead: number | undefined;
  private cacheCreation: number | undefined;
  /** The streamed content, when capturing it. */
  private readonly content: StreamedContent | undefined;

  private readonly capture: ContentCapture | undefined;

  constructor(capture: ContentCapture | undefined) {
    this.capture = capture;
    this.content = capture ? new StreamedContent() : undefined;
  }

  onChunk(chunk: unknown): void {
    const event = obj(chunk);
    this.content?.onEvent(event);
    if (event.type === 'message_start') {
      const message = obj(event.message);
      this.id = str(message.id);
      this.model = str(message.model);
      // Its `output_tokens` is a placeholder (1) sent before any output: a stream left before
      // a `message_delta` reports no output tokens rather than that one.
      this.readInputUsage(obj(message.usage));
    } else if (event.type === 'message_delta') {
      this.stop = str(obj(event.delta).stop_reason) ?? this.stop;
      // The delta's usage is cumulative.
      const u = obj(event.usage);
      this.readInputUsage(u);
      this.output = num(u.output_tokens) ?? this.output;
    }
  }

  private readInputUsage(u: Record<string, unknown>): void {
    this.input = num(u.input_tokens) ?? this.input;
    this.cacheRead = num(u.cache_read_input_tokens) ?? this.cacheRead;
    this.cacheCreation = num(u.cache_creation_input_tokens) ?? this.cacheCreation;
  }

  finish(op: Operation): Usage | undefined {
    setResponse(op, this.id, this.model, this.stop);
    const { content, capture } = this;
    if (content !== undefined && capture !== undefined)
      setOutputMessages(op.span, () => content.messages(this.stop), capture);
    return usage(this.input, this.output, this.cacheRead, this.cacheCreation);
  }
}

/** Describes a `messages.create` or `beta.messages.create` call. */
export function describeMessages(
  body: unknown,
  endpoint: Endpoint,
  capture: ContentCapture | undefined,
): CallDescription {
  const b = obj(body);
  const model = str(b.model);
  const stream = b.stream === true;
  const base = baseAttributes('chat', endpoint, model);
  const attributes = base.requestAttributes;
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_MAX_TOKENS, int(b.max_tokens));
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_TEMPERATURE, num(b.temperature));
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_TOP_P, num(b.top_p));
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_TOP_K, num(b.top_k));
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_STOP_SEQUENCES, stringList(b.stop_sequences));
  // Structured outputs: `output_config.format` (`output_format` in the earlier beta).
  setIf(attributes, SEMCONV.GEN_AI_OUTPUT_TYPE, outputType(obj(b.output_config).format ?? b.output_format));
  if (stream) attributes[SEMCONV.GEN_AI_REQUEST_STREAM] = true;
  if (capture) {
    setJson(attributes, SEMCONV.GEN_AI_INPUT_MESSAGES, () => inputMessages(b.messages), capture);
    setJson(
      attributes,
      SEMCONV.GEN_AI_SYSTEM_INSTRUCTIONS,
      () => systemInstructions(b.system),
      capture,
      'value',
    );
    setJson(attributes, SEMCONV.GEN_AI_TOOL_DEFINITIONS, () => toolDefinitions(b.tools), capture, 'value');
  }
  return {
    ...base,
    stream,
    onResponse(op, data) {
      const d = obj(data);
      setResponse(op, str(d.id), str(d.model), str(d.stop_reason));
      if (capture) setOutputMessages(op.span, () => outputMessages(d.content, str(d.stop_reason)), capture);
      return usageOf(obj(d.usage));
    },
    chunkReader: () => new MessageEventReader(capture),
    // Anthropic sends `overloaded_error` (and others) as a stream's first event, with a 200.
    retriesFirstEventError: stream,
    attemptOptions: () => ({ __span: sdkSpanStandIn('anthropic.messages.create') }),
    checkUntimed: stream ? undefined : (client: unknown) => refuseLongNonStreaming(client, int(b.max_tokens)),
  };
}

interface NonStreamingTimeoutCheck {
  calculateNonstreamingTimeout?: (maxTokens: number, modelMaxTokens?: number) => number;
  _calculateNonstreamingTimeout?: (maxTokens: number) => number;
}

/**
 * The SDK refuses a non-streaming call whose `max_tokens` may take more than 10 minutes to
 * generate, but only when no timeout is set; it throws `AnthropicError` ("Streaming is required")
 * from `create()` itself, before sending. (Its stricter limits for a few Vertex and Bedrock model
 * ids live in an internal table, not consulted here.)
 */
function refuseLongNonStreaming(client: unknown, maxTokens: number | undefined): void {
  if (maxTokens === undefined || client === null || typeof client !== 'object') return;
  const c = client as NonStreamingTimeoutCheck;
  if (typeof c.calculateNonstreamingTimeout === 'function')
    c.calculateNonstreamingTimeout(maxTokens, undefined);
  else if (typeof c._calculateNonstreamingTimeout === 'function') c._calculateNonstreamingTimeout(maxTokens);
}
