import { COLLECTOR_PATHS, SloListSchema, type SloStatus, SloStatusSchema } from '@breakwater/protocol';
import type { Route } from '../component.ts';
import { send, sendJsonError } from '../receive/http-reply.ts';

/** `GET /v1/slos/{name}`: the name is one path segment. */
export const SLO_BY_NAME_PATH = new RegExp(`^${COLLECTOR_PATHS.SLOS}/([^/]+)$`);

/**
 * `GET /v1/slos` (`{ slos: SloStatus[] }`) and `GET /v1/slos/{name}` (`SloStatus`, or 404 with a
 * JSON error), admin scope. Bodies are validated against the protocol schemas before they go
 * out, so a client can rely on them.
 */
export function sloRoutes(current: () => Promise<readonly SloStatus[]>): Route[] {
  return [
    {
      method: 'GET',
      path: COLLECTOR_PATHS.SLOS,
      scope: 'admin',
      async handle(_req, res) {
        const body = SloListSchema.parse({ slos: await current() });
        sendJson(res, 200, body);
      },
    },
    {
      method: 'GET',
      path: SLO_BY_NAME_PATH,
      label: `${COLLECTOR_PATHS.SLOS}/{name}`,
      scope: 'admin',
      async handle(_req, res, _url, params) {
        // Percent-decoded by the router already: decoding again would read `%2561` as `a`.
        const name = params[0] ?? '';
        const slo = (await current()).find((s) => s.name === name);
        if (slo === undefined) {
          sendJsonError(res, 404, `no SLO named "${name}"`);
          return;
        }
        sendJson(res, 200, SloStatusSchema.parse(slo));
      },
    },
  ];
}

function sendJson(res: Parameters<typeof send>[0], status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body), { 'cache-control': 'no-store' });
}
