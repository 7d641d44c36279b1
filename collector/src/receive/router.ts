import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger, Route } from '../component.ts';
import type { TokenAuth } from './auth.ts';
import { browserGuard } from './browser-guard.ts';
import { send, sendJsonError } from './http-reply.ts';
import { contentTypeOf, encodeStatus, encodingOf, RPC_CODE } from './otlp-responses.ts';
import { parseRequestTarget } from './request-target.ts';

/**
 * Dispatches requests over the routes of every component: exact paths first, then patterns in
 * registration order. Refuses cross-site browser requests and, without auth, foreign `Host`s
 * first (see {@link browserGuard}), then checks the route's token scope before calling it.
 * Unknown paths get 404, known paths with another method 405 (with `Allow`), all as JSON errors.
 */
export class Router {
  private readonly exact = new Map<string, Route[]>();
  private readonly patterns: Route[] = [];
  private readonly auth: TokenAuth;
  private readonly logger: Logger;

  constructor(auth: TokenAuth, logger: Logger) {
    this.auth = auth;
    this.logger = logger;
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
    try {
      await this.route(req, res);
    } catch (error) {
      this.logger.error({ err: error, path: req.url }, 'route failed');
      if (!res.headersSent) sendJsonError(res, 500, 'internal error', {}, true);
      else res.destroy();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
        const allow = [...new Set(candidates.map((r) => r.method))].join(', ');
        sendJsonError(res, 405, `method ${req.method} not allowed on ${url.pathname}`, { allow }, true);
      } else {
        sendJsonError(res, 404, `no route for ${url.pathname}`, {}, true);
      }
      return;
    }
    const auth = this.auth.check(req, route.scope);
    if (!auth.ok) {
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
    await route.handle(req, res, url, params, { token: auth.token });
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
