/**
 * `chat.completions.create`: request attributes, response attributes and stream chunk reading.
 */
import { SEMCONV } from '@breakwater/protocol';
import type { CallDescription } from '../client/api-promise.ts';
import { type AttributeMap, baseAttributes, json, num, obj, str } from '../client/describe.ts';
import type { ChunkReader } from '../client/stream.ts';
import type { Operation, Usage } from '../operation.ts';

function usageOf(body: Record<string, unknown>): Usage | undefined {
  const usage = obj(body.usage);
  const input = num(usage.prompt_tokens);
  const output = num(usage.completion_tokens);
  if (input === undefined && output === undefined) return undefined;
  // OpenAI's prompt_tokens already include cached ones; the details say how many were.
  return { input, output, cacheRead: num(obj(usage.prompt_tokens_details).cached_tokens) };
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

function setResponse(op: Operation, body: Record<string, unknown>, reasons: string[]): void {
  op.setResponseModel(str(body.model));
  const id = str(body.id);
  if (id !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_ID, id);
  if (reasons.length > 0) op.span.setAttribute(SEMCONV.GEN_AI_RESPONSE_FINISH_REASONS, reasons);
}

class ChatChunkReader implements ChunkReader {
  private id: string | undefined;
  private model: string | undefined;
  private usage: Usage | undefined;
  private readonly reasons: string[] = [];
  private readonly capture: boolean;
  private text = '';

  constructor(capture: boolean) {
    this.capture = capture;
  }

  onChunk(chunk: unknown): void {
    const c = obj(chunk);
    this.id ??= str(c.id);
    this.model ??= str(c.model);
    this.usage = usageOf(c) ?? this.usage;
    if (Array.isArray(c.choices)) {
      for (const choice of c.choices) {
        const ch = obj(choice);
        const reason = str(ch.finish_reason);
        if (reason !== undefined) this.reasons.push(reason);
        if (this.capture) this.text += str(obj(ch.delta).content) ?? '';
      }
    }
  }

  finish(op: Operation): Usage | undefined {
    setResponse(op, { id: this.id, model: this.model }, this.reasons);
    if (this.capture) {
      const out = json([{ role: 'assistant', parts: [{ type: 'text', content: this.text }] }]);
      if (out !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_OUTPUT_MESSAGES, out);
    }
    return this.usage;
  }
}

/** Describes a `chat.completions.create` call. */
export function describeChat(body: unknown, server: AttributeMap, capture: boolean): CallDescription {
  const b = obj(body);
  const model = str(b.model);
  const stream = b.stream === true;
  const base = baseAttributes('chat', 'openai', model, server);
  const attributes = base.requestAttributes;
  const maxTokens = num(b.max_completion_tokens) ?? num(b.max_tokens);
  if (maxTokens !== undefined) attributes[SEMCONV.GEN_AI_REQUEST_MAX_TOKENS] = maxTokens;
  const temperature = num(b.temperature);
  if (temperature !== undefined) attributes[SEMCONV.GEN_AI_REQUEST_TEMPERATURE] = temperature;
  if (stream) attributes[SEMCONV.GEN_AI_REQUEST_STREAM] = true;
  if (capture) {
    const input = json(b.messages);
    if (input !== undefined) attributes[SEMCONV.GEN_AI_INPUT_MESSAGES] = input;
  }
  return {
    ...base,
    provider: 'openai',
    stream,
    onResponse(op, data) {
      const d = obj(data);
      setResponse(op, d, finishReasons(d.choices));
      if (capture && Array.isArray(d.choices)) {
        const out = json(d.choices.map((c) => obj(c).message));
        if (out !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_OUTPUT_MESSAGES, out);
      }
      return usageOf(d);
    },
    chunkReader: () => new ChatChunkReader(capture),
  };
}
