/**
 * A subscription the collector (or whatever answers at the URL) refused: a 4xx status, a redirect
 * (the client does not follow one: the stream's URL is configured, not discovered), or a success
 * that is not an event stream. Except for a 5xx, this is a configuration problem (wrong token, a
 * token without the `subscribe` scope, a wrong URL) that retrying will not fix (see
 * connect-failure.ts for what the operator is told).
 */
export class SubscriptionRefused extends Error {
  readonly status: number;
  readonly contentType: string;
  /** Where a redirect points, if it said. */
  readonly location: string | undefined;
  /** The collector's own reason, from its JSON error body (`{ error: { message } }`), if any. */
  readonly detail: string | undefined;
  /** How long the collector asked to wait (its `Retry-After`), if it did. */
  readonly retryAfterMs: number | undefined;

  constructor(
    status: number,
    contentType: string,
    location?: string,
    detail?: string,
    retryAfterMs?: number,
  ) {
    super(`collector answered ${status} ${contentType}${detail === undefined ? '' : `: ${detail}`}`.trim());
    this.name = 'SubscriptionRefused';
    this.status = status;
    this.contentType = contentType;
    this.location = location;
    this.detail = detail;
    this.retryAfterMs = retryAfterMs;
  }

  /** What to check, for a refusal other than 401/403 (described in connect-failure.ts). */
  get hint(): string {
    if (this.status >= 300 && this.status < 400) {
      const to = this.location === undefined ? '' : ` to ${this.location}`;
      return `the collector URL redirects${to}; set the final URL (control.url / BREAKWATER_COLLECTOR_URL)`;
    }
    return 'check the collector URL (control.url / BREAKWATER_COLLECTOR_URL)';
  }
}

/** How much of a refusal's body is read for the collector's reason. */
const MAX_DETAIL_BYTES = 4096;
const MAX_DETAIL_CHARS = 300;

/**
 * The collector's reason for a refusal: `error.message` of a JSON error body (a share of the
 * stream's slots used up, a full stream), read up to 4 KiB. Undefined for any other body.
 */
export async function refusalDetail(
  contentType: string,
  body: AsyncIterable<Uint8Array | string>,
): Promise<string | undefined> {
  if (!contentType.toLowerCase().includes('json')) return undefined;
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of body) {
      text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      if (text.length > MAX_DETAIL_BYTES) return undefined;
    }
    const message = (JSON.parse(text) as { error?: { message?: unknown } } | null)?.error?.message;
    return typeof message === 'string' && message !== '' ? message.slice(0, MAX_DETAIL_CHARS) : undefined;
  } catch {
    return undefined;
  }
}
