/**
 * `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent?alt=sse`: the Gemini
 * API, whole and as its event stream. Both are the route `gemini.generate_content`; the path
 * names the model and whether to stream.
 */
import {
  type CannedReply,
  cannedReply,
  countTokens,
  isRecord,
  splitDeltas,
  type ToolChoice,
  type ToolSpec,
  type Turn,
} from '../canned.ts';
import type { RenderedError } from '../faults/provider-errors.ts';
import {
  contentText,
  optionalPositiveInt,
  type ParsedRequest,
  type RenderContext,
  type Route,
} from './route.ts';

function generateRoute(stream: boolean, method: string): Route {
  return {
    id: 'gemini.generate_content',
    provider: 'gemini',
    path: `/v1beta/models/{model}:${method}`,
    parse: (body, pathModel) => parse(body, pathModel ?? '', stream),
    errorFrame: geminiErrorFrame,
  };
}

/** `:generateContent`: one JSON response. */
export const geminiGenerateRoute: Route = generateRoute(false, 'generateContent');
/** `:streamGenerateContent`: SSE frames, each a partial response, the last with the finish reason and usage. */
export const geminiStreamRoute: Route = generateRoute(true, 'streamGenerateContent');

/** A Gemini SSE frame: `data:` only, CRLF-separated as Google sends them, no `[DONE]` sentinel. */
function frame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\r\n\r\n`;
}

/** A stream that fails after it began gets a frame whose only field is the error. */
export function geminiErrorFrame(error: RenderedError): string {
  return frame({ error: error.error });
}

/** What a request says beside the conversation: its thinking budget and cached content. */
interface Extras {
  /** `generationConfig.thinkingConfig.thinkingBudget`: reported as the thoughts' tokens. */
  readonly thinkingBudget: number | undefined;
  /** A `cachedContent` name: everything before the last turn counts as read from that cache. */
  readonly cached: boolean;
}

function parse(body: Record<string, unknown>, model: string, stream: boolean): ParsedRequest | string {
  const { contents } = body;
  if (!Array.isArray(contents) || contents.length === 0)
    return '* GenerateContentRequest.contents: contents is not specified';
  const turns: Turn[] = [];
  if (isRecord(body.systemInstruction)) {
    turns.push({ role: 'system', text: contentText(body.systemInstruction.parts), toolResult: false });
  }
  for (const c of contents) {
    if (!isRecord(c) || !Array.isArray(c.parts))
      return '* GenerateContentRequest.contents: each content needs parts';
    turns.push(turnOf(c.role === 'model' ? 'assistant' : 'user', c.parts));
  }
  const config = isRecord(body.generationConfig) ? body.generationConfig : {};
  const maxTokens = optionalPositiveInt(config.maxOutputTokens, 'generation_config.max_output_tokens');
  if (typeof maxTokens === 'string') return maxTokens;
  const thinking = isRecord(config.thinkingConfig) ? config.thinkingConfig.thinkingBudget : undefined;
  const extras: Extras = {
    thinkingBudget:
      typeof thinking === 'number' && Number.isInteger(thinking) && thinking > 0 ? thinking : undefined,
    cached: typeof body.cachedContent === 'string' && body.cachedContent !== '',
  };
  const schema = config.responseJsonSchema ?? config.responseSchema;
  const reply = cannedReply({
    turns,
    tools: declaredFunctions(body.tools),
    toolChoice: toolChoice(body.toolConfig),
    maxTokens,
    outputFormat:
      config.responseMimeType === 'application/json' ? (isRecord(schema) ? { schema } : 'json') : undefined,
  });
  const cachedTokens = extras.cached ? reply.inputTokens - countTokens(turns.at(-1)?.text ?? '') : undefined;
  return {
    model,
    stream,
    render: (ctx) =>
      stream
        ? streamed(model, reply, extras, cachedTokens, ctx)
        : whole(model, reply, extras, cachedTokens, ctx),
  };
}

/**
 * One content as a turn: its text parts, or (a `functionResponse` part) the tool result it
 * returns: the response's `content`, `output` or `result` when that is text (the AI SDK sends
 * `{ name, content }`), else the response as JSON.
 */
function turnOf(role: 'user' | 'assistant', parts: unknown[]): Turn {
  const results: string[] = [];
  for (const part of parts) {
    if (!isRecord(part) || !isRecord(part.functionResponse)) continue;
    const response = part.functionResponse.response;
    const r = isRecord(response) ? response : {};
    const text = [r.content, r.output, r.result].find((v) => typeof v === 'string');
    results.push(typeof text === 'string' ? text : JSON.stringify(response ?? null));
  }
  if (results.length > 0) return { role, text: results.join(' '), toolResult: true };
  return { role, text: contentText(parts), toolResult: false };
}

/** The functions of `tools[].functionDeclarations` (server tools such as `googleSearch` are never called). */
function declaredFunctions(tools: unknown): ToolSpec[] {
  const out: ToolSpec[] = [];
  if (!Array.isArray(tools)) return out;
  for (const tool of tools) {
    if (!isRecord(tool) || !Array.isArray(tool.functionDeclarations)) continue;
    for (const f of tool.functionDeclarations) {
      if (isRecord(f) && typeof f.name === 'string')
        out.push({ name: f.name, parameters: f.parametersJsonSchema ?? f.parameters });
    }
  }
  return out;
}

/** `toolConfig.functionCallingConfig`: `NONE`, `ANY` (one allowed name: that function), else auto. */
function toolChoice(toolConfig: unknown): ToolChoice {
  const config = isRecord(toolConfig) ? toolConfig.functionCallingConfig : undefined;
  if (!isRecord(config)) return 'auto';
  if (config.mode === 'NONE') return 'none';
  if (config.mode !== 'ANY') return 'auto';
  const names = config.allowedFunctionNames;
  return Array.isArray(names) && names.length === 1 && typeof names[0] === 'string'
    ? { name: names[0] }
    : 'required';
}

function finishReason(reply: CannedReply): string {
  return reply.kind === 'text' && reply.finish === 'length' ? 'MAX_TOKENS' : 'STOP';
}

function usage(reply: CannedReply, extras: Extras, cachedTokens: number | undefined) {
  const thoughts = extras.thinkingBudget;
  return {
    promptTokenCount: reply.inputTokens,
    candidatesTokenCount: reply.outputTokens,
    totalTokenCount: reply.inputTokens + reply.outputTokens + (thoughts ?? 0),
    ...(cachedTokens === undefined ? {} : { cachedContentTokenCount: cachedTokens }),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: reply.inputTokens }],
    ...(thoughts === undefined ? {} : { thoughtsTokenCount: thoughts }),
  };
}

function candidate(parts: unknown[], finish?: string) {
  return {
    content: { parts, role: 'model' },
    ...(finish === undefined ? {} : { finishReason: finish }),
    index: 0,
  };
}

function replyParts(reply: CannedReply): unknown[] {
  return reply.kind === 'tool_call'
    ? [{ functionCall: { name: reply.name, args: JSON.parse(reply.arguments) as unknown } }]
    : [{ text: reply.text }];
}

function whole(
  model: string,
  reply: CannedReply,
  extras: Extras,
  cachedTokens: number | undefined,
  ctx: RenderContext,
) {
  const body = {
    candidates: [candidate(replyParts(reply), finishReason(reply))],
    usageMetadata: usage(reply, extras, cachedTokens),
    modelVersion: model,
    responseId: ctx.ids.id(''),
  };
  return { kind: 'json', body: JSON.stringify(body) } as const;
}

function streamed(
  model: string,
  reply: CannedReply,
  extras: Extras,
  cachedTokens: number | undefined,
  ctx: RenderContext,
) {
  const responseId = ctx.ids.id('');
  // Each chunk is a partial response with the prompt's count; the last one carries the finish
  // reason and the whole usage. A function call comes whole, in one chunk.
  const pieces =
    reply.kind === 'tool_call' ? [replyParts(reply)] : splitDeltas(reply.text).map((text) => [{ text }]);
  if (pieces.length === 0) pieces.push([{ text: '' }]);
  const partial = { promptTokenCount: reply.inputTokens, totalTokenCount: reply.inputTokens };
  const frames = pieces.map((parts, i) => {
    const last = i === pieces.length - 1;
    return frame({
      candidates: [candidate(parts, last ? finishReason(reply) : undefined)],
      usageMetadata: last ? usage(reply, extras, cachedTokens) : partial,
      modelVersion: model,
      responseId,
    });
  });
  return { kind: 'sse', frames } as const;
}
