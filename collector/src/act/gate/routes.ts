import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  FlaggerWebhookSchema,
  GATE_PATHS,
  type GateAnswer,
  GateAnswerSchema,
  type GateHealth,
  GateHealthSchema,
  type GateRollbackEvent,
  GateRollbackEventSchema,
} from '@breakwater/protocol';
import type { Route } from '../../component.ts';
import { type GateQuery, GateQueryError } from '../../evaluate/gate/evaluate-gate.ts';
import { bearerToken } from '../../receive/auth.ts';
import { BodyChunks } from '../../receive/body-chunks.ts';
import { send, sendJsonError } from '../../receive/http-reply.ts';
import { mediaTypeOf } from '../../receive/media-type.ts';
import { gateParams, parseGateQuery } from './query.ts';

/** Largest JSON body accepted by the gate's POST routes. */
export const MAX_GATE_BODY_BYTES = 64 * 1024;

/** What the routes call; the gate component implements it. */
export interface GateHandlers {
  decide(query: GateQuery): Promise<GateAnswer>;
  /**
   * The answer {@link decide} would give, without counting it, raising an incident or telling
   * listeners: for `HEAD`, which monitors and link checkers send expecting no effect.
   */
  preview(query: GateQuery): Promise<GateAnswer>;
  /** Whether the service is green (`sinceMs`: only events after it count). */
  health(service: string, excluded: readonly string[], sinceMs: number | undefined): Promise<GateHealth>;
  recordRollback(event: GateRollbackEvent): void;
  /**
   * Checks a bearer token for the `gate` scope (`undefined` = no token, `null` = an
   * `Authorization` header of another form); `undefined` when auth is off. Used by the Flagger
   * route, which also accepts the token in the webhook's metadata because Flagger cannot send
   * headers.
   */
  authorize?: (
    token: string | null | undefined,
  ) => { ok: true } | { ok: false; status: 401 | 403; challenge: string; message: string };
}

/** HTTP status a Flagger webhook gets per decision: only PROCEED is 2xx. */
export const FLAGGER_STATUS = { PROCEED: 200, HALT: 503, ROLLBACK: 409 } as const;

/**
 * The gate API:
 * - `GET /v1/gate?service=&version=[&baseline=][&slo=]` → `GateAnswer` (200 whatever the
 *   decision, so Argo's web provider can read it with `jsonPath`); 400 for bad parameters.
 * - `POST /v1/gate` (Flagger webhook) → the answer, 200 on PROCEED, 409 ROLLBACK, 503 HALT.
 * - `GET /v1/gate/health?service=[&exclude=][&since=]` → `GateHealth` (recovery tracking); 400
 *   for an unknown parameter, a missing, repeated or overlong `service`, or a `since` that is not
 *   epoch milliseconds.
 * - `POST /v1/gate/rollbacks` → 202; counts a rollback or recovery the CLI measured.
 *
 * Both POST routes take `application/json` only (415 otherwise; Flagger and the CLI send it).
 */
export function gateRoutes(handlers: GateHandlers): Route[] {
  const decide = async (
    res: ServerResponse,
    query: GateQuery,
    record = true,
  ): Promise<GateAnswer | undefined> => {
    try {
      return GateAnswerSchema.parse(await (record ? handlers.decide(query) : handlers.preview(query)));
    } catch (error) {
      if (error instanceof GateQueryError) {
        sendJsonError(res, 400, error.message);
        return undefined;
      }
      throw error;
    }
  };
  return [
    {
      method: 'GET',
      path: GATE_PATHS.DECISION,
      scope: 'gate',
      async handle(req, res, url) {
        const parsed = parseGateQuery(url.searchParams);
        if (!parsed.ok) return sendJsonError(res, 400, parsed.errors.join('; '));
        const answer = await decide(res, parsed.query, req.method !== 'HEAD');
        if (answer !== undefined) sendJson(res, 200, answer);
      },
    },
    {
      method: 'POST',
      path: GATE_PATHS.DECISION,
      // Authorized below: Flagger can only pass a token inside the webhook metadata.
      scope: 'public',
      async handle(req, res, _url, _params, caller) {
        const { authorize } = handlers;
        const refused = (token: string | null | undefined): boolean => {
          const verdict = authorize?.(token);
          if (verdict === undefined || verdict.ok) return false;
          // No token anywhere: say where this route takes one (Flagger sends no headers).
          const message = token === undefined ? `${verdict.message}${WHERE_THE_TOKEN_GOES}` : verdict.message;
          caller?.refused?.(verdict.status, verdict.message);
          sendJsonError(res, verdict.status, message, { 'www-authenticate': verdict.challenge });
          return true;
        };
        // A token in the header is checked before the body is read; one in the metadata before the
        // body is validated, so a caller without a good token learns nothing of what we expect. A
        // header of another form is refused as such, not passed over for the metadata.
        const header = bearerToken(req.headers.authorization);
        if (header !== undefined && refused(header)) return;
        const bytes = await readBody(req, res);
        if (bytes === undefined) return;
        const body = parseJson(bytes);
        if (header === undefined && refused(metadataToken(body))) return;
        if (body === NOT_JSON) return sendJsonError(res, 400, 'body is not valid JSON');
        const hook = FlaggerWebhookSchema.safeParse(body);
        if (!hook.success)
          return sendJsonError(res, 400, `not a Flagger webhook payload: ${issues(hook.error)}`);
        const { token: _token, ...metadata } = hook.data.metadata ?? {};
        const parsed = parseGateQuery(metadata);
        if (!parsed.ok) return sendJsonError(res, 400, `webhook metadata: ${parsed.errors.join('; ')}`);
        const answer = await decide(res, parsed.query);
        if (answer === undefined) return;
        const headers: Record<string, string> = answer.decision === 'HALT' ? { 'retry-after': '30' } : {};
        sendJson(res, FLAGGER_STATUS[answer.decision], answer, headers);
      },
    },
    {
      method: 'GET',
      path: GATE_PATHS.HEALTH,
      scope: 'gate',
      async handle(_req, res, url) {
        // Read as GET /v1/gate's query is: a second service would otherwise be ignored unseen.
        const params = gateParams(url.searchParams, ['service', 'exclude', 'since']);
        const service = params.single('service');
        const exclude = params.values('exclude');
        const since = params.epochMs('since');
        if (params.errors.length > 0 || service === undefined)
          return sendJsonError(res, 400, params.errors.join('; '));
        sendJson(res, 200, GateHealthSchema.parse(await handlers.health(service, exclude, since)));
      },
    },
    {
      method: 'POST',
      path: GATE_PATHS.ROLLBACKS,
      scope: 'gate',
      async handle(req, res) {
        const body = await readJson(req, res);
        if (body === undefined) return;
        const event = GateRollbackEventSchema.safeParse(body);
        if (!event.success) return sendJsonError(res, 400, `invalid rollback event: ${issues(event.error)}`);
        handlers.recordRollback(event.data);
        sendJson(res, 202, { accepted: true });
      },
    },
  ];
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, 'application/json', JSON.stringify(body), { 'cache-control': 'no-store', ...headers });
}

function issues(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues
    .map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`)
    .join('; ');
}

/** The webhook metadata's `token`, read before the payload is validated. */
function metadataToken(body: unknown): string | undefined {
  const token = (body as { metadata?: { token?: unknown } } | null | undefined)?.metadata?.token;
  return typeof token === 'string' ? token : undefined;
}

const NOT_JSON = Symbol('not JSON');

/** Added to "missing bearer token" on the webhook route. */
const WHERE_THE_TOKEN_GOES =
  ': send it as "Authorization: Bearer <token>", or as metadata.token in a Flagger webhook';

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return NOT_JSON;
  }
}

/** Reads a JSON body up to {@link MAX_GATE_BODY_BYTES}; answers 415/413/400 itself and returns undefined. */
async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const bytes = await readBody(req, res);
  if (bytes === undefined) return undefined;
  const body = parseJson(bytes);
  if (body !== NOT_JSON) return body;
  sendJsonError(res, 400, 'body is not valid JSON');
  return undefined;
}

/**
 * True for `application/json`, with or without parameters (`; charset=utf-8`). Anything else is
 * refused: `text/plain` and form types are what a web page may POST cross-origin without a CORS
 * preflight, so accepting them would let any page the operator visits fake gate events.
 */
export function isJsonContentType(contentType: string | undefined): boolean {
  return mediaTypeOf(contentType) === 'application/json';
}

/**
 * Reads a JSON request's body up to {@link MAX_GATE_BODY_BYTES}; answers 415 (not JSON), 413 or
 * 400 (the body broke off) itself and returns undefined. The content type is checked first, so a refused body is never read.
 */
async function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
  const contentType = req.headers['content-type'];
  if (!isJsonContentType(contentType)) {
    sendJsonError(
      res,
      415,
      `unsupported content type "${contentType ?? ''}": send the body as application/json`,
      {},
      true,
    );
    return undefined;
  }
  // Kept in about its size however small the client's chunks (see BodyChunks).
  const chunks = new BodyChunks();
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (chunks.size + chunk.length > MAX_GATE_BODY_BYTES) {
        sendJsonError(res, 413, `body larger than ${MAX_GATE_BODY_BYTES} bytes`, {}, true);
        return undefined;
      }
      chunks.push(chunk);
    }
  } catch (error) {
    // The client hung up mid-body (or broke its chunked framing): its failure, answered (and
    // counted) as one, like the OTLP receiver's; thrown on, it became a 500 logged as an error.
    sendJsonError(res, 400, `request body not received: ${(error as Error).message}`, {}, true);
    return undefined;
  }
  return chunks.toBuffer();
}
