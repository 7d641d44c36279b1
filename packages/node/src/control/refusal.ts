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

  constructor(status: number, contentType: string, location?: string) {
    super(`collector answered ${status} ${contentType}`.trim());
    this.name = 'SubscriptionRefused';
    this.status = status;
    this.contentType = contentType;
    this.location = location;
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
