/**
 * The control API: script faults and read counts over HTTP, for tests and demos running in
 * another process. Mirrors the `FaultProvider` object.
 *
 * | method + path               | what                                                      |
 * |-----------------------------|-----------------------------------------------------------|
 * | `GET /_control/faults`      | installed scripts and their progress                      |
 * | `POST /_control/faults`     | install scripts (one, an array, or `{ scripts }`)         |
 * | `PUT /_control/faults`      | replace all scripts with the given ones                   |
 * | `DELETE /_control/faults`   | remove all scripts, or one with `?route=…&model=…&apiKey=…` |
 * | `POST /_control/reset`      | remove all scripts and zero the stats                     |
 * | `GET /_stats`               | counts; with `?route=&model=&outcome=` also `count`       |
 * | `POST /_stats/reset`, `DELETE /_stats` | zero the stats                                 |
 * | `GET /_health`              | liveness                                                  |
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultScriptError, ROUTE_IDS, type RouteId, type RouteSelector } from './faults/types.ts';
import { parseScripts, ROUTE_SELECTORS } from './faults/validate.ts';
import { BodyTooLargeError, readBody, sendJson } from './http.ts';
import type { ProviderState } from './server.ts';

export async function handleControl(
  state: ProviderState,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: URLSearchParams,
): Promise<void> {
  const method = req.method ?? 'GET';
  const { registry, stats } = state;
  const endpoint = `${method} ${path}`;
  // A typo such as `?modle=` must not widen "remove this target" into "remove everything" or
  // quietly count everything; nor may a filter on an endpoint that takes none be ignored.
  const accepted = QUERY_PARAMETERS[endpoint];
  if (accepted !== undefined) {
    const problem = badQuery(query, accepted);
    if (problem !== undefined) return badRequest(res, problem);
  }
  switch (endpoint) {
    case 'GET /_health':
      return reply(res, 200, { ok: true });
    case 'GET /_control/faults':
      return reply(res, 200, { scripts: registry.list() });
    case 'POST /_control/faults':
    case 'PUT /_control/faults': {
      const body = await jsonBody(req, res);
      if (body === NO_BODY) return;
      let scripts: ReturnType<typeof parseScripts>;
      try {
        scripts = parseScripts(body);
      } catch (err) {
        if (err instanceof FaultScriptError) return badRequest(res, `invalid fault script: ${err.message}`);
        throw err;
      }
      if (method === 'PUT') registry.clear();
      registry.install(scripts);
      return reply(res, 200, { installed: scripts.length, scripts: registry.list() });
    }
    case 'DELETE /_control/faults': {
      const route = query.get('route');
      const model = query.get('model');
      const apiKey = query.get('apiKey');
      if (route !== null && !ROUTE_SELECTORS.includes(route)) {
        return badRequest(res, `route must be one of ${ROUTE_SELECTORS.join(', ')}`);
      }
      const removed =
        route === null && model === null && apiKey === null
          ? registry.clear()
          : registry.clear({
              route: (route ?? '*') as RouteSelector,
              model: model ?? '*',
              ...(apiKey === null ? {} : { apiKey }),
            });
      return reply(res, 200, { removed });
    }
    case 'POST /_control/reset':
      registry.clear();
      stats.reset();
      return reply(res, 200, { ok: true });
    case 'GET /_stats': {
      const snapshot = stats.snapshot();
      if (query.size === 0) return reply(res, 200, snapshot);
      const route = query.get('route') ?? undefined;
      if (route !== undefined && !(ROUTE_IDS as readonly string[]).includes(route)) {
        return badRequest(res, `route must be one of ${ROUTE_IDS.join(', ')}`);
      }
      const filter = {
        route: route as RouteId | undefined,
        model: query.get('model') ?? undefined,
        outcome: query.get('outcome') ?? undefined,
      };
      return reply(res, 200, { ...snapshot, filter, count: stats.count(filter) });
    }
    case 'POST /_stats/reset':
    case 'DELETE /_stats':
      stats.reset();
      return reply(res, 200, { ok: true });
    default:
      return reply(res, 404, {
        error: {
          message: `Unknown route: ${method} ${path}`,
          type: 'invalid_request_error',
          code: 'unknown_url',
        },
      });
  }
}

/** The query parameters each endpoint takes (most take none). */
const QUERY_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  'GET /_health': [],
  'GET /_control/faults': [],
  'POST /_control/faults': [],
  'PUT /_control/faults': [],
  'DELETE /_control/faults': ['route', 'model', 'apiKey'],
  'POST /_control/reset': [],
  'GET /_stats': ['route', 'model', 'outcome'],
  'POST /_stats/reset': [],
  'DELETE /_stats': [],
};

/** Why a query is refused (an unknown or repeated parameter, an empty value), or `undefined`. */
function badQuery(query: URLSearchParams, allowed: readonly string[]): string | undefined {
  for (const name of new Set(query.keys())) {
    if (!allowed.includes(name)) {
      return allowed.length === 0
        ? `${name}: this endpoint takes no query parameters`
        : `${name}: unknown query parameter (allowed: ${allowed.join(', ')})`;
    }
    const values = query.getAll(name);
    if (values.length > 1) return `${name}: given more than once`;
    if (values[0] === '') return `${name} must be a non-empty string`;
  }
  return undefined;
}

const NO_BODY = Symbol('no body');

/** Parses a JSON request body, answering 400/413 itself when it cannot. */
async function jsonBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  let raw: string;
  try {
    raw = await readBody(req);
  } catch (err) {
    if (err instanceof BodyTooLargeError) reply(res, 413, { error: { message: err.message } });
    return NO_BODY;
  }
  try {
    return JSON.parse(raw);
  } catch (err) {
    badRequest(res, `body is not valid JSON: ${(err as Error).message}`);
    return NO_BODY;
  }
}

function badRequest(res: ServerResponse, message: string): void {
  reply(res, 400, { error: { message } });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, JSON.stringify(body));
}
