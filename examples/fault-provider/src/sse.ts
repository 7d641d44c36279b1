/** Server-sent event framing, shared by every streaming route. */

/** A `data:`-only frame, as Chat Completions sends it. */
export function dataFrame(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** A named frame (`event:` + `data:`), as the Responses and Anthropic Messages streams send it. */
export function eventFrame(event: string, payload: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/** The Chat Completions end-of-stream sentinel. */
export const DONE_FRAME = 'data: [DONE]\n\n';
