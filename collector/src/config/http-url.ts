/**
 * A URL the collector sends HTTP requests to (Alertmanager, a forwarding destination), and the
 * headers it sends with them: http or https only, with one message for every field that takes
 * one, and whatever fetch itself would refuse on every request found when the configuration
 * loads, rather than as retries that all fail.
 */
import { z } from 'zod';

/** An http:// or https:// URL. */
export const httpUrl = () => z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/** Extra request headers (an API key, `authorization`); `${ENV}` allowed. */
export const requestHeaders = () => z.record(z.string(), z.string()).default({});

/** Why fetch refuses `url` on every request, or undefined. */
export function urlCredentialsProblem(url: string): string | undefined {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || (parsed.username === '' && parsed.password === '')) return undefined;
  return 'fetch refuses a URL with credentials: put them in a header (e.g. authorization)';
}

/** Headers about the connection and the body's framing: fetch refuses them or gets them wrong. */
const CONNECTION_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'content-length',
  'expect',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
]);

function acceptedBy(build: () => unknown): boolean {
  try {
    build();
    return true;
  } catch {
    return false;
  }
}

/**
 * Why fetch would refuse to send the header `name: value` (or send it wrongly), or undefined. The
 * message never quotes the value: it is often a secret. Shared by the configuration's `headers`
 * and the CLI's header flags, so both refuse the same headers with the same words.
 */
export function headerProblem(name: string, value: string): string | undefined {
  if (!acceptedBy(() => new Headers([[name, 'x']]))) return 'not a valid HTTP header name';
  if (CONNECTION_HEADERS.has(name.toLowerCase()))
    return 'fetch sets this header itself (connection and framing): leave it out';
  // The Headers object takes control characters that fetch then refuses on every request, so the
  // value it keeps (trimmed) is checked as fetch checks it when sending (RFC 9110 field-value).
  const kept = keptValue(value);
  if (kept === undefined || !SENDABLE_VALUE.test(kept))
    return 'not a valid HTTP header value (a line break or another control character inside it)';
  return undefined;
}

/** The value a Headers object keeps of `value` (trimmed), or undefined if it refuses it. */
function keptValue(value: string): string | undefined {
  try {
    return new Headers([['x', value]]).get('x') ?? undefined;
  } catch {
    return undefined;
  }
}

/** What fetch sends in a header value: visible ASCII, space, tab and bytes from 0x80. */
const SENDABLE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Adds an issue (at `url`, `headers.<name>`) for what fetch would refuse: credentials in the URL,
 * header names or values it rejects. A header's value is never quoted: it is often a secret.
 */
export function checkFetchTarget(
  target: { readonly url?: string | undefined; readonly headers: Readonly<Record<string, string>> },
  ctx: z.RefinementCtx,
): void {
  const problem = target.url === undefined ? undefined : urlCredentialsProblem(target.url);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: problem });
  for (const [name, value] of Object.entries(target.headers)) {
    const message = headerProblem(name, value);
    if (message !== undefined) ctx.addIssue({ code: 'custom', path: ['headers', name], message });
  }
}

/**
 * The configured `headers` without any spelling of `names` (lower case): headers a request sets
 * from its own body, such as `content-type`. Left in, fetch would join a `Content-Type` there with
 * the request's own `content-type` (`a, b`), which receivers refuse.
 */
export function withoutHeaders(
  headers: Readonly<Record<string, string>>,
  names: ReadonlySet<string>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.has(name.toLowerCase())));
}

/**
 * The URL of `path` (which may carry a query of its own) under the base URL `base`: appended to
 * its path, its query kept (a proxy's `?token=`) with `path`'s parameters added after it. Plain
 * concatenation would put the path inside the base's query.
 */
export function urlUnder(base: string | URL, path: string): string {
  const url = new URL(base);
  const target = new URL(path, 'http://path.invalid');
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${target.pathname}`;
  url.hash = '';
  for (const [name, value] of target.searchParams) url.searchParams.append(name, value);
  return url.toString();
}
