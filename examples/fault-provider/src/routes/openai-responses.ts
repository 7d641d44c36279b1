/** `POST /v1/responses`: the OpenAI Responses API, plain and as its semantic event stream. */
import {
  type CannedReply,
  cannedReply,
  isRecord,
  splitDeltas,
  type ToolChoice,
  type Turn,
} from '../canned.ts';
import type { RenderedError } from '../faults/provider-errors.ts';
import { eventFrame } from '../sse.ts';
import {
  contentText,
  declaredTools,
  optionalPositiveInt,
  outputFormatOf,
  type ParsedRequest,
  pieces,
  type RenderContext,
  type Route,
} from './route.ts';

export const openaiResponsesRoute: Route = {
  id: 'openai.responses',
  provider: 'openai',
  path: '/v1/responses',

  parse(body): ParsedRequest | string {
    const { model } = body;
    if (typeof model !== 'string' || model === '') return 'Missing required parameter: model.';
    const maxTokens = optionalPositiveInt(body.max_output_tokens, 'max_output_tokens');
    if (typeof maxTokens === 'string') return maxTokens;
    const turns: Turn[] = [];
    if (typeof body.instructions === 'string')
      turns.push({ role: 'system', text: body.instructions, toolResult: false });
    if (typeof body.input === 'string') {
      turns.push({ role: 'user', text: body.input, toolResult: false });
    } else if (Array.isArray(body.input)) {
      for (const item of body.input) {
        if (!isRecord(item)) return 'Invalid input item: each item must be an object.';
        turns.push(inputTurn(item));
      }
    } else if (body.input !== undefined) {
      return "Invalid type for 'input': expected a string or an array of input items.";
    }
    const tools = declaredTools(body.tools, (t) =>
      t.type === 'function' && typeof t.name === 'string'
        ? { name: t.name, parameters: t.parameters }
        : undefined,
    );
    const stream = body.stream === true;
    const reply = cannedReply({
      turns,
      tools,
      toolChoice: toolChoice(body.tool_choice),
      maxTokens,
      outputFormat: outputFormatOf(isRecord(body.text) ? body.text.format : undefined),
    });
    const request = {
      instructions: typeof body.instructions === 'string' ? body.instructions : null,
      maxOutputTokens: maxTokens ?? null,
      tools: Array.isArray(body.tools) ? body.tools : [],
      toolChoice: body.tool_choice ?? 'auto',
      metadata: isRecord(body.metadata) ? body.metadata : {},
    };
    return {
      model,
      stream,
      render: (ctx) => (stream ? streamed(model, reply, request, ctx) : whole(model, reply, request, ctx)),
    };
  },

  errorFrame(error, sent) {
    // The published schema has flat code/message; first-party streams nest an `error` object.
    // Sending both keeps every client version's parser happy.
    const { message, code, param, type } = error.error;
    return eventFrame('error', {
      type: 'error',
      code: code ?? type,
      message,
      param: param ?? null,
      error: error.error,
      sequence_number: sent,
    });
  },
};

interface EchoedRequest {
  instructions: string | null;
  maxOutputTokens: number | null;
  tools: unknown[];
  toolChoice: unknown;
  metadata: Record<string, unknown>;
}

function inputTurn(item: Record<string, unknown>): Turn {
  if (item.type === 'function_call_output') {
    return { role: 'tool', text: contentText(item.output), toolResult: true };
  }
  if (item.type === 'function_call') return { role: 'assistant', text: '', toolResult: false };
  const role =
    item.role === 'assistant'
      ? 'assistant'
      : item.role === 'system' || item.role === 'developer'
        ? 'system'
        : 'user';
  return { role, text: contentText(item.content), toolResult: false };
}

function toolChoice(value: unknown): ToolChoice {
  if (value === 'none' || value === 'required') return value;
  if (isRecord(value) && value.type === 'function' && typeof value.name === 'string')
    return { name: value.name };
  return 'auto';
}

/** The output item the reply becomes (ids drawn once so the stream and the final object agree). */
function outputItem(reply: CannedReply, ctx: RenderContext) {
  if (reply.kind === 'tool_call') {
    return {
      id: ctx.ids.id('fc_'),
      type: 'function_call' as const,
      status: 'completed',
      arguments: reply.arguments,
      call_id: ctx.ids.id('call_'),
      name: reply.name,
    };
  }
  return {
    id: ctx.ids.id('msg_'),
    type: 'message' as const,
    status: reply.finish === 'length' ? 'incomplete' : 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text: reply.text, annotations: [], logprobs: [] }],
  };
}

function responseObject(
  id: string,
  model: string,
  request: EchoedRequest,
  ctx: RenderContext,
  reply: CannedReply,
  output: unknown[],
  done: boolean,
) {
  const incomplete = done && reply.kind === 'text' && reply.finish === 'length';
  return {
    id,
    object: 'response',
    created_at: ctx.nowSeconds,
    status: done ? (incomplete ? 'incomplete' : 'completed') : 'in_progress',
    background: false,
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: request.instructions,
    max_output_tokens: request.maxOutputTokens,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: request.toolChoice,
    tools: request.tools,
    top_p: 1,
    truncation: 'disabled',
    usage: done
      ? {
          input_tokens: reply.inputTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: reply.outputTokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: reply.inputTokens + reply.outputTokens,
        }
      : null,
    user: null,
    metadata: request.metadata,
  };
}

function whole(model: string, reply: CannedReply, request: EchoedRequest, ctx: RenderContext) {
  const id = ctx.ids.id('resp_');
  const body = responseObject(id, model, request, ctx, reply, [outputItem(reply, ctx)], true);
  return { kind: 'json', body: JSON.stringify(body) } as const;
}

function streamed(model: string, reply: CannedReply, request: EchoedRequest, ctx: RenderContext) {
  const id = ctx.ids.id('resp_');
  const item = outputItem(reply, ctx);
  const frames: string[] = [];
  const emit = (type: string, fields: Record<string, unknown>) => {
    frames.push(eventFrame(type, { type, ...fields, sequence_number: frames.length }));
  };
  const pending = responseObject(id, model, request, ctx, reply, [], false);
  emit('response.created', { response: pending });
  emit('response.in_progress', { response: pending });

  const at = { item_id: item.id, output_index: 0 };
  if (item.type === 'function_call') {
    emit('response.output_item.added', {
      output_index: 0,
      item: { ...item, status: 'in_progress', arguments: '' },
    });
    for (const piece of pieces(item.arguments, 16))
      emit('response.function_call_arguments.delta', { ...at, delta: piece });
    emit('response.function_call_arguments.done', { ...at, name: item.name, arguments: item.arguments });
  } else {
    const text = item.content[0]!.text;
    emit('response.output_item.added', {
      output_index: 0,
      item: { ...item, status: 'in_progress', content: [] },
    });
    const part = { ...at, content_index: 0 };
    emit('response.content_part.added', {
      ...part,
      part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
    });
    for (const delta of splitDeltas(text))
      emit('response.output_text.delta', { ...part, delta, logprobs: [] });
    emit('response.output_text.done', { ...part, text, logprobs: [] });
    emit('response.content_part.done', { ...part, part: item.content[0] });
  }
  emit('response.output_item.done', { output_index: 0, item });
  const final = responseObject(id, model, request, ctx, reply, [item], true);
  emit(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final });
  const failedFrame = (error: RenderedError, sent: number) => {
    // The Responses API's own error codes are few (`server_error`, `rate_limit_exceeded`, …): the
    // rendered error's code where it has one, else its type.
    const { code, type, message } = error.error;
    const failed = { ...pending, status: 'failed', error: { code: code ?? type, message } };
    return eventFrame('response.failed', {
      type: 'response.failed',
      response: failed,
      sequence_number: sent,
    });
  };
  return { kind: 'sse', frames, failedFrame } as const;
}
