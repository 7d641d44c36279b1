/**
 * The fault provider's HTTP server: routes API requests through the fault registry, counts
 * them, and answers in the provider's wire format. {@link startFaultProvider} is the entry point.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '@breakwater/protocol';
import { isRecord } from './canned.ts';
import { handleControl } from './control.ts';
import { execute } from './faults/execute.ts';
import { errorBody, errorStatus, renderError } from './faults/provider-errors.ts';
import { FaultRegistry } from './faults/registry.ts';
import type { ScriptStatus } from './faults/script.ts';
import type { FaultAction, FaultScript, RouteSelector } from './faults/types.ts';
import { parseScripts } from './faults/validate.ts';
import { BodyTooLargeError, readBody, sendJson } from './http.ts';
import { IdSource } from './ids.ts';
import { anthropicCountTokensRoute } from './routes/anthropic-count-tokens.ts';
import { anthropicMessagesRoute } from './routes/anthropic-messages.ts';
import { openaiPathOf } from './routes/azure-paths.ts';
import { geminiPathOf } from './routes/gemini-paths.ts';
import { openaiChatRoute } from './routes/openai-chat.ts';
import { openaiEmbeddingsRoute } from './routes/openai-embeddings.ts';
import { openaiResponsesRoute } from './routes/openai-responses.ts';
import { NOT_AN_OBJECT, type Route } from './routes/route.ts';
import { type FaultProviderStats, type Outcome, type StatsFilter, StatsRecorder } from './stats.ts';

/** Options of {@link startFaultProvider}. */
export interface FaultProviderOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Time source for latency, hangs' neighbours and script windows; default the system clock. */
  clock?: Clock;
  /** Uniform [0, 1) source for error rates and lognormal latency; default `Math.random`. See `seededRandom`. */
  random?: () => number;
  /** Called with one line per API request. Off by default: the success path stays quiet and fast. */
  log?: (line: string) => void;
}

/** A running fault provider. */
export interface FaultProvider {
  /** Base URL, e.g. `http://127.0.0.1:8081`. */
  readonly url: string;
  /** `baseURL` for the `openai` client: `${url}/v1`. */
  readonly openaiBaseUrl: string;
  /** `baseURL` for the `@anthropic-ai/sdk` client: `${url}`. */
  readonly anthropicBaseUrl: string;
  /** `baseURL` for Gemini clients (`@ai-sdk/google`'s `createGoogleGenerativeAI`): `${url}/v1beta`. */
  readonly geminiBaseUrl: string;
  readonly port: number;
  /**
   * Installs fault scripts (one, an array, or `{ scripts: [...] }`), each replacing the script
   * for the same route/model target. Validates everything first: on bad input it throws
   * `FaultScriptError` and changes nothing.
   */
  script(scripts: FaultScript | readonly FaultScript[] | { scripts: readonly FaultScript[] }): void;
  /** Removes all scripts, or the one for a target. Returns how many were removed. */
  clearFaults(target?: { route?: RouteSelector; model?: string; apiKey?: string }): number;
  /** Installed scripts and their progress. */
  faults(): ScriptStatus[];
  /** Requests that arrived, per route, model and outcome. */
  stats(): FaultProviderStats;
  /** How many requests arrived matching the filter (all when omitted). */
  count(filter?: StatsFilter): number;
  resetStats(): void;
  /** Stops listening and drops every open connection (including hung ones). */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const ROUTES: readonly Route[] = [
  openaiChatRoute,
  openaiResponsesRoute,
  openaiEmbeddingsRoute,
  anthropicMessagesRoute,
  anthropicCountTokensRoute,
];

/** Internals shared with the control API. */
export interface ProviderState {
  readonly registry: FaultRegistry;
  readonly stats: StatsRecorder;
}

/** Starts an OpenAI-, Anthropic- and Gemini-compatible server with scriptable faults. */
export async function startFaultProvider(options: FaultProviderOptions = {}): Promise<FaultProvider> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const log = options.log;
  const host = options.host ?? '127.0.0.1';
  const registry = new FaultRegistry(clock, random);
  const stats = new StatsRecorder();
  const ids = new IdSource();
  const state: ProviderState = { registry, stats };
  const routes = new Map(ROUTES.map((r) => [r.path, r]));
  const routeOfAzurePath = (path: string): Route | undefined => {
    const openaiPath = openaiPathOf(path);
    return openaiPath === undefined ? undefined : routes.get(openaiPath);
  };
  /** The route a path reaches, and the model it names (Gemini's paths do). */
  const routeOf = (path: string): { route: Route; model?: string } | undefined => {
    const route = routes.get(path) ?? routeOfAzurePath(path);
    return route !== undefined ? { route } : geminiPathOf(path);
  };

  async function handleApi(
    route: Route,
    pathModel: string | undefined,
    req: IncomingMessage,
    res: ServerResponse,
    query: string,
  ): Promise<void> {
    const requestId = ids.id('req_');
    // Gemini names no request id in a header: its responses carry a `responseId`.
    const headers: Record<string, string> =
      route.provider === 'openai'
        ? { 'x-request-id': requestId, 'openai-version': '2020-10-01', 'openai-processing-ms': '0' }
        : route.provider === 'anthropic'
          ? { 'request-id': requestId }
          : {};
    let raw: string;
    try {
      raw = await readBody(req);
    } catch (err) {
      if (err instanceof BodyTooLargeError)
        invalid(route, res, headers, requestId, pathModel ?? '(unknown)', err.message, 413);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      invalid(
        route,
        res,
        headers,
        requestId,
        pathModel ?? '(unknown)',
        'We could not parse the JSON body of your request.',
      );
      return;
    }
    const request = isRecord(body) ? route.parse(body, pathModel) : NOT_AN_OBJECT;
    if (typeof request === 'string') {
      const model =
        pathModel ?? (isRecord(body) && typeof body.model === 'string' ? body.model : '(unknown)');
      invalid(route, res, headers, requestId, model, request);
      return;
    }
    const action = registry.take(route.id, route.provider, request.model, apiKeyOf(req, query));
    const outcome = outcomeOf(action);
    stats.record(route.id, request.model, outcome);
    log?.(`${route.id} ${request.model}${request.stream ? ' stream' : ''} → ${outcome}`);
    await execute(action, {
      route,
      request,
      res,
      clock,
      random,
      headers,
      requestId,
      render: { ids, nowSeconds: Math.floor(clock.now() / 1000) },
    });
  }

  function invalid(
    route: Route,
    res: ServerResponse,
    headers: Record<string, string>,
    requestId: string,
    model: string,
    message: string,
    status = 400,
  ): void {
    stats.record(route.id, model, 'invalid_request');
    log?.(`${route.id} ${model} → invalid_request: ${message}`);
    const error = renderError(route.provider, { status, message }, model);
    if (route.provider === 'openai') error.error.code = null;
    sendJson(res, status, JSON.stringify(errorBody(route.provider, error.error, requestId)), headers);
  }

  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const found = routeOf(path);
    const query = q === -1 ? '' : url.slice(q + 1);
    let work: Promise<void>;
    if (found !== undefined && req.method === 'POST')
      work = handleApi(found.route, found.model, req, res, query);
    else if (found !== undefined) work = methodNotAllowed(res);
    else work = handleControl(state, req, res, path, new URLSearchParams(query));
    work.catch((err: unknown) => {
      // A bug must not take the server down in the middle of someone else's test.
      if (!res.headersSent) sendJson(res, 500, JSON.stringify({ error: { message: String(err) } }));
      else res.destroy();
    });
  });
  // Clients with keep-alive pools expect idle sockets to stay up a while, as they do at the real APIs.
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };

  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    geminiBaseUrl: `${url}/v1beta`,
    port,
    script(scripts) {
      registry.install(parseScripts(scripts));
    },
    clearFaults: (target) => registry.clear(target),
    faults: () => registry.list(),
    stats: () => stats.snapshot(),
    count: (filter) => stats.count(filter),
    resetStats: () => stats.reset(),
    close,
    [Symbol.asyncDispose]: close,
  };
}

function outcomeOf(action: FaultAction | undefined): Outcome {
  if (action === undefined || action.fault === 'ok') return 'ok';
  if (action.fault === 'error') return `error_${errorStatus(action)}`;
  return action.fault;
}

async function methodNotAllowed(res: ServerResponse): Promise<void> {
  res.setHeader('allow', 'POST');
  sendJson(
    res,
    405,
    JSON.stringify({ error: { message: 'Method not allowed; use POST.', type: 'invalid_request_error' } }),
  );
}

/**
 * The API key a client sent: `Authorization: Bearer <key>` (OpenAI), `x-api-key` (Anthropic),
 * `api-key` (Azure OpenAI), `x-goog-api-key` or the `key` query parameter (Gemini).
 */
function apiKeyOf(req: IncomingMessage, query: string): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return auth.slice(7).trim();
  const key = req.headers['x-api-key'] ?? req.headers['api-key'] ?? req.headers['x-goog-api-key'];
  if (typeof key === 'string') return key;
  return query === '' ? undefined : (new URLSearchParams(query).get('key') ?? undefined);
}
