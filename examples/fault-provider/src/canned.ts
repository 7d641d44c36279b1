/**
 * Deterministic canned output. Every route turns its request into a {@link Conversation}, and
 * {@link cannedReply} derives the answer from it, so tests can predict content and token usage
 * exactly without a model.
 */

/** One input message, reduced to what the canned reply needs. */
export interface Turn {
  readonly role: 'system' | 'user' | 'assistant' | 'tool';
  /** The message's text (text parts joined by a space). */
  readonly text: string;
  /** True when the message carries a tool result (OpenAI `tool` role, Anthropic `tool_result`, Responses `function_call_output`). */
  readonly toolResult: boolean;
}

/** A tool offered to the model. */
export interface ToolSpec {
  readonly name: string;
  /** JSON Schema of the arguments, if given. */
  readonly parameters?: unknown;
}

/** How the caller constrained tool use: `auto`, `none`, `required` (any tool) or one named tool. */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

/** The provider-neutral input of a generation request. */
export interface Conversation {
  readonly turns: readonly Turn[];
  readonly tools: readonly ToolSpec[];
  readonly toolChoice: ToolChoice;
  /** Output limit in tokens (`max_tokens`, `max_completion_tokens`, `max_output_tokens`). */
  readonly maxTokens?: number;
  /**
   * Structured output asked for: a JSON Schema the text must satisfy (OpenAI `json_schema`,
   * Anthropic `output_config.format`), or `'json'` for any JSON object (`json_object`).
   */
  readonly outputFormat?: { readonly schema: unknown } | 'json';
}

/** The canned answer: text or one tool call, with exact token counts. */
export type CannedReply =
  | {
      readonly kind: 'text';
      readonly text: string;
      /** `length` when `maxTokens` cut the text short. */
      readonly finish: 'stop' | 'length';
      readonly inputTokens: number;
      readonly outputTokens: number;
    }
  | {
      readonly kind: 'tool_call';
      readonly name: string;
      /** JSON-encoded arguments, built from the tool's parameter schema. */
      readonly arguments: string;
      readonly inputTokens: number;
      readonly outputTokens: number;
    };

/** Prefix of a text reply to a user message: the reply is `You said: <last user text>`. */
export const REPLY_PREFIX = 'You said: ';
/** Prefix of a text reply that follows a tool result: `Tool result: <result text>`. */
export const TOOL_RESULT_PREFIX = 'Tool result: ';

/**
 * The fault provider's token count: the number of whitespace-separated words. Crude on purpose:
 * anyone can compute the expected usage of a test request by hand.
 */
export function countTokens(text: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // space, tab, newline, carriage return, vertical tab, form feed
    const space = c === 32 || (c >= 9 && c <= 13);
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

/**
 * The input tokens of a conversation: {@link countTokens} summed over its turns (system prompt
 * included; tools are free). {@link cannedReply} reports it as usage and Anthropic's
 * `count_tokens` answers it, so a count always equals the usage of the same request.
 */
export function inputTokens(turns: readonly Turn[]): number {
  let total = 0;
  for (const turn of turns) total += countTokens(turn.text);
  return total;
}

/** Splits text into stream deltas: each word with the whitespace before it, so deltas join back exactly. */
export function splitDeltas(text: string): string[] {
  const parts = text.match(/\s*\S+/g);
  if (parts === null) return text === '' ? [] : [text];
  const tail = text.length - parts.join('').length;
  if (tail > 0) parts[parts.length - 1] += text.slice(text.length - tail);
  return parts;
}

/**
 * Derives the reply. Offered tools are called when the last message is the user's (so an agent
 * loop gets a tool call first, then a text answer once it sends the tool result back).
 */
export function cannedReply(conversation: Conversation): CannedReply {
  const input = inputTokens(conversation.turns);
  const last = conversation.turns.at(-1);
  const lastUser = lastUserText(conversation.turns);

  const tool = chooseTool(conversation, last);
  if (tool !== undefined) {
    const args = JSON.stringify(argumentsFor(tool.parameters, lastUser));
    return {
      kind: 'tool_call',
      name: tool.name,
      arguments: args,
      inputTokens: input,
      outputTokens: countTokens(tool.name) + countTokens(args),
    };
  }

  const said = last?.toolResult ? TOOL_RESULT_PREFIX + last.text : REPLY_PREFIX + lastUser;
  const full = structured(conversation.outputFormat, said);
  const limit = conversation.maxTokens;
  const words = countTokens(full);
  if (limit !== undefined && words > limit) {
    const text = splitDeltas(full).slice(0, limit).join('').trimStart();
    return { kind: 'text', text, finish: 'length', inputTokens: input, outputTokens: limit };
  }
  return { kind: 'text', text: full, finish: 'stop', inputTokens: input, outputTokens: words };
}

/**
 * The reply as structured output asks for it: JSON built from the schema (its strings say what
 * the plain reply would), `{"reply": …}` for any JSON object, else the text itself.
 */
function structured(format: Conversation['outputFormat'], text: string): string {
  if (format === undefined) return text;
  if (format === 'json') return JSON.stringify({ reply: text });
  return JSON.stringify(valueFor(format.schema, text));
}

function lastUserText(turns: readonly Turn[]): string {
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i]!;
    if (turn.role === 'user' && !turn.toolResult) return turn.text;
  }
  return '';
}

function chooseTool(conversation: Conversation, last: Turn | undefined): ToolSpec | undefined {
  const { tools, toolChoice } = conversation;
  if (tools.length === 0 || toolChoice === 'none') return undefined;
  if (typeof toolChoice === 'object') return tools.find((t) => t.name === toolChoice.name) ?? tools[0];
  // A forced tool call is made even after a tool result; `auto` answers in text then, which ends agent loops.
  if (toolChoice === 'auto' && (last === undefined || last.toolResult || last.role !== 'user'))
    return undefined;
  return toolNamedByPrompt(tools, last?.text ?? '');
}

/**
 * Words too common to say which tool a prompt means ("how do I get an API key?" does not ask for
 * `get_weather`): verbs that prefix most tool names, and short function words.
 */
const COMMON_WORDS = new Set([
  'get',
  'set',
  'put',
  'add',
  'run',
  'do',
  'make',
  'to',
  'by',
  'of',
  'for',
  'in',
  'on',
  'at',
  'up',
  'a',
  'an',
  'the',
  'is',
  'it',
  'and',
  'or',
  'with',
  'from',
  'my',
  'me',
]);

/**
 * The prompt picks the tool, so agents and tests can steer it: the tool it names in full, else
 * the one with the most distinctive words of its name in the prompt (`search_docs` for "search
 * the docs", `get_weather` for "weather in Oslo"), else the first offered.
 */
function toolNamedByPrompt(tools: readonly ToolSpec[], prompt: string): ToolSpec | undefined {
  const named = tools.find((t) => prompt.includes(t.name));
  if (named !== undefined) return named;
  const words = new Set(prompt.toLowerCase().match(/[a-z0-9]+/g) ?? []);
  let best = tools[0];
  let bestScore = 0;
  for (const tool of tools) {
    const score = nameWords(tool.name).filter((w) => !COMMON_WORDS.has(w) && words.has(w)).length;
    if (score > bestScore) {
      best = tool;
      bestScore = score;
    }
  }
  return best;
}

/** `getWeather`, `get_weather` and `get-weather` are all the words `get` and `weather`. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** Builds arguments that satisfy the schema's required (or, if none, all) properties. */
function argumentsFor(schema: unknown, userText: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isRecord(schema) || !isRecord(schema.properties)) return out;
  const required = Array.isArray(schema.required) ? schema.required.filter((k) => typeof k === 'string') : [];
  const keys = required.length > 0 ? required : Object.keys(schema.properties);
  for (const key of keys) out[key] = valueFor(schema.properties[key], userText);
  return out;
}

function valueFor(schema: unknown, userText: string): unknown {
  if (!isRecord(schema)) return userText;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return argumentsFor(schema, userText);
    case 'null':
      return null;
    default:
      return userText;
  }
}

/** True for a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
