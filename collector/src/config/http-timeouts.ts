import { formatDuration, parseDuration } from '@breakwater/protocol';
import type { z } from 'zod';

/** The `limits` keys this check reads (durations as written). */
interface TimeoutLimits {
  headersTimeout: string;
  requestTimeout: string;
  bodyTimeout: string;
}

function ms(text: string): number | undefined {
  try {
    return parseDuration(text);
  } catch {
    return undefined; // reported on the key itself
  }
}

/**
 * `limits.requestTimeout` bounds the whole request, headers and body, and the server enforces it
 * by closing the connection with a bare 408. A slow OTLP body must meet the receiver's
 * `bodyTimeout` first, which answers an exporter in its own encoding; the body starts at most
 * `headersTimeout` after the request did.
 */
export function checkRequestTimeoutCoversBody(limits: TimeoutLimits, ctx: z.RefinementCtx): void {
  const headers = ms(limits.headersTimeout);
  const request = ms(limits.requestTimeout);
  const body = ms(limits.bodyTimeout);
  if (headers === undefined || request === undefined || body === undefined) return;
  if (request >= headers + body) return;
  ctx.addIssue({
    code: 'custom',
    path: ['requestTimeout'],
    message:
      `requestTimeout ${formatDuration(request)} must be at least headersTimeout + bodyTimeout ` +
      `(${formatDuration(headers + body)}): the server would cut a slow OTLP body before the receiver answers it 408`,
  });
}
