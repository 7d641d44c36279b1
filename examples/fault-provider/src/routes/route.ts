/**
 * The contract between the server and an API route. A route only translates: request body in,
 * canned response out. Faults, stats and the socket are the server's business.
 */
import { type Conversation, isRecord, type ToolSpec } from '../canned.ts';
import type { RenderedError } from '../faults/provider-errors.ts';
import type { Provider, RouteId } from '../faults/types.ts';
import type { IdSource } from '../ids.ts';

/**
 * Structured output asked for by a request's format object: OpenAI chat's `response_format`
 * (`{ type: 'json_schema', json_schema: { schema } }` or `{ type: 'json_object' }`), the
 * Responses API's `text.format` and Anthropic's `output_config.format` (`{ type: 'json_schema',
 * schema }`). Undefined for plain text.
 */
export function outputFormatOf(format: unknown): Conversation['outputFormat'] {
  if (!isRecord(format)) return undefined;
  if (format.type === 'json_object') return 'json';
  if (format.type !== 'json_schema') return undefined;
  return { schema: isRecord(format.json_schema) ? format.json_schema.schema : format.schema };
}

/** What a route needs to render a response. */
export interface RenderContext {
  readonly ids: IdSource;
  /** Unix time in seconds, from the injected clock. */
  readonly nowSeconds: number;
}

/**
 * A rendered success: one JSON body, or the SSE frames of a stream in order. A stream whose API
 * reports a failed generation in its own terms (the Responses API's `response.failed`) also says
 * how that frame looks after `sent` frames.
 */
export type Rendered =
  | { readonly kind: 'json'; readonly body: string }
  | {
      readonly kind: 'sse';
      readonly frames: string[];
      readonly failedFrame?: (error: RenderedError, sent: number) => string;
    };

/** A request the route accepted. */
export interface ParsedRequest {
  readonly model: string;
  readonly stream: boolean;
  render(context: RenderContext): Rendered;
}

export interface Route {
  readonly id: RouteId;
  readonly provider: Provider;
  /**
   * The HTTP path (method is always POST). Gemini's name their model (`/v1beta/models/{model}:generateContent`):
   * gemini-paths.ts matches those.
   */
  readonly path: string;
  /**
   * Checks the body (the server has already made sure it is a JSON object); returns the request,
   * or a message the server sends as the provider's 400. `pathModel` is the model the path names,
   * for the routes whose body does not (Gemini's).
   */
  parse(body: Record<string, unknown>, pathModel?: string): ParsedRequest | string;
  /** The SSE frame that ends a stream with a provider error after `sent` frames. */
  errorFrame(error: RenderedError, sent: number): string;
}

/** The answer to a body that is not a JSON object, on every route. */
export const NOT_AN_OBJECT = 'The request body must be a JSON object.';

/** The tools a request's `tools` array declares: `spec` reads one entry, `undefined` skips it. */
export function declaredTools(
  tools: unknown,
  spec: (tool: Record<string, unknown>) => ToolSpec | undefined,
): ToolSpec[] {
  const out: ToolSpec[] = [];
  if (!Array.isArray(tools)) return out;
  for (const t of tools) {
    const found = isRecord(t) ? spec(t) : undefined;
    if (found !== undefined) out.push(found);
  }
  return out;
}

/** Text of a message `content` that is a string or an array of `{ text }` parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') parts.push(part);
    else if (
      typeof part === 'object' &&
      part !== null &&
      typeof (part as { text?: unknown }).text === 'string'
    ) {
      parts.push((part as { text: string }).text);
    }
  }
  return parts.join(' ');
}

/** A positive integer field, or `undefined` when absent; a string describes a bad value. */
export function optionalPositiveInt(value: unknown, name: string): number | undefined | string {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    return `${name}: must be a positive integer`;
  return value;
}

/** Splits a string into pieces of at most `size` characters (tool-call arguments are streamed in pieces). */
export function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
