/**
 * `chat.completions.create`: request attributes, response attributes and stream chunk reading.
 */
import { SEMCONV } from '@breakwater/protocol';
import type { ContentCapture } from '../bounded-json.ts';
import type { CallDescription } from '../client/api-promise.ts';
import { setJson, setOutputMessages } from '../client/content.ts';
import {
  baseAttributes,
  entriesByIndex,
  int,
  num,
  obj,
  outputType,
  setIf,
  str,
  stringList,
} from '../client/describe.ts';
import { type Endpoint, OPENAI } from '../client/endpoint.ts';
import type { ChunkReader } from '../client/stream.ts';
import type { Operation, Usage } from '../operation.ts';
import { chatInputMessages, chatOutputMessages, chatToolDefinitions, StreamedChoice } from './content.ts';

function usageOf(body: Record<string, unknown>): Usage | undefined {
  const usage = obj(body.usage);
  const input = num(usage.prompt_tokens);
  const output = num(usage.completion_tokens);
  if (input === undefined && output === undefined) return undefined;
  // OpenAI's prompt_tokens already include cached ones, and completion_tokens reasoning ones;
  // the details say how many were.
  return {
    input,
    output,
    cacheRead: num(obj(usage.prompt_tokens_details).cached_tokens),
    reasoningOutput: num(obj(usage.completion_tokens_details).reasoning_tokens),
  };
}

function finishReasons(choices: unknown): string[] {
  if (!Array.isArray(choices)) return [];
  const out: string[] = [];
  for (const c of choices) {
    const reason = str(obj(c).finish_reason);
    if (reason !== undefined) out.push(reason);
  }
  return out;
}

/** `openai` says whether the `openai.*` attributes apply (the provider is OpenAI itself). */
function setResponse(op: Operation, body: Record<string, unknown>, reasons: string[], openai: boolean): void {
  op.setResponseModel(str(body.model));
  const id = str(body.id);
  if (id !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_ID, id);
  if (reasons.length > 0) op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_FINISH_REASONS, reasons);
  // Conditionally required when the response has one (it always has, from OpenAI itself).
  const tier = openai ? str(body.service_tier) : undefined;
  if (tier !== undefined) op.span.setAttribute(SEMCONV.OPENAI_RESPONSE_SERVICE_TIER, tier);
}

/** `value` when it is a string that says something (not empty). */
function named(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

class ChatChunkReader implements ChunkReader {
  private id: string | undefined;
  private model: string | undefined;
  private tier: string | undefined;
  private usage: Usage | undefined;
  /** Per choice index: its finish reason and, when capturing, its content. */
  private readonly choices = new Map<number, StreamedChoice>();
  private readonly capture: ContentCapture | undefined;
  private readonly openai: boolean;

  constructor(capture: ContentCapture | undefined, openai: boolean) {
    this.capture = capture;
    this.openai = openai;
  }

  onChunk(chunk: unknown): void {
    const c = obj(chunk);
    // Azure OpenAI adds chunks of its own (the prompt's content-filter results first, annotations
    // of the output later) whose `id` and `model` are empty: those name no response.
    this.id ??= named(c.id);
    this.model ??= named(c.model);
    this.tier ??= str(c.service_tier);
    this.usage = usageOf(c) ?? this.usage;
    if (!Array.isArray(c.choices)) return;
    for (const item of c.choices) {
      const ch = obj(item);
      const index = typeof ch.index === 'number' ? ch.index : 0;
      let choice = this.choices.get(index);
      if (choice === undefined) {
        choice = new StreamedChoice();
        this.choices.set(index, choice);
      }
      choice.finish = str(ch.finish_reason) ?? choice.finish;
      if (this.capture) choice.add(obj(ch.delta));
    }
  }

  finish(op: Operation): Usage | undefined {
    const ordered = entriesByIndex(this.choices).map(([, choice]) => choice);
    const reasons: string[] = [];
    for (const choice of ordered) if (choice.finish !== undefined) reasons.push(choice.finish);
    setResponse(op, { id: this.id, model: this.model, service_tier: this.tier }, reasons, this.openai);
    const { capture } = this;
    if (capture !== undefined && ordered.length > 0)
      setOutputMessages(op.span, () => ordered.map((choice) => choice.message()), capture);
    return this.usage;
  }
}

/** Describes a `chat.completions.create` call. */
export function describeChat(
  body: unknown,
  endpoint: Endpoint,
  capture: ContentCapture | undefined,
): CallDescription {
  const b = obj(body);
  const model = str(b.model);
  const stream = b.stream === true;
  const openai = endpoint.provider === OPENAI;
  const base = baseAttributes('chat', endpoint, model, true);
  const attributes = base.requestAttributes;
  if (openai) attributes[SEMCONV.OPENAI_API_TYPE] = 'chat_completions';
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_MAX_TOKENS, int(b.max_completion_tokens) ?? int(b.max_tokens));
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_TEMPERATURE, num(b.temperature));
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_TOP_P, num(b.top_p));
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_FREQUENCY_PENALTY, num(b.frequency_penalty));
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_PRESENCE_PENALTY, num(b.presence_penalty));
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_STOP_SEQUENCES, stringList(b.stop));
  setIf(attributes, SEMCONV.GEN_AI_REQUEST_SEED, int(b.seed));
  const n = int(b.n);
  if (n !== undefined && n !== 1) attributes[SEMCONV.GEN_AI_REQUEST_CHOICE_COUNT] = n;
  setIf(attributes, SEMCONV.GEN_AI_OUTPUT_TYPE, outputType(b.response_format));
  const tier = str(b.service_tier);
  if (openai && tier !== undefined && tier !== 'auto') attributes[SEMCONV.OPENAI_REQUEST_SERVICE_TIER] = tier;
  if (stream) attributes[SEMCONV.GEN_AI_REQUEST_STREAM] = true;
  if (capture) {
    setJson(attributes, SEMCONV.GEN_AI_INPUT_MESSAGES, () => chatInputMessages(b.messages), capture);
    setJson(
      attributes,
      SEMCONV.GEN_AI_TOOL_DEFINITIONS,
      () => chatToolDefinitions(b.tools),
      capture,
      'value',
    );
  }
  return {
    ...base,
    stream,
    onResponse(op, data) {
      const d = obj(data);
      setResponse(op, d, finishReasons(d.choices), openai);
      if (capture) setOutputMessages(op.span, () => chatOutputMessages(d.choices), capture);
      return usageOf(d);
    },
    chunkReader: () => new ChatChunkReader(capture, openai),
  };
}
