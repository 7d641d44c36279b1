/** `POST /v1/chat/completions`: OpenAI Chat Completions, plain and streamed. */
import {
  type CannedReply,
  cannedReply,
  isRecord,
  splitDeltas,
  type ToolChoice,
  type Turn,
} from '../canned.ts';
import { DONE_FRAME, dataFrame } from '../sse.ts';
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

const FINGERPRINT = 'fp_fault_provider';

export const openaiChatRoute: Route = {
  id: 'openai.chat',
  provider: 'openai',
  path: '/v1/chat/completions',

  parse(body): ParsedRequest | string {
    const { model, messages } = body;
    if (typeof model !== 'string' || model === '') return 'you must provide a model parameter';
    if (!Array.isArray(messages) || messages.length === 0) return "'messages' must be a non-empty array";
    const maxTokens = optionalPositiveInt(
      body.max_completion_tokens ?? body.max_tokens,
      'max_completion_tokens',
    );
    if (typeof maxTokens === 'string') return maxTokens;
    const turns: Turn[] = [];
    for (const m of messages) {
      if (!isRecord(m) || typeof m.role !== 'string') return "each message needs a 'role'";
      const role =
        m.role === 'tool'
          ? 'tool'
          : m.role === 'assistant'
            ? 'assistant'
            : m.role === 'user'
              ? 'user'
              : 'system';
      turns.push({ role, text: contentText(m.content), toolResult: role === 'tool' });
    }
    const tools = declaredTools(body.tools, (t) =>
      isRecord(t.function) && typeof t.function.name === 'string'
        ? { name: t.function.name, parameters: t.function.parameters }
        : undefined,
    );
    const stream = body.stream === true;
    const includeUsage =
      stream && isRecord(body.stream_options) && body.stream_options.include_usage === true;
    const reply = cannedReply({
      turns,
      tools,
      toolChoice: toolChoice(body.tool_choice),
      maxTokens,
      outputFormat: outputFormatOf(body.response_format),
    });
    return {
      model,
      stream,
      render: (ctx) => (stream ? streamed(model, reply, includeUsage, ctx) : whole(model, reply, ctx)),
    };
  },

  errorFrame(error) {
    // Chat streams report a failure as a data frame carrying `error`; the client throws on it.
    return dataFrame({ error: error.error });
  },
};

function toolChoice(value: unknown): ToolChoice {
  if (value === 'none' || value === 'required') return value;
  if (isRecord(value) && isRecord(value.function) && typeof value.function.name === 'string') {
    return { name: value.function.name };
  }
  return 'auto';
}

function usage(reply: CannedReply) {
  return {
    prompt_tokens: reply.inputTokens,
    completion_tokens: reply.outputTokens,
    total_tokens: reply.inputTokens + reply.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function finishReason(reply: CannedReply): string {
  return reply.kind === 'tool_call' ? 'tool_calls' : reply.finish;
}

function whole(model: string, reply: CannedReply, ctx: RenderContext) {
  const message =
    reply.kind === 'text'
      ? { role: 'assistant', content: reply.text, refusal: null, annotations: [] }
      : {
          role: 'assistant',
          content: null,
          refusal: null,
          annotations: [],
          tool_calls: [
            {
              id: ctx.ids.id('call_'),
              type: 'function',
              function: { name: reply.name, arguments: reply.arguments },
            },
          ],
        };
  const body = {
    id: ctx.ids.id('chatcmpl-'),
    object: 'chat.completion',
    created: ctx.nowSeconds,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(reply) }],
    usage: usage(reply),
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
  };
  return { kind: 'json', body: JSON.stringify(body) } as const;
}

function streamed(model: string, reply: CannedReply, includeUsage: boolean, ctx: RenderContext) {
  const id = ctx.ids.id('chatcmpl-');
  const frames: string[] = [];
  // Every chunk, the usage-only one included, starts with the same fields.
  const head = {
    id,
    object: 'chat.completion.chunk',
    created: ctx.nowSeconds,
    model,
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
  };
  const chunk = (choices: unknown[]) => {
    const c: Record<string, unknown> = { ...head, choices };
    // With include_usage every chunk carries `usage: null` until the final usage-only chunk.
    if (includeUsage) c.usage = null;
    frames.push(dataFrame(c));
  };
  const choice = (delta: unknown, finish: string | null = null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finish,
  });

  if (reply.kind === 'text') {
    chunk([choice({ role: 'assistant', content: '', refusal: null })]);
    for (const piece of splitDeltas(reply.text)) chunk([choice({ content: piece })]);
  } else {
    const call = {
      index: 0,
      id: ctx.ids.id('call_'),
      type: 'function',
      function: { name: reply.name, arguments: '' },
    };
    chunk([choice({ role: 'assistant', content: null, tool_calls: [call], refusal: null })]);
    for (const piece of pieces(reply.arguments, 16)) {
      chunk([choice({ tool_calls: [{ index: 0, function: { arguments: piece } }] })]);
    }
  }
  chunk([choice({}, finishReason(reply))]);
  if (includeUsage) {
    frames.push(dataFrame({ ...head, choices: [], usage: usage(reply) }));
  }
  frames.push(DONE_FRAME);
  return { kind: 'sse', frames } as const;
}
