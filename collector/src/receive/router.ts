import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '@breakwater/protocol';
import type { Logger, Route } from '../component.ts';
import { LabeledHistogram } from '../exposition/labeled-histogram.ts';
import { LabeledCounter } from '../exposition/prometheus-text.ts';
import type { TokenAuth } from './auth.ts';
import { browserGuard } from './browser-guard.ts';
import { send, sendJsonError } from './http-reply.ts';
import { notFoundMessage } from './not-found.ts';
import { contentTypeOf, encodeStatus, encodingOf, RPC_CODE } from './otlp-responses.ts';
import { RefusalLog } from './refusal-log.ts';
import { parseRequestTarget } from './request-target.ts';

/** The `route` label of a request that matched no route (404, 405, a malformed target, a refusal before routing). */
const UNROUTED = 'other';

/**
 * Bucket bounds of the request durations, seconds: from a health check's sub-millisecond answer
 * to an OTLP batch waiting on a slow store commit.
 */
const DURATION_BOUNDS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The `route` label of `route`: its path, or its label for a pattern. */
function routeLabel(route: Route): string {
  return typeof route.path === 'string' ? route.path : (route.label ?? route.path.source);
}

/**
 * Dispatches requests over the routes of every component: exact paths first, then patterns in
 * registration order. Refuses cross-site browser requests and, without auth, foreign `Host`s
 * first (see {@link browserGuard}), then checks the route's token scope before calling it.
 * Unknown paths get 404, known paths with another method 405 (with `Allow`), all as JSON errors.
 * Every response is counted by route and status code (`breakwater_http_responses_total`).
 */
export class Router {
  /** Responses by route and status code, refusals and failures included. */
  readonly responses = new LabeledCounter(
    'breakwater_http_responses_total',
    'HTTP responses by route (its path; "other" for none) and status code, refused and failed requests included.',
    ['route', 'code'],
  );
  /**
   * Time from a request's arrival until its handler returned (after its response was sent, but
   * for a stream such as `/v1/signals`, whose handler returns once its headers are out).
   */
  readonly durations = new LabeledHistogram(
    'breakwater_http_request_duration_seconds',
    'Time to answer HTTP requests by route (as in breakwater_http_responses_total), in seconds; a stream counts until its headers are sent.',
    'route',
    DURATION_BOUNDS_S,
  );
  private readonly exact = new Map<string, Route[]>();
  private readonly patterns: Route[] = [];
  private readonly auth: TokenAuth;
  private readonly logger: Logger;
  private readonly refusals: RefusalLog;
  private readonly clock: Clock;

  constructor(auth: TokenAuth, logger: Logger, clock: Clock) {
    this.auth = auth;
    this.clock = clock;
    this.logger = logger;
    this.refusals = new RefusalLog(logger, clock);
  }

  /** Ends what outlives a request: the refusal log's held-back summary is logged now. */
  close(): void {
    this.refusals.close();
  }

  /** Writes the response counts (Prometheus text). */
  writeMetrics(out: string[]): void {
    this.responses.write(out);
    this.durations.write(out);
  }

  /** Adds routes; a second route for the same method and exact path is a wiring bug. */
  add(routes: readonly Route[], owner: string): void {
    for (const route of routes) {
      if (typeof route.path === 'string') {
        const list = this.exact.get(route.path) ?? [];
        if (list.some((r) => r.method === route.method)) {
          throw new Error(`${owner}: route ${route.method} ${route.path} is already registered`);
        }
        list.push(route);
        this.exact.set(route.path, list);
      } else {
        this.patterns.push(route);
      }
    }
  }

  /** Answers one request. Never rejects: a failure anywhere becomes a 500 (or a dropped socket). */
  async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = this.clock.monotonic();
    const matched = { route: UNROUTED };
    try {
      await this.route(req, res, matched);
    } catch (error) {
      this.logger.error({ err: error, path: req.url }, 'route failed');
      if (!res.headersSent) sendJsonError(res, 500, 'internal error', {}, true);
      else res.destroy();
    } finally {
      this.responses.add([matched.route, String(res.statusCode)]);
      this.durations.observe(matched.route, (this.clock.monotonic() - started) / 1000);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, matched: { route: string }): Promise<void> {
    const url = parseRequestTarget(req.url ?? '/');
    if (url === undefined) {
      sendJsonError(res, 400, 'invalid request target: expected a path such as /v1/traces', {}, true);
      return;
    }
    const refused = browserGuard(req, url.pathname, this.auth.enabled);
    if (refused !== undefined) {
      sendJsonError(res, refused.status, refused.message, {}, true);
      return;
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    let candidates = this.exact.get(url.pathname);
    let params: readonly string[] = [];
    let route = candidates?.find((r) => r.method === method);
    if (route === undefined) {
      for (const pattern of this.patterns) {
        const match = (pattern.path as RegExp).exec(url.pathname);
        if (match === null) continue;
        candidates = [...(candidates ?? []), pattern];
        if (pattern.method === method) {
          const decoded = decodeParams(match);
          if (decoded === undefined) {
            sendJsonError(res, 400, `malformed percent-encoding in ${url.pathname}`, {}, true);
            return;
          }
          route = pattern;
          params = decoded;
          break;
        }
      }
    }
    if (route === undefined) {
      if (candidates !== undefined && candidates.length > 0) {
        // HEAD is answered wherever GET is (above), so it is allowed there too.
        const methods = candidates.flatMap((r) => (r.method === 'GET' ? ['GET', 'HEAD'] : [r.method]));
        const allow = [...new Set(methods)].join(', ');
        sendJsonError(res, 405, `method ${req.method} not allowed on ${url.pathname}`, { allow }, true);
      } else {
        sendJsonError(res, 404, notFoundMessage(url.pathname), {}, true);
      }
      return;
    }
    matched.route = routeLabel(route);
    const auth = this.auth.check(req, route.scope);
    if (!auth.ok) {
      this.refusals.refused(matched.route, auth.status, auth.message);
      const headers = { 'www-authenticate': auth.challenge };
      const encoding = route.scope === 'ingest' ? encodingOf(req.headers['content-type']) : undefined;
      if (encoding === undefined) {
        sendJsonError(res, auth.status, auth.message, headers, true);
      } else {
        // OTLP clients expect a google.rpc.Status in their own encoding.
        const code = auth.status === 401 ? RPC_CODE.UNAUTHENTICATED : RPC_CODE.PERMISSION_DENIED;
        send(
          res,
          auth.status,
          contentTypeOf(encoding),
          encodeStatus(encoding, code, auth.message),
          headers,
          true,
        );
      }
      return;
    }
    const label = matched.route;
    await route.handle(req, res, url, params, {
      token: auth.token,
      refused: (status, message) => this.refusals.refused(label, status, message),
    });
  }
}

/** A pattern's captured path segments, percent-decoded; undefined when one is malformed (`%E0%A4%A`). */
function decodeParams(match: RegExpExecArray): string[] | undefined {
  const out: string[] = [];
  for (const p of match.slice(1)) {
    if (p === undefined) {
      out.push('');
      continue;
    }
    try {
      out.push(decodeURIComponent(p));
    } catch {
      return undefined;
    }
  }
  return out;
}
