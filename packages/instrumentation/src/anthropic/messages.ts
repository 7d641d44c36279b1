/**
 * `messages.create` (and `messages.stream`, which calls it): request, response and stream events.
 */
import { SEMCONV } from '@breakwater/protocol';
import type { CallDescription } from '../client/api-promise.ts';
import { type AttributeMap, baseAttributes, json, num, obj, str } from '../client/describe.ts';
import type { ChunkReader } from '../client/stream.ts';
import type { Operation, Usage } from '../operation.ts';
import { sdkSpanStandIn } from './suppress.ts';

function usageOf(u: Record<string, unknown>): Usage | undefined {
  const input = num(u.input_tokens);
  const output = num(u.output_tokens);
  return input === undefined && output === undefined ? undefined : { input, output };
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

  onChunk(chunk: unknown): void {
    const event = obj(chunk);
    if (event.type === 'message_start') {
      const message = obj(event.message);
      this.id = str(message.id);
      this.model = str(message.model);
      const usage = obj(message.usage);
      this.input = num(usage.input_tokens) ?? this.input;
      this.output = num(usage.output_tokens) ?? this.output;
    } else if (event.type === 'message_delta') {
      this.stop = str(obj(event.delta).stop_reason) ?? this.stop;
      // The delta's usage is cumulative.
      const usage = obj(event.usage);
      this.input = num(usage.input_tokens) ?? this.input;
      this.output = num(usage.output_tokens) ?? this.output;
    }
  }

  finish(op: Operation): Usage | undefined {
    setResponse(op, this.id, this.model, this.stop);
    return this.input === undefined && this.output === undefined
      ? undefined
      : { input: this.input, output: this.output };
  }
}

/** Describes a `messages.create` call. */
export function describeMessages(body: unknown, server: AttributeMap, capture: boolean): CallDescription {
  const b = obj(body);
  const model = str(b.model);
  const stream = b.stream === true;
  const base = baseAttributes('chat', 'anthropic', model, server);
  const maxTokens = num(b.max_tokens);
  if (maxTokens !== undefined) base.requestAttributes[SEMCONV.GEN_AI_REQUEST_MAX_TOKENS] = maxTokens;
  const temperature = num(b.temperature);
  if (temperature !== undefined) base.requestAttributes[SEMCONV.GEN_AI_REQUEST_TEMPERATURE] = temperature;
  if (stream) base.requestAttributes[SEMCONV.GEN_AI_REQUEST_STREAM] = true;
  if (capture) {
    const input = json(b.messages);
    if (input !== undefined) base.requestAttributes[SEMCONV.GEN_AI_INPUT_MESSAGES] = input;
  }
  return {
    ...base,
    provider: 'anthropic',
    stream,
    onResponse(op, data) {
      const d = obj(data);
      setResponse(op, str(d.id), str(d.model), str(d.stop_reason));
      if (capture) {
        const out = json([{ role: 'assistant', content: d.content }]);
        if (out !== undefined) op.span.setAttribute(SEMCONV.GEN_AI_OUTPUT_MESSAGES, out);
      }
      return usageOf(obj(d.usage));
    },
    chunkReader: () => new MessageEventReader(),
    attemptOptions: () => ({ __span: sdkSpanStandIn('anthropic.messages.create') }),
  };
}
