import {
  type Clock,
  ENV,
  GATE_PATHS,
  type GateAnswer,
  GateAnswerSchema,
  type GateHealth,
  GateHealthSchema,
  type GateRollbackEvent,
} from '@breakwater/protocol';
import type { z } from 'zod';
import { urlUnder } from '../config/http-url.ts';
import { urlForDisplay } from '../config/url-for-display.ts';
import { fetchErrorText } from '../fetch-error.ts';
import { htmlPageText, htmlPageTitle } from '../html-page.ts';
import { GATE_TOKEN_ENV } from './options.ts';

/** The collector could not be asked (network, auth, a 4xx/5xx, an unreadable answer): exit 2. */
export class GateClientError extends Error {
  override readonly name = 'GateClientError';
  /** True when retrying may help (network error, 5xx); false for 4xx (fix the request). */
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

/** Options of {@link GateClient}. */
export interface GateClientOptions {
  baseUrl: string;
  token: string | undefined;
  clock: Clock;
  fetch: typeof fetch;
  timeoutMs: number;
}

/** The gate API over HTTP, with a per-request timeout on the injected clock. */
export class GateClient {
  private readonly options: GateClientOptions;

  constructor(options: GateClientOptions) {
    this.options = options;
  }

  /** `GET /v1/gate`. */
  async decide(query: {
    service: string;
    version: string;
    baseline?: string | undefined;
    slo?: string | undefined;
  }): Promise<GateAnswer> {
    const params = new URLSearchParams({ service: query.service, version: query.version });
    if (query.baseline !== undefined) params.set('baseline', query.baseline);
    if (query.slo !== undefined) params.set('slo', query.slo);
    const body = await this.request('GET', `${GATE_PATHS.DECISION}?${params}`);
    const parsed = GateAnswerSchema.safeParse(body);
    if (!parsed.success) throw this.unexpected('answer', parsed.error);
    return parsed.data;
  }

  /** `GET /v1/gate/health`: is `service` green on its events after `sinceMs` (the collector's clock)? */
  async health(service: string, sinceMs: number): Promise<GateHealth> {
    const params = new URLSearchParams({ service, since: String(Math.floor(sinceMs)) });
    const parsed = GateHealthSchema.safeParse(await this.request('GET', `${GATE_PATHS.HEALTH}?${params}`));
    if (!parsed.success) throw this.unexpected('health answer', parsed.error);
    return parsed.data;
  }

  /**
   * An answer that is not what this version of the gate sends: a few readable lines (the zod
   * issues, first ones only), not the schema error's JSON dump.
   */
  private unexpected(what: string, error: z.ZodError): GateClientError {
    const issues = error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    const more = error.issues.length > 3 ? `; and ${error.issues.length - 3} more` : '';
    return new GateClientError(
      `unexpected ${what} from ${urlForDisplay(this.options.baseUrl)} (is it a Breakwater collector of this version?): ${issues.join('; ')}${more}`,
      false,
    );
  }

  /** `POST /v1/gate/rollbacks`. */
  async report(event: GateRollbackEvent): Promise<void> {
    await this.request('POST', GATE_PATHS.ROLLBACKS, event);
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const { baseUrl, token, clock, timeoutMs } = this.options;
    const url = urlUnder(baseUrl, path);
    const abort = new AbortController();
    // What stopped the request: the timeout's own reason when it fired, else the error and its cause.
    const why = (error: unknown) =>
      abort.signal.aborted ? String(abort.signal.reason?.message) : fetchErrorText(error);
    const timer = clock.setTimeout(
      () => abort.abort(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        res = await this.options.fetch(url, {
          method,
          headers,
          signal: abort.signal,
          // Not followed: fetch drops the token on a redirect to another origin (an ingress sending
          // http to https), which would read as "missing bearer token"; a redirect is a wrong URL.
          redirect: 'manual',
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        throw new GateClientError(`cannot reach ${urlForDisplay(baseUrl)}: ${why(error)}`, true);
      }
      let text: string;
      try {
        text = await res.text();
      } catch (error) {
        // The answer began and then stopped: cut off by the timeout or by the connection.
        throw new GateClientError(`${method} ${path.split('?')[0]}: answer cut off: ${why(error)}`, true);
      }
      if (res.status >= 300 && res.status < 400) {
        throw new GateClientError(
          `${method} ${path.split('?')[0]} → HTTP ${res.status}: the collector URL redirects${redirectTarget(res, url)}; give the final URL (--url, or ${ENV.COLLECTOR_URL})`,
          false,
        );
      }
      const page = htmlPageTitle(text);
      if (!res.ok) {
        let message = page === undefined ? text.slice(0, 500) : proxyAnswer(res.status, page);
        try {
          message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
        } catch {}
        // A refused token is the usual first-run mistake: say where the token goes.
        const hint =
          res.status === 401 || res.status === 403
            ? ` (the gate needs a token with the gate scope: --token, or ${GATE_TOKEN_ENV})`
            : '';
        throw new GateClientError(
          `${method} ${path.split('?')[0]} → HTTP ${res.status}: ${message}${hint}`,
          res.status >= 500,
        );
      }
      try {
        return JSON.parse(text);
      } catch {
        // A page where the API should be: the URL leads to a web server (a proxy's default site,
        // a sign-in page), not to the collector.
        const what =
          page === undefined
            ? ''
            : `: ${htmlPageText(page)}; the URL does not lead to the collector's API (check its path prefix)`;
        throw new GateClientError(`${method} ${path.split('?')[0]}: answer is not JSON${what}`, false);
      }
    } finally {
      clock.clearTimeout(timer);
    }
  }
}

/**
 * An error a reverse proxy in front of the collector answered with its own HTML page: its title
 * and what the status means there, rather than the page's markup.
 */
function proxyAnswer(status: number, title: string): string {
  const cause =
    status === 502 || status === 503 || status === 504
      ? '; the collector is down or the proxy cannot reach it'
      : status === 404
        ? "; the proxy routes no such path: check the URL's path prefix"
        : '';
  return `${htmlPageText(title)}, not the collector's answer: a proxy in front of it answered${cause}`;
}

/** ` to <where>` for a redirect that says where (shown as urlForDisplay shows URLs), else ''. */
function redirectTarget(res: Response, url: string): string {
  const location = res.headers.get('location');
  if (location === null || !URL.canParse(location, url)) return '';
  return ` to ${urlForDisplay(new URL(location, url).href)}`;
}
