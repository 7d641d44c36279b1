/**
 * Captured message content in the shape the GenAI conventions define for
 * `gen_ai.input.messages`, `gen_ai.output.messages` and `gen_ai.system_instructions`: messages of
 * `{ role, parts }` (output messages also carry `finish_reason`), each part `{ type, ... }`
 * (`text`, `tool_call`, `tool_call_response`, `reasoning`, `blob`, `uri`, `file`, or the provider's
 * own type as a generic part). Provider adapters translate their request and response bodies into
 * these; everything here runs only when content capture is on.
 */
import { ATTR, SEMCONV } from '@breakwater/protocol';
import type { Span } from '@opentelemetry/api';
import { boundedJson, type ContentCapture, type ContentShape } from '../bounded-json.ts';
import { type CapturedJson, json, obj, str, UNENCODABLE } from './describe.ts';

/** One message part. */
export type Part = { readonly type: string } & Record<string, unknown>;

/** One input or output message. */
export interface Message {
  role: string;
  parts: Part[];
  name?: string;
  finish_reason?: string;
}

export function textPart(content: string): Part {
  return { type: 'text', content };
}

/**
 * A message's content as parts: a string is one text part; an array is read item by item with
 * `part` (items it gives `undefined` for are left out); anything else has no parts.
 */
export function contentParts(
  content: unknown,
  part: (item: Record<string, unknown>) => Part | undefined,
): Part[] {
  if (typeof content === 'string') return [textPart(content)];
  if (!Array.isArray(content)) return [];
  const parts: Part[] = [];
  for (const item of content) {
    const p = part(obj(item));
    if (p !== undefined) parts.push(p);
  }
  return parts;
}

/** Tool-call arguments as an object where they are JSON (the conventions expect an object). */
export function parseArguments(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

export function toolCallPart(id: unknown, name: unknown, args: unknown): Part {
  const part: Record<string, unknown> = { type: 'tool_call', id: str(id) ?? null, name: str(name) ?? '' };
  if (args !== undefined) part.arguments = parseArguments(args);
  return part as Part;
}

export function toolResponsePart(id: unknown, response: unknown): Part {
  return { type: 'tool_call_response', id: str(id) ?? null, response: response ?? null };
}

/** The model declined to answer (OpenAI's `refusal`): a part of its own type. */
export function refusalPart(content: string): Part {
  return { type: 'refusal', content };
}

export function reasoningPart(content: string): Part {
  return { type: 'reasoning', content };
}

/** A provider part we have no mapping for: kept as a generic part of its own type. */
export function genericPart(value: unknown): Part | undefined {
  const o = obj(value);
  const type = str(o.type);
  return type === undefined ? undefined : ({ ...o, type } as Part);
}

/** An image (or other media) given by URL: a `data:` URL becomes a `blob`, any other a `uri` part. */
export function mediaUrlPart(url: string | undefined, modality: string): Part | undefined {
  if (url === undefined) return undefined;
  const data = /^data:([^;,]+)?(;base64)?,/.exec(url);
  if (data !== null) {
    return { type: 'blob', modality, mime_type: data[1] ?? null, content: url.slice(data[0].length) };
  }
  return { type: 'uri', modality, uri: url };
}

/** One entry of `gen_ai.tool.definitions`: `{ type, name }`, a function tool's schema with it. */
export type ToolDefinition = { readonly type: string; readonly name: string } & Record<string, unknown>;

/**
 * A tool definition in the conventions' schema: `description` and `parameters` (a JSON Schema)
 * where the request gives them. Recorded with content capture on only, as those can be large and
 * say as much about the app as its prompts do.
 */
export function toolDefinition(
  type: string,
  name: string,
  description: unknown,
  parameters: unknown,
): ToolDefinition {
  const definition: Record<string, unknown> = { type, name };
  const text = str(description);
  if (text !== undefined) definition.description = text;
  if (parameters !== undefined) definition.parameters = parameters;
  return definition as ToolDefinition;
}

/** The well-known finish reasons of the output-message schema, from a provider's own. */
const FINISH_REASONS: Readonly<Record<string, string>> = {
  // OpenAI
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_call',
  function_call: 'tool_call',
  content_filter: 'content_filter',
  // Anthropic
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_call',
  refusal: 'content_filter',
};

/** The conventions' finish reason for a provider's, or the provider's own when none applies. */
export function finishReason(reason: string | undefined): string | undefined {
  return reason === undefined ? undefined : (FINISH_REASONS[reason] ?? reason);
}

/** An output message; `finish_reason` only when the provider said one. */
export function outputMessage(role: string, parts: Part[], reason: string | undefined): Message {
  const message: Message = { role, parts };
  const finish = finishReason(reason);
  if (finish !== undefined) message.finish_reason = finish;
  return message;
}

/** The text of a string or of the text blocks of an array (`{ type: 'text', text }`). */
export function plainText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return undefined;
  let out: string | undefined;
  for (const block of value) {
    const text = str(obj(block).text);
    if (text !== undefined) out = out === undefined ? text : `${out}\n${text}`;
  }
  return out;
}

/**
 * Captured content as JSON: `convert` builds it from shapes the caller or the provider chose, and
 * its result is encoded. Never throws: content that cannot be converted or encoded is left out
 * (encoded: {@link UNENCODABLE}), so a capture problem never costs a call its span or its policies.
 */
export function capturedJson(convert: () => unknown): CapturedJson {
  try {
    return json(convert());
  } catch {
    return undefined;
  }
}

/**
 * Sets `key` through `set` to the JSON `text` of captured content, within `capture`'s bound (see
 * bounded-json.ts); content cut or left out to fit, or left out as {@link UNENCODABLE}, sets
 * `breakwater.content.truncated` too.
 */
export function setBounded(
  set: (key: string, value: string | boolean) => void,
  key: string,
  text: CapturedJson,
  capture: ContentCapture,
  shape: ContentShape,
): void {
  if (text === undefined) return;
  if (text === UNENCODABLE) {
    set(ATTR.CONTENT_TRUNCATED, true);
    return;
  }
  const bounded = boundedJson(text, capture.maxBytes, shape);
  if (bounded.text !== undefined) set(key, bounded.text);
  if (bounded.truncated) set(ATTR.CONTENT_TRUNCATED, true);
}

/**
 * Sets `key` on `attributes` to {@link capturedJson} of `convert`, within `capture`'s bound: a
 * message list (`gen_ai.input.messages`) loses its oldest messages first.
 */
export function setJson(
  attributes: Record<string, unknown>,
  key: string,
  convert: () => unknown,
  capture: ContentCapture,
  shape: ContentShape = 'messages',
): void {
  setBounded(
    (k, v) => {
      attributes[k] = v;
    },
    key,
    capturedJson(convert),
    capture,
    shape,
  );
}

/** Sets `gen_ai.output.messages` on `span` to {@link capturedJson} of `convert`, within `capture`'s bound. */
export function setOutputMessages(span: Span, convert: () => unknown, capture: ContentCapture): void {
  setBounded(
    (k, v) => span.setAttribute(k, v),
    SEMCONV.GEN_AI_OUTPUT_MESSAGES,
    capturedJson(convert),
    capture,
    'messages',
  );
}
