import { SubscriptionRefused } from './refusal.ts';

/** The abort reason of a stream or request silent for the idle timeout (no byte, no heartbeat). */
export class StreamIdle extends Error {
  override readonly name = 'StreamIdle';
  readonly idleMs: number;

  constructor(idleMs: number) {
    super(`no data for ${idleMs} ms`);
    this.idleMs = idleMs;
  }
}

/** Why a connection attempt failed, for the operator. */
export interface ConnectFailure {
  /** A short key: the failure is warned about again only when it changes. */
  kind: string;
  /** What happened and what to do, one sentence. */
  what: string;
  /**
   * A configuration problem that retrying alone will not fix (a refusal, a request that cannot
   * be sent); otherwise the collector is down or unreachable and the client waits it out.
   */
  misconfigured: boolean;
}

/** Failure codes that are Node's refusal to build the request (a header value it cannot send). */
const UNSENDABLE = new Set(['ERR_INVALID_CHAR', 'ERR_HTTP_INVALID_HEADER_VALUE', 'ERR_INVALID_HTTP_TOKEN']);

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the collector running at this address?)',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed (EAI_AGAIN)',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/**
 * Describes a failed connection attempt. `hasToken`: whether a token was sent (a 401 then means
 * a wrong one, not a missing one). The scope named is the collector's `subscribe` (its
 * `auth.tokens[].scopes`).
 */
export function describeFailure(error: unknown, hasToken: boolean): ConnectFailure {
  if (error instanceof SubscriptionRefused) {
    const failure = describeRefusal(error, hasToken);
    // The collector's own words say which limit or check it was (e.g. a token's share of slots).
    return error.detail === undefined
      ? failure
      : { ...failure, what: `${failure.what} (the collector says: ${error.detail})` };
  }
  if (error instanceof StreamIdle) {
    return { kind: 'no_answer', what: `no answer within ${error.idleMs / 1_000}s`, misconfigured: false };
  }
  const code = errorCode(error);
  if (code !== undefined && UNSENDABLE.has(code)) {
    return {
      kind: code,
      what: `the request cannot be sent (${code}): check the token for characters a header cannot carry (control.token / BREAKWATER_SUBSCRIBE_TOKEN)`,
      misconfigured: true,
    };
  }
  if (code !== undefined && NETWORK[code] !== undefined) {
    return { kind: code, what: NETWORK[code], misconfigured: false };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: code ?? message.slice(0, 100), what: message.slice(0, 300), misconfigured: false };
}

/**
 * Whether `error` is the network dropping a connection (a reset, a collector that died), not
 * something wrong with what the stream carried (a line over the size bound).
 */
export function isNetworkError(error: unknown): boolean {
  const code = errorCode(error);
  if (code !== undefined) return NETWORK[code] !== undefined;
  // fetch reports a connection the other side closed as `terminated`, caused by a bare socket
  // error: the same drop the node transport reports as ECONNRESET.
  return codesOf(error).includes('UND_ERR_SOCKET');
}

function describeRefusal(error: SubscriptionRefused, hasToken: boolean): ConnectFailure {
  const { status } = error;
  const refused = `the collector refused the subscription (${status})`;
  const scope = 'a collector token with the subscribe scope';
  if (status === 401) {
    const why = hasToken
      ? 'the token is wrong or no longer configured on the collector'
      : 'no token is set and the collector requires one';
    return {
      kind: '401',
      what: `${refused}: ${why}; set control.token / BREAKWATER_SUBSCRIBE_TOKEN to ${scope}`,
      misconfigured: true,
    };
  }
  if (status === 403) {
    return {
      kind: '403',
      what: `${refused}: the token is valid but lacks the subscribe scope; add subscribe to its scopes in the collector's auth.tokens, or set control.token / BREAKWATER_SUBSCRIBE_TOKEN to ${scope}`,
      misconfigured: true,
    };
  }
  if (status >= 500) {
    // The collector answers errors in JSON; an HTML page is a reverse proxy's own (nginx's 502
    // while the collector is down), and "the collector answered" would send the operator to it.
    const what = /\bhtml\b/i.test(error.contentType)
      ? `a proxy in front of the collector answered ${status} with its own error page (a server error: the collector is down, or the proxy cannot reach it)`
      : `the collector answered ${status} (a server error)`;
    return { kind: '5xx', what, misconfigured: false };
  }
  return { kind: `${status} ${error.contentType}`, what: `${refused}: ${error.hint}`, misconfigured: true };
}

/** The Node error codes on the error and (fetch) its causes, outermost first. */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

/** The code that says what happened: generic abort and socket codes defer to a cause's. */
function errorCode(error: unknown): string | undefined {
  return codesOf(error).find((code) => code !== 'ABORT_ERR' && code !== 'UND_ERR_SOCKET');
}
