/**
 * Anthropic Messages request and response bodies as GenAI-convention messages (see
 * client/content.ts). Only called with content capture on.
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
  type ToolDefinition,
  textPart,
  toolCallPart,
  toolDefinition,
  toolResponsePart,
} from '../client/content.ts';
import { entriesByIndex, obj, str } from '../client/describe.ts';

function sourcePart(source: unknown, modality: string): Part | undefined {
  const s = obj(source);
  switch (s.type) {
    case 'base64':
      return { type: 'blob', modality, mime_type: str(s.media_type) ?? null, content: str(s.data) ?? '' };
    case 'url':
      return mediaUrlPart(str(s.url), modality);
    case 'file':
      return { type: 'file', modality, file_id: str(s.file_id) ?? '' };
    case 'text':
      return textPart(str(s.data) ?? '');
    default:
      return genericPart(s);
  }
}

/** One content block as a part. */
function blockPart(value: unknown): Part | undefined {
  const block = obj(value);
  switch (block.type) {
    case 'text':
      return textPart(str(block.text) ?? '');
    case 'image':
      return sourcePart(block.source, 'image');
    case 'document':
      return sourcePart(block.source, 'document');
    case 'tool_use':
      return toolCallPart(block.id, block.name, block.input);
    case 'tool_result':
      return toolResponsePart(block.tool_use_id, plainText(block.content) ?? block.content);
    case 'thinking':
      return reasoningPart(str(block.thinking) ?? '');
    default:
      return genericPart(block);
  }
}

function messageParts(content: unknown): Part[] {
  return contentParts(content, blockPart);
}

/** `messages` of a `messages.create` request. */
export function inputMessages(messages: unknown): Message[] | undefined {
  if (!Array.isArray(messages)) return undefined;
  return messages.map((m) => {
    const message = obj(m);
    return { role: str(message.role) ?? 'user', parts: messageParts(message.content) };
  });
}

/** `system` of a `messages.create` request (a string or text blocks), as system instructions. */
export function systemInstructions(system: unknown): Part[] | undefined {
  if (system === undefined) return undefined;
  return messageParts(system);
}

/** A message response (one generation): one output message. */
export function outputMessages(content: unknown, stopReason: string | undefined): Message[] {
  return [outputMessage('assistant', messageParts(content), stopReason)];
}

/** Content blocks of a streamed message, put together from their start and delta events. */
export class StreamedContent {
  private readonly blocks = new Map<number, Record<string, unknown>>();
  /** Partial JSON of `tool_use` inputs, per block index. */
  private readonly inputs = new Map<number, string>();

  onEvent(event: Record<string, unknown>): void {
    const index = typeof event.index === 'number' ? event.index : this.blocks.size;
    if (event.type === 'content_block_start') {
      this.blocks.set(index, { ...obj(event.content_block) });
      return;
    }
    if (event.type !== 'content_block_delta') return;
    const block = this.blocks.get(index);
    if (block === undefined) return;
    const delta = obj(event.delta);
    switch (delta.type) {
      case 'text_delta':
        block.text = (str(block.text) ?? '') + (str(delta.text) ?? '');
        break;
      case 'thinking_delta':
        block.thinking = (str(block.thinking) ?? '') + (str(delta.thinking) ?? '');
        break;
      case 'input_json_delta':
        this.inputs.set(index, (this.inputs.get(index) ?? '') + (str(delta.partial_json) ?? ''));
        break;
    }
  }

  messages(stopReason: string | undefined): Message[] {
    const content = entriesByIndex(this.blocks).map(([index, block]) => {
      const input = this.inputs.get(index);
      return input === undefined ? block : { ...block, input: input === '' ? {} : input };
    });
    return outputMessages(content, stopReason);
  }
}

/**
 * `tools` of a Messages request as tool definitions: a client tool (`{ name, description,
 * input_schema }`, type absent or `custom`) is a function; a server tool (`web_search_…`,
 * `bash_…`) keeps its versioned type and name.
 */
export function toolDefinitions(tools: unknown): ToolDefinition[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  return tools.map((t) => {
    const tool = obj(t);
    const type = str(tool.type);
    const name = str(tool.name) ?? type ?? '';
    if (type === undefined || type === 'custom') {
      return toolDefinition('function', name, tool.description, tool.input_schema);
    }
    return toolDefinition(type, name, undefined, undefined);
  });
}
