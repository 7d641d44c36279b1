/**
 * OpenAI request and response bodies as GenAI-convention messages (see client/content.ts), for
 * the Chat Completions and Responses APIs. Only called with content capture on.
 */
import {
  contentParts,
  genericPart,
  type Message,
  mediaUrlPart,
  outputMessage,
  type Part,
  plainText,
  reasoningPart,
  refusalPart,
  type ToolDefinition,
  textPart,
  toolCallPart,
  toolDefinition,
  toolResponsePart,
} from '../client/content.ts';
import { entriesByIndex, obj, str } from '../client/describe.ts';

/** `{ data, format }` audio, inline in Chat Completions and Responses input alike. */
function audioPart(value: unknown): Part {
  const audio = obj(value);
  const format = str(audio.format);
  return {
    type: 'blob',
    modality: 'audio',
    mime_type: format === undefined ? null : `audio/${format}`,
    content: str(audio.data) ?? '',
  };
}

// ---------------------------------------------------------------------------------------------
// Chat Completions

function chatContentParts(content: unknown): Part[] {
  return contentParts(content, chatPart);
}

/** One item of a Chat Completions message `content` array. */
function chatPart(p: Record<string, unknown>): Part | undefined {
  switch (p.type) {
    case 'text':
      return textPart(str(p.text) ?? '');
    case 'refusal':
      return refusalPart(str(p.refusal) ?? '');
    case 'image_url':
      return mediaUrlPart(str(obj(p.image_url).url), 'image');
    case 'input_audio':
      return audioPart(p.input_audio);
    case 'file': {
      const file = obj(p.file);
      const id = str(file.file_id);
      return id !== undefined
        ? { type: 'file', modality: 'document', file_id: id }
        : { type: 'blob', modality: 'document', mime_type: null, content: str(file.file_data) ?? '' };
    }
    default:
      return genericPart(p);
  }
}

/** The parts of an assistant message (request history or response choice). */
function assistantParts(message: Record<string, unknown>): Part[] {
  const parts = chatContentParts(message.content);
  const refusal = str(message.refusal);
  if (refusal !== undefined) parts.push(refusalPart(refusal));
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      const c = obj(call);
      const fn = obj(c.function);
      parts.push(toolCallPart(c.id, fn.name ?? obj(c.custom).name, fn.arguments ?? obj(c.custom).input));
    }
  }
  const legacy = obj(message.function_call);
  if (legacy.name !== undefined) parts.push(toolCallPart(undefined, legacy.name, legacy.arguments));
  return parts;
}

/** `messages` of a `chat.completions.create` request. System messages stay in the history. */
export function chatInputMessages(messages: unknown): Message[] | undefined {
  if (!Array.isArray(messages)) return undefined;
  return messages.map((m): Message => {
    const message = obj(m);
    const role = str(message.role) ?? 'user';
    let out: Message;
    if (role === 'tool') {
      out = { role, parts: [toolResponsePart(message.tool_call_id, plainText(message.content))] };
    } else if (role === 'function') {
      out = { role: 'tool', parts: [toolResponsePart(undefined, plainText(message.content))] };
    } else {
      out = {
        role,
        parts: role === 'assistant' ? assistantParts(message) : chatContentParts(message.content),
      };
    }
    const name = str(message.name);
    if (name !== undefined) out.name = name;
    return out;
  });
}

/** `choices` of a chat completion: one output message per choice. */
export function chatOutputMessages(choices: unknown): Message[] | undefined {
  if (!Array.isArray(choices)) return undefined;
  return choices.map((c) => {
    const choice = obj(c);
    const message = obj(choice.message);
    return outputMessage(
      str(message.role) ?? 'assistant',
      assistantParts(message),
      str(choice.finish_reason),
    );
  });
}

interface StreamedToolCall {
  id: string | undefined;
  name: string | undefined;
  args: string;
}

/** One choice of a streamed chat completion, put together from its deltas. */
export class StreamedChoice {
  private role: string | undefined;
  private text: string | undefined;
  private refusal: string | undefined;
  private readonly calls = new Map<number, StreamedToolCall>();
  finish: string | undefined;

  add(delta: Record<string, unknown>): void {
    this.role ??= str(delta.role);
    const content = str(delta.content);
    if (content !== undefined) this.text = (this.text ?? '') + content;
    const refusal = str(delta.refusal);
    if (refusal !== undefined) this.refusal = (this.refusal ?? '') + refusal;
    if (!Array.isArray(delta.tool_calls)) return;
    for (const item of delta.tool_calls) {
      const d = obj(item);
      const index = typeof d.index === 'number' ? d.index : this.calls.size;
      let call = this.calls.get(index);
      if (call === undefined) {
        call = { id: undefined, name: undefined, args: '' };
        this.calls.set(index, call);
      }
      const fn = obj(d.function);
      call.id ??= str(d.id);
      call.name ??= str(fn.name);
      call.args += str(fn.arguments) ?? '';
    }
  }

  message(): Message {
    const parts: Part[] = [];
    if (this.text !== undefined) parts.push(textPart(this.text));
    if (this.refusal !== undefined) parts.push(refusalPart(this.refusal));
    for (const [, call] of entriesByIndex(this.calls)) {
      parts.push(toolCallPart(call.id, call.name, call.args));
    }
    return outputMessage(this.role ?? 'assistant', parts, this.finish);
  }
}

/**
 * `tools` of a `chat.completions.create` request as tool definitions: `{ type: 'function',
 * function: { name, description, parameters } }`, or a custom tool's `{ type: 'custom', custom }`.
 */
export function chatToolDefinitions(tools: unknown): ToolDefinition[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  return tools.map((t) => {
    const tool = obj(t);
    const type = str(tool.type) ?? 'function';
    const spec = obj(tool[type]);
    return toolDefinition(type, str(spec.name) ?? type, spec.description, spec.parameters);
  });
}

// ---------------------------------------------------------------------------------------------
// Responses

/**
 * `tools` of a `responses.create` request as tool definitions. Built-in tools (`web_search`,
 * `file_search`, …) have no name of their own: their type (an MCP server, its label) names them.
 */
export function responsesToolDefinitions(tools: unknown): ToolDefinition[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  return tools.map((t) => {
    const tool = obj(t);
    const type = str(tool.type) ?? 'function';
    const name = str(tool.name) ?? str(tool.server_label) ?? type;
    return toolDefinition(type, name, tool.description, tool.parameters);
  });
}

function responsesContentParts(content: unknown): Part[] {
  return contentParts(content, responsesPart);
}

/** One item of a Responses input or output `content` array. */
function responsesPart(p: Record<string, unknown>): Part | undefined {
  switch (p.type) {
    case 'input_text':
    case 'output_text':
      return textPart(str(p.text) ?? '');
    case 'refusal':
      return refusalPart(str(p.refusal) ?? '');
    case 'input_image': {
      const id = str(p.file_id);
      return id !== undefined
        ? { type: 'file', modality: 'image', file_id: id }
        : mediaUrlPart(str(p.image_url), 'image');
    }
    case 'input_file': {
      const id = str(p.file_id);
      const url = str(p.file_url);
      return id !== undefined
        ? { type: 'file', modality: 'document', file_id: id }
        : url !== undefined
          ? { type: 'uri', modality: 'document', uri: url }
          : { type: 'blob', modality: 'document', mime_type: null, content: str(p.file_data) ?? '' };
    }
    case 'input_audio':
      return audioPart(p.input_audio);
    default:
      return genericPart(p);
  }
}

function reasoningText(item: Record<string, unknown>): string {
  const texts: string[] = [];
  for (const key of ['summary', 'content']) {
    const list = item[key];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      const text = str(obj(entry).text);
      if (text !== undefined) texts.push(text);
    }
  }
  return texts.join('\n');
}

/** One item of a Responses `input` or `output` as a part (messages excepted). */
function itemPart(item: Record<string, unknown>): Part | undefined {
  switch (item.type) {
    case 'function_call':
      return toolCallPart(item.call_id, item.name, item.arguments);
    case 'custom_tool_call':
      return toolCallPart(item.call_id, item.name, item.input);
    case 'function_call_output':
    case 'custom_tool_call_output':
      return toolResponsePart(item.call_id, item.output);
    case 'reasoning':
      return reasoningPart(reasoningText(item));
    default:
      return genericPart(item);
  }
}

/** `input` of a `responses.create` request. */
export function responsesInputMessages(input: unknown): Message[] | undefined {
  if (typeof input === 'string') return [{ role: 'user', parts: [textPart(input)] }];
  if (!Array.isArray(input)) return undefined;
  const out: Message[] = [];
  for (const entry of input) {
    const item = obj(entry);
    const role = str(item.role);
    if (role !== undefined && (item.type === undefined || item.type === 'message')) {
      out.push({ role, parts: responsesContentParts(item.content) });
      continue;
    }
    const part = itemPart(item);
    if (part === undefined) continue;
    const partRole = part.type === 'tool_call_response' ? 'tool' : 'assistant';
    out.push({ role: partRole, parts: [part] });
  }
  return out;
}

/** `instructions` of a `responses.create` request, as system instructions (a list of parts). */
export function responsesSystemInstructions(instructions: unknown): Part[] | undefined {
  if (typeof instructions === 'string') return [textPart(instructions)];
  if (!Array.isArray(instructions)) return undefined;
  const parts: Part[] = [];
  for (const entry of instructions)
    for (const part of responsesContentParts(obj(entry).content)) parts.push(part);
  return parts;
}

/** Whether a response's output asks for a tool call. */
function callsTool(output: unknown): boolean {
  if (!Array.isArray(output)) return false;
  for (const item of output) {
    const type = obj(item).type;
    if (type === 'function_call' || type === 'custom_tool_call') return true;
  }
  return false;
}

/**
 * Why a response stopped generating, in the conventions' terms: a Response has a `status`
 * (`completed`, `incomplete` with a reason, `failed`), not a finish reason per generation.
 */
export function responsesFinishReason(response: Record<string, unknown>): string | undefined {
  switch (response.status) {
    case 'completed':
      return callsTool(response.output) ? 'tool_call' : 'stop';
    case 'incomplete': {
      const reason = str(obj(response.incomplete_details).reason);
      if (reason === 'max_output_tokens') return 'length';
      return reason ?? 'incomplete';
    }
    case 'failed':
      return 'error';
    case 'cancelled':
      return 'cancelled';
    default:
      return undefined;
  }
}

/** `output` of a Response: one generation, so one output message with every part in order. */
export function responsesOutputMessages(response: Record<string, unknown>): Message[] | undefined {
  if (!Array.isArray(response.output)) return undefined;
  const parts: Part[] = [];
  for (const entry of response.output) {
    const item = obj(entry);
    if (item.type === 'message') for (const part of responsesContentParts(item.content)) parts.push(part);
    else {
      const part = itemPart(item);
      if (part !== undefined) parts.push(part);
    }
  }
  return [outputMessage('assistant', parts, responsesFinishReason(response))];
}
