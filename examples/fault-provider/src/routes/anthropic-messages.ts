/** `POST /v1/messages`: the Anthropic Messages API, plain and as its event stream. */
import { type CannedReply, cannedReply, isRecord, splitDeltas, type ToolChoice } from '../canned.ts';
import { eventFrame } from '../sse.ts';
import { anthropicInput } from './anthropic-input.ts';
import {
  declaredTools,
  outputFormatOf,
  type ParsedRequest,
  pieces,
  type RenderContext,
  type Route,
} from './route.ts';

export const anthropicMessagesRoute: Route = {
  id: 'anthropic.messages',
  provider: 'anthropic',
  path: '/v1/messages',

  parse(body): ParsedRequest | string {
    const input = anthropicInput(body);
    if (typeof input === 'string') return input;
    const { model, turns } = input;
    const maxTokens = body.max_tokens;
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      return 'max_tokens: Field required (a positive integer)';
    }
    // Server tools (web search, …) carry no input_schema and are never called by the canned model.
    const tools = declaredTools(body.tools, (t) =>
      typeof t.name === 'string' && isRecord(t.input_schema)
        ? { name: t.name, parameters: t.input_schema }
        : undefined,
    );
    const stream = body.stream === true;
    const reply = cannedReply({
      turns,
      tools,
      toolChoice: toolChoice(body.tool_choice),
      maxTokens,
      outputFormat: outputFormatOf(isRecord(body.output_config) ? body.output_config.format : undefined),
    });
    return {
      model,
      stream,
      render: (ctx) => (stream ? streamed(model, reply, ctx) : whole(model, reply, ctx)),
    };
  },

  errorFrame(error) {
    return eventFrame('error', { type: 'error', error: error.error });
  },
};

function toolChoice(value: unknown): ToolChoice {
  if (!isRecord(value)) return 'auto';
  if (value.type === 'none') return 'none';
  if (value.type === 'any') return 'required';
  if (value.type === 'tool' && typeof value.name === 'string') return { name: value.name };
  return 'auto';
}

function stopReason(reply: CannedReply): string {
  return reply.kind === 'tool_call' ? 'tool_use' : reply.finish === 'length' ? 'max_tokens' : 'end_turn';
}

function usage(reply: CannedReply, outputTokens: number) {
  return {
    input_tokens: reply.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

function block(reply: CannedReply, ctx: RenderContext) {
  return reply.kind === 'tool_call'
    ? {
        type: 'tool_use',
        id: ctx.ids.id('toolu_'),
        name: reply.name,
        input: JSON.parse(reply.arguments) as unknown,
      }
    : { type: 'text', text: reply.text };
}

function whole(model: string, reply: CannedReply, ctx: RenderContext) {
  const body = {
    id: ctx.ids.id('msg_'),
    type: 'message',
    role: 'assistant',
    model,
    content: [block(reply, ctx)],
    stop_reason: stopReason(reply),
    stop_sequence: null,
    usage: usage(reply, reply.outputTokens),
  };
  return { kind: 'json', body: JSON.stringify(body) } as const;
}

function streamed(model: string, reply: CannedReply, ctx: RenderContext) {
  const frames: string[] = [];
  const emit = (type: string, fields: Record<string, unknown>) =>
    frames.push(eventFrame(type, { type, ...fields }));
  const message = {
    id: ctx.ids.id('msg_'),
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    // The real stream reports a provisional output count at the start and the total at message_delta.
    usage: usage(reply, 1),
  };
  emit('message_start', { message });
  if (reply.kind === 'tool_call') {
    const b = block(reply, ctx);
    emit('content_block_start', { index: 0, content_block: { ...b, input: {} } });
    emit('ping', {});
    for (const piece of pieces(reply.arguments, 16)) {
      emit('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: piece } });
    }
  } else {
    emit('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    emit('ping', {});
    for (const text of splitDeltas(reply.text))
      emit('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
  }
  emit('content_block_stop', { index: 0 });
  emit('message_delta', {
    delta: { stop_reason: stopReason(reply), stop_sequence: null },
    usage: { output_tokens: reply.outputTokens },
  });
  emit('message_stop', {});
  return { kind: 'sse', frames } as const;
}
