/**
 * A subscription the collector (or whatever answers at the URL) refused: a 4xx status, a redirect
 * (the client does not follow one: the stream's URL is configured, not discovered), or a success
 * that is not an event stream. Unlike an unreachable collector, which the client rides out
 * quietly, this is a configuration problem (wrong token, a token without the `subscribe` scope,
 * a wrong URL) that retrying will not fix, so an operator must hear about it.
 */
export class SubscriptionRefused extends Error {
  readonly status: number;
  readonly contentType: string;
  /** Where a redirect points, if it said. */
  readonly location: string | undefined;

  constructor(status: number, contentType: string, location?: string) {
    super(`collector answered ${status} ${contentType}`.trim());
    this.name = 'SubscriptionRefused';
    this.status = status;
    this.contentType = contentType;
    this.location = location;
  }

  /** Whether retrying cannot help until someone changes the configuration. */
  get misconfigured(): boolean {
    return this.status >= 200 && this.status < 500;
  }

  /** What to check, for the operator. */
  get hint(): string {
    if (this.status === 401)
      return 'the subscribe token is missing or wrong (control.token / BREAKWATER_SUBSCRIBE_TOKEN)';
    if (this.status === 403)
      return 'the token lacks the subscribe scope (control.token / BREAKWATER_SUBSCRIBE_TOKEN)';
    if (this.status >= 300 && this.status < 400) {
      const to = this.location === undefined ? '' : ` to ${this.location}`;
      return `the collector URL redirects${to}; set the final URL (control.url / BREAKWATER_COLLECTOR_URL)`;
    }
    return 'check the collector URL (control.url / BREAKWATER_COLLECTOR_URL)';
  }
}

/** A short key of why a connection attempt failed, to log a refusal only when the reason changes. */
export function failureReason(error: unknown): string {
  if (error instanceof SubscriptionRefused) return `${error.status} ${error.contentType}`;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_') ? code : 'unreachable';
}
